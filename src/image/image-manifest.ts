/**
 * The OCI manifest Berth writes for an image (`save`; every publish records its digest, with
 * origin 'berth': not a RepoDigest, so no reference resolves by it): the config and the
 * uncompressed layers, keys in a fixed order, so the same image always has the same manifest
 * digest.
 */
import type { Digest } from '../digest/digest.js';
import { MEDIA } from './media-types.js';

export interface ManifestImage {
  /** The image ID (the config's digest). */
  id: Digest;
  configSize: number;
  /** Base first. `size` is the layer tar's byte size. */
  layers: ReadonlyArray<{ diffId: Digest; size: number }>;
}

export function imageManifest(image: ManifestImage): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: image.id, size: image.configSize },
    layers: image.layers.map((l) => ({ mediaType: MEDIA.ociLayer, digest: l.diffId, size: l.size })),
  }));
}
