/**
 * Where an image's layers are, base first: the unpacked directory of each chain ID, or its
 * index (`<chain hex>.erofs`) where the layer was indexed instead (and not unpacked).
 */
import { existsSync } from 'node:fs';
import type { Digest } from '../../digest/digest.js';
import { layerDir } from '../../container/rootfs/unpack-layer.js';
import { indexPath } from '../../container/rootfs/erofs/layer-index.js';
import type { Store } from '../../store/store.js';

export function imageLayerDirs(store: Store, imageId: string): string[] {
  const chains = store.db.prepare('SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY position').pluck().all(imageId) as Digest[];
  return chains.map((chainId) => {
    const dir = layerDir(store.layout.layers, chainId);
    const index = indexPath(store.layout.layers, chainId);
    return !existsSync(dir) && existsSync(index) ? index : dir;
  });
}
