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
 * The new image is published in one transaction (config blob, images, image_layers rows);
 * it is untagged until tagged, hence dangling for `image prune`.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, isSystemError, translateSystemError } from '../internal/errors.js';
import { shortId, type Digest } from '../digest/digest.js';
import { sha256Of } from '../digest/sha256.js';
import { createdMs } from '../image/config.js';
import { rollbackConfigBytes, type LegacyConfig } from '../image/rollback-config.js';
import { imageManifest } from '../archive/save-layout.js';
import type { Store } from '../store/store.js';
import { blobMissing } from '../store/content/blob-errors.js';

export interface RollbackOptions {
  /** Store the image when it does not exist yet (false: IMAGE_NOT_FOUND instead, for rmi). */
  create: boolean;
  onNote?: (note: string) => void;
}

interface ImageRow {
  id: Digest;
  config_size: number;
  layer_count: number;
  parent: Digest | null;
}

const MAX_PARENT_HOPS = 10_000;

function imageRow(store: Store, id: Digest): ImageRow | undefined {
  return store.db.prepare('SELECT id, config_size, layer_count, parent FROM images WHERE id = ?').get(id) as ImageRow | undefined;
}

function chainAt(store: Store, id: Digest, position: number): Digest | undefined {
  return store.db.prepare('SELECT chain_id FROM image_layers WHERE image_id = ? AND position = ?').pluck().get(id, position) as Digest | undefined;
}

/** The image `label` (stored as `id`) rolled back by `steps` layers. */
export function rollBack(store: Store, id: Digest, label: string, steps: number, options: RollbackOptions): Digest {
  const image = imageRow(store, id)!;
  if (steps === 0) return id;
  const keep = image.layer_count - steps;
  if (keep < 1) {
    throw new BerthError('invalid_argument', 'ROLLBACK_OUT_OF_RANGE', `Cannot roll back ${label} by ${steps} layer${steps === 1 ? '' : 's'}: it has ${image.layer_count}`, {
      hint: image.layer_count <= 1 ? `${label} has only its base layer; ~0 is the image itself` : `Use ~1 to ~${image.layer_count - 1} (~${image.layer_count - 1} is the base layer alone)`,
    });
  }
  const chain = chainAt(store, id, keep - 1)!;

  // The parent chain: an ancestor that is exactly this stack is the answer; the nearest one
  // above it is the best config to cut from; the first one below it becomes the parent.
  let source = image;
  let below: Digest | null = null;
  let next = image.parent;
  for (let hops = 0; next !== null && hops < MAX_PARENT_HOPS; hops++) {
    const ancestor = imageRow(store, next);
    if (ancestor === undefined) break;
    if (ancestor.layer_count >= keep && chainAt(store, ancestor.id, keep - 1) !== chain) break;
    if (ancestor.layer_count === keep) return ancestor.id;
    if (ancestor.layer_count < keep) {
      if (chainAt(store, ancestor.id, ancestor.layer_count - 1) === chainAt(store, id, ancestor.layer_count - 1)) below = ancestor.id;
      break;
    }
    source = ancestor;
    next = ancestor.parent;
  }

  const base = JSON.parse(readConfigSync(store, source.id, source.config_size).toString('utf8')) as Record<string, unknown>;
  const legacyText = store.db.prepare('SELECT config FROM image_layer_configs WHERE image_id = ? AND position = ?').pluck().get(source.id, keep - 1) as string | undefined;
  const legacy = legacyText === undefined ? undefined : (JSON.parse(legacyText) as LegacyConfig);
  const bytes = rollbackConfigBytes(base, keep, legacy);
  const newId = sha256Of(bytes);
  if (legacy === undefined) {
    options.onNote?.(`${label}~${steps} is ${shortId(newId)}: no config is recorded for that layer, so it has the current config of ${label} with layers and history cut`);
  }
  if (imageRow(store, newId) !== undefined) return newId;
  if (!options.create) {
    throw new BerthError('not_found', 'IMAGE_NOT_FOUND', `No such image: ${label}~${steps}`, {
      hint: `It was never created; "berth tag ${label}~${steps} NAME" creates and names it`,
    });
  }
  const publish = (): void => publishRollback(store, { id: newId, bytes, source: source.id, keep, parent: below });
  if (store.db.inTransaction) publish();
  else store.transaction(publish);
  return newId;
}

/** A small stored blob read whole and verified, synchronously (callers may hold the write lock). */
function readConfigSync(store: Store, id: Digest, size: number): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(store.blobPath(id));
  } catch (err) {
    if (isSystemError(err, 'ENOENT')) throw blobMissing(id);
    throw err;
  }
  const actual = sha256Of(bytes);
  if (actual !== id || bytes.length !== size) {
    throw new BerthError('corrupt', 'BLOB_CORRUPT', `Cannot read blob ${id}: its content does not match (got ${actual}, ${bytes.length} bytes, expected ${size})`, {
      hint: 'The store is damaged; remove the image and load it again',
    });
  }
  return bytes;
}

interface NewRollback {
  id: Digest;
  bytes: Buffer;
  /** The image whose first `keep` layers it has. */
  source: Digest;
  keep: number;
  parent: Digest | null;
}

/** Config blob through the ingest directory, then the rows; inside the caller's write transaction. */
function publishRollback(store: Store, image: NewRollback): void {
  const db = store.db;
  if (db.prepare('SELECT 1 FROM images WHERE id = ?').get(image.id) !== undefined) return; // another berth made it meanwhile
  const ingest = store.createIngestDirSync();
  try {
    const path = join(ingest, 'config');
    try {
      writeFileSync(path, image.bytes, { mode: 0o644, flush: true });
    } catch (err) {
      translateSystemError(err, 'write a rolled-back image config');
    }
    store.adoptBlobs([{ digest: image.id, size: image.bytes.length, kind: 'config', path }]);
    const layers = db.prepare(`SELECT il.position, il.diff_id, il.chain_id, l.size, b.size AS tar_size
      FROM image_layers il JOIN layers l ON l.diff_id = il.diff_id JOIN blobs b ON b.digest = il.diff_id
      WHERE il.image_id = ? AND il.position < ? ORDER BY il.position`).all(image.source, image.keep) as Array<{ position: number; diff_id: Digest; chain_id: Digest; size: number; tar_size: number }>;
    if (layers.length !== image.keep) {
      // Another berth removed the image between reading its config and taking the write lock.
      throw new BerthError('not_found', 'IMAGE_NOT_FOUND', `No such image: ${image.source}`, { hint: 'It was removed meanwhile; run "berth images" to list local images' });
    }
    const config = JSON.parse(image.bytes.toString('utf8')) as { created?: string; os?: string; architecture?: string };
    const created = typeof config.created === 'string' ? config.created : '';
    db.prepare(`INSERT INTO images(id, config_size, created, created_ms, size, layer_count, top_chain_id, parent, os, architecture, added_at, last_tag_time)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`).run(
      image.id, image.bytes.length, created, createdMs(created), layers.reduce((sum, l) => sum + l.size, 0), layers.length,
      layers.at(-1)!.chain_id, image.parent, typeof config.os === 'string' ? config.os : '', typeof config.architecture === 'string' ? config.architecture : '', Date.now(),
    );
    const insertLayer = db.prepare('INSERT INTO image_layers(image_id, position, diff_id, chain_id) VALUES (?, ?, ?, ?)');
    for (const l of layers) insertLayer.run(image.id, l.position, l.diff_id, l.chain_id);
    // The configs recorded below the new top stay known, so IMAGE~1~1 = IMAGE~2.
    db.prepare(`INSERT OR IGNORE INTO image_layer_configs(image_id, position, config)
      SELECT ?, position, config FROM image_layer_configs WHERE image_id = ? AND position < ?`).run(image.id, image.source, image.keep - 1);
    const manifest = imageManifest({ id: image.id, configSize: image.bytes.length, layers: layers.map((l) => ({ diffId: l.diff_id, size: l.tar_size })), tags: [], parent: undefined });
    db.prepare(`INSERT OR IGNORE INTO image_digests(digest, image_id, origin) VALUES (?, ?, 'berth')`).run(sha256Of(manifest), image.id);
  } finally {
    rmSync(ingest, { recursive: true, force: true });
  }
}

/**
 * A layer ID (a chain ID, or a unique prefix of one, as `images --tree` and `history` print
 * them) as an image: the image whose top layer it is, when there is one (the oldest, as
 * `history` names it); otherwise the image with the fewest layers above it (then the oldest),
 * rolled back to it. Undefined when no layer has that ID.
 */
export function resolveLayerId(store: Store, hexPrefix: string, input: string, options: RollbackOptions): Digest | undefined {
  const db = store.db;
  const low = `sha256:${hexPrefix}`;
  const chains = db.prepare('SELECT DISTINCT chain_id FROM image_layers WHERE chain_id >= ? AND chain_id < ? ORDER BY chain_id LIMIT 2').pluck().all(low, `${low}g`) as Digest[];
  if (chains.length === 0) return undefined;
  if (chains.length > 1) {
    throw new BerthError('invalid_argument', 'REFERENCE_AMBIGUOUS', `Cannot resolve "${input}": it is the prefix of more than one layer ID`, {
      hint: 'Type more characters of the ID (berth images --tree --no-trunc prints them whole)',
    });
  }
  const chain = chains[0]!;
  const exact = db.prepare('SELECT id FROM images WHERE top_chain_id = ? ORDER BY created_ms, id LIMIT 1').pluck().get(chain) as Digest | undefined;
  if (exact !== undefined) return exact;
  const candidates = db.prepare(`SELECT i.id, i.layer_count, il.position FROM image_layers il JOIN images i ON i.id = il.image_id
    WHERE il.chain_id = ? ORDER BY i.layer_count, i.created_ms, i.id`).all(chain) as Array<{ id: Digest; layer_count: number; position: number }>;
  const from = candidates[0]!;
  if (candidates.length > 1) options.onNote?.(`layer ${shortId(chain)} is in ${candidates.length} images; rolling back ${shortId(from.id)}, the one with the fewest layers above it`);
  return rollBack(store, from.id, shortId(from.id), from.layer_count - from.position - 1, options);
}
