/**
 * A layer's EROFS index: `layers/<chain hex>.erofs`, metadata only, whose files point into the
 * stored layer tar (blobs/sha256/<diff hex>; the index names it in its device table). It replaces unpacking: building it reads the tar's headers and writes about
 * 160 bytes per entry, where unpacking copies every byte into new files. Mounted (read-only,
 * the kernel reading both files itself) it is the layer's lower directory.
 *
 * Like an unpack, the index is written to a temporary name and renamed into place when
 * complete: a half-written index is never used.
 */
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../../../internal/errors.js';
import { loadNative } from '../../../internal/native.js';
import { ownIdentity } from '../../../internal/process-identity.js';
import { hexOf, type Digest } from '../../../digest/digest.js';
import { buildLayerTree, LayerTreeUnsupported } from './layer-tree.js';
import { writeErofsImage } from './erofs-writer.js';

const MS_RDONLY = 1;

export function indexPath(layersDir: string, chainId: Digest): string {
  return join(layersDir, `${hexOf(chainId)}.erofs`);
}

let usable: boolean | undefined;

/**
 * Whether layers are indexed rather than unpacked: the kernel has EROFS with file-backed
 * mounts (Linux 6.12 and later), and BERTH_LAYER_FORMAT is not "tar".
 */
export function erofsUsable(): boolean {
  if (process.env.BERTH_LAYER_FORMAT === 'tar') return false;
  if (usable !== undefined) return usable;
  usable = false;
  try {
    const release = /^(\d+)\.(\d+)/.exec(readFileSync('/proc/sys/kernel/osrelease', 'utf8'));
    const recent = release !== null && (Number(release[1]) > 6 || (Number(release[1]) === 6 && Number(release[2]) >= 12));
    usable = recent && /\terofs\n/.test(readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    // no /proc: unpack
  }
  return usable;
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
  const tmp = join(layersDir, `.tmp-${ownIdentity()}-${hexOf(layer.chainId).slice(0, 16)}.erofs`);
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
