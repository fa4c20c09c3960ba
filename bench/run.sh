#!/usr/bin/env bash
# Berth vs docker: load / save wall time, berth peak RSS, memory flatness on a ~1 GB image,
# start-up with 1,000 tags, and containers (`run --rm true` on a warm image; the first run of a
# freshly loaded image against `tar -x` of its layer). Run with `npm run bench` (builds first), as root, with a
# docker daemon running and hyperfine, debootstrap, /usr/bin/time, python3 installed.
#
# Test data is built once and cached in .bench/ (gitignored): a Debian bookworm minbase rootfs
# (debootstrap; a generated tree of similar size if that fails), the docker-save archives of a
# 1-layer and a 3-layer image made from it, a ~1 GB 4-layer archive and a 1,000-tag archive.
# Delete .bench/ to rebuild them. Results: bench/results.md (overwritten) and .bench/results/
# (raw hyperfine JSON and /usr/bin/time outputs).
#
# Environment: RUNS (default 5) runs per load/save measurement, BIG_RUNS (3) for the ~1 GB image,
# STARTUP_RUNS (30), RUN_RUNS (20) for `run --rm true`, BIG_MB (800) size of the big image's extra layer, KEEP_DOCKER_IMAGES=1 to
# leave the berth-bench:* docker images in place at the end. SECTIONS (default all: "load save
# big startup containers persist") runs a part, reported in .bench/results/partial.md only.
# persist: import of the rootfs tar, import + first run, export, and commit of a 50 MB change.
# tags: load of the 1-layer image carrying 10,000 tags (one run each; docker takes minutes).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
B=$REPO/.bench
R=$B/results
W=$B/work
RUNS=${RUNS:-5}
BIG_RUNS=${BIG_RUNS:-3}
STARTUP_RUNS=${STARTUP_RUNS:-30}
RUN_RUNS=${RUN_RUNS:-20}
ALL_SECTIONS="load save big startup containers persist tags"
SECTIONS=${SECTIONS:-$ALL_SECTIONS}
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
BIG_MB=${BIG_MB:-800}
PREP=${PREP:-delete}            # how unpacking measurements are prepared: delete or aside (see TRASH below)
TAGS=1000
# This sandbox exports NODE_EXTRA_CA_CERTS, which makes every node process parse ~140 CA
# certificates at start-up (~50 ms of CPU); no berth user has it, so measure without it.
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
[ -f "$REPO/dist/berth.cjs" ] || die "berth is not built; run npm run bench (it builds first)"
[ "$PREP" = delete ] || [ "$PREP" = aside ] || die "PREP is delete or aside, not $PREP"

mkdir -p "$B" "$R" "$W"
rm -rf "$SNAP" && mkdir -p "$SNAP/bin" && cp -a "$REPO/dist" "$SNAP/dist" && cp "$REPO/bin/berth" "$REPO/bin/berth.cjs" "$SNAP/bin/"
$BERTH version >/dev/null || die "the dist/ snapshot in $SNAP does not run"
rm -f "$R"/*.json "$R"/*.rss "$R"/*.log "$R"/facts.txt

docker_cleanup() {
  docker rm -f $IMG-c50 $IMG-c3 $IMG-exp $IMG-big50 >/dev/null 2>&1 || true
  docker rmi -f $IMG:base $IMG:c50 $IMG:l3 $IMG:big $IMG:imp $IMG:commit >/dev/null 2>&1 || true
  # the 10,000-tag image (repositories $IMG-10k/app000 ... app999): by ID, which drops every tag at once
  docker images -q --filter "reference=$IMG-10k/*" | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
  # the imports of the persist section (one image per run, all labelled)
  docker images -q --filter "label=berth-bench-import=1" | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
}
cleanup() {
  local rc=$?
  if [ "${KEEP_DOCKER_IMAGES:-0}" != 1 ]; then docker_cleanup; fi
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
  dirty=$(git -C "$REPO" diff --shortstat HEAD -- src 2>/dev/null | sed 's/^ *//')
  untracked=$(git -C "$REPO" ls-files --others --exclude-standard -- src 2>/dev/null | wc -l)
  echo "berth_rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)${dirty:+ + uncommitted src changes ($dirty)}$([ "$untracked" -gt 0 ] && echo " + $untracked untracked src files")"
  echo "rootfs_source=$(cat "$B/rootfs.source")"
  echo "rootfs_paths=$(find "$ROOTFS" | wc -l)"
  for f in rootfs save1 save3 big tags; do echo "${f}_bytes=$(stat -c %s "$B/$f.tar")"; done
  echo "runs=$RUNS"
  echo "prep=$PREP"
  echo "big_mb=$BIG_MB"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "startup_tags=$TAGS"
} > "$R/facts.txt"

# ---------------------------------------------------------------- measuring
# measure NAME RUNS PREPARE CMD...: hyperfine (wall time, JSON) with /usr/bin/time appending the
# peak RSS (KiB) of CMD's process to NAME.rss once per run. PREPARE runs before every run.
measure() {
  local name=$1 runs=$2 prep=$3; shift 3
  local cmd="/usr/bin/time -f %M -a -o $R/$name.rss $*"
  if ! hyperfine -N --runs "$runs" --prepare "$prep" --export-json "$R/$name.json" "$cmd" >"$R/$name.log" 2>&1; then
    cat "$R/$name.log" >&2
    die "measurement $name failed"
  fi
  report_measure "$name"
}
report_measure() {
  printf '[bench] %-14s median %6.2f s   peak RSS (median) %s KiB\n' "$1" \
    "$(python3 -c "import json,statistics,sys; print(statistics.median(json.load(open(sys.argv[1]))['results'][0]['times']))" "$R/$1.json")" \
    "$($TOOLS median "$R/$1.rss")" >&2
}
# measure_alternating RUNS NAME_A PREPARE_A CMD_A NAME_B PREPARE_B CMD_B: measure for two
# commands, with their runs interleaved (A B, B A, A B, ...) instead of one series after the
# other. Used where a run unpacks a tree: on this VM the cost of creating files drifts over
# minutes (inodes deleted by earlier runs pile up, freed page cache goes back to the host), and
# two back-to-back series hand that drift to whichever side runs second. CMD is one string.
measure_alternating() {
  local runs=$1 i s order
  local -a name=("$2" "$5") prep=("$3" "$6") cmd=("$4" "$7")
  for s in 0 1; do rm -f "$R/${name[s]}".run*.json "$R/${name[s]}.log"; done
  for ((i = 1; i <= runs; i++)); do
    if ((i % 2)); then order="0 1"; else order="1 0"; fi
    for s in $order; do
      if ! hyperfine -N --runs 1 --prepare "${prep[s]}" --export-json "$R/${name[s]}.run$i.json" \
        "/usr/bin/time -f %M -a -o $R/${name[s]}.rss ${cmd[s]}" >>"$R/${name[s]}.log" 2>&1; then
        cat "$R/${name[s]}.log" >&2
        die "measurement ${name[s]} (run $i) failed"
      fi
    done
  done
  for s in 0 1; do
    $TOOLS merge "$R/${name[s]}.json" "$R/${name[s]}".run*.json && rm -f "$R/${name[s]}".run*.json
    report_measure "${name[s]}"
  done
}
warm() { cat "$@" > /dev/null; sync; }   # same warm page cache for both tools, nothing dirty

# How the measurements that unpack a tree (tar -x, a first run, import) are prepared, PREP:
# - delete (the default): the previous run's tree, store or docker image is deleted, then sync.
#   On ext4 without a journal (this VM's disk) the inode allocator then skips inodes freed in
#   the last minute or so, checking each one: creating 7,000 files takes 2-4 s instead of
#   0.3-0.5 s, for tar, for Berth's first run and for docker's import alike.
# - aside: nothing is deleted: old trees and stores are moved into $TRASH (emptied when the
#   bench ends), each import reads the rootfs tar with one member made unique in place (so docker
#   makes a new layer without deleting the last), and these sections start 70 s after the last
#   delete. Writes then need fresh pages, which this VM makes costly instead (docs/benchmarks.md).
TRASH=$W/trash
mkdir -p "$TRASH"
printf '#!/bin/sh\n# aside PATH...: moves each existing PATH into the trash under a unique name\nfor p in "$@"; do [ -e "$p" ] && mv "$p" "%s/$(date +%%s%%N)-$(basename "$p")"; done; exit 0\n' "$TRASH" > "$W/aside.sh"
ASIDE="sh $W/aside.sh"
# settle: after deletes that cannot be avoided (docker rmi between sections), wait until the
# freed inodes are no longer "recent" before the next unpack is measured.
settle() { [ "$PREP" = aside ] || return 0; sync; log "settling 70 s after deletes (ext4 skips recently freed inodes)"; sleep 70; }
# (The page cache is warmed again after a settle: this VM hands cold page cache back to the host.)
# uniq.sh: gives $W/u.tar (the rootfs tar plus a 20-byte member "uniq", made once) new content
# in that member, written in place: every docker import then makes a new layer without the
# previous one being deleted, and nothing else of the 204 MB file is rewritten.
make_uniq_tar() {
  cp "$B/rootfs.tar" "$W/u.tar"
  printf '%020d' 0 > "$W/uniq"
  tar -rf "$W/u.tar" -C "$W" uniq
  local off
  off=$(python3 -c 'import sys,tarfile; t=tarfile.open(sys.argv[1]); print(next(m for m in t if m.name=="uniq").offset_data)' "$W/u.tar")
  printf '#!/bin/sh\nprintf %%020d "$(date +%%s%%N)" | dd of=%s/u.tar bs=1 seek=%s conv=notrunc status=none\ncat %s/u.tar > /dev/null\nsync\n' "$W" "$off" "$W" > "$W/uniq.sh"
  sync
}

S_LOAD=$W/store-load
S_SAVE=$W/store-save
OUT=$W/out
mkdir -p "$OUT"

if want load; then
# docker load: no image that shares a layer may exist before a run (base and l3 share layer 1).
RMI_ALL="sh -c 'docker rmi -f $IMG:base $IMG:l3 $IMG:c50 $IMG:big >/dev/null 2>&1; sync'"
docker_cleanup
for n in 3 1; do
  warm "$B/save$n.tar"
  log "load $n-layer: docker"
  measure docker-load$n "$RUNS" "$RMI_ALL" docker load -q -i "$B/save$n.tar"
  log "load $n-layer: berth"
  measure berth-load$n "$RUNS" "sh -c 'rm -rf $S_LOAD; sync'" $BERTH --root "$S_LOAD" load -q -i "$B/save$n.tar"
done
rm -rf "$S_LOAD"

fi

if want save; then
# save: docker holds both images (loaded above, load1 last so load both again); berth a store with both.
docker load -q -i "$B/save3.tar" >/dev/null
docker load -q -i "$B/save1.tar" >/dev/null
rm -rf "$S_SAVE"
$BERTH --root "$S_SAVE" load -q -i "$B/save3.tar" >/dev/null
$BERTH --root "$S_SAVE" load -q -i "$B/save1.tar" >/dev/null
for n in 3 1; do
  tag=$([ $n = 3 ] && echo l3 || echo base)
  log "save $n-layer: docker"
  measure docker-save$n "$RUNS" "sh -c 'rm -f $OUT/docker-save$n.tar; sync'" docker save -o "$OUT/docker-save$n.tar" $IMG:$tag
  log "save $n-layer: berth"
  measure berth-save$n "$RUNS" "sh -c 'rm -f $OUT/berth-save$n.tar; sync'" $BERTH --root "$S_SAVE" save -o "$OUT/berth-save$n.tar" $IMG:$tag
done
# sanity: what berth saved names the same image docker has
want=$(docker image inspect -f '{{.Id}}' $IMG:l3)
got=$(tar -xOf "$OUT/berth-save3.tar" manifest.json | python3 -c 'import json,sys; print("sha256:" + json.load(sys.stdin)[0]["Config"].split("/")[-1])')
[ "$want" = "$got" ] || die "berth save wrote image $got, docker has $want"
rm -f "$OUT"/*.tar
docker_cleanup
rm -rf "$S_SAVE"

fi

if want big; then
# memory flatness: the ~1 GB image
warm "$B/big.tar"
log "load big image: berth"
measure berth-loadbig "$BIG_RUNS" "sh -c 'rm -rf $S_LOAD; sync'" $BERTH --root "$S_LOAD" load -q -i "$B/big.tar"
log "save big image: berth"
measure berth-savebig "$BIG_RUNS" "sh -c 'rm -f $OUT/berth-savebig.tar; sync'" $BERTH --root "$S_LOAD" save -o "$OUT/berth-savebig.tar" $IMG:big
rm -rf "$S_LOAD" "$OUT"/*.tar

fi

if want startup; then
# start-up: `berth images` over a store with 1,000 tags vs a bare node
S_TAGS=$W/store-tags
rm -rf "$S_TAGS"
$BERTH --root "$S_TAGS" load -q -i "$B/tags.tar" >/dev/null
lines=$($BERTH --root "$S_TAGS" images | tail -n +2 | wc -l)
[ "$lines" -eq "$TAGS" ] || die "berth images lists $lines rows, expected $TAGS"
echo "startup_lines=$lines" >> "$R/facts.txt"
log "start-up: node -e 0 vs berth images ($lines tags)"
hyperfine -N --warmup 3 --runs "$STARTUP_RUNS" --export-json "$R/startup.json" \
  "node -e 0" "$BERTH --root $S_TAGS images" >"$R/startup.log" 2>&1 || { cat "$R/startup.log" >&2; die "start-up measurement failed"; }
rm -rf "$S_TAGS"

fi

if want containers; then
# containers: the 1-layer (~200 MB) image. berth runs as root with runc + conmon, docker with --network none.
S_RUN=$W/store-run
UNTAR=$W/untar
layer1=$(tar -xOf "$B/save1.tar" manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Layers"][0])')
tar -xOf "$B/save1.tar" "$layer1" > "$W/layer1.tar"
settle
warm "$B/save1.tar" "$W/layer1.tar"
log "first run of a freshly loaded image (unpack included): tar -x of its layer vs berth"
# Both start from the same state: the previous run's files gone (the previous store, with its
# unpacked layer, or the previous tar -x tree; deleted or moved aside, see PREP), the image
# freshly loaded into a new store, an empty directory, sync. The layer tar is read once more in
# each preparation: this VM gives cold page cache back to the host within a minute, and tar must
# not read from disk where berth reads a blob just written.
if [ "$PREP" = aside ]; then CLEAR_FIRST="$ASIDE $S_RUN $UNTAR"; else CLEAR_FIRST="rm -rf $S_RUN $UNTAR"; fi
PREP_FIRST="sh -c '$CLEAR_FIRST; $BERTH --root $S_RUN load -q -i $B/save1.tar >/dev/null; cat $W/layer1.tar >/dev/null; mkdir $UNTAR; sync'"
measure_alternating "$RUNS" untar-layer1 "$PREP_FIRST" "tar -xf $W/layer1.tar -C $UNTAR" \
  berth-firstrun "$PREP_FIRST" "$BERTH --root $S_RUN run --rm $IMG:base true"
rm -rf "$UNTAR"
log "run --rm true on a warm image: docker vs berth"
docker load -q -i "$B/save1.tar" >/dev/null
docker run --rm --network none $IMG:base true
$BERTH --root "$S_RUN" run --rm $IMG:base true
hyperfine -N --warmup 2 --runs "$RUN_RUNS" --export-json "$R/run-warm.json" \
  "docker run --rm --network none $IMG:base true" "$BERTH --root $S_RUN run --rm $IMG:base true" \
  >"$R/run-warm.log" 2>&1 || { cat "$R/run-warm.log" >&2; die "run --rm measurement failed"; }
left=$($BERTH --root "$S_RUN" ps -aq | wc -l)
[ "$left" -eq 0 ] || die "berth run --rm left $left containers behind"
rm -rf "$S_RUN" "$W/layer1.tar"
docker_cleanup

fi
if want persist; then
# import / export / commit on the rootfs tar (the 1-layer image's content). Docker's imported
# image is removed before each run; berth imports into a fresh store each run.
S_P=$W/store-persist
if [ "$PREP" = aside ]; then
  # Each run imports the rootfs tar with one member made unique in place ($W/u.tar, see uniq.sh):
  # docker makes a new layer every time without deleting the last (its images are labelled and
  # removed at the end), and berth imports into a new store (the last one moved aside).
  make_uniq_tar
  IMPORT_TAR=$W/u.tar
  DOCKER_IMPORT_PREP="sh $W/uniq.sh"
  BERTH_IMPORT_PREP="sh -c '$ASIDE $S_P; sh $W/uniq.sh'"
else
  IMPORT_TAR=$B/rootfs.tar
  DOCKER_IMPORT_PREP="sh -c 'docker rmi -f $IMG:imp >/dev/null 2>&1; sync'"
  BERTH_IMPORT_PREP="sh -c 'rm -rf $S_P; sync'"
fi
settle
warm "$IMPORT_TAR"
log "import: docker vs berth"
LABEL="LABEL berth-bench-import=1"
measure_alternating "$RUNS" docker-import "$DOCKER_IMPORT_PREP" "docker import -c '$LABEL' $IMPORT_TAR $IMG:imp" \
  berth-import "$BERTH_IMPORT_PREP" "$BERTH --root $S_P import -c '$LABEL' $IMPORT_TAR $IMG:imp"
log "import + first run: docker vs berth"
printf 'docker import -c "%s" %s %s:imp >/dev/null && docker run --rm --network none %s:imp true\n' "$LABEL" "$IMPORT_TAR" $IMG $IMG > "$W/importrun-docker.sh"
printf '%s --root %s import -c "%s" %s %s:imp >/dev/null && %s --root %s run --rm %s:imp true\n' "$BERTH" "$S_P" "$LABEL" "$IMPORT_TAR" $IMG "$BERTH" "$S_P" $IMG > "$W/importrun-berth.sh"
measure_alternating "$RUNS" docker-importrun "$DOCKER_IMPORT_PREP" "sh -e $W/importrun-docker.sh" \
  berth-importrun "$BERTH_IMPORT_PREP" "sh -e $W/importrun-berth.sh"
# export: a stopped container of the imported image that changed a file
docker run --network none --name $IMG-exp $IMG:imp sh -c 'echo changed > /etc/changed'
$BERTH --root "$S_P" run --name $IMG-exp $IMG:imp sh -c 'echo changed > /etc/changed'
log "export: docker vs berth"
measure docker-export "$RUNS" "sh -c 'rm -f $OUT/docker-export.tar; sync'" docker export -o "$OUT/docker-export.tar" $IMG-exp
measure berth-export "$RUNS" "sh -c 'rm -f $OUT/berth-export.tar; sync'" $BERTH --root "$S_P" export -o "$OUT/berth-export.tar" $IMG-exp
echo "export_bytes_docker=$(stat -c %s "$OUT/docker-export.tar")" >> "$R/facts.txt"
echo "export_bytes_berth=$(stat -c %s "$OUT/berth-export.tar")" >> "$R/facts.txt"
rm -f "$OUT"/*.tar
# commit: a stopped container that wrote 50 MB of random data
docker run --network none --name $IMG-big50 $IMG:imp sh -c 'head -c 52428800 /dev/urandom > /big50'
$BERTH --root "$S_P" run --name $IMG-big50 $IMG:imp sh -c 'head -c 52428800 /dev/urandom > /big50'
log "commit of a 50 MB change: docker vs berth"
measure docker-commit "$RUNS" "sh -c 'docker rmi -f $IMG:commit >/dev/null 2>&1; sync'" docker commit $IMG-big50 $IMG:commit
measure berth-commit "$RUNS" "sh -c '$BERTH --root $S_P rmi -f $IMG:commit >/dev/null 2>&1; $BERTH --root $S_P image prune -f >/dev/null 2>&1; sync'" \
  $BERTH --root "$S_P" commit $IMG-big50 $IMG:commit
$BERTH --root "$S_P" rm -f $IMG-exp $IMG-big50 >/dev/null
rm -rf "$S_P"
docker_cleanup

fi
if want tags; then
# 10,000 tags: docker load once (it takes minutes), berth three times on a fresh store.
warm "$B/tags10k.tar"
docker_cleanup
printf 'docker images -q --filter "reference=%s-10k/*" | sort -u | xargs -r docker rmi -f >/dev/null 2>&1\nsync\n' $IMG > "$W/rmi10k.sh"
RMI_10K="sh $W/rmi10k.sh"
log "load with 10,000 tags: docker (one run)"
measure docker-load10k 1 "$RMI_10K" docker load -q -i "$B/tags10k.tar"
echo "docker_tags10k=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -c "^$IMG-10k/app")" >> "$R/facts.txt"
docker_cleanup
log "load with 10,000 tags: berth"
measure berth-load10k 3 "sh -c 'rm -rf $S_LOAD; sync'" $BERTH --root "$S_LOAD" load -q -i "$B/tags10k.tar"
echo "berth_tags10k=$($BERTH --root "$S_LOAD" images --format '{{.Repository}}:{{.Tag}}' | grep -c "^$IMG-10k/app")" >> "$R/facts.txt"
rm -rf "$S_LOAD"
docker_cleanup

fi
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$R/facts.txt"

# ---------------------------------------------------------------- report
echo
if [ "$SECTIONS" = "$ALL_SECTIONS" ]; then REPORT=$REPO/bench/results.md; else REPORT=$R/partial.md; log "partial run ($SECTIONS): report in $REPORT, bench/results.md unchanged"; fi
$TOOLS report "$R" "$REPORT"
