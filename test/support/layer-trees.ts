/**
 * A layer's tree as a directory, for tests that look inside layers: an unpacked layer is one
 * already; an index (`<chain hex>.erofs`) is mounted read-only on a temporary directory, its
 * files read from the blob its device table names. `closeLayerTrees` unmounts those of a test's
 * directory (tearDownStore calls it before it checks that nothing is left mounted).
 */
import { mkdtempSync, openSync, readSync, closeSync, rmdirSync } from 'node:fs';
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
