/**
 * Reads an OCI image layout (index.json + blobs/<alg>/<hex>), as a tar or a directory:
 * nested indexes (bounded depth, each read once), platform selection, and per-descriptor digest
 * and size checks. Names come from the index annotations that Docker 25+, containerd,
 * skopeo and umoci write.
 */
import { BerthError } from '../../internal/errors.js';
import { limitError } from '../../internal/limits.js';
import { hexOf, isDigest, type Digest } from '../../digest/digest.js';
import { parseTagReference, type TaggedReference } from '../../image/reference.js';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, LAYER_MEDIA_TYPES, MEDIA } from '../../image/media-types.js';
import { readJsonMember, type ArchiveSource } from '../ingest/archive-source.js';
import type { IngestedMember } from '../ingest/member-ingest.js';
import { assembleImage, digestMismatch, sizeMismatch, type ArchiveImage } from '../archive-image.js';

export const INDEX_PATH = 'index.json';
export const OCI_LAYOUT_PATH = 'oci-layout';

const INDEX_TYPES = new Set<string>([MEDIA.ociIndex, MEDIA.dockerList]);
const MANIFEST_TYPES = new Set<string>([MEDIA.ociManifest, MEDIA.dockerManifest]);
const CONFIG_TYPES = new Set<string>([MEDIA.ociConfig, MEDIA.dockerConfig]);

export interface Descriptor {
  mediaType: string | undefined;
  digest: Digest;
  size: number;
  annotations: Record<string, string> | undefined;
  platform: { os?: string; architecture?: string; variant?: string } | undefined;
}

export interface Platform {
  os: string;
  architecture: string;
}

export interface OciReadResult {
  images: ArchiveImage[];
  /** Things the user should know (names that could not be used, skipped artifacts). */
  notes: string[];
}

function invalid(code: string, what: string, why: string): BerthError {
  return new BerthError('invalid_archive', code, `Cannot load ${what}: ${why}`, {
    hint: 'The OCI layout is damaged or was not written by an image tool',
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  if (!isObject(v)) throw invalid('DESCRIPTOR_INVALID', what, 'a descriptor is not an object');
  if (v.mediaType !== undefined && typeof v.mediaType !== 'string') throw invalid('DESCRIPTOR_INVALID', what, 'a descriptor has a non-string mediaType');
  if (typeof v.digest !== 'string') throw invalid('DESCRIPTOR_INVALID', what, 'a descriptor has no digest');
  if (!isDigest(v.digest)) {
    if (/^[a-z0-9]+:/.test(v.digest) && !v.digest.startsWith('sha256:')) {
      throw new BerthError('unsupported', 'DIGEST_UNSUPPORTED', `Cannot load ${what}: digest "${v.digest.slice(0, 80)}" uses an algorithm other than sha256`, {
        hint: 'Berth addresses content by sha256 only; copy the image with a tool that writes sha256 digests (docker save, skopeo copy)',
      });
    }
    throw invalid('DESCRIPTOR_INVALID', what, `"${String(v.digest).slice(0, 80)}" is not a sha256 digest`);
  }
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) throw invalid('DESCRIPTOR_INVALID', what, 'a descriptor has no valid size');
  let annotations: Record<string, string> | undefined;
  if (v.annotations !== undefined && v.annotations !== null) {
    if (!isObject(v.annotations) || !Object.values(v.annotations).every((s) => typeof s === 'string')) throw invalid('DESCRIPTOR_INVALID', what, 'annotations are not a map of strings');
    annotations = v.annotations as Record<string, string>;
  }
  let platform: Descriptor['platform'];
  if (v.platform !== undefined && v.platform !== null) {
    if (!isObject(v.platform)) throw invalid('DESCRIPTOR_INVALID', what, 'platform is not an object');
    platform = {};
    for (const k of ['os', 'architecture', 'variant'] as const) if (typeof v.platform[k] === 'string') platform[k] = v.platform[k] as string;
  }
  return { mediaType: v.mediaType as string | undefined, digest: v.digest, size: v.size, annotations, platform };
}

function parseDescriptorList(v: unknown, what: string, field: string): Descriptor[] {
  if (!Array.isArray(v)) throw invalid('INDEX_INVALID', what, `"${field}" is not a list`);
  return v.map((d) => parseDescriptor(d, what));
}

export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch };
}

export interface OciLayoutReaderOptions {
  /** Where the blob of a digest is: blobs/sha256/<hex> (the default, OCI's layout). */
  blobPath?: (digest: Digest) => string;
}

export class OciLayoutReader {
  readonly #source: ArchiveSource;
  readonly #platform: Platform;
  readonly #blobPath: (digest: Digest) => string;
  readonly notes: string[] = [];
  readonly #walked = new Map<string, Promise<ArchiveImage[]>>();
  #tagCount = 0;

  constructor(source: ArchiveSource, platform: Platform, options: OciLayoutReaderOptions = {}) {
    this.#source = source;
    this.#platform = platform;
    this.#blobPath = options.blobPath ?? ((digest) => `blobs/sha256/${hexOf(digest)}`);
  }

  async read(): Promise<OciReadResult> {
    const source = this.#source;
    if (await source.has(OCI_LAYOUT_PATH)) {
      const { value } = await readJsonMember(source, OCI_LAYOUT_PATH, 'oci-layout', 'INDEX_INVALID');
      if (!isObject(value) || typeof value.imageLayoutVersion !== 'string' || !value.imageLayoutVersion.startsWith('1.')) {
        throw invalid('INDEX_INVALID', 'the OCI layout', 'oci-layout does not declare imageLayoutVersion 1.x');
      }
    }
    const { value } = await readJsonMember(source, INDEX_PATH, 'index.json', 'INDEX_INVALID');
    const top = this.#checkIndex(value, 'index.json');
    const images: ArchiveImage[] = [];
    const byId = new Map<string, ArchiveImage>();
    for (const desc of top) {
      const { tags, bareTag } = this.#namesOf(desc);
      const found = await this.#walk(desc, 'index.json', 1);
      for (const image of found) {
        if (bareTag !== undefined) {
          this.notes.push(`ref name "${bareTag}" has no repository, so image ${image.config.id} was loaded untagged; name it with: berth tag ${image.config.id.slice(7, 19)} NAME:${bareTag}`);
        }
        const existing = byId.get(image.config.id);
        if (existing !== undefined) {
          for (const t of tags) if (!existing.tags.some((e) => e.repository === t.repository && e.tag === t.tag)) existing.tags.push(t);
          for (const d of image.manifestDigests) if (!existing.manifestDigests.includes(d)) existing.manifestDigests.push(d);
          continue;
        }
        image.tags.push(...tags);
        byId.set(image.config.id, image);
        images.push(image);
        if (images.length > source.limits.images) throw limitError('images', source.limits.images, 'the number of images in index.json');
      }
    }
    if (images.length === 0) throw invalid('INDEX_INVALID', 'the OCI layout', 'it holds no image for this platform');
    return { images, notes: this.notes };
  }

  /**
   * An image manifest that is a member of its own, not listed by an index (the manifest.json of
   * skopeo's and podman's dir: layout): checked as a listed one is, its digest that of its bytes.
   * Its image has no name. A manifest list there is refused (MANIFEST_LIST_UNSUPPORTED).
   */
  async readManifestMember(path: string): Promise<ArchiveImage> {
    const what = `the image manifest ${path}`;
    const { value, member } = await readJsonMember(this.#source, path, what, 'INDEX_INVALID');
    if (!isObject(value)) throw invalid('INDEX_INVALID', what, 'it is not a JSON object');
    const mediaType = typeof value.mediaType === 'string' ? value.mediaType : undefined;
    if (value.manifests !== undefined || (mediaType !== undefined && INDEX_TYPES.has(mediaType))) {
      throw new BerthError('unsupported', 'MANIFEST_LIST_UNSUPPORTED', `Cannot load ${what}: it is a manifest list, not an image manifest`, {
        hint: 'Copy one platform\'s image (skopeo copy without --all), or use an OCI layout (skopeo copy ... oci:DIR)',
      });
    }
    if (mediaType !== undefined && !MANIFEST_TYPES.has(mediaType)) throw invalid('INDEX_INVALID', what, `its mediaType ${mediaType.slice(0, 200)} is not an image manifest`);
    return this.#image({ mediaType, digest: member.digest, size: member.size, annotations: undefined, platform: undefined }, value, what);
  }

  #checkIndex(value: unknown, what: string): Descriptor[] {
    if (!isObject(value)) throw invalid('INDEX_INVALID', what, 'it is not a JSON object');
    if (value.schemaVersion !== 2) throw invalid('INDEX_INVALID', what, 'schemaVersion is not 2');
    if (value.layers !== undefined || value.config !== undefined) throw invalid('INDEX_INVALID', what, 'it has both "manifests" and "layers"/"config" (ambiguous document)');
    return parseDescriptorList(value.manifests ?? [], what, 'manifests');
  }

  /**
   * The name an index entry gives: io.containerd.image.name, else a ref.name that is a full
   * reference. A bare ref.name ("latest", as skopeo and umoci write) has no repository, so
   * the image stays untagged and the caller says so.
   */
  #namesOf(desc: Descriptor): { tags: TaggedReference[]; bareTag?: string } {
    const a = desc.annotations;
    if (a === undefined) return { tags: [] };
    const full = a[ANNOTATION_IMAGE_NAME];
    const refName = a[ANNOTATION_REF_NAME];
    const candidate = full ?? refName;
    if (candidate === undefined || candidate === '') return { tags: [] };
    if (full === undefined && !candidate.includes('/') && !candidate.includes(':')) return { tags: [], bareTag: candidate };
    try {
      const ref = parseTagReference(candidate);
      if (++this.#tagCount > this.#source.limits.tags) throw limitError('tags', this.#source.limits.tags, 'the number of names in index.json');
      return { tags: [ref] };
    } catch (err) {
      if (!(err instanceof BerthError) || err.kind === 'limit') throw err;
      throw new BerthError('invalid_archive', 'TAG_INVALID', `Cannot load the OCI layout: "${candidate.slice(0, 200)}" is not a valid image name`, {
        hint: 'The layout\'s index.json annotations are damaged',
        cause: err,
      });
    }
  }

  async #blob(desc: Descriptor, what: string): Promise<IngestedMember> {
    const path = this.#blobPath(desc.digest);
    const member = await this.#source.file(path, what, { size: desc.size });
    if (member.digest !== desc.digest) throw digestMismatch(path, desc.digest, member.digest, what);
    if (member.size !== desc.size) throw sizeMismatch(path, desc.size, member.size, what);
    return member;
  }

  async #json(desc: Descriptor, what: string): Promise<Record<string, unknown>> {
    const member = await this.#blob(desc, what);
    const { value } = await readJsonMember(this.#source, member.path, what, 'INDEX_INVALID');
    if (!isObject(value)) throw invalid('INDEX_INVALID', what, 'it is not a JSON object');
    return value;
  }

  /**
   * Each manifest or index is read once, however often it is listed: without that, a few
   * indexes listing the next one a thousand times each would make an exponential walk. (An
   * index cannot list itself: it would have to contain its own digest.)
   */
  #walk(desc: Descriptor, parentWhat: string, depth: number): Promise<ArchiveImage[]> {
    if (depth > this.#source.limits.indexDepth) throw limitError('indexDepth', this.#source.limits.indexDepth, `the nesting of indexes under ${parentWhat}`);
    let walked = this.#walked.get(desc.digest);
    if (walked === undefined) {
      walked = this.#walkOnce(desc, parentWhat, depth);
      this.#walked.set(desc.digest, walked);
    }
    return walked;
  }

  async #walkOnce(desc: Descriptor, parentWhat: string, depth: number): Promise<ArchiveImage[]> {
    const what = `manifest ${desc.digest} (from ${parentWhat})`;
    if (desc.mediaType !== undefined && !INDEX_TYPES.has(desc.mediaType) && !MANIFEST_TYPES.has(desc.mediaType)) {
      this.notes.push(`skipped ${desc.digest}: media type ${desc.mediaType} is not an image`);
      return [];
    }
    const doc = await this.#json(desc, what);
    const hasManifests = doc.manifests !== undefined;
    const hasLayers = doc.layers !== undefined || doc.config !== undefined;
    if (hasManifests && hasLayers) throw invalid('INDEX_INVALID', what, 'it has both "manifests" and "layers"/"config" (ambiguous document)');
    const docType = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
    if (docType !== undefined && desc.mediaType !== undefined && docType !== desc.mediaType) {
      throw invalid('INDEX_INVALID', what, `its mediaType ${docType} differs from its descriptor's ${desc.mediaType}`);
    }
    if (hasManifests) {
      const children = this.#checkIndex(doc, what);
      const chosen = this.#selectPlatform(children, what);
      // Distinct images only: an index may list the same manifest (or index) many times.
      const out = new Set<ArchiveImage>();
      for (const child of chosen) for (const image of await this.#walk(child, what, depth + 1)) out.add(image);
      return [...out];
    }
    return [await this.#image(desc, doc, what)];
  }

  #selectPlatform(children: Descriptor[], what: string): Descriptor[] {
    const real = children.filter((c) => !(c.platform?.os === 'unknown' && c.platform.architecture === 'unknown'));
    if (!real.some((c) => c.platform !== undefined)) return real;
    const matching = real.filter((c) => c.platform === undefined || (c.platform.os === this.#platform.os && c.platform.architecture === this.#platform.architecture));
    if (matching.length === 0) {
      const available = real.map((c) => `${c.platform?.os ?? '?'}/${c.platform?.architecture ?? '?'}`).join(', ');
      throw new BerthError('not_found', 'PLATFORM_NOT_FOUND', `Cannot load ${what}: it has no image for ${this.#platform.os}/${this.#platform.architecture} (available: ${available})`, {
        hint: `Save or copy the image for ${this.#platform.os}/${this.#platform.architecture} (e.g. docker save --platform, skopeo copy --override-arch)`,
      });
    }
    return matching;
  }

  async #image(desc: Descriptor, doc: Record<string, unknown>, what: string): Promise<ArchiveImage> {
    if (doc.schemaVersion !== 2) throw invalid('INDEX_INVALID', what, 'schemaVersion is not 2');
    const config = parseDescriptor(doc.config, what);
    if (config.mediaType !== undefined && !CONFIG_TYPES.has(config.mediaType)) {
      throw new BerthError('unsupported', 'ARTIFACT_UNSUPPORTED', `Cannot load ${what}: its config type ${config.mediaType} is not a container image`, {
        hint: 'The layout holds an OCI artifact (a signature, an SBOM, a chart, ...); berth load reads container images only',
      });
    }
    const layerDescs = parseDescriptorList(doc.layers ?? [], what, 'layers');
    const configMember = await this.#blob(config, `the config of ${what}`);
    const layers: IngestedMember[] = [];
    for (const [i, layer] of layerDescs.entries()) {
      if (layer.mediaType !== undefined && !LAYER_MEDIA_TYPES.has(layer.mediaType)) {
        throw new BerthError('unsupported', 'LAYER_UNSUPPORTED', `Cannot load layer ${i + 1} of ${what}: media type ${layer.mediaType} is not a layer type Berth knows`, {
          hint: 'Layers must be tar archives, optionally gzip- or zstd-compressed, with an OCI or Docker layer media type',
        });
      }
      layers.push(await this.#blob(layer, `layer ${i + 1} of ${what}`));
    }
    const assembled = await assembleImage(this.#source, configMember, layers, what);
    return { ...assembled, tags: [], parent: undefined, manifestDigests: [desc.digest] };
  }
}
