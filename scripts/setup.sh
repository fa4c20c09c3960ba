#!/usr/bin/env bash
# Sets up Berth on Debian 12 with Node.js 20: system packages, npm dependencies, build, then a
# short demo. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
# tar (layers), gzip/bzip2/xz/zstd/pigz (compressed archives), busybox-static (the demo image),
# runc and conmon (containers), tini (run --init), attr (the tests read overlay xattrs with
# getfattr), python3/make/g++ (better-sqlite3 and the native addon build from source), gcc and
# libc6-dev (the seccomp probe test builds a static C program).
packages="tar gzip bzip2 xz-utils zstd pigz busybox-static runc conmon tini util-linux iproute2 attr python3 make g++ gcc libc6-dev"
missing=""
for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi
npm ci --no-audit --no-fund
npm run build
if [ "${BERTH_SETUP_NO_DEMO:-0}" != 1 ]; then bash examples/demo.sh; fi
