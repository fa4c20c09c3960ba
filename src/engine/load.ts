/**
 * `berth load`: read an archive (any supported format, one pass), check every image in it,
 * then publish all of them and their tags in one transaction, or none.
 */
import { stat } from 'node:fs/promises';
import { BerthError } from '../internal/errors.js';
import { removeTree } from '../internal/fs.js';
import type { Limits } from '../internal/limits.js';
import type { Digest } from '../digest/digest.js';
import { chainIds, sha256Of } from '../digest/sha256.js';
import { imageManifest } from '../archive/save-layout.js';
import { createdMs } from '../image/config.js';
import { familiarName, fullName } from '../image/reference.js';
import { TarSource } from '../archive/ingest/tar-source.js';
import { DirectorySource } from '../archive/ingest/dir-source.js';
import { readJsonMember, type ArchiveSource } from '../archive/ingest/archive-source.js';
import { isDirTransportManifest, readDirTransport } from '../archive/dir-transport/read-dir-transport.js';
import type { ArchiveImage } from '../archive/archive-image.js';
import { MANIFEST_PATH, readDockerArchive } from '../archive/docker-archive/read-docker-archive.js';
import { hostPlatform, INDEX_PATH, OciLayoutReader } from '../archive/oci-layout/read-oci-layout.js';
import type { NewBlob, Store } from '../store/store.js';
import { upsertTag } from '../store/metadata/tags.js';

export type LoadInput =
  | { kind: 'stream'; stream: AsyncIterable<Buffer> }
  | { kind: 'directory'; path: string };

export interface LoadOptions {
  limits: Limits;
  onProgress?: (bytesRead: number) => void;
}

export interface LoadResult {
  /** What `docker load` prints, in order: renames and "Loaded image" lines. */
  lines: string[];
  /** Remarks for stderr (names that could not be used and the like). */
  notes: string[];
  images: Array<{ id: Digest; tags: string[] }>;
}

export async function loadImages(store: Store, input: LoadInput, options: LoadOptions): Promise<LoadResult> {
  const ingestDir = await store.createIngestDir();
  try {
    const source: ArchiveSource = input.kind === 'stream'
      ? await TarSource.ingest(input.stream, ingestDir, { limits: options.limits, ...(options.onProgress ? { onProgress: options.onProgress } : {}) })
      : await DirectorySource.open(input.path, ingestDir, options.limits, options.onProgress);
    const { images, notes } = await readArchiveImages(source);
    await source.durable();
    return commit(store, images, notes);
  } finally {
    await removeTree(ingestDir);
  }
}

/**
 * Picks the reader by content: manifest.json first, a list (Docker, any version) or one image
 * manifest (the dir: layout of skopeo and podman); then index.json (OCI).
 */
export async function readArchiveImages(source: ArchiveSource): Promise<{ images: ArchiveImage[]; notes: string[] }> {
  if (await source.has(MANIFEST_PATH)) {
    const { value } = await readJsonMember(source, MANIFEST_PATH, 'manifest.json', 'MANIFEST_INVALID');
    if (isDirTransportManifest(value)) return readDirTransport(source, MANIFEST_PATH, hostPlatform());
    return { images: await readDockerArchive(source, value), notes: [] };
  }
  if (await source.has(INDEX_PATH)) return new OciLayoutReader(source, hostPlatform()).read();
  // Only probes for a better hint: a link at these paths that leads nowhere is no evidence either way.
  const has = (path: string): Promise<boolean> => source.has(path).catch(() => false);
  let hint = 'berth load reads docker save / podman save / skopeo / berth save archives, OCI image layouts and dir: layouts';
  if (await has('repositories')) hint = 'This is a pre-1.10 Docker archive (only "repositories"); re-save it with a newer docker';
  else if ((await has('etc/passwd')) || (await has('bin/sh'))) hint = 'This looks like a container filesystem (docker export); make an image of it with berth import';
  throw new BerthError('invalid_archive', 'ARCHIVE_FORMAT_UNKNOWN', `Cannot load the ${source.description}: it contains neither a manifest.json nor an index.json`, { hint });
}

function commit(store: Store, images: ArchiveImage[], notes: string[]): LoadResult {
  const blobs = new Map<Digest, NewBlob>();
  for (const image of images) {
    blobs.set(image.config.id, { digest: image.config.id, size: image.configMember.stored.size, kind: 'config', path: image.configMember.stored.path });
    for (const layer of image.layers) {
      blobs.set(layer.stored.digest, { digest: layer.stored.digest, size: layer.stored.size, kind: 'layer', path: layer.stored.path });
    }
  }
  const db = store.db;
  const lines: string[] = [];
  const loaded: LoadResult['images'] = [];
  const archiveIds = new Map(images.map((i) => [i.config.id as string, i.config.config.rootfs.diff_ids]));
  store.transaction(() => {
    store.adoptBlobs(blobs.values());
    const insertLayer = db.prepare('INSERT INTO layers(diff_id, size, tar_size, entries, plain) VALUES (?, ?, ?, ?, ?) ON CONFLICT(diff_id) DO UPDATE SET plain = coalesce(layers.plain, excluded.plain)');
    const imageExists = db.prepare('SELECT 1 FROM images WHERE id = ?').pluck();
    const insertImage = db.prepare(`INSERT INTO images(id, config_size, created, created_ms, size, layer_count, top_chain_id, parent, os, architecture, added_at, last_tag_time)
      VALUES (@id, @config_size, @created, @created_ms, @size, @layer_count, @top_chain_id, @parent, @os, @architecture, @added_at, NULL)`);
    const insertImageLayer = db.prepare('INSERT INTO image_layers(image_id, position, diff_id, chain_id) VALUES (?, ?, ?, ?)');
    const insertLayerConfig = db.prepare('INSERT OR IGNORE INTO image_layer_configs(image_id, position, config) VALUES (?, ?, ?)');
    const insertDigest = db.prepare('INSERT OR IGNORE INTO image_digests(digest, image_id, origin) VALUES (?, ?, ?)');
    const tagOf = db.prepare('SELECT image_id FROM tags WHERE name = ?').pluck();
    const storedDiffIds = db.prepare('SELECT diff_id FROM image_layers WHERE image_id = ? ORDER BY position').pluck();
    const now = Date.now();

    for (const image of images) {
      for (const layer of image.layers) insertLayer.run(layer.stored.digest, layer.layer!.size, layer.stored.size, layer.layer!.entries, layer.layer!.plain ? 1 : 0);
      const id = image.config.id;
      const cfg = image.config.config;
      if (imageExists.get(id) === undefined) {
        const diffIds = cfg.rootfs.diff_ids;
        const chains = chainIds(diffIds);
        insertImage.run({
          id,
          config_size: image.config.bytes.length,
          created: cfg.created ?? '',
          created_ms: createdMs(cfg.created),
          size: image.layers.reduce((sum, l) => sum + l.layer!.size, 0),
          layer_count: diffIds.length,
          top_chain_id: chains.at(-1) ?? null,
          parent: parentOf(image, archiveIds, (p) => storedDiffIds.all(p) as Digest[]),
          os: cfg.os ?? '',
          architecture: cfg.architecture ?? '',
          added_at: now,
        });
        diffIds.forEach((diffId, i) => insertImageLayer.run(id, i, diffId, chains[i]));
      }
      image.layerConfigs?.forEach((c, position) => {
        if (c !== undefined) insertLayerConfig.run(id, position, JSON.stringify(c));
      });
      for (const digest of image.manifestDigests) insertDigest.run(digest, id, 'archive');
      insertDigest.run(berthManifestDigest(image), id, 'berth');
      for (const tag of image.tags) {
        const name = fullName(tag);
        const previous = tagOf.get(name) as string | undefined;
        if (previous !== undefined && previous !== id) {
          lines.push(`The image ${familiarName(tag)} already exists, renaming the old one with ID ${previous} to empty string`);
        }
        upsertTag(db, { name, repository: tag.repository, tag: tag.tag }, id, now);
        lines.push(`Loaded image: ${familiarName(tag)}`);
      }
      if (image.tags.length === 0) lines.push(`Loaded image ID: ${id}`);
      loaded.push({ id, tags: image.tags.map(familiarName) });
    }
  });
  return { lines, notes, images: loaded };
}

/** The digest of the manifest `berth save` writes for this image (kept with origin 'berth'; not a RepoDigest, so no reference resolves by it). */
function berthManifestDigest(image: ArchiveImage): Digest {
  return sha256Of(imageManifest({
    id: image.config.id,
    configSize: image.config.bytes.length,
    layers: image.layers.map((l) => ({ diffId: l.stored.digest, size: l.stored.size })),
    tags: [],
    parent: undefined,
  }));
}

/** The declared parent, kept only if it is known (here or in the store) and its layers are a prefix of the child's. */
function parentOf(image: ArchiveImage, archive: Map<string, Digest[]>, stored: (id: string) => Digest[]): string | null {
  const parent = image.parent;
  if (parent === undefined) return null;
  const parentDiffs = archive.get(parent) ?? stored(parent);
  if (parentDiffs.length === 0 && !archive.has(parent)) return null;
  const own = image.config.config.rootfs.diff_ids;
  if (parentDiffs.length > own.length || parentDiffs.some((d, i) => own[i] !== d)) return null;
  return parent;
}

/** Decides how to read `path`: a directory (OCI layout) or a file stream. */
export async function inputKindOf(path: string): Promise<'directory' | 'file'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch (err) {
    throw new BerthError('not_found', 'INPUT_NOT_FOUND', `Cannot open "${path}": ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
}
