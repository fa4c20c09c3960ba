/**
 * Publishing an image: the one way an image enters the store, whatever brought it (load, import,
 * commit, a rollback, and a registry pull next). Its blobs are ingested and verified first, into
 * this process's ingest directory; then one transaction moves them into blobs/sha256 and records
 * the layers, the image, its layers' chain IDs, the manifest digests it is known by and its tags.
 * A kill at any point leaves the store without the image, or with all of it.
 *
 * The image ID (the digest of the config's bytes) and the digest of the manifest `save` writes
 * for it are computed here and nowhere else.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BerthError, translateSystemError } from '../internal/errors.js';
import type { Digest } from '../digest/digest.js';
import { chainIds, sha256Of } from '../digest/sha256.js';
import { createdMs, parseConfig, type ImageConfig } from '../image/config.js';
import { imageManifest } from '../image/image-manifest.js';
import type { TaggedReference } from '../image/reference.js';
import type { NewBlob, Store } from './store.js';
import { readVerifiedSync } from './content/read-blob.js';
import { blobMissing } from './content/blob-errors.js';
import { isBlobRecorded } from './blobs.js';
import { getLayer, putLayer } from './layers.js';
import { hasImage } from './images.js';
import { setTag } from './tags.js';
import { writes } from './metadata/statements.js';

/** A layer tar waiting in this process's ingest directory (verified), with what the layer scanner found. */
export interface IngestedLayer {
  path: string;
  /** The tar's size in bytes. */
  tarSize: number;
  /** Docker's layer size: file bytes plus symlink target lengths. */
  size: number;
  entries: number;
  /** Every entry can be extracted by GNU tar as it is. */
  plain: boolean;
}

export interface LayerToPublish {
  diffId: Digest;
  /** The layer's tar when it is new; absent for a layer the store holds already (it must). */
  ingested?: IngestedLayer | undefined;
}

/**
 * The image config: its bytes (in this process's ingest directory at `path`, or written there
 * by the publish when no path is given), or the digest of a config blob the store holds.
 */
export type ConfigToPublish = { bytes: Buffer; path?: string | undefined } | { digest: Digest };

export interface ImageToPublish {
  config: ConfigToPublish;
  /** Base first: exactly the config's rootfs.diff_ids. */
  layers: readonly LayerToPublish[];
  /** The image it was made from, recorded as its parent (only when the image is new). */
  parent?: Digest | undefined;
  /** Tags to point at the image, moved from any image they pointed at. */
  tags?: readonly TaggedReference[] | undefined;
  /** Digests of manifests the image arrived with (an archive's, a registry's). */
  manifestDigests?: readonly Digest[] | undefined;
  /** The configs a legacy docker-archive recorded for the image at its lower layers, by position (JSON). */
  layerConfigs?: ReadonlyArray<string | undefined> | undefined;
}

export interface PublishedImage {
  id: Digest;
  /** The digest of the manifest `save` writes for the image. */
  manifestDigest: Digest;
  /** False when the store had the image already (its tags and digests were still added). */
  created: boolean;
  /** Each tag asked for, in order, with the image it pointed at before when that was another one (Docker then prints a rename). */
  tags: Array<{ tag: TaggedReference; replaced: Digest | undefined }>;
}

/** The ID of the image whose config is `bytes`: their digest. */
export function imageIdOf(configBytes: Buffer): Digest {
  return sha256Of(configBytes);
}

/**
 * Publishes the image in one transaction (a savepoint of the caller's, when it runs inside one:
 * a load publishes all its images or none). Throws LAYER_NOT_FOUND when a layer without
 * `ingested` is not in the store (an `rmi` removed it meanwhile).
 */
export function publishImage(store: Store, image: ImageToPublish): PublishedImage {
  const config = 'digest' in image.config ? storedConfig(store, image.config.digest) : { bytes: image.config.bytes, path: image.config.path };
  const id = imageIdOf(config.bytes);
  const parsed = parseConfig(config.bytes, id).config;
  const diffIds = image.layers.map((l) => l.diffId);
  if (diffIds.length !== parsed.rootfs.diff_ids.length || diffIds.some((d, i) => d !== parsed.rootfs.diff_ids[i])) {
    throw new Error(`publishImage: the layers given for ${id} are not the diff IDs its config lists`);
  }
  let written: string | undefined;
  if (!('digest' in image.config) && config.path === undefined) written = writeConfig(store, config.bytes);
  try {
    return store.transaction(() => record(store, { ...image, id, bytes: config.bytes, parsed, configPath: written ?? config.path }));
  } finally {
    if (written !== undefined) rmSync(dirname(written), { recursive: true, force: true });
  }
}

interface Recording extends ImageToPublish {
  id: Digest;
  bytes: Buffer;
  parsed: ImageConfig;
  configPath: string | undefined;
}

function record(store: Store, image: Recording): PublishedImage {
  const { id } = image;
  const blobs: NewBlob[] = [];
  if (image.configPath !== undefined) blobs.push({ digest: id, size: image.bytes.length, kind: 'config', path: image.configPath });
  else if (!isBlobRecorded(store, id)) throw blobMissing(id);
  for (const layer of image.layers) {
    if (layer.ingested !== undefined) blobs.push({ digest: layer.diffId, size: layer.ingested.tarSize, kind: 'layer', path: layer.ingested.path });
  }
  store.adoptBlobs(blobs);
  for (const { diffId, ingested } of image.layers) {
    if (ingested !== undefined) putLayer(store, { diffId, size: ingested.size, tarSize: ingested.tarSize, entries: ingested.entries, plain: ingested.plain });
  }
  const layers = image.layers.map(({ diffId }) => {
    const layer = getLayer(store, diffId);
    if (layer === undefined) {
      throw new BerthError('not_found', 'LAYER_NOT_FOUND', `Cannot store image ${id}: its layer ${diffId} is not in the store`, {
        hint: 'It was removed meanwhile (berth rmi); try again',
      });
    }
    return layer;
  });
  const now = Date.now();
  const created = !hasImage(store, id);
  if (created) insertImage(store, { id, configSize: image.bytes.length, config: image.parsed, layers, parent: image.parent ?? null, now });
  image.layerConfigs?.forEach((config, position) => {
    if (config !== undefined) writes<[Digest, number, string]>(store, 'INSERT OR IGNORE INTO image_layer_configs(image_id, position, config) VALUES (?, ?, ?)').run(id, position, config);
  });
  const manifestDigest = sha256Of(imageManifest({ id, configSize: image.bytes.length, layers: layers.map((l) => ({ diffId: l.diffId, size: l.tarSize })) }));
  const addDigest = writes<[Digest, Digest, string]>(store, 'INSERT OR IGNORE INTO image_digests(digest, image_id, origin) VALUES (?, ?, ?)');
  for (const digest of image.manifestDigests ?? []) addDigest.run(digest, id, 'archive');
  addDigest.run(manifestDigest, id, 'berth');
  const tags = (image.tags ?? []).map((tag) => ({ tag, replaced: setTag(store, tag, id, now) }));
  return { id, manifestDigest, created, tags };
}

function insertImage(store: Store, image: { id: Digest; configSize: number; config: ImageConfig; layers: ReadonlyArray<{ diffId: Digest; size: number }>; parent: Digest | null; now: number }): void {
  const chains = chainIds(image.layers.map((l) => l.diffId));
  writes<[Digest, number, string, number, number, number, Digest | null, Digest | null, string, string, number]>(store, `INSERT INTO images(id, config_size, created, created_ms, size,
      layer_count, top_chain_id, parent, os, architecture, added_at, last_tag_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`).run(
    image.id, image.configSize, image.config.created ?? '', createdMs(image.config.created), image.layers.reduce((sum, l) => sum + l.size, 0),
    image.layers.length, chains.at(-1) ?? null, image.parent, image.config.os ?? '', image.config.architecture ?? '', image.now,
  );
  const addLayer = writes<[Digest, number, Digest, Digest]>(store, 'INSERT INTO image_layers(image_id, position, diff_id, chain_id) VALUES (?, ?, ?, ?)');
  image.layers.forEach((l, position) => addLayer.run(image.id, position, l.diffId, chains[position]!));
}

/** A config blob the store holds, read whole and verified. */
function storedConfig(store: Store, digest: Digest): { bytes: Buffer; path: undefined } {
  return { bytes: readVerifiedSync(store.blobPath(digest), digest, undefined), path: undefined };
}

/** Writes config bytes into a new ingest directory of this process (fsynced); returns the file. */
function writeConfig(store: Store, bytes: Buffer): string {
  const path = join(store.createIngestDirSync(), 'config');
  try {
    writeFileSync(path, bytes, { mode: 0o644, flush: true });
  } catch (err) {
    translateSystemError(err, 'write an image config');
  }
  return path;
}
