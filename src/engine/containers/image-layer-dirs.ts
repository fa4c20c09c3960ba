/**
 * Where an image's layers are, base first: the unpacked directory of each chain ID, or its
 * index (`<chain hex>.erofs`) where the layer was indexed instead (and not unpacked).
 */
import { existsSync } from 'node:fs';
import { layerDir } from '../../container/rootfs/unpack-layer.js';
import { indexPath } from '../../container/rootfs/erofs/layer-index.js';
import type { Store } from '../../store/store.js';
import { imageLayers } from '../../store/images.js';

export function imageLayerDirs(store: Store, imageId: string): string[] {
  return imageLayers(store, imageId).map(({ chainId }) => {
    const dir = layerDir(store.layout.layers, chainId);
    const index = indexPath(store.layout.layers, chainId);
    return !existsSync(dir) && existsSync(index) ? index : dir;
  });
}
