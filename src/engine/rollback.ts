/**
 * `IMAGE~N`: the image as it was N layers ago, and layer IDs (the chain IDs `images --tree`
 * and `history` print) as images. The answer is always a stored image: an ancestor in the
 * image's `parent` chain when one is exactly that stack, otherwise a new image made of the
 * first layers (already stored, never copied) and a config Berth writes. That config is
 *
 *   - the one the ancestor had, when a legacy docker-archive recorded it in its per-layer json
 *     (kept at load time in image_layer_configs), with rootfs and history cut; or
 *   - the current config with rootfs and history cut (and `created` from the new top history
 *     entry), reported by a note, since the config the image had then is not known.
 *
 * Its bytes depend only on what is stored, so rolling back twice gives the same image ID.
 * The new image is published (publishImage: config blob and records, no layer copied) in the
 * transaction that checks its source is still there; it is untagged until tagged, hence
 * dangling for `image prune`.
 */
import { BerthError } from '../internal/errors.js';
import { shortId, type Digest } from '../digest/digest.js';
import { rollbackConfigBytes, type LegacyConfig } from '../image/rollback-config.js';
import type { Store } from '../store/store.js';
import { readVerifiedSync } from '../store/content/read-blob.js';
import {
  chainIdsWithPrefix, getImage, hasImage, imageLayers, imagesWithChain, legacyLayerConfig, legacyLayerConfigs, oldestImageWithTop,
} from '../store/images.js';
import { imageIdOf, publishImage } from '../store/publish-image.js';

export interface RollbackOptions {
  /** Store the image when it does not exist yet (false: IMAGE_NOT_FOUND instead, for rmi). */
  create: boolean;
  onNote?: (note: string) => void;
}

const MAX_PARENT_HOPS = 10_000;

function chainAt(store: Store, id: Digest, position: number): Digest | undefined {
  return imageLayers(store, id)[position]?.chainId;
}

/** The image `label` (stored as `id`) rolled back by `steps` layers. */
export function rollBack(store: Store, id: Digest, label: string, steps: number, options: RollbackOptions): Digest {
  const image = getImage(store, id)!;
  if (steps === 0) return id;
  const keep = image.layerCount - steps;
  if (keep < 1) {
    throw new BerthError('invalid_argument', 'ROLLBACK_OUT_OF_RANGE', `Cannot roll back ${label} by ${steps} layer${steps === 1 ? '' : 's'}: it has ${image.layerCount}`, {
      hint: image.layerCount <= 1 ? `${label} has only its base layer; ~0 is the image itself` : `Use ~1 to ~${image.layerCount - 1} (~${image.layerCount - 1} is the base layer alone)`,
    });
  }
  const chain = chainAt(store, id, keep - 1)!;

  // The parent chain: an ancestor that is exactly this stack is the answer; the nearest one
  // above it is the best config to cut from; the first one below it becomes the parent.
  let source = image;
  let below: Digest | null = null;
  let next = image.parent;
  for (let hops = 0; next !== null && hops < MAX_PARENT_HOPS; hops++) {
    const ancestor = getImage(store, next);
    if (ancestor === undefined) break;
    if (ancestor.layerCount >= keep && chainAt(store, ancestor.id, keep - 1) !== chain) break;
    if (ancestor.layerCount === keep) return ancestor.id;
    if (ancestor.layerCount < keep) {
      if (chainAt(store, ancestor.id, ancestor.layerCount - 1) === chainAt(store, id, ancestor.layerCount - 1)) below = ancestor.id;
      break;
    }
    source = ancestor;
    next = ancestor.parent;
  }

  const base = JSON.parse(readVerifiedSync(store.blobPath(source.id), source.id, source.configSize).toString('utf8')) as Record<string, unknown>;
  const legacyText = legacyLayerConfig(store, source.id, keep - 1);
  const legacy = legacyText === undefined ? undefined : (JSON.parse(legacyText) as LegacyConfig);
  const bytes = rollbackConfigBytes(base, keep, legacy);
  const newId = imageIdOf(bytes);
  if (legacy === undefined) {
    options.onNote?.(`${label}~${steps} is ${shortId(newId)}: no config is recorded for that layer, so it has the current config of ${label} with layers and history cut`);
  }
  if (hasImage(store, newId)) return newId;
  if (!options.create) {
    throw new BerthError('not_found', 'IMAGE_NOT_FOUND', `No such image: ${label}~${steps}`, {
      hint: `It was never created; "berth tag ${label}~${steps} NAME" creates and names it`,
    });
  }
  const sourceId = source.id;
  store.transaction(() => {
    if (hasImage(store, newId)) return; // another berth made it meanwhile
    const layers = imageLayers(store, sourceId).slice(0, keep);
    if (layers.length !== keep) {
      // Another berth removed the image between reading its config and taking the write lock.
      throw new BerthError('not_found', 'IMAGE_NOT_FOUND', `No such image: ${sourceId}`, { hint: 'It was removed meanwhile; run "berth images" to list local images' });
    }
    publishImage(store, {
      config: { bytes },
      layers: layers.map((l) => ({ diffId: l.diffId })),
      parent: below ?? undefined,
      // The configs recorded below the new top stay known, so IMAGE~1~1 = IMAGE~2.
      layerConfigs: legacyLayerConfigs(store, sourceId, keep - 1),
    });
  });
  return newId;
}

/**
 * A layer ID (a chain ID, or a unique prefix of one, as `images --tree` and `history` print
 * them) as an image: the image whose top layer it is, when there is one (the oldest, as
 * `history` names it); otherwise the image with the fewest layers above it (then the oldest),
 * rolled back to it. Undefined when no layer has that ID.
 */
export function resolveLayerId(store: Store, hexPrefix: string, input: string, options: RollbackOptions): Digest | undefined {
  const chains = chainIdsWithPrefix(store, hexPrefix, 2);
  if (chains.length === 0) return undefined;
  if (chains.length > 1) {
    throw new BerthError('invalid_argument', 'REFERENCE_AMBIGUOUS', `Cannot resolve "${input}": it is the prefix of more than one layer ID`, {
      hint: 'Type more characters of the ID (berth images --tree --no-trunc prints them whole)',
    });
  }
  const chain = chains[0]!;
  const exact = oldestImageWithTop(store, chain);
  if (exact !== undefined) return exact;
  const candidates = imagesWithChain(store, chain);
  const from = candidates[0]!;
  if (candidates.length > 1) options.onNote?.(`layer ${shortId(chain)} is in ${candidates.length} images; rolling back ${shortId(from.id)}, the one with the fewest layers above it`);
  return rollBack(store, from.id, shortId(from.id), from.layerCount - from.position - 1, options);
}
