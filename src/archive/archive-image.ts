/**
 * The format-neutral result of reading an archive: each image as its config and layers
 * (already ingested and verified), with the tags the archive gives it. Both format readers
 * build these through `assembleImage`, which enforces the checks every format shares.
 */
import { BerthError } from '../internal/errors.js';
import { parseConfig, type ParsedConfig } from '../image/config.js';
import type { TaggedReference } from '../image/reference.js';
import type { LegacyConfig } from '../image/rollback-config.js';
import type { Digest } from '../digest/digest.js';
import { readCapped, type ArchiveSource } from './ingest/archive-source.js';
import type { IngestedMember } from './ingest/member-ingest.js';

export interface ArchiveImage {
  config: ParsedConfig;
  configMember: IngestedMember;
  /** Base layer first; each member's stored digest is the layer's diff ID. */
  layers: IngestedMember[];
  tags: TaggedReference[];
  /** Parent image ID the archive declares (docker-archive "Parent"). */
  parent: Digest | undefined;
  /** Digests of manifests that described this image in the archive. */
  manifestDigests: Digest[];
  /**
   * Configs the archive recorded for layers below the top (legacy docker-archive `<layer>/json`
   * holding an image config), by layer position; absent or undefined where there is none.
   */
  layerConfigs?: Array<LegacyConfig | undefined>;
}

/** Reads and checks a config member and pairs it with its layers. */
export async function assembleImage(source: ArchiveSource, configMember: IngestedMember, layerMembers: IngestedMember[], where: string): Promise<Pick<ArchiveImage, 'config' | 'configMember' | 'layers'>> {
  const bytes = await readCapped(configMember, source.limits, `the image config of ${where}`);
  const config = parseConfig(bytes, `"${configMember.path}"`);
  const diffIds = config.config.rootfs.diff_ids;
  if (diffIds.length !== layerMembers.length) {
    throw new BerthError('invalid_archive', 'MANIFEST_INVALID', `Cannot load ${where}: it lists ${layerMembers.length} layers but its config has ${diffIds.length} diff IDs`, {
      hint: 'The archive is damaged or inconsistent',
    });
  }
  layerMembers.forEach((layer, i) => {
    if (layer.layer === undefined) {
      throw new BerthError('invalid_archive', 'LAYER_INVALID', `Cannot load layer ${i + 1} of ${where} ("${layer.path}"): ${layer.notLayerReason ?? 'it is not a tar archive'}`, {
        hint: 'Layers must be tar archives, optionally gzip- or zstd-compressed',
      });
    }
    if (layer.stored.digest !== diffIds[i]) {
      throw new BerthError('invalid_archive', 'DIFF_ID_MISMATCH', `Cannot load layer ${i + 1} of ${where} ("${layer.path}"): its content has diff ID ${layer.stored.digest}, the config says ${diffIds[i]}`, {
        hint: 'The layer does not belong to this image, or the archive is damaged',
      });
    }
  });
  return { config, configMember, layers: layerMembers };
}

export function digestMismatch(path: string, expected: string, actual: string, what: string): BerthError {
  return new BerthError('invalid_archive', 'DIGEST_MISMATCH', `Cannot load ${what} ("${path}"): its digest is ${actual}, expected ${expected}`, {
    hint: 'The archive is damaged or was tampered with',
  });
}

export function sizeMismatch(path: string, expected: number, actual: number, what: string): BerthError {
  return new BerthError('invalid_archive', 'SIZE_MISMATCH', `Cannot load ${what} ("${path}"): it has ${actual} bytes, its descriptor says ${expected}`, {
    hint: 'The archive is damaged or was tampered with',
  });
}
