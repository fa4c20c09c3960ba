/** Where an image's layers are (or will be) unpacked: one directory per chain ID, base first. */
import type { Digest } from '../../digest/digest.js';
import { layerDir } from '../../container/rootfs/unpack-layer.js';
import type { Store } from '../../store/store.js';

export function imageLayerDirs(store: Store, imageId: string): string[] {
  const chains = store.db.prepare('SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY position').pluck().all(imageId) as Digest[];
  return chains.map((chainId) => layerDir(store.layout.layers, chainId));
}
