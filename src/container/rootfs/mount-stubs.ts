/**
 * What the runtime, not the container, put in a container's tree: the mount points of the
 * filesystems every container gets (/proc, /dev, /sys, ...) and of the files Berth binds
 * (/etc/hosts, /etc/hostname, /etc/resolv.conf). runc creates one (an empty directory or an
 * empty file) when the image lacks it, and overlay copies its parent directory up for it.
 * Docker keeps these in a separate init layer, so neither `commit` nor `diff` shows them; here
 * they are recognised and left out: a mount point the image does not have, still empty, and
 * the directories that hold nothing else and that the container did not change.
 * Mount points of `-v` volumes are not in the list: Docker shows and commits them.
 */
import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ignoreCodes } from '../../internal/errors.js';
import { isOpaqueDir, type LowerView } from './lower-view.js';

/** Mount points of every container (runtime/oci-spec.ts) and the files Berth binds (engine start). */
export const RUNTIME_MOUNT_POINTS = [
  'proc', 'dev', 'dev/pts', 'dev/shm', 'dev/mqueue', 'sys', 'sys/fs/cgroup',
  'etc/hosts', 'etc/hostname', 'etc/resolv.conf',
];

/** lstat of `rel` inside `root`, only through real directories (never a symlink the container planted). */
export async function lstatInside(root: string, rel: string): Promise<BigIntStats | undefined> {
  const parts = rel.split('/');
  let path = root;
  for (let i = 0; i < parts.length; i++) {
    path = join(path, parts[i]!);
    let st: BigIntStats;
    try {
      st = await lstat(path, { bigint: true });
    } catch (err) {
      return ignoreCodes(err, 'ENOENT', 'ENOTDIR');
    }
    if (i === parts.length - 1) return st;
    if (!st.isDirectory()) return undefined;
  }
  return undefined;
}

/** runc makes the stubs in `runc create`; the container's own command runs well after `runc start`. */
const SAME_MOMENT_NS = 10_000_000n;

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function ancestors(rel: string): string[] {
  const out: string[] = [];
  for (let i = rel.indexOf('/'); i >= 0; i = rel.indexOf('/', i + 1)) out.push(rel.slice(0, i));
  return out;
}

/** The paths of `root` (an overlay upper dir or a vfs copy) to leave out of the container's changes. */
export async function runtimeStubs(root: string, lower: LowerView): Promise<Set<string>> {
  const skip = new Set<string>();
  for (const rel of RUNTIME_MOUNT_POINTS) {
    const st = await lstatInside(root, rel);
    if (st === undefined || (await lower.lookup(rel)) !== undefined) continue;
    const empty = st.isDirectory() ? (await readdir(join(root, rel))).length === 0 : st.isFile() && st.size === 0n;
    if (empty) skip.add(rel);
  }
  // Parents, deepest first: a directory whose every entry is a stub, not modified since the
  // last of them was made, and either absent from the image or there with the same mode and
  // owner (overlay copied it up for the stub).
  const candidates = [...new Set([...skip].flatMap(ancestors))].sort((a, b) => b.length - a.length);
  for (const rel of candidates) {
    const st = await lstatInside(root, rel);
    if (st === undefined || !st.isDirectory() || isOpaqueDir(join(root, rel))) continue;
    const names = await readdir(join(root, rel));
    if (!names.every((n) => skip.has(`${rel}/${n}`))) continue;
    let newest = 0n;
    for (const n of names) newest = bigMax(newest, (await lstatInside(root, `${rel}/${n}`))?.mtimeNs ?? 0n);
    // the container created or removed something here since (the directory's time may trail its last entry's by a few microseconds)
    if (st.mtimeNs > newest + SAME_MOMENT_NS) continue;
    const before = await lower.lookup(rel);
    if (before === undefined || (before.stat.isDirectory() && before.stat.mode === st.mode && before.stat.uid === st.uid && before.stat.gid === st.gid)) {
      skip.add(rel);
    }
  }
  return skip;
}
