#!/usr/bin/env bash
# Builds a small two-layer image archive (docker-archive format) from Debian's busybox-static,
# with GNU tar and sha256sum only: no docker needed. Deterministic: same busybox, same bytes.
#   usage: examples/make-busybox-archive.sh OUT.tar [NAME:TAG]
set -euo pipefail
out=$1
name=${2:-busybox-1:latest}
busybox=$(command -v busybox || echo /bin/busybox)
[ -x "$busybox" ] || { echo "busybox not found: apt-get install busybox-static" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarc() { tar --numeric-owner --owner=0 --group=0 --mtime=@1700000000 --sort=name --format=gnu -C "$1" -cf "$2" .; }

# layer 1: busybox with its applet links, /etc and the seed's /home/test
mkdir -p "$work/l1/bin" "$work/l1/etc" "$work/l1/home/test" "$work/l1/tmp" "$work/l1/root"
cp "$busybox" "$work/l1/bin/busybox"
for a in sh ls cat echo mkdir rm ln cp mv touch true false sleep find stat printf test '['; do ln -s busybox "$work/l1/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$work/l1/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$work/l1/etc/group"
chmod 1777 "$work/l1/tmp"; chmod 700 "$work/l1/root"
tarc "$work/l1" "$work/layer1.tar"
# layer 2: a message of the day
mkdir -p "$work/l2/etc"
echo "built by examples/make-busybox-archive.sh" > "$work/l2/etc/motd"
tarc "$work/l2" "$work/layer2.tar"

d1=$(sha256sum "$work/layer1.tar" | cut -d' ' -f1)
d2=$(sha256sum "$work/layer2.tar" | cut -d' ' -f1)
cat > "$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"2023-11-14T22:13:20Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:$d1","sha256:$d2"]},"history":[{"created":"2023-11-14T22:13:20Z","created_by":"/bin/sh -c #(nop) ADD busybox-static /","comment":"busybox base"},{"created":"2023-11-14T22:13:20Z","created_by":"/bin/sh -c echo built > /etc/motd","comment":"motd"}]}
JSON
tr -d '\n' < "$work/config.json" > "$work/config.min.json"
id=$(sha256sum "$work/config.min.json" | cut -d' ' -f1)
mkdir -p "$work/archive/$d1" "$work/archive/$d2"
mv "$work/layer1.tar" "$work/archive/$d1/layer.tar"
mv "$work/layer2.tar" "$work/archive/$d2/layer.tar"
mv "$work/config.min.json" "$work/archive/$id.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar","%s/layer.tar"]}]' "$id" "$name" "$d1" "$d2" > "$work/archive/manifest.json"
tarc "$work/archive" "$out"
echo "sha256:$id"
