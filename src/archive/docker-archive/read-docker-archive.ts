/**
 * Reads Docker's archive format through its manifest.json: the legacy layout of Docker <= 24
 * (`<id>/layer.tar`), skopeo's (layers as symlinks), podman's, and Docker 25+ (paths into
 * blobs/sha256). Config and layer paths are looked up in the archive, never on the host.
 */
import { BerthError, isBerthError } from '../../internal/errors.js';
import { limitError } from '../../internal/limits.js';
import { isDigest, type Digest } from '../../digest/digest.js';
import { parseTagReference, type TaggedReference } from '../../image/reference.js';
import { legacyLayerConfig, type LegacyConfig } from '../../image/rollback-config.js';
import { readJsonMember, type ArchiveSource } from '../ingest/archive-source.js';
import { assembleImage, digestMismatch, type ArchiveImage } from '../archive-image.js';

export const MANIFEST_PATH = 'manifest.json';

interface ManifestItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
  Parent?: string;
}

function invalid(why: string): BerthError {
  return new BerthError('invalid_archive', 'MANIFEST_INVALID', `Cannot load archive: manifest.json ${why}`, {
    hint: 'The archive is damaged or was not written by docker save, podman save, skopeo or berth save',
  });
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

export function parseManifestJson(value: unknown, maxImages: number, maxTags: number): ManifestItem[] {
  if (!Array.isArray(value)) throw invalid(value === null ? 'is null' : 'is not a list');
  if (value.length === 0) throw invalid('lists no images');
  if (value.length > maxImages) throw limitError('images', maxImages, `manifest.json (${value.length} images)`);
  let tagCount = 0;
  return value.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalid(`entry ${i + 1} is not an object`);
    const o = item as Record<string, unknown>;
    if (typeof o.Config !== 'string' || o.Config === '') throw invalid(`entry ${i + 1} has no "Config" path`);
    if (!isStringArray(o.Layers)) throw invalid(`entry ${i + 1} has no "Layers" list`);
    if (o.RepoTags !== undefined && o.RepoTags !== null && !isStringArray(o.RepoTags)) throw invalid(`entry ${i + 1} has a "RepoTags" that is not a list of strings`);
    if (o.Parent !== undefined && o.Parent !== '' && typeof o.Parent !== 'string') throw invalid(`entry ${i + 1} has a "Parent" that is not a string`);
    const repoTags = (o.RepoTags ?? null) as string[] | null;
    tagCount += repoTags?.length ?? 0;
    if (tagCount > maxTags) throw limitError('tags', maxTags, 'the number of tags in manifest.json');
    const out: ManifestItem = { Config: o.Config, RepoTags: repoTags, Layers: o.Layers };
    if (typeof o.Parent === 'string' && o.Parent !== '') out.Parent = o.Parent;
    return out;
  });
}

export function parseRepoTag(tag: string, where: string): TaggedReference {
  try {
    const ref = parseTagReference(tag);
    if (ref.tag === undefined || !/:[^/]+$/.test(tag)) throw new BerthError('invalid_argument', 'REFERENCE_INVALID', 'no tag');
    return ref;
  } catch (err) {
    if (!isBerthError(err)) throw err;
    throw new BerthError('invalid_archive', 'TAG_INVALID', `Cannot load ${where}: "${tag.slice(0, 200)}" is not a valid name:tag`, {
      hint: 'The archive\'s RepoTags are damaged',
      cause: err,
    });
  }
}

/** A Docker 25+ path "blobs/sha256/<hex>" promises that digest; returns it, or undefined for other paths. */
function promisedDigest(path: string): Digest | undefined {
  const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(path.replace(/^\.?\//, ''));
  return m === null ? undefined : (`sha256:${m[1]}` as Digest);
}

/** Reads the images `manifest` lists: manifest.json as parsed (by readJsonMember, under the JSON limits). */
export async function readDockerArchive(source: ArchiveSource, manifest: unknown): Promise<ArchiveImage[]> {
  const items = parseManifestJson(manifest, source.limits.images, source.limits.tags);
  const images: ArchiveImage[] = [];
  for (const [i, item] of items.entries()) {
    const where = `image ${i + 1} of manifest.json`;
    const configMember = await source.file(item.Config, `the config of ${where}`);
    const promised = promisedDigest(item.Config);
    if (promised !== undefined && promised !== configMember.digest) throw digestMismatch(item.Config, promised, configMember.digest, `the config of ${where}`);
    const layers = [];
    for (const [n, path] of item.Layers.entries()) {
      const member = await source.file(path, `layer ${n + 1} of ${where}`);
      const layerPromise = promisedDigest(path);
      if (layerPromise !== undefined && layerPromise !== member.digest) throw digestMismatch(path, layerPromise, member.digest, `layer ${n + 1} of ${where}`);
      layers.push(member);
    }
    const assembled = await assembleImage(source, configMember, layers, where);
    const tags = (item.RepoTags ?? []).map((t) => parseRepoTag(t, where));
    const parent = item.Parent !== undefined && isDigest(item.Parent) ? item.Parent : undefined;
    const layerConfigs = await legacyLayerConfigs(source, item.Layers);
    images.push({ ...assembled, tags, parent, manifestDigests: [], ...(layerConfigs.some((c) => c !== undefined) ? { layerConfigs } : {}) });
  }
  return images;
}

/**
 * The legacy `<dir>/json` beside each `<dir>/layer.tar` below the top layer, where it holds an
 * image config (see legacyLayerConfig: Docker >= 1.10 and skopeo write none there). Docker's
 * own loader ignores these files, so one that is missing, unreadable or malformed is skipped,
 * never an error.
 */
async function legacyLayerConfigs(source: ArchiveSource, layerPaths: readonly string[]): Promise<Array<LegacyConfig | undefined>> {
  const out: Array<LegacyConfig | undefined> = [];
  for (const [n, path] of layerPaths.entries()) {
    const dir = /^(?:\.\/)?(.+)\/layer\.tar$/.exec(path)?.[1];
    if (n === layerPaths.length - 1 || dir === undefined) {
      out.push(undefined);
      continue;
    }
    try {
      const jsonPath = `${dir}/json`;
      out.push(await source.has(jsonPath) ? legacyLayerConfig((await readJsonMember(source, jsonPath, `the legacy json of layer ${n + 1}`, 'MANIFEST_INVALID')).value) : undefined);
    } catch (err) {
      if (!isBerthError(err)) throw err;
      out.push(undefined);
    }
  }
  return out;
}
