/**
 * The archive `berth save` writes: an OCI image layout (index.json, oci-layout, blobs) that
 * also carries Docker's manifest.json and repositories, the layout Docker 25+ writes. Every
 * blob (config, uncompressed layer, manifest) is stored once under blobs/sha256, and
 * manifest.json points into it, which Docker 20.10's loader accepts (it opens whatever paths
 * manifest.json names). Building the records is pure: bytes come from the caller's openers.
 */
import { hexOf, type Digest } from '../digest/digest.js';
import { sha256Of } from '../digest/sha256.js';
import { familiarName, familiarRepository, fullName, type TaggedReference } from '../image/reference.js';
import { MEDIA, ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME } from '../image/media-types.js';
import { imageManifest } from '../image/image-manifest.js';
import type { TarRecord } from './tar/tar-writer.js';

export interface SaveImage {
  id: Digest;
  configSize: number;
  /** Base first. `size` is the tar's byte size. */
  layers: Array<{ diffId: Digest; size: number }>;
  /** Tags to record, or none (an image saved by ID loads untagged, as with Docker). */
  tags: TaggedReference[];
  parent: Digest | undefined;
}

export type BlobOpener = (digest: Digest, size: number) => AsyncIterable<Buffer>;

export interface SaveLayout {
  records: TarRecord[];
  /** Bytes of blob data the archive holds (for progress). */
  blobBytes: number;
  /** Manifest digest of each image, by image ID. */
  manifestDigests: Map<Digest, Digest>;
}

export function saveLayout(images: readonly SaveImage[], openBlob: BlobOpener): SaveLayout {
  const blobs = new Map<Digest, TarRecord>();
  const addBlob = (digest: Digest, size: number, data?: Buffer): void => {
    if (blobs.has(digest)) return;
    const name = `blobs/sha256/${hexOf(digest)}`;
    blobs.set(digest, data === undefined ? { name, type: 'file', size, open: () => openBlob(digest, size) } : { name, type: 'file', size, data });
  };
  const index: unknown[] = [];
  const manifestJson: unknown[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const manifestDigests = new Map<Digest, Digest>();
  const ids = new Set(images.map((i) => i.id));
  for (const image of images) {
    addBlob(image.id, image.configSize);
    for (const layer of image.layers) addBlob(layer.diffId, layer.size);
    const manifest = imageManifest(image);
    const manifestDigest = sha256Of(manifest);
    manifestDigests.set(image.id, manifestDigest);
    addBlob(manifestDigest, manifest.length, manifest);
    const descriptor = { mediaType: MEDIA.ociManifest, digest: manifestDigest, size: manifest.length };
    if (image.tags.length === 0) index.push(descriptor);
    for (const tag of image.tags) {
      index.push({ ...descriptor, annotations: { [ANNOTATION_IMAGE_NAME]: fullName(tag), [ANNOTATION_REF_NAME]: tag.tag } });
      const repo = familiarRepository(tag.repository);
      const top = image.layers.at(-1);
      if (top !== undefined) (repositories[repo] ??= {})[tag.tag] = hexOf(top.diffId);
    }
    const item: Record<string, unknown> = {
      Config: `blobs/sha256/${hexOf(image.id)}`,
      RepoTags: image.tags.length === 0 ? null : image.tags.map(familiarName),
      Layers: image.layers.map((l) => `blobs/sha256/${hexOf(l.diffId)}`),
    };
    if (image.parent !== undefined && ids.has(image.parent)) item.Parent = image.parent;
    manifestJson.push(item);
  }
  const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value)}\n`);
  const records: TarRecord[] = [
    { name: 'blobs', type: 'dir', size: 0 },
    { name: 'blobs/sha256', type: 'dir', size: 0 },
    ...blobs.values(),
    file('index.json', json({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: index })),
    file('manifest.json', json(manifestJson)),
    file('oci-layout', json({ imageLayoutVersion: '1.0.0' })),
  ];
  if (Object.keys(repositories).length > 0) records.push(file('repositories', json(sortKeys(repositories))));
  const blobBytes = [...blobs.values()].reduce((s, r) => s + r.size, 0);
  return { records, blobBytes, manifestDigests };
}

function file(name: string, data: Buffer): TarRecord {
  return { name, type: 'file', size: data.length, data };
}

function sortKeys(repos: Record<string, Record<string, string>>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const repo of Object.keys(repos).sort()) {
    const tags: Record<string, string> = {};
    for (const tag of Object.keys(repos[repo]!).sort()) tags[tag] = repos[repo]![tag]!;
    out[repo] = tags;
  }
  return out;
}
