/**
 * Image records: one per image (its ID is its config's digest), its layers in order with their
 * chain IDs, its parent, the manifest digests it is known by and the configs a legacy archive
 * recorded for its lower layers. Images are created only by `publishImage`; this module reads
 * them, and deletes them for `rmi` and `image prune`.
 *
 * Loaded by metadata-only commands (`images`): no crypto here.
 */
import type { Digest } from '../digest/digest.js';
import type { Store } from './store.js';
import { rows, tuples, values, writes } from './metadata/statements.js';

export interface ImageRecord {
  id: Digest;
  configSize: number;
  /** The config's `created`, as written there ('' when absent). */
  created: string;
  /** `created` in milliseconds since the epoch (0 when absent or unparseable). */
  createdMs: number;
  /** Docker's image size: its layers' file bytes and symlink target lengths. */
  size: number;
  layerCount: number;
  /** The chain ID of the top layer; null for an image without layers. */
  topChainId: Digest | null;
  /** The image it was committed on (or that a legacy archive named), when known. */
  parent: Digest | null;
  os: string;
  architecture: string;
  /** When it was published (ms since the epoch). */
  addedAt: number;
  /** When a tag was last pointed at it (RFC 3339), or null. */
  lastTagTime: string | null;
}

/** One layer of an image, base first. */
export interface ImageLayer {
  position: number;
  diffId: Digest;
  chainId: Digest;
}

/** One layer of an image with what its layer record says. */
export interface ImageLayerFacts extends ImageLayer {
  /** Docker's layer size: file bytes plus symlink target lengths. */
  size: number;
  /** The tar's size in bytes. */
  tarSize: number;
  /** Every entry can be extracted by GNU tar as it is; undefined when not known. */
  plain: boolean | undefined;
}

interface ImageRow {
  id: Digest; config_size: number; created: string; created_ms: number; size: number; layer_count: number; top_chain_id: Digest | null;
  parent: Digest | null; os: string; architecture: string; added_at: number; last_tag_time: string | null;
}

function fromRow(r: ImageRow): ImageRecord {
  return {
    id: r.id, configSize: r.config_size, created: r.created, createdMs: r.created_ms, size: r.size, layerCount: r.layer_count,
    topChainId: r.top_chain_id, parent: r.parent, os: r.os, architecture: r.architecture, addedAt: r.added_at, lastTagTime: r.last_tag_time,
  };
}

export function getImage(store: Store, id: string): ImageRecord | undefined {
  const row = rows<[string], ImageRow>(store, 'SELECT * FROM images WHERE id = ?').get(id);
  return row === undefined ? undefined : fromRow(row);
}

export function hasImage(store: Store, id: string): boolean {
  return values<[string], number>(store, 'SELECT 1 FROM images WHERE id = ?').get(id) !== undefined;
}

/** Every image, in ID order. */
export function listImageRecords(store: Store): ImageRecord[] {
  return rows<[], ImageRow>(store, 'SELECT * FROM images ORDER BY id').all().map(fromRow);
}

/** IDs of images whose hex starts with `hexPrefix`, in order, at most `limit` (2 tells unique from ambiguous). */
export function imageIdsWithPrefix(store: Store, hexPrefix: string, limit: number): Digest[] {
  const low = `sha256:${hexPrefix}`;
  return values<[string, string, number], Digest>(store, 'SELECT id FROM images WHERE id >= ? AND id < ? ORDER BY id LIMIT ?').all(low, `${low}g`, limit);
}

/**
 * The image whose RepoDigests (as inspect shows them) hold REPOSITORY@DIGEST: a manifest the
 * image arrived with, under a repository it is tagged in. As in Docker, nothing else answers to
 * a digest reference: not the image ID (`sha256:<id>` alone does), not the manifest `berth save`
 * would write for it.
 */
export function imageWithRepoDigest(store: Store, repository: string, digest: string): Digest | undefined {
  return values<[string, string], Digest>(store, `SELECT d.image_id FROM image_digests d WHERE d.digest = ? AND d.origin = 'archive'
    AND EXISTS (SELECT 1 FROM tags t WHERE t.image_id = d.image_id AND t.repository = ?) LIMIT 1`).get(digest, repository);
}

/** Forgets that the image arrived with the manifest `digest` (rmi of a RepoDigest). Inside a write transaction. */
export function deleteRepoDigest(store: Store, id: Digest, digest: string): void {
  writes<[string, Digest]>(store, `DELETE FROM image_digests WHERE digest = ? AND image_id = ? AND origin = 'archive'`).run(digest, id);
}

/** Manifest digests the image is known by: those it arrived with ('archive') or the one `save` writes ('berth'). */
export function imageManifestDigests(store: Store, id: Digest, origin: 'archive' | 'berth'): Digest[] {
  return values<[Digest, string], Digest>(store, 'SELECT digest FROM image_digests WHERE image_id = ? AND origin = ? ORDER BY digest').all(id, origin);
}

/** The oldest image whose top layer has chain ID `chainId`. */
export function oldestImageWithTop(store: Store, chainId: Digest): Digest | undefined {
  return values<[Digest], Digest>(store, 'SELECT id FROM images WHERE top_chain_id = ? ORDER BY created_ms, id LIMIT 1').get(chainId);
}

/** The oldest image other than `except` that is exactly the stack of `layerCount` layers ending in `topChainId`. */
export function oldestImageOfStack(store: Store, stack: { topChainId: Digest; layerCount: number; except: Digest }): Digest | undefined {
  return values<[Digest, number, Digest], Digest>(store, 'SELECT id FROM images WHERE top_chain_id = ? AND layer_count = ? AND id != ? ORDER BY created_ms, id LIMIT 1')
    .get(stack.topChainId, stack.layerCount, stack.except);
}

export function hasChildImages(store: Store, id: Digest): boolean {
  return values<[Digest], number>(store, 'SELECT 1 FROM images WHERE parent = ? LIMIT 1').get(id) !== undefined;
}

/** The image's layers, base first, as its image_layers rows say (whether or not their layer records exist). */
export function imageLayers(store: Store, id: string): ImageLayer[] {
  return rows<[string], ImageLayer>(store, 'SELECT position, diff_id AS diffId, chain_id AS chainId FROM image_layers WHERE image_id = ? ORDER BY position').all(id);
}

/** The image's layers, base first, with their layer records (a layer without one is left out). */
export function imageLayerFacts(store: Store, id: string): ImageLayerFacts[] {
  return rows<[string], ImageLayer & { size: number; tarSize: number; plain: number | null }>(store, `SELECT il.position, il.diff_id AS diffId, il.chain_id AS chainId,
      l.size, l.tar_size AS tarSize, l.plain
    FROM image_layers il JOIN layers l ON l.diff_id = il.diff_id WHERE il.image_id = ? ORDER BY il.position`).all(id)
    .map((l) => ({ ...l, plain: l.plain === null ? undefined : l.plain === 1 }));
}

/** Distinct chain IDs whose hex starts with `hexPrefix`, in order, at most `limit`. */
export function chainIdsWithPrefix(store: Store, hexPrefix: string, limit: number): Digest[] {
  const low = `sha256:${hexPrefix}`;
  return values<[string, string, number], Digest>(store, 'SELECT DISTINCT chain_id FROM image_layers WHERE chain_id >= ? AND chain_id < ? ORDER BY chain_id LIMIT ?').all(low, `${low}g`, limit);
}

export function isChainUsed(store: Store, chainId: Digest): boolean {
  return values<[Digest], number>(store, 'SELECT 1 FROM image_layers WHERE chain_id = ? LIMIT 1').get(chainId) !== undefined;
}

/** Images that have the layer stack `chainId`, with its position: fewest layers above it first, then oldest. */
export function imagesWithChain(store: Store, chainId: Digest): Array<{ id: Digest; layerCount: number; position: number }> {
  return rows<[Digest], { id: Digest; layerCount: number; position: number }>(store, `SELECT i.id, i.layer_count AS layerCount, il.position
    FROM image_layers il JOIN images i ON i.id = il.image_id WHERE il.chain_id = ? ORDER BY i.layer_count, i.created_ms, i.id`).all(chainId);
}

/** The config a legacy archive recorded for the image at layer `position` (JSON), if any. */
export function legacyLayerConfig(store: Store, id: Digest, position: number): string | undefined {
  return values<[Digest, number], string>(store, 'SELECT config FROM image_layer_configs WHERE image_id = ? AND position = ?').get(id, position);
}

/** The legacy configs recorded for the image's layers below `below`, by position. */
export function legacyLayerConfigs(store: Store, id: Digest, below: number): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  for (const r of rows<[Digest, number], { position: number; config: string }>(store, 'SELECT position, config FROM image_layer_configs WHERE image_id = ? AND position < ?').all(id, below)) {
    out[r.position] = r.config;
  }
  return out;
}

/** One row of `images`: [rowid, id, createdMs, size, parent, RepoDigest's digest, has children (0/1)]. */
export type ImageListRow = readonly [rowid: number, id: Digest, createdMs: number, size: number, parent: Digest | null, digest: Digest | null, hasChildren: number];

/**
 * Every image, newest first, as arrays: a row object per image costs measurably at start-up
 * (list-images.ts). The digest is that of a manifest the image arrived with (its RepoDigests'),
 * if any; never the one save writes.
 */
export function imageListRows(store: Store): ImageListRow[] {
  return tuples<[], ImageListRow>(store, `
    SELECT i.rowid, i.id, i.created_ms, i.size, i.parent,
      (SELECT d.digest FROM image_digests d WHERE d.image_id = i.id AND d.origin = 'archive' ORDER BY d.digest LIMIT 1),
      EXISTS (SELECT 1 FROM images c WHERE c.parent = i.id)
    FROM images i ORDER BY i.created_ms DESC, i.id`).all();
}

/** A layer of an image, for the layer tree: every image's layers, by image then position. */
export interface TreeLayerRow {
  imageId: Digest;
  position: number;
  diffId: Digest;
  chainId: Digest;
  size: number;
  createdMs: number;
  layerCount: number;
}

export function allImageLayers(store: Store): TreeLayerRow[] {
  return rows<[], TreeLayerRow>(store, `
    SELECT il.image_id AS imageId, il.position, il.diff_id AS diffId, il.chain_id AS chainId, l.size, i.created_ms AS createdMs, i.layer_count AS layerCount
    FROM image_layers il JOIN layers l ON l.diff_id = il.diff_id JOIN images i ON i.id = il.image_id
    ORDER BY il.image_id, il.position`).all();
}

/**
 * What `image prune` removes in one round: images no other image has as parent and no container
 * uses, and (unless `all`) that have no tag. In ID order.
 */
export function prunableImages(store: Store, options: { all: boolean }): Digest[] {
  return options.all
    ? values<[], Digest>(store, `SELECT id FROM images i WHERE NOT EXISTS (SELECT 1 FROM images c WHERE c.parent = i.id)
        AND NOT EXISTS (SELECT 1 FROM containers k WHERE k.image_id = i.id) ORDER BY id`).all()
    : values<[], Digest>(store, `SELECT id FROM images i WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.image_id = i.id) AND NOT EXISTS (SELECT 1 FROM images c WHERE c.parent = i.id)
        AND NOT EXISTS (SELECT 1 FROM containers k WHERE k.image_id = i.id) ORDER BY id`).all();
}

/**
 * Deletes the image's records (its layers, manifest digests and legacy configs go with it);
 * its tags must be gone already. Blobs stay for `dropUnreferencedBlobs`. Inside a transaction.
 */
export function deleteImageRecord(store: Store, id: Digest): void {
  writes<[Digest]>(store, 'DELETE FROM image_digests WHERE image_id = ?').run(id);
  writes<[Digest]>(store, 'DELETE FROM image_layers WHERE image_id = ?').run(id);
  writes<[Digest]>(store, 'DELETE FROM images WHERE id = ?').run(id);
}

export interface ImageUsage {
  images: number;
  /** Images some container uses. */
  activeImages: number;
  /** Docker's size of every layer some image uses, each once. */
  layerBytes: number;
  /** The part of layerBytes the images of containers need. */
  neededBytes: number;
}

export function imageUsage(store: Store): ImageUsage {
  return {
    images: values<[], number>(store, 'SELECT count(*) FROM images').get()!,
    activeImages: values<[], number>(store, 'SELECT count(DISTINCT image_id) FROM containers WHERE image_id IN (SELECT id FROM images)').get()!,
    layerBytes: values<[], number>(store, 'SELECT coalesce(sum(size), 0) FROM layers WHERE diff_id IN (SELECT diff_id FROM image_layers)').get()!,
    neededBytes: values<[], number>(store, `SELECT coalesce(sum(size), 0) FROM layers WHERE diff_id IN
      (SELECT il.diff_id FROM image_layers il JOIN containers c ON c.image_id = il.image_id)`).get()!,
  };
}
