/**
 * A layer's EROFS index: `layers/<chain hex>.erofs`, metadata only, whose files point into the
 * stored layer tar (blobs/sha256/<diff hex>; the index names it in its device table). It replaces unpacking: building it reads the tar's headers and writes about
 * 160 bytes per entry, where unpacking copies every byte into new files. Mounted (read-only,
 * the kernel reading both files itself) it is the layer's lower directory.
 *
 * Like an unpack, the index is written to a temporary name and renamed into place when
 * complete: a half-written index is never used.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, ignoreCodes } from '../../../internal/errors.js';
import { loadNative } from '../../../internal/native.js';
import { hexOf, type Digest } from '../../../digest/digest.js';
import { INDEX_UNUSABLE_MARKER, layerIndexName, temporaryLayerName } from '../../../store/layers-dir.js';
import { buildLayerTree, LayerTreeUnsupported } from './layer-tree.js';
import { writeErofsImage } from './erofs-writer.js';

const MS_RDONLY = 1;

export function indexPath(layersDir: string, chainId: Digest): string {
  return join(layersDir, layerIndexName(chainId));
}

let kernelCan: boolean | undefined;

function kernelRelease(): string {
  try {
    return readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch (err) {
    ignoreCodes(err, 'ENOENT', 'EACCES'); // no /proc, or hidden
    return '';
  }
}

/**
 * Whether layers are indexed rather than unpacked: the kernel has EROFS with file-backed
 * mounts (Linux 6.12 and later), it has not refused to mount one for this store
 * (markIndexUnusable), and BERTH_LAYER_FORMAT is not "tar".
 */
export function erofsUsable(layersDir: string): boolean {
  if (process.env.BERTH_LAYER_FORMAT === 'tar') return false;
  if (kernelCan === undefined) {
    const release = /^(\d+)\.(\d+)/.exec(kernelRelease());
    const recent = release !== null && (Number(release[1]) > 6 || (Number(release[1]) === 6 && Number(release[2]) >= 12));
    try {
      kernelCan = recent && /\terofs\n/.test(readFileSync('/proc/filesystems', 'utf8'));
    } catch (err) {
      ignoreCodes(err, 'ENOENT', 'EACCES'); // no /proc, or hidden
      kernelCan = false;
    }
  }
  if (!kernelCan) return false;
  try {
    return readFileSync(join(layersDir, INDEX_UNUSABLE_MARKER), 'utf8').split('\n')[0] !== kernelRelease();
  } catch (err) {
    ignoreCodes(err, 'ENOENT'); // not marked
    return true;
  }
}

/**
 * Records that this kernel cannot mount indexes (a kernel built without EROFS file-backed
 * mounts): from now on this store unpacks layers, until it runs on another kernel.
 */
export function markIndexUnusable(layersDir: string, why: string): void {
  writeFileSync(join(layersDir, INDEX_UNUSABLE_MARKER), `${kernelRelease()}\n${why}\n`, { mode: 0o600 });
}

/** True for the errors of a kernel that cannot mount an index at all (rather than of one index). */
export function isIndexUnsupported(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } }).cause?.code;
  return err instanceof BerthError && err.code === 'LAYER_MOUNT_FAILED' && ['ENOTBLK', 'ENODEV', 'EOPNOTSUPP', 'ENOTSUP', 'EINVAL'].includes(code ?? '');
}

export interface IndexedLayer {
  chainId: Digest;
  diffId: Digest;
  /** The stored, uncompressed layer tar. */
  blobPath: string;
  /** Checks the tar's digest (on another thread: the index is built meanwhile). */
  verify: () => Promise<void>;
}

/**
 * Builds the index of a layer unless it is there already; it is renamed into place only once
 * the tar's digest is confirmed. Returns false when the layer holds something an index cannot
 * show as GNU tar would unpack it (the caller unpacks it then); throws the unpack's refusal for
 * a layer that cannot be unpacked at all, and BLOB_CORRUPT for a tar that is not what was stored.
 */
export async function buildLayerIndex(layersDir: string, layer: IndexedLayer): Promise<boolean> {
  const target = indexPath(layersDir, layer.chainId);
  if (existsSync(target)) return true;
  const tmp = join(layersDir, temporaryLayerName(`${hexOf(layer.chainId).slice(0, 16)}.erofs`));
  rmSync(tmp, { force: true });
  const verified = layer.verify();
  try {
    try {
      const { root, size } = buildLayerTree(layer.blobPath, layer.diffId, Math.floor(Date.now() / 1000));
      writeErofsImage(tmp, root, { size, tag: hexOf(layer.diffId) });
    } catch (err) {
      // A damaged tar is reported as such, whatever the index made of it.
      await verified;
      throw err;
    }
    await verified;
    // Another process may have indexed the same layer meanwhile: the rename replaces an identical file.
    renameSync(tmp, target);
    return true;
  } catch (err) {
    rmSync(tmp, { force: true });
    if (err instanceof LayerTreeUnsupported) return false;
    throw err;
  }
}

/** Mounts the index read-only on `mountPoint`, its files read from `blobPath`. */
export function mountLayerIndex(index: string, blobPath: string, mountPoint: string): void {
  try {
    loadNative('mount a layer index').mount(index, mountPoint, 'erofs', MS_RDONLY, `device=${blobPath}`);
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw new BerthError('unavailable', 'LAYER_MOUNT_FAILED', `Cannot mount the layer index ${index}: ${(err as Error).message}`, {
      hint: 'The kernel needs EROFS with file-backed mounts (Linux 6.12+); BERTH_LAYER_FORMAT=tar unpacks layers instead',
      cause: err,
    });
  }
}
