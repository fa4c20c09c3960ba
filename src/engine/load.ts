/**
 * `berth load`: read an archive (any supported format, one pass), check every image in it,
 * then publish all of them and their tags in one transaction, or none.
 */
import { stat } from 'node:fs/promises';
import { BerthError } from '../internal/errors.js';
import { removeTree } from '../internal/fs.js';
import type { Limits } from '../internal/limits.js';
import type { Digest } from '../digest/digest.js';
import { familiarName } from '../image/reference.js';
import { TarSource } from '../archive/ingest/tar-source.js';
import { DirectorySource } from '../archive/ingest/dir-source.js';
import { readJsonMember, type ArchiveSource } from '../archive/ingest/archive-source.js';
import { isDirTransportManifest, readDirTransport } from '../archive/dir-transport/read-dir-transport.js';
import type { ArchiveImage } from '../archive/archive-image.js';
import { MANIFEST_PATH, readDockerArchive } from '../archive/docker-archive/read-docker-archive.js';
import { hostPlatform, INDEX_PATH, OciLayoutReader } from '../archive/oci-layout/read-oci-layout.js';
import type { Store } from '../store/store.js';
import { imageLayers } from '../store/images.js';
import { publishImage } from '../store/publish-image.js';

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

/** Publishes every image of the archive, with its tags, in one transaction: all of them or none. */
function commit(store: Store, images: ArchiveImage[], notes: string[]): LoadResult {
  const lines: string[] = [];
  const loaded: LoadResult['images'] = [];
  const archiveIds = new Map(images.map((i) => [i.config.id as string, i.config.config.rootfs.diff_ids]));
  store.transaction(() => {
    for (const image of images) {
      const published = publishImage(store, {
        config: { bytes: image.config.bytes, path: image.configMember.stored.path },
        layers: image.layers.map((l) => ({
          diffId: l.stored.digest,
          ingested: { path: l.stored.path, tarSize: l.stored.size, size: l.layer!.size, entries: l.layer!.entries, plain: l.layer!.plain },
        })),
        parent: parentOf(image, archiveIds, (p) => imageLayers(store, p).map((l) => l.diffId)),
        tags: image.tags,
        manifestDigests: image.manifestDigests,
        layerConfigs: image.layerConfigs?.map((c) => (c === undefined ? undefined : JSON.stringify(c))),
      });
      for (const { tag, replaced } of published.tags) {
        if (replaced !== undefined) lines.push(`The image ${familiarName(tag)} already exists, renaming the old one with ID ${replaced} to empty string`);
        lines.push(`Loaded image: ${familiarName(tag)}`);
      }
      if (image.tags.length === 0) lines.push(`Loaded image ID: ${published.id}`);
      loaded.push({ id: published.id, tags: image.tags.map(familiarName) });
    }
  });
  return { lines, notes, images: loaded };
}

/** The declared parent, kept only if it is known (here or in the store) and its layers are a prefix of the child's. */
function parentOf(image: ArchiveImage, archive: Map<string, Digest[]>, stored: (id: Digest) => Digest[]): Digest | undefined {
  const parent = image.parent;
  if (parent === undefined) return undefined;
  const parentDiffs = archive.get(parent) ?? stored(parent);
  if (parentDiffs.length === 0 && !archive.has(parent)) return undefined;
  const own = image.config.config.rootfs.diff_ids;
  if (parentDiffs.length > own.length || parentDiffs.some((d, i) => own[i] !== d)) return undefined;
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
