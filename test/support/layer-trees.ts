/**
 * A layer's tree as a directory, for tests that look inside layers: an unpacked layer is one
 * already; an index (`<chain hex>.erofs`) is mounted read-only on a temporary directory, its
 * files read from the blob its device table names. `closeLayerTrees` unmounts those of a test's
 * directory (tearDownStore calls it before it checks that nothing is left mounted).
 * `treeListing` says what a tree holds, for comparing the trees of the two paths a layer takes.
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { loadNative } from '../../src/internal/native.js';
import { readDeviceTag } from '../../src/container/rootfs/erofs/erofs-writer.js';

/** Where layerTree mounted indexes, with the index each one shows. */
const mounted: Array<{ at: string; index: string }> = [];

/** The blob an index points into: blobs/sha256/<tag> beside its layers directory. */
export function indexBlob(index: string): string {
  const head = Buffer.alloc(2048);
  const fd = openSync(index, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return join(dirname(dirname(index)), 'blobs', 'sha256', readDeviceTag(head));
}

/** `path` itself for a directory; for an index, where it is mounted (once per call). */
export function layerTree(path: string): string {
  if (!path.endsWith('.erofs')) return path;
  const at = mkdtempSync(join(tmpdir(), `berth-layer-${basename(path).slice(0, 12)}-`));
  loadNative('mount a layer index').mount(path, at, 'erofs', 1 /* MS_RDONLY */, `device=${indexBlob(path)}`);
  mounted.push({ at, index: path });
  return at;
}

/** Unmounts the trees layerTree mounted for indexes under `dir` (tests run side by side: each closes its own). */
export function closeLayerTrees(dir: string): void {
  for (let i = mounted.length - 1; i >= 0; i--) {
    const m = mounted[i]!;
    if (!m.index.startsWith(`${dir}/`)) continue;
    mounted.splice(i, 1);
    loadNative('unmount a layer index').umount(m.at, 2 /* MNT_DETACH */);
    rmdirSync(m.at);
  }
}

/**
 * One line per entry under `root`, in name order: type, size and content digest, link target,
 * device number, mode, owner, link count, mtime in nanoseconds and xattrs: what the tar path and
 * a layer index must agree on. The root itself is left out (each path owns it). Below `maxDepth`
 * levels the directories are listed but not entered (a layer may nest past PATH_MAX).
 */
export function treeListing(root: string, maxDepth = Infinity): string[] {
  const out: string[] = [];
  const native = loadNative('read xattrs');
  // Names are bytes: kept as latin1 strings, paths passed to fs as Buffers.
  const pathOf = (rel: string): Buffer => Buffer.concat([Buffer.from(`${root}/`), Buffer.from(rel, 'latin1')]);
  const walk = (rel: string, depth: number): void => {
    const names = readdirSync(pathOf(rel), { encoding: 'buffer' }).map((b) => b.toString('latin1')).sort();
    for (const name of names) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const p = pathOf(relPath);
      const st = lstatSync(p, { bigint: true });
      const text = p.toString('utf8');
      const xattrs = Buffer.from(text).equals(p) ? native.listXattr(text).sort().map((x) => `${x}=${native.getXattr(text, x)?.toString('hex')}`) : ['(name not UTF-8)'];
      let what = '';
      if (st.isFile()) what = `file ${st.size} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16)}`;
      else if (st.isSymbolicLink()) what = `symlink ${readlinkSync(p, { encoding: 'buffer' }).toString('latin1')}`;
      else if (st.isCharacterDevice() || st.isBlockDevice()) what = `${st.isCharacterDevice() ? 'chr' : 'blk'} ${st.rdev}`;
      else if (st.isFIFO()) what = 'fifo';
      else if (st.isDirectory()) what = 'dir';
      // Directories made for a missing parent get the time they were made: not compared.
      const mtime = st.isDirectory() && st.mtimeMs > BigInt(Date.now() - 600_000) ? 'made' : `${st.mtimeNs}`;
      out.push(`${relPath} ${what} mode=${(st.mode & 0o7777n).toString(8)} ${st.uid}:${st.gid} links=${st.nlink} mtime=${mtime} ${xattrs.join(',')}`);
      if (st.isDirectory() && depth < maxDepth) walk(relPath, depth + 1);
    }
  };
  walk('', 1);
  return out;
}
