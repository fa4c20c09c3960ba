#!/usr/bin/env bash
# A short tour of Berth on a busybox image it builds itself, in a throw-away store.
set -euo pipefail
cd "$(dirname "$0")/.."
berth() { bin/berth "$@"; }
export BERTH_ROOT=${BERTH_ROOT:-$(mktemp -d /tmp/berth-demo.XXXXXX)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { printf '\n$ %s\n' "$*"; "$@"; }

bash examples/make-busybox-archive.sh "$work/busybox.tar" busybox-1:latest > /dev/null
run berth load -i "$work/busybox.tar"
run berth tag busybox-1:latest busybox-1:v2
run berth images
run berth images --tree
run berth history busybox-1
run berth save -o "$work/save.tar" busybox-1
run berth rmi busybox-1:latest busybox-1:v2
run berth load -i "$work/save.tar"
run berth images
if [ "$(id -u)" -eq 0 ]; then
  # The seed's check: does the image have /home/test? (containers need root)
  printf '\n$ berth run --rm busybox-1 [ -d /home/test ] && echo found\n'
  berth run --rm busybox-1 [ -d /home/test ] && echo 'Directory found' || echo 'Directory not found'
fi
printf '\nThe demo store is %s (remove it with: rm -rf %s)\n' "$BERTH_ROOT" "$BERTH_ROOT"
