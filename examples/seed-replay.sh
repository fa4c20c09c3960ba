#!/usr/bin/env bash
# Replays the guide Berth grew from (export/import, commit, save/load, layer rollback) on a small
# busybox image, and checks every claim it makes. Runs against Berth (default, in a throw-away
# store) or against a real Docker engine, to compare the answers:
#   examples/seed-replay.sh [berth|docker]
# Each claim prints "ok", "FAIL" or "unsupported" (what the tool cannot do); the exit status is
# non-zero when any claim fails. Needs root (containers run).
set -euo pipefail
cd "$(dirname "$0")/.."
tool=${1:-berth}
work=$(mktemp -d)
prefix=seed-replay-$$
case "$tool" in
  berth)
    own_root=
    if [ -z "${BERTH_ROOT:-}" ]; then own_root=$work/store; export BERTH_ROOT=$own_root; fi
    t() { bin/berth "$@"; }
    run_flags=()
    ;;
  docker)
    t() { docker "$@"; }
    run_flags=(--network none)
    ;;
  *) echo "usage: $0 [berth|docker]" >&2; exit 2 ;;
esac

base=$prefix-busybox-1
exported=$prefix-busybox-1-export
cleanup() {
  t rm -f "$prefix-c" "$prefix-dit" > /dev/null 2>&1 || true
  t rmi -f "$base:latest" "$base:committed" "$exported:latest" "$base:rollback" > /dev/null 2>&1 || true
  if [ "$tool" = berth ] && [ -n "$own_root" ]; then rm -rf "$own_root"; fi
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
claim() { # claim DESCRIPTION RESULT(ok|FAIL|unsupported) [DETAIL]
  printf '%-78s %s%s\n' "$1" "$2" "${3:+ ($3)}"
  [ "$2" != FAIL ] || failures=$((failures + 1))
}
check() { # check DESCRIPTION DETAIL COMMAND...
  local what=$1 detail=$2; shift 2
  if "$@"; then claim "$what" ok "$detail"; else claim "$what" FAIL "$detail"; fi
}
layers() { t image inspect -f '{{json .RootFS.Layers}}' "$1" | grep -o 'sha256:' | wc -l; }
size() { t image inspect -f '{{.Size}}' "$1"; }
image_exists() { t image inspect "$1" > /dev/null 2>&1; }
history_rows() { t history -q "$1" | wc -l; }
# What each history row says (not its ID or age: older rows of a loaded image have no local ID).
history_text() { t history --no-trunc --format json "$1" | grep -oE '"(CreatedBy|Comment)":"[^"]*"'; }

# The image the guide starts from: busybox with /home/test, two layers, then a third committed
# from a container that adds a file and deletes one of the lower layers' files.
bash examples/make-busybox-archive.sh "$work/busybox.tar" "$base:latest" > /dev/null
t load -i "$work/busybox.tar" > /dev/null
t run "${run_flags[@]}" --name "$prefix-c" "$base" sh -c 'echo hello > /home/test/hello && rm /etc/motd'
t commit "$prefix-c" "$base:latest" > /dev/null

# export (the container, from ps -a) and import
id=$(t ps -a -q --no-trunc -f "name=$prefix-c" | head -n 1)
check 'ps -a lists the stopped container' "${id:0:12}" test -n "$id"
t export "$id" > "$work/export.tar"
import_out=$(t import - "$exported:latest" < "$work/export.tar")
check 'import prints the new image ID' "${import_out:0:19}" grep -Eq '^sha256:[0-9a-f]{64}$' <<< "$import_out"

# save and load
t save "$base" > "$work/save.tar"
layers_before=$(t image inspect -f '{{json .RootFS.Layers}}' "$base")
history_before=$(history_text "$base")
t rmi "$base:latest" > /dev/null
t load < "$work/save.tar" > /dev/null

n_imported=$(layers "$exported"); n_loaded=$(layers "$base")
check 'exported-imported image has one layer' "$n_imported" test "$n_imported" -eq 1
check 'exported-imported image has no history (one row, no CREATED BY)' "$(history_rows "$exported") row" \
  test "$(history_rows "$exported"):$(history_text "$exported" | grep CreatedBy)" = '1:"CreatedBy":""'
check 'saved-loaded image keeps every layer' "$n_loaded layers" test "$(t image inspect -f '{{json .RootFS.Layers}}' "$base")" = "$layers_before"
check 'saved-loaded image keeps the history' "$(history_rows "$base") rows" test "$(history_text "$base")" = "$history_before"
check 'saved-loaded image keeps its tag' "$base:latest" image_exists "$base:latest"
s_imported=$(size "$exported"); s_loaded=$(size "$base")
check 'exported-imported image is slightly smaller' "$s_imported < $s_loaded bytes" test "$s_imported" -lt "$s_loaded"
s_export=$(stat -c %s "$work/export.tar"); s_save=$(stat -c %s "$work/save.tar")
check 'the image archive (save) is bigger than the snapshot (export)' "$s_save > $s_export bytes" test "$s_save" -gt "$s_export"

# images --tree (Docker removed it in 1.7; newer docker CLIs have a different --tree)
tree=$(t images --tree 2>/dev/null || true)
if grep -Eq '(Virtual Size|virtual) ' <<< "$tree"; then
  check 'images --tree shows the loaded image on its top layer' "depth $n_loaded" \
    grep -Eq "^.{$(( (n_loaded - 1) * 2 ))}[└├]─[0-9a-f]{12} .*Tags: .*$base:latest" <<< "$tree"
  check 'images --tree shows the imported image as its own one-layer root' '' grep -Eq "^[└├]─[0-9a-f]{12} .*Tags: .*$exported:latest" <<< "$tree"
else
  claim 'images --tree shows the layers with their tags' unsupported "$tool has no layer tree"
fi

# rollback: tag an earlier layer (the guide's `tag <LAYER ID> NAME`). The layer's ID is the one
# history prints, or, where history has none (<missing>), the one images --tree prints.
layer_id=$(t history -q "$base" | sed -n 2p)
if [ "$layer_id" = '<missing>' ] || [ -z "$layer_id" ]; then
  layer_id=$(grep -B1 "Tags: .*$base:latest" <<< "$tree" | head -n 1 | grep -oE '[0-9a-f]{12}' | head -n 1 || true)
fi
if [ -n "$layer_id" ] && t tag "$layer_id" "$base:rollback" 2> /dev/null; then
  check "tag <LAYER ID> rolls back one layer" "$layer_id: $(layers "$base:rollback") layers" test "$(layers "$base:rollback")" -eq $((n_loaded - 1))
  check 'the rolled-back image has the deleted file back and not the added one' '' \
    t run --rm "${run_flags[@]}" "$base:rollback" sh -c '[ -f /etc/motd ] && [ ! -e /home/test/hello ]'
else
  claim 'tag <LAYER ID> rolls back one layer' unsupported "no local image for the layer below the top (${layer_id:-no ID})"
fi

# the guide's check on the imported image
out=$(t run --rm "${run_flags[@]}" "$exported" [ -d /home/test ] && echo 'Directory found' || echo 'Directory not found')
check 'run IMPORTED [ -d /home/test ] finds the directory' "$out" test "$out" = 'Directory found'
check 'the imported image has the committed change' '' t run --rm "${run_flags[@]}" "$exported" [ -f /home/test/hello ]

# note 1 of the guide: import loses the start command
cmd=$(t image inspect -f '{{json .Config.Cmd}}' "$exported")
if [ "$cmd" != null ] && [ "$cmd" != '[]' ]; then
  claim 'import keeps the start command (the guide says it is lost)' ok "Cmd $cmd, recorded by $tool export"
else
  claim 'import keeps the start command (the guide says it is lost)' unsupported "Cmd $cmd: as the guide says"
fi

# run -dit IMAGE /bin/sh stays up
t run -dit "${run_flags[@]}" --name "$prefix-dit" "$exported" /bin/sh > /dev/null
sleep 1
check 'run -dit IMPORTED /bin/sh stays up' '' test "$(t inspect -f '{{.State.Running}}' "$prefix-dit")" = true

echo "$failures claim(s) failed"
[ "$failures" -eq 0 ]
