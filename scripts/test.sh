#!/usr/bin/env bash
# Runs every compiled test file. Node 20's `node --test DIR` finds no .ts files (and would pass
# with zero tests), so the list is explicit and an empty list is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find dist/src dist/test -name '*.test.js' 2>/dev/null | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "scripts/test.sh: no test files found under dist/ (did the build run?)" >&2
  exit 1
fi
echo "scripts/test.sh: ${#files[@]} test files" >&2
exec node --test --test-concurrency="${BERTH_TEST_CONCURRENCY:-2}" "${files[@]}"
