#!/usr/bin/env bash
# Berth vs docker: load / save / import / export / commit / `run --rm` wall time, berth peak RSS,
# memory flatness on a ~1 GB image, start-up (`berth images` with 1,000 tags, `berth ps -a` with
# 50 exited containers) against `node -e 0`. Run with `npm run bench` (builds first), as root,
# with a docker daemon running and hyperfine, debootstrap, /usr/bin/time, python3 installed.
#
# Two regimes (docs/benchmarks.md, "Method"):
# - the headline, everyday regime: warm caches, nothing deleted or synced before a timed command,
#   berth and docker runs alternated (A B B A ...), the same files for both. A run that needs a
#   state a delete would give (an image not yet in the store) gets a target made ahead of time:
#   its own variant of the archive (every layer with one 21-byte member added), its own copy of
#   the rootfs tar, its own new store directory, its own output file name, its own container.
#   Deletes happen only between sections, followed by `sync` and SETTLE seconds of rest.
# - the after-delete regime (the bench's method before), a secondary table only: each run
#   prepared by deleting the last run's result right before it, then `sync`.
# and, as a check on the peer, every docker command timed on its own with a plain `hyperfine -N`.
#
# Test data is built once and cached in .bench/ (gitignored): a Debian bookworm minbase rootfs
# (debootstrap; a generated tree of similar size if that fails), the docker-save archives of a
# 1-layer and a 3-layer image made from it, a ~1 GB 4-layer archive, a 1,000-tag and a 10,000-tag
# archive, and the per-run variants (.bench/var/). Delete .bench/ to rebuild them. Results:
# bench/results.md (overwritten by a run of every section) and .bench/results/ (raw hyperfine
# JSON, /usr/bin/time outputs, facts.txt with the UTC start time of each measurement).
#
# Environment: RUNS (default 5) runs per measurement of the headline, DEL_RUNS (3; 0 skips) of
# the after-delete regime, PLAIN_RUNS (5) of the plain docker checks, RUN_RUNS (20) for
# `run --rm true`, STARTUP_ROUNDS (10) rounds of STARTUP_PER (3) runs for start-up, BIG_RUNS (3)
# for the ~1 GB image, BIG_MB (800) size of its extra layer, SETTLE (65) seconds of rest after
# the deletes between sections (ext4 skips inodes freed in the last 60 s), KEEP_DOCKER_IMAGES=1
# leaves the berth-bench* docker images in place at the end. SECTIONS (default all: "load save
# big startup containers persist tags") runs a part, reported in .bench/results/partial.md only.
# persist: import of the rootfs tar, import + first run, export, and commit of a 50 MB change.
# tags: load of the 1-layer image carrying 10,000 tags (docker one run; it takes minutes).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
B=$REPO/.bench
R=$B/results
W=$B/work
V=$B/var
RUNS=${RUNS:-5}
DEL_RUNS=${DEL_RUNS:-3}
PLAIN_RUNS=${PLAIN_RUNS:-5}
BIG_RUNS=${BIG_RUNS:-3}
RUN_RUNS=${RUN_RUNS:-20}
STARTUP_ROUNDS=${STARTUP_ROUNDS:-10}
STARTUP_PER=${STARTUP_PER:-3}
SETTLE=${SETTLE:-65}
ALL_SECTIONS="load save big startup containers persist tags"
SECTIONS=${SECTIONS:-$ALL_SECTIONS}
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
BIG_MB=${BIG_MB:-800}
TAGS=1000
PS_CONTAINERS=50
# This sandbox exports NODE_EXTRA_CA_CERTS, which makes every node process parse ~140 CA
# certificates at start-up (~50 ms of CPU); no berth user has it (and bin/berth drops it), so
# nothing timed here has it: not node -e 0, not berth, not docker.
unset NODE_EXTRA_CA_CERTS
# Berth runs from a snapshot of dist/ taken now, so a rebuild by someone else mid-run cannot
# change (or break) what is measured. Same entry point shape as bin/berth.
SNAP=$W/berth
BERTH="$SNAP/bin/berth"
TOOLS="python3 $REPO/bench/tools.py"
IMG=berth-bench            # every docker object this script creates is named berth-bench*

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in docker hyperfine python3 /usr/bin/time node runc conmon; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
[ "$(id -u)" = 0 ] || die "run as root (berth run needs it)"
docker info >/dev/null 2>&1 || die "the docker daemon is not reachable (docker info failed)"
# dist/ may be in the middle of someone's rebuild: wait (up to 5 min) for a complete one
for _ in $(seq 1 60); do [ -f "$REPO/dist/berth.cjs" ] && [ -f "$REPO/dist/berth.cjs.cache" ] && break; sleep 5; done
[ -f "$REPO/dist/berth.cjs" ] || die "berth is not built; run npm run bench (it builds first)"

mkdir -p "$B" "$R" "$W" "$V"
# What is measured: BERTH_DIST (default: dist/, what was last built in this work tree) started by
# the launcher in BERTH_BIN (default: the committed one, HEAD's bin/, not whatever bin/ holds
# mid-change in a shared work tree). BERTH_LABEL names it in the report. To measure the
# committed code when dist/ holds someone's work in progress: build HEAD elsewhere (git archive
# HEAD | tar -x -C DIR, symlink node_modules and build/ into DIR, tsc -p tsconfig.json && node
# scripts/bundle.mjs there) and run with BERTH_DIST=DIR/dist BERTH_BIN=DIR/bin.
BERTH_DIST=${BERTH_DIST:-$REPO/dist}
rm -rf "$SNAP" && mkdir -p "$SNAP/bin" && cp -a "$BERTH_DIST" "$SNAP/dist"
if [ -n "${BERTH_BIN:-}" ]; then
  cp "$BERTH_BIN/berth" "$BERTH_BIN/berth.cjs" "$SNAP/bin/"
else
  for f in berth berth.cjs; do git -C "$REPO" show "HEAD:bin/$f" > "$SNAP/bin/$f"; done
fi
chmod +x "$SNAP/bin/berth"
$BERTH version >/dev/null || die "the dist/ snapshot in $SNAP does not run"
rm -f "$R"/*.json "$R"/*.rss "$R"/*.log "$R"/facts.txt

# every docker container and image named berth-bench*, and the labelled imports
docker_cleanup() {
  docker ps -aq --filter "name=^$IMG" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker images --format '{{.Repository}} {{.ID}}' | awk -v p="$IMG" 'index($1, p) == 1 {print $2}' | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
  docker images -q --filter "label=berth-bench-import=1" | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
}
# rm_store DIR...: removes berth stores, their containers first (a container's mounts live there)
rm_store() {
  local s
  for s in "$@"; do
    [ -d "$s" ] || continue
    if [ -d "$s/v1/containers" ]; then
      $BERTH --root "$s" ps -aq 2>/dev/null | xargs -r $BERTH --root "$s" rm -f >/dev/null 2>&1 || true
    fi
    rm -rf "$s"
  done
}
cleanup() {
  local rc=$?
  if [ "${KEEP_DOCKER_IMAGES:-0}" != 1 ]; then docker_cleanup; fi
  # nothing of ours may stay mounted under $W before it goes
  grep -o " $W/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$W"
  [ $rc -eq 0 ] || log "failed (exit $rc); partial results in $R"
}
trap cleanup EXIT

# ---------------------------------------------------------------- test data (cached)
ROOTFS=$B/rootfs
if [ ! -f "$B/rootfs.source" ]; then
  rm -rf "$ROOTFS" "$B/rootfs.tmp"
  log "building the Debian bookworm minbase rootfs with debootstrap (first run only, a few minutes)"
  if [ "$(id -u)" = 0 ] && command -v debootstrap >/dev/null \
     && debootstrap --variant=minbase bookworm "$B/rootfs.tmp" http://deb.debian.org/debian >"$B/debootstrap.log" 2>&1; then
    mv "$B/rootfs.tmp" "$ROOTFS"
    echo "Debian bookworm minbase (debootstrap --variant=minbase bookworm)" > "$B/rootfs.source"
  else
    log "WARNING: debootstrap failed (see $B/debootstrap.log); using a generated deterministic tree of similar size instead"
    rm -rf "$B/rootfs.tmp"
    $TOOLS gen-tree "$ROOTFS"
    echo "GENERATED deterministic tree (debootstrap failed; NOT Debian)" > "$B/rootfs.source"
  fi
  rm -f "$B/rootfs.tar" "$B/save1.tar" "$B/save3.tar" "$B/big.tar" "$B/tags.tar"
fi
grep -q GENERATED "$B/rootfs.source" && log "WARNING: test data is a generated tree, not Debian (debootstrap failed earlier; rm -rf .bench to retry)"

if [ ! -f "$B/rootfs.tar" ]; then
  log "tar of the rootfs"
  tar --numeric-owner -C "$ROOTFS" -cf "$B/rootfs.tar.tmp" . && mv "$B/rootfs.tar.tmp" "$B/rootfs.tar"
fi

if [ ! -f "$B/save1.tar" ] || [ ! -f "$B/save3.tar" ]; then
  log "building the docker images: import (1 layer), + 50 x 1 MiB random files, + /etc/third and rm -rf /usr/share/doc"
  docker_cleanup
  docker import "$B/rootfs.tar" $IMG:base >/dev/null
  docker run --network none --name $IMG-c50 $IMG:base sh -c 'mkdir /data && for i in $(seq 1 50); do head -c 1048576 /dev/urandom > /data/f$i; done'
  docker commit $IMG-c50 $IMG:c50 >/dev/null
  docker run --network none --name $IMG-c3 $IMG:c50 sh -c 'echo third > /etc/third && rm -rf /usr/share/doc'
  docker commit $IMG-c3 $IMG:l3 >/dev/null
  docker rm -f $IMG-c50 $IMG-c3 >/dev/null
  docker save -o "$B/save1.tar.tmp" $IMG:base && mv "$B/save1.tar.tmp" "$B/save1.tar"
  docker save -o "$B/save3.tar.tmp" $IMG:l3 && mv "$B/save3.tar.tmp" "$B/save3.tar"
  docker_cleanup
  rm -f "$B/big.tar" "$B/tags.tar"
fi

if [ ! -f "$B/big.tar" ] || [ "$(cat "$B/big.mb" 2>/dev/null)" != "$BIG_MB" ]; then
  log "building the big image archive: the 3-layer image + a layer of $BIG_MB MiB of /dev/urandom data"
  rm -rf "$B/bigdata" && mkdir -p "$B/bigdata/big"
  for i in $(seq 1 $((BIG_MB / 100))); do head -c 100M /dev/urandom > "$B/bigdata/big/blob$i"; done
  tar --numeric-owner --owner=0 --group=0 -C "$B/bigdata" -cf "$B/big-layer.tar" big
  rm -rf "$B/bigdata"
  $TOOLS big "$B/save3.tar" "$B/big-layer.tar" "$B/big.tar" $IMG:big
  rm -f "$B/big-layer.tar"
  echo "$BIG_MB" > "$B/big.mb"
fi

if [ ! -f "$B/tags10k.tar" ]; then
  log "building the 10,000-tag archive (the 1-layer image with 10,000 RepoTags)"
  $TOOLS retag "$B/save1.tar" "$B/tags10k.tar" 10000 $IMG-10k/app
fi

if [ ! -f "$B/tags.tar" ]; then
  log "building the $TAGS-tag archive (the 1-layer image with $TAGS RepoTags)"
  $TOOLS retag "$B/save1.tar" "$B/tags.tar" $TAGS $IMG-tags/app
fi

# the per-run variants of the headline regime (index 0 is the untimed first round)
NV=$((RUNS + 1))
if want load; then
  log "variants of the archives for the load runs (first time only)"
  $TOOLS variants "$B/save3.tar" "$V" load3 "$NV" $IMG-var:load3-
  $TOOLS variants "$B/save1.tar" "$V" load1 "$NV" $IMG-var:load1-
fi
if want persist; then
  log "copies of the rootfs tar for the import runs (first time only)"
  $TOOLS uniq-tar "$B/rootfs.tar" "$V" imp "$NV"
  $TOOLS uniq-tar "$B/rootfs.tar" "$V" ir "$NV"
fi

# ---------------------------------------------------------------- machine facts
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host=$(hostname)"
  echo "nproc=$(nproc)"
  echo "cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "kernel=$(uname -r)"
  echo "mem=$(free -g | awk '/^Mem:/{print $2 " GiB"}')"
  echo "fs=$(df -T "$B" | awk 'NR==2{print $2}')"
  echo "docker=$(docker version --format '{{.Server.Version}}' 2>/dev/null) (CLI $(docker version --format '{{.Client.Version}}' 2>/dev/null))"
  echo "docker_driver=$(docker info --format '{{.Driver}}' 2>/dev/null)"
  echo "node=$(node -v)"
  echo "hyperfine=$(hyperfine --version | awk '{print $2}')"
  if [ -n "${BERTH_LABEL:-}" ]; then
    label=$BERTH_LABEL
  else
    dirty=$(git -C "$REPO" diff --shortstat HEAD -- src 2>/dev/null | sed 's/^ *//')
    untracked=$(git -C "$REPO" ls-files --others --exclude-standard -- src 2>/dev/null | wc -l)
    label="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)${dirty:+ + uncommitted src changes ($dirty)}$([ "$untracked" -gt 0 ] && echo " + $untracked untracked src files")"
  fi
  echo "berth_rev=$label; dist $BERTH_DIST built $(date -u -r "$SNAP/dist/berth.cjs" '+%H:%M UTC'); launcher ${BERTH_BIN:-HEAD:bin}/berth$(grep -q snapshot-blob "$SNAP/bin/berth" && echo ' (start-up snapshot)')"
  echo "rootfs_source=$(cat "$B/rootfs.source")"
  echo "rootfs_paths=$(find "$ROOTFS" | wc -l)"
  for f in rootfs save1 save3 big tags; do echo "${f}_bytes=$(stat -c %s "$B/$f.tar")"; done
  echo "sections=$SECTIONS"
  echo "runs=$RUNS"
  echo "del_runs=$DEL_RUNS"
  echo "plain_runs=$PLAIN_RUNS"
  echo "run_runs=$RUN_RUNS"
  echo "startup_rounds=$STARTUP_ROUNDS"
  echo "startup_per=$STARTUP_PER"
  echo "big_runs=$BIG_RUNS"
  echo "settle=$SETTLE"
  echo "big_mb=$BIG_MB"
  echo "node_extra_ca_certs=${NODE_EXTRA_CA_CERTS:+set}${NODE_EXTRA_CA_CERTS:-unset}"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "startup_tags=$TAGS"
} > "$R/facts.txt"

# ---------------------------------------------------------------- measuring
fact() { echo "$1=$2" >> "$R/facts.txt"; }
stamp() { fact "t_$1" "$(date -u +%H:%M:%S)"; }
warm() { cat "$@" > /dev/null; }   # same warm page cache for both tools
# settle: after the deletes between sections, the next section's files are created only once
# ext4 no longer counts the freed inodes as recently deleted (60 s once their blocks are clean).
settle() { sync; log "settling $SETTLE s after deletes"; sleep "$SETTLE"; }
# quiesce [-q]: wait (at most 120 s) until the kernel has written back what earlier commands
# wrote (dirty + writeback pages below 64 MiB), on its own: no sync, and nothing deleted. Before
# every timed run (alt) and after a preparation that wrote a lot: a command starts on a machine
# whose disk is idle, as when someone types it, not in the wake of the other tool's writes
# (docker does not fsync what it writes, Berth does, so its fsyncs would wait behind docker's
# data). QUIET_S is the time waited.
quiesce() {
  local t=0 d
  while :; do
    d=$(awk '/^(Dirty|Writeback):/ {s += $2} END {print int(s / 1024)}' /proc/meminfo)
    if [ "$d" -lt 64 ] || [ $t -ge 120 ]; then break; fi
    sleep 0.5; t=$((t + 1))
  done
  QUIET_S=$((t / 2))
  [ "${1:-}" = -q ] || log "quiet after ${QUIET_S} s (dirty + writeback: $d MiB)"
}
report_measure() {
  printf '[bench] %-20s median %7.3f s   peak RSS (median) %s KiB\n' "$1" \
    "$(python3 -c "import json,statistics,sys; print(statistics.median(json.load(open(sys.argv[1]))['results'][0]['times']))" "$R/$1.json")" \
    "$($TOOLS median "$R/$1.rss")" >&2
}

# alt RUNS PER RSS NAME CMD [NAME CMD ...]: the headline regime. RUNS rounds; in each, every
# command runs PER times (hyperfine -N --runs PER, no --prepare), in the given order in odd rounds
# and reversed in even ones (A B, B A, A B ...). "{i}" in a command is the round (1..RUNS), so
# each round can use a target of its own made ahead. Round 0 runs every command once, untimed
# (NOWARM=1 skips it). RSS=1: /usr/bin/time appends the command's peak RSS (KiB) to NAME.rss.
# Before each round, PRE (a command, "{i}" replaced too) runs untimed, e.g. to read the round's
# input into the page cache (this VM pages out what was not read for about a minute: DAMON);
# before each command, quiesce -q (the seconds waited are summed in facts.txt, quiet_NAME).
alt() {
  local runs=$1 per=$2 rss=$3 i k s c
  shift 3
  local -a names=() cmds=() order=()
  while (($#)); do names+=("$1"); cmds+=("$2"); shift 2; done
  local n=${#names[@]}
  for ((k = 0; k < n; k++)); do rm -f "$R/${names[k]}".run*.json "$R/${names[k]}.rss" "$R/${names[k]}.log"; done
  if [ "${NOWARM:-0}" != 1 ]; then
    for ((k = 0; k < n; k++)); do
      c=${cmds[k]//\{i\}/0}
      eval "$c" >/dev/null 2>>"$R/${names[k]}.log" || { cat "$R/${names[k]}.log" >&2; die "untimed round of ${names[k]} failed: $c"; }
    done
  fi
  local -a waited=()
  for ((k = 0; k < n; k++)); do waited[k]=0; done
  for ((i = 1; i <= runs; i++)); do
    order=()
    if ((i % 2)); then for ((k = 0; k < n; k++)); do order+=("$k"); done
    else for ((k = n - 1; k >= 0; k--)); do order+=("$k"); done; fi
    if [ -n "${PRE:-}" ]; then eval "${PRE//\{i\}/$i}"; fi
    for s in "${order[@]}"; do
      quiesce -q
      waited[s]=$((waited[s] + QUIET_S))
      c=${cmds[s]//\{i\}/$i}
      ((rss)) && c="/usr/bin/time -f %M -a -o $R/${names[s]}.rss $c"
      if ! hyperfine -N --runs "$per" --export-json "$R/${names[s]}.run$i.json" "$c" >>"$R/${names[s]}.log" 2>&1; then
        cat "$R/${names[s]}.log" >&2
        die "measurement ${names[s]} (round $i) failed"
      fi
    done
  done
  for ((k = 0; k < n; k++)); do
    $TOOLS merge "$R/${names[k]}.json" "$R/${names[k]}".run*.json && rm -f "$R/${names[k]}".run*.json
    fact "quiet_${names[k]}" "${waited[k]}"
    report_measure "${names[k]}"
  done
}

# plain KEY WHAT [--prepare CMD] CMD: the peer check, docker's command alone, hyperfine -N, one
# warm-up run, PLAIN_RUNS runs. WHAT says what each repeat does (in the report).
plain() {
  local key=$1 what=$2; shift 2
  local -a prep=()
  if [ "$1" = --prepare ]; then prep=(--prepare "$2"); shift 2; fi
  fact "plain_$key" "$what"
  fact "tplain_$key" "$(date -u +%H:%M:%S)"
  log "plain docker check: $*"
  if ! hyperfine -N --warmup 1 --runs "$PLAIN_RUNS" "${prep[@]}" --export-json "$R/plain-docker-$key.json" "$*" >"$R/plain-docker-$key.log" 2>&1; then
    cat "$R/plain-docker-$key.log" >&2
    die "plain check $key failed"
  fi
  report_measure "plain-docker-$key"
}

# del NAME PREPARE CMD: the after-delete regime (secondary): hyperfine -N, DEL_RUNS runs, PREPARE
# (a delete, then sync) before every run.
del() {
  local name=$1 prep=$2; shift 2
  local cmd="/usr/bin/time -f %M -a -o $R/del-$name.rss $*"
  rm -f "$R/del-$name.rss"
  if ! hyperfine -N --runs "$DEL_RUNS" --prepare "$prep" --export-json "$R/del-$name.json" "$cmd" >"$R/del-$name.log" 2>&1; then
    cat "$R/del-$name.log" >&2
    die "measurement del-$name failed"
  fi
  report_measure "del-$name"
}
# del_alt RUNS NAME_A PREPARE_A CMD_A NAME_B PREPARE_B CMD_B: the same, runs interleaved (for the
# measurements that unpack a tree, as before).
del_alt() {
  local runs=$1 i s order
  local -a name=("$2" "$5") prep=("$3" "$6") cmd=("$4" "$7")
  for s in 0 1; do rm -f "$R/del-${name[s]}".run*.json "$R/del-${name[s]}.log" "$R/del-${name[s]}.rss"; done
  for ((i = 1; i <= runs; i++)); do
    if ((i % 2)); then order="0 1"; else order="1 0"; fi
    for s in $order; do
      if ! hyperfine -N --runs 1 --prepare "${prep[s]}" --export-json "$R/del-${name[s]}.run$i.json" \
        "/usr/bin/time -f %M -a -o $R/del-${name[s]}.rss ${cmd[s]}" >>"$R/del-${name[s]}.log" 2>&1; then
        cat "$R/del-${name[s]}.log" >&2
        die "measurement del-${name[s]} (run $i) failed"
      fi
    done
  done
  for s in 0 1; do
    $TOOLS merge "$R/del-${name[s]}.json" "$R/del-${name[s]}".run*.json && rm -f "$R/del-${name[s]}".run*.json
    report_measure "del-${name[s]}"
  done
}

OUT=$W/out
mkdir -p "$OUT"
ROUNDS=$(seq 0 "$RUNS")

if want load; then
  docker_cleanup
  settle
  for n in 3 1; do
    warm "$V"/load$n.*.tar
    quiesce
    log "load $n-layer: docker and berth alternated, each run its own variant, berth into a new store"
    stamp load$n
    PRE="cat $V/load$n.{i}.tar > /dev/null" alt "$RUNS" 1 1 docker-load$n "docker load -q -i $V/load$n.{i}.tar" \
      berth-load$n "$BERTH --root $W/sl$n.{i} load -q -i $V/load$n.{i}.tar"
  done
  # the peer check: docker rmi (no sync) before each run, the original archives
  warm "$B/save3.tar" "$B/save1.tar"
  plain load3 '`docker rmi` of the image before each run (no sync)' --prepare "sh -c 'docker rmi -f $IMG:l3 >/dev/null 2>&1; true'" docker load -q -i "$B/save3.tar"
  docker rmi -f $IMG:l3 >/dev/null
  plain load1 '`docker rmi` of the image before each run (no sync)' --prepare "sh -c 'docker rmi -f $IMG:base >/dev/null 2>&1; true'" docker load -q -i "$B/save1.tar"
  if [ "$DEL_RUNS" -gt 0 ]; then
    RMI_ALL="sh -c 'docker rmi -f $IMG:base $IMG:l3 >/dev/null 2>&1; sync'"
    for n in 3 1; do
      warm "$B/save$n.tar"
      log "load $n-layer, after-delete regime"
      fact tdel_load$n "$(date -u +%H:%M:%S)"
      del docker-load$n "$RMI_ALL" docker load -q -i "$B/save$n.tar"
      del berth-load$n "sh -c 'rm -rf $W/sdel; sync'" $BERTH --root "$W/sdel" load -q -i "$B/save$n.tar"
    done
  fi
  rm_store "$W"/sl* "$W/sdel"
  docker_cleanup
fi

if want save; then
  # docker holds both images (loaded once), berth a store with both; every run writes a new file
  docker load -q -i "$B/save3.tar" >/dev/null
  docker load -q -i "$B/save1.tar" >/dev/null
  S_SAVE=$W/store-save
  $BERTH --root "$S_SAVE" load -q -i "$B/save3.tar" >/dev/null
  $BERTH --root "$S_SAVE" load -q -i "$B/save1.tar" >/dev/null
  quiesce
  for n in 3 1; do
    tag=$([ $n = 3 ] && echo l3 || echo base)
    log "save $n-layer: docker and berth alternated, each run a new output file"
    stamp save$n
    alt "$RUNS" 1 1 docker-save$n "docker save -o $OUT/d-save$n.{i}.tar $IMG:$tag" \
      berth-save$n "$BERTH --root $S_SAVE save -o $OUT/b-save$n.{i}.tar $IMG:$tag"
    # sanity: what berth saved names the image docker has
    want_id=$(docker image inspect -f '{{.Id}}' $IMG:$tag)
    got=$(tar -xOf "$OUT/b-save$n.1.tar" manifest.json | python3 -c 'import json,sys; print("sha256:" + json.load(sys.stdin)[0]["Config"].split("/")[-1].removesuffix(".json"))')
    [ "$want_id" = "$got" ] || die "berth save wrote image $got, docker has $want_id"
  done
  rm -f "$OUT"/*.tar
  plain save3 'the same output file overwritten' docker save -o "$OUT/plain-save3.tar" $IMG:l3
  plain save1 'the same output file overwritten' docker save -o "$OUT/plain-save1.tar" $IMG:base
  rm -f "$OUT"/*.tar
  if [ "$DEL_RUNS" -gt 0 ]; then
    for n in 3 1; do
      tag=$([ $n = 3 ] && echo l3 || echo base)
      log "save $n-layer, after-delete regime"
      fact tdel_save$n "$(date -u +%H:%M:%S)"
      del docker-save$n "sh -c 'rm -f $OUT/d.tar; sync'" docker save -o "$OUT/d.tar" $IMG:$tag
      del berth-save$n "sh -c 'rm -f $OUT/b.tar; sync'" $BERTH --root "$S_SAVE" save -o "$OUT/b.tar" $IMG:$tag
    done
  fi
  rm -f "$OUT"/*.tar
  rm_store "$S_SAVE"
  docker_cleanup
fi

if want big; then
  # memory flatness: the ~1 GB image, berth only; new store directory and new output file per run
  warm "$B/big.tar"
  quiesce
  log "load big image: berth, each run into a new store"
  stamp loadbig
  PRE="cat $B/big.tar > /dev/null" alt "$BIG_RUNS" 1 1 berth-loadbig "$BERTH --root $W/sbig.{i} load -q -i $B/big.tar"
  quiesce
  log "save big image: berth, each run a new file"
  stamp savebig
  alt "$BIG_RUNS" 1 1 berth-savebig "$BERTH --root $W/sbig.1 save -o $OUT/savebig.{i}.tar $IMG:big"
  rm_store "$W"/sbig.*
  rm -f "$OUT"/*.tar
fi

if want startup; then
  # start-up: `berth images` (1,000 tags) and `berth ps -a` (50 exited containers), one store
  S_TAGS=$W/store-tags
  $BERTH --root "$S_TAGS" load -q -i "$B/tags.tar" >/dev/null
  log "start-up: $PS_CONTAINERS exited containers"
  for k in $(seq 1 $PS_CONTAINERS); do
    $BERTH --root "$S_TAGS" run --name $IMG-ps$k $IMG-tags/app000:v0 true
  done
  lines=$($BERTH --root "$S_TAGS" images | tail -n +2 | wc -l)
  [ "$lines" -eq "$TAGS" ] || die "berth images lists $lines rows, expected $TAGS"
  pslines=$($BERTH --root "$S_TAGS" ps -a | tail -n +2 | wc -l)
  [ "$pslines" -eq "$PS_CONTAINERS" ] || die "berth ps -a lists $pslines rows, expected $PS_CONTAINERS"
  fact startup_lines "$lines"
  fact startup_ps_lines "$pslines"
  quiesce
  log "start-up: node -e 0, berth images, berth ps -a alternated ($STARTUP_ROUNDS rounds of $STARTUP_PER)"
  stamp startup
  alt "$STARTUP_ROUNDS" "$STARTUP_PER" 0 startup-node "node -e 0" \
    startup-images "$BERTH --root $S_TAGS images" startup-ps "$BERTH --root $S_TAGS ps -a"
  rm_store "$S_TAGS"
fi

if want containers; then
  # containers: the 1-layer (~200 MB) image. berth as root with runc + conmon, docker --network none.
  layer1=$(tar -xOf "$B/save1.tar" manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Layers"][0])')
  tar -xOf "$B/save1.tar" "$layer1" > "$W/layer1.tar"
  # first run of an image loaded earlier (its layer indexed on first use) against tar -x of the
  # layer into a new directory: a store per round, loaded now; nothing deleted before a run
  for i in $ROUNDS; do $BERTH --root "$W/srun.$i" load -q -i "$B/save1.tar" >/dev/null; mkdir -p "$W/untar.$i"; done
  docker load -q -i "$B/save1.tar" >/dev/null
  settle   # the deletes of the previous sections
  warm "$B/save1.tar" "$W/layer1.tar"
  quiesce
  log "first run of a loaded image vs tar -x of its layer, alternated"
  stamp firstrun
  PRE="cat $W/layer1.tar $W/srun.{i}/v1/blobs/sha256/* > /dev/null" alt "$RUNS" 1 1 untar-layer1 "tar -xf $W/layer1.tar -C $W/untar.{i}" \
    berth-firstrun "$BERTH --root $W/srun.{i} run --rm $IMG:base true"
  log "run --rm true on a warm image: docker and berth alternated"
  S_RUN=$W/srun.0
  quiesce
  stamp run
  alt "$RUN_RUNS" 1 1 docker-run "docker run --rm --network none $IMG:base true" \
    berth-run "$BERTH --root $S_RUN run --rm $IMG:base true"
  plain run 'the same command again' docker run --rm --network none $IMG:base true
  if [ "$DEL_RUNS" -gt 0 ]; then
    log "run --rm and first run, after-delete regime"
    # run --rm: before each run, a tree of the rootfs deleted (made well before), then sync
    for i in $(seq 1 $((2 * DEL_RUNS))); do mkdir -p "$W/junk.$i" && tar -xf "$W/layer1.tar" -C "$W/junk.$i"; done
    printf '#!/bin/sh\nj=$(ls -d %s/junk.* 2>/dev/null | head -1); [ -n "$j" ] && rm -rf "$j"; sync\n' "$W" > "$W/deljunk.sh"
    sleep 2
    fact tdel_run "$(date -u +%H:%M:%S)"
    del docker-run "sh $W/deljunk.sh" docker run --rm --network none $IMG:base true
    del berth-run "sh $W/deljunk.sh" $BERTH --root "$S_RUN" run --rm $IMG:base true
    PREP_FIRST="sh -c 'rm -rf $W/sdel $W/untardel; $BERTH --root $W/sdel load -q -i $B/save1.tar >/dev/null; cat $W/layer1.tar >/dev/null; mkdir $W/untardel; sync'"
    fact tdel_firstrun "$(date -u +%H:%M:%S)"
    del_alt "$DEL_RUNS" untar-layer1 "$PREP_FIRST" "tar -xf $W/layer1.tar -C $W/untardel" \
      berth-firstrun "$PREP_FIRST" "$BERTH --root $W/sdel run --rm $IMG:base true"
  fi
  left=$($BERTH --root "$S_RUN" ps -aq | wc -l)
  [ "$left" -eq 0 ] || die "berth run --rm left $left containers behind"
  rm_store "$W"/srun.* "$W/sdel"
  rm -rf "$W"/untar* "$W"/junk.* "$W/layer1.tar"
  docker_cleanup
fi

if want persist; then
  # import / export / commit on the rootfs tar (the 1-layer image's content), one store for berth
  S_P=$W/store-persist
  LABEL="LABEL berth-bench-import=1"
  settle   # the deletes of the previous sections
  warm "$V"/imp.*.tar
  quiesce
  log "import: docker and berth alternated, each run its own copy of the rootfs tar (a new image)"
  stamp import
  PRE="cat $V/imp.{i}.tar > /dev/null" alt "$RUNS" 1 1 docker-import "docker import -c '$LABEL' $V/imp.{i}.tar $IMG:imp{i}" \
    berth-import "$BERTH --root $S_P import -c '$LABEL' $V/imp.{i}.tar $IMG:imp{i}"
  printf 'docker import -c "%s" %s/ir.$1.tar %s:ir$1 >/dev/null && docker run --rm --network none %s:ir$1 true\n' "$LABEL" "$V" $IMG $IMG > "$W/importrun-docker.sh"
  printf '%s --root %s import -c "%s" %s/ir.$1.tar %s:ir$1 >/dev/null && %s --root %s run --rm %s:ir$1 true\n' "$BERTH" "$S_P" "$LABEL" "$V" $IMG "$BERTH" "$S_P" $IMG > "$W/importrun-berth.sh"
  warm "$V"/ir.*.tar
  quiesce
  log "import + first run: alternated"
  stamp importrun
  PRE="cat $V/ir.{i}.tar > /dev/null" alt "$RUNS" 1 1 docker-importrun "sh -e $W/importrun-docker.sh {i}" berth-importrun "sh -e $W/importrun-berth.sh {i}"
  # export: a stopped container of the imported image that changed a file
  docker run --network none --name $IMG-exp $IMG:imp0 sh -c 'echo changed > /etc/changed'
  $BERTH --root "$S_P" run --name $IMG-exp $IMG:imp0 sh -c 'echo changed > /etc/changed'
  quiesce
  log "export: alternated, each run a new output file"
  stamp export
  alt "$RUNS" 1 1 docker-export "docker export -o $OUT/d-export.{i}.tar $IMG-exp" \
    berth-export "$BERTH --root $S_P export -o $OUT/b-export.{i}.tar $IMG-exp"
  fact export_bytes_docker "$(stat -c %s "$OUT/d-export.1.tar")"
  fact export_bytes_berth "$(stat -c %s "$OUT/b-export.1.tar")"
  rm -f "$OUT"/*.tar
  # commit: a stopped container per round on each side, each having written 50 MB of random data
  for i in $ROUNDS; do
    docker run --network none --name $IMG-big50-$i $IMG:imp0 sh -c 'head -c 52428800 /dev/urandom > /big50'
    $BERTH --root "$S_P" run --name $IMG-big50-$i $IMG:imp0 sh -c 'head -c 52428800 /dev/urandom > /big50'
  done
  quiesce
  log "commit of a 50 MB change: alternated, each run its own container"
  stamp commit
  alt "$RUNS" 1 1 docker-commit "docker commit $IMG-big50-{i} $IMG:commit{i}" \
    berth-commit "$BERTH --root $S_P commit $IMG-big50-{i} $IMG:commit{i}"
  # the peer check
  warm "$B/rootfs.tar"
  plain import 'the same tar imported again under the same tag (after the first, its layer exists)' docker import -c "'$LABEL'" "$B/rootfs.tar" $IMG:plainimp
  plain export 'the same output file overwritten' docker export -o "$OUT/plain-export.tar" $IMG-exp
  plain commit 'the same container committed again under the same tag' docker commit $IMG-big50-0 $IMG:plaincommit
  rm -f "$OUT"/*.tar
  if [ "$DEL_RUNS" -gt 0 ]; then
    log "import, export, commit: after-delete regime"
    S_D=$W/sdel
    fact tdel_import "$(date -u +%H:%M:%S)"
    del_alt "$DEL_RUNS" docker-import "sh -c 'docker rmi -f $IMG:delimp >/dev/null 2>&1; sync'" "docker import -c '$LABEL' $B/rootfs.tar $IMG:delimp" \
      berth-import "sh -c 'rm -rf $S_D; sync'" "$BERTH --root $S_D import -c '$LABEL' $B/rootfs.tar $IMG:delimp"
    fact tdel_export "$(date -u +%H:%M:%S)"
    del docker-export "sh -c 'rm -f $OUT/d.tar; sync'" docker export -o "$OUT/d.tar" $IMG-exp
    del berth-export "sh -c 'rm -f $OUT/b.tar; sync'" $BERTH --root "$S_P" export -o "$OUT/b.tar" $IMG-exp
    fact tdel_commit "$(date -u +%H:%M:%S)"
    del docker-commit "sh -c 'docker rmi -f $IMG:delcommit >/dev/null 2>&1; sync'" docker commit $IMG-big50-0 $IMG:delcommit
    del berth-commit "sh -c '$BERTH --root $S_P rmi -f $IMG:delcommit >/dev/null 2>&1; $BERTH --root $S_P image prune -f >/dev/null 2>&1; sync'" \
      $BERTH --root "$S_P" commit $IMG-big50-0 $IMG:delcommit
    rm -f "$OUT"/*.tar
  fi
  rm_store "$S_P" "$W/sdel"
  docker_cleanup
fi

if want tags; then
  # 10,000 tags: docker load once (it takes minutes), berth three times, each into a new store
  docker_cleanup
  settle
  warm "$B/tags10k.tar"
  log "load with 10,000 tags: docker (one run)"
  stamp load10k
  NOWARM=1 alt 1 1 1 docker-load10k "docker load -q -i $B/tags10k.tar"
  fact docker_tags10k "$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -c "^$IMG-10k/app")"
  log "load with 10,000 tags: berth"
  NOWARM=1 alt 3 1 1 berth-load10k "$BERTH --root $W/s10k.{i} load -q -i $B/tags10k.tar"
  fact berth_tags10k "$($BERTH --root "$W/s10k.1" images --format '{{.Repository}}:{{.Tag}}' | grep -c "^$IMG-10k/app")"
  rm_store "$W"/s10k.*
  docker_cleanup
fi
fact loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- report
echo
if [ "$SECTIONS" = "$ALL_SECTIONS" ]; then REPORT=$REPO/bench/results.md; else REPORT=$R/partial.md; log "partial run ($SECTIONS): report in $REPORT, bench/results.md unchanged"; fi
$TOOLS report "$R" "$REPORT"
