/**
 * Hostile archives for `berth load`, table-driven. Every case starts from a store that already
 * holds a good image (peer-vis:latest and peer-vis:v3 from docker-save-3layer.tar), runs
 * `berth load` on one crafted input, and checks that it is refused with exit code 1, the
 * expected [CODE], a message that says what is wrong, and a store left exactly as it was
 * (same files, same rows, nothing left in v1/ingest or v1/trash). A second table holds inputs
 * that look odd but are legitimate and must load, leaving the good image untouched.
 *
 * Every archive is built in memory by test/support/tar-builder.ts; no binary fixture is added.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { berth, removeDir, run, storeSnapshot, tempDir, type RunResult } from '../support/cli.js';
import { BERTH_BIN, fixture, requireOrSkip } from '../support/env.js';
import {
  buildTar, digestOf, DockerArchive, gzip, imageConfig, json, layerTar, OCI, OciLayout, paxRecords, sha256, tar, truncateInMember,
  type Descriptor, type TarEntry,
} from '../support/tar-builder.js';

const GOOD_ID = 'sha256:5d59d30f19bb602783727906b0fca6934e80385d88675ced20df2ed124476ebd';
const GOOD_TAGS = ['peer-vis:latest', 'peer-vis:v3'];

/** Small limits so that decompression bombs can be small too. */
const BOMB_ENV = { BERTH_RATIO_FLOOR_BYTES: '1048576', BERTH_MAX_RATIO: '50' };

type Category = 'format' | 'paths' | 'digests' | 'streams' | 'bombs' | 'limits' | 'memory';

/** A tar stream (sent with -i FILE or on stdin), an OCI layout directory, or a path given to -i as it is (a device). */
type Input = Buffer | { dir: string } | { path: string };

interface HostileCase {
  category: Category;
  name: string;
  /** Builds the input; `dir` is a scratch directory of the case (outside the store). */
  input: (dir: string) => Input | Promise<Input>;
  via?: 'file' | 'stdin';
  env?: Record<string, string>;
  /** The expected code; a list when either is right (a cut gzip stream is both truncated and corrupt). */
  code: string | readonly string[];
  /** What the message must say. */
  message: RegExp;
  /** Runs berth under `ulimit -v` (KiB): proves no allocation of a size the archive merely claims. */
  addressSpaceKb?: number;
  /** A command the case needs to build its input (xz, zstd, bzip2); skipped without it. */
  needs?: string;
}

interface AcceptedCase {
  name: string;
  input: (dir: string) => Input | Promise<Input>;
  via?: 'file' | 'stdin';
  env?: Record<string, string>;
  /** Familiar tags the load must print ("Loaded image: ..."); empty for an untagged image. */
  tags: string[];
  /** The image ID it must load. */
  id: string;
  /** Extra checks on stderr (which may only hold "Note:" lines). */
  stderr?: RegExp;
  needs?: string;
}

// ---------------------------------------------------------------------------------------------
// Builders shared by the cases

/**
 * Hostile archives claim the good image's tag (and one of their own): had a refused load
 * published anything, peer-vis:latest would have moved and the snapshot would show it.
 */
const HOSTILE_TAGS = ['peer-vis:latest', 'hostile/image:1'];
const HOSTILE_NAME = 'docker.io/library/peer-vis:latest';

const docker = (options: ConstructorParameters<typeof DockerArchive>[0] = {}): DockerArchive => new DockerArchive({ tags: HOSTILE_TAGS, ...options });

function withManifest(value: unknown): Buffer {
  const a = docker();
  a.manifest = value;
  return a.tar();
}

function withManifestText(text: string): Buffer {
  const a = docker();
  a.manifestBytes = Buffer.from(text);
  return a.tar();
}

function withItem(edit: (item: Record<string, unknown>, a: DockerArchive) => void, options: ConstructorParameters<typeof DockerArchive>[0] = {}): Buffer {
  const a = docker(options);
  edit(a.item, a);
  return a.tar();
}

function withTags(tags: unknown): Buffer {
  return withItem((item) => {
    item.RepoTags = tags;
  });
}

/** A (legacy) docker-archive whose config member holds `config` instead; legacy paths promise no digest. */
function withConfig(config: Buffer): Buffer {
  const a = docker();
  a.replace(a.configPath, config);
  return a.tar();
}

function oci(options: ConstructorParameters<typeof OciLayout>[0] = {}): OciLayout {
  return new OciLayout({ name: HOSTILE_NAME, ...options });
}

/** An OCI layout whose one manifest is replaced by `manifest` (stored as a new blob). */
function ociWithManifest(edit: (manifest: Record<string, unknown>, layout: OciLayout) => unknown): Buffer {
  const layout = oci();
  const manifest = structuredClone(layout.manifest);
  const replaced = edit(manifest, layout) ?? manifest;
  const desc = layout.addJson(replaced, OCI.manifest);
  layout.index.manifests = [{ ...desc, annotations: { 'io.containerd.image.name': HOSTILE_NAME } }];
  return layout.tar();
}

function ociWithIndex(edit: (index: Record<string, unknown>, layout: OciLayout) => void): Buffer {
  const layout = oci();
  edit(layout.index, layout);
  return layout.tar();
}

/** Nested indexes: index.json -> index 1 -> ... -> index `levels` -> the manifest. */
function nestedIndexes(levels: number): Buffer {
  const layout = oci();
  let desc: Descriptor = layout.manifestDesc;
  for (let i = 0; i < levels; i++) desc = layout.addJson({ schemaVersion: 2, mediaType: OCI.index, manifests: [desc] }, OCI.index);
  layout.index.manifests = [desc];
  return layout.tar();
}

/** The default config (2 layers) with an extra field nested `depth` levels deep (brackets inside strings do not count). */
function deepConfig(depth: number, objects = false, layers?: Buffer[]): Buffer {
  const diffIds = (layers ?? docker().layers).map((l) => digestOf(l));
  const nested = objects ? `${'{"a":'.repeat(depth)}"[[[["${'}'.repeat(depth)}` : `${'['.repeat(depth)}"{{{{"${']'.repeat(depth)}`;
  return Buffer.from(JSON.stringify(imageConfig(diffIds)).replace(/}$/, `,"x-deep":${nested}}`));
}

function deterministicBytes(length: number, seed: string): Buffer {
  const out = Buffer.alloc(length);
  let block = Buffer.from(seed);
  for (let pos = 0; pos < length; pos += 32) {
    block = Buffer.from(sha256(block), 'hex');
    block.copy(out, pos);
  }
  return out;
}

const HEX_A = sha256('a');

/** A host file outside the store and the archive: what a path escape would read. */
async function hostFile(dir: string, name: string, content: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

// Decompression bombs: 64 MiB of zeros, built and compressed once. Only the compressed forms
// (a few KB each) are kept, so the test process stays small.
const BOMB_BYTES = 64 * 1024 * 1024;
interface Bombs {
  /** diff ID and gzip blob of a layer tar holding 64 MiB of zeros. */
  layerDiffId: string;
  layerGz: Buffer;
  /** A docker-archive with that layer, gzip- and zstd-wrapped (zstd undefined without the tool). */
  archiveGz: Buffer;
  archiveZstd: Buffer | undefined;
}
let bombsPromise: Promise<Bombs> | undefined;
function bombs(): Promise<Bombs> {
  bombsPromise ??= (async () => {
    const layer = tar([{ name: 'zeros.bin', data: Buffer.alloc(BOMB_BYTES) }]);
    const archive = docker({ layers: [layer] }).tar();
    return {
      layerDiffId: digestOf(layer),
      layerGz: gzip(layer),
      archiveGz: gzip(archive),
      archiveZstd: (await hasTool('zstd')) ? await compressWith('zstd', archive, work) : undefined,
    };
  })();
  return bombsPromise;
}

async function ociBombLayout(): Promise<OciLayout> {
  const { layerDiffId, layerGz } = await bombs();
  const layout = oci({ layers: [layerTar({ 'small.txt': 'small\n' })], gzipLayers: true });
  // Rebuild around the bomb: the config names the bomb's diff ID, the manifest its gzip blob.
  const layerDesc = layout.addBlob(layerGz, OCI.layerGzip);
  const configDesc = layout.addJson(imageConfig([layerDiffId]), OCI.config);
  const manifestDesc = layout.addJson({ schemaVersion: 2, mediaType: OCI.manifest, config: configDesc, layers: [layerDesc] }, OCI.manifest);
  layout.index.manifests = [{ ...manifestDesc, annotations: { 'io.containerd.image.name': HOSTILE_NAME } }];
  return layout;
}

/** A tar member whose header claims `size` bytes, followed by only `present` bytes and the end of the stream. */
function shortMember(name: string, size: number, present: number, extra: Partial<TarEntry> = {}): TarEntry {
  return { name, data: Buffer.alloc(present, 0x41), size, noPadding: true, ...extra };
}

// ---------------------------------------------------------------------------------------------
// The hostile table

const HOSTILE: HostileCase[] = [
  // --- format: what the archive says it is ------------------------------------------------------
  { category: 'format', name: 'neither manifest.json nor index.json', input: () => tar([{ name: 'hello.txt', data: 'hello\n' }]), code: 'ARCHIVE_FORMAT_UNKNOWN', message: /neither a manifest\.json nor an index\.json/ },
  { category: 'format', name: 'only a pre-1.10 "repositories" file', input: () => tar([{ name: 'repositories', data: '{}' }]), code: 'ARCHIVE_FORMAT_UNKNOWN', message: /pre-1\.10 Docker archive/ },
  { category: 'format', name: 'a docker export (container filesystem) tar', input: () => tar([{ name: 'etc/', type: 'dir' }, { name: 'etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n' }]), code: 'ARCHIVE_FORMAT_UNKNOWN', message: /berth import/ },
  { category: 'format', name: 'manifest.json is not JSON', input: () => withManifestText('this is not JSON'), code: 'MANIFEST_INVALID', message: /Cannot parse manifest\.json/ },
  { category: 'format', name: 'manifest.json is cut short', input: () => withManifestText('[{"Config":"x.json","Layers":['), code: 'MANIFEST_INVALID', message: /Cannot parse manifest\.json/ },
  { category: 'format', name: 'manifest.json is empty', input: () => withManifestText(''), code: 'MANIFEST_INVALID', message: /Cannot parse manifest\.json/ },
  { category: 'format', name: 'manifest.json is null', input: () => withManifest(null), code: 'MANIFEST_INVALID', message: /manifest\.json is null/ },
  { category: 'format', name: 'manifest.json is {}', input: () => withManifest({}), code: 'MANIFEST_INVALID', message: /manifest\.json is not a list/ },
  { category: 'format', name: 'manifest.json is []', input: () => withManifest([]), code: 'MANIFEST_INVALID', message: /lists no images/ },
  { category: 'format', name: 'manifest.json entry is not an object', input: () => withManifest([1]), code: 'MANIFEST_INVALID', message: /entry 1 is not an object/ },
  { category: 'format', name: 'manifest.json entry without Config', input: () => withItem((i) => { delete i.Config; }), code: 'MANIFEST_INVALID', message: /entry 1 has no "Config" path/ },
  { category: 'format', name: 'manifest.json Config is a number', input: () => withItem((i) => { i.Config = 42; }), code: 'MANIFEST_INVALID', message: /entry 1 has no "Config" path/ },
  { category: 'format', name: 'manifest.json Config is empty', input: () => withItem((i) => { i.Config = ''; }), code: 'MANIFEST_INVALID', message: /entry 1 has no "Config" path/ },
  { category: 'format', name: 'manifest.json entry without Layers', input: () => withItem((i) => { delete i.Layers; }), code: 'MANIFEST_INVALID', message: /entry 1 has no "Layers" list/ },
  { category: 'format', name: 'manifest.json Layers is a string', input: () => withItem((i, a) => { i.Layers = a.layerPaths[0]; }), code: 'MANIFEST_INVALID', message: /entry 1 has no "Layers" list/ },
  { category: 'format', name: 'manifest.json Layers holds a number', input: () => withItem((i) => { i.Layers = [1]; }), code: 'MANIFEST_INVALID', message: /entry 1 has no "Layers" list/ },
  { category: 'format', name: 'manifest.json RepoTags is a string', input: () => withTags('hostile/image:1'), code: 'MANIFEST_INVALID', message: /"RepoTags" that is not a list of strings/ },
  { category: 'format', name: 'manifest.json RepoTags holds an object', input: () => withTags([{ name: 'x:1' }]), code: 'MANIFEST_INVALID', message: /"RepoTags" that is not a list of strings/ },
  { category: 'format', name: 'manifest.json second entry is broken', input: () => withItem((_, a) => { (a.manifest as unknown[]).push({ Config: a.configPath }); }), code: 'MANIFEST_INVALID', message: /entry 2 has no "Layers" list/ },
  { category: 'format', name: 'manifest.json Parent is a number', input: () => withItem((i) => { i.Parent = 7; }), code: 'MANIFEST_INVALID', message: /"Parent" that is not a string/ },
  { category: 'format', name: 'manifest.json nested 100,000 arrays deep', input: () => withManifestText(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), code: 'LIMIT_JSON_DEPTH', message: /the nesting of manifest\.json \("manifest\.json"\) exceeds the JSON nesting depth limit \(256\)/ },
  { category: 'format', name: 'config nested 100,000 arrays deep', input: () => withConfig(deepConfig(100_000)), code: 'LIMIT_JSON_DEPTH', message: /the nesting of the image config of image 1 of manifest\.json .* exceeds the JSON nesting depth limit/ },
  { category: 'format', name: 'config nested 300 objects deep (default limit 256)', input: () => withConfig(deepConfig(300, true)), code: 'LIMIT_JSON_DEPTH', message: /JSON nesting depth limit \(256\)/ },
  { category: 'format', name: 'index.json nested 20 deep with BERTH_MAX_JSON_DEPTH=10', input: () => ociWithIndex((i) => { (i as Record<string, unknown>)['x-deep'] = JSON.parse(`${'['.repeat(20)}${']'.repeat(20)}`); }), env: { BERTH_MAX_JSON_DEPTH: '10' }, code: 'LIMIT_JSON_DEPTH', message: /the nesting of index\.json \("index\.json"\) exceeds the JSON nesting depth limit \(10\)/ },
  { category: 'format', name: 'index.json is not JSON', input: () => { const l = oci(); l.indexBytes = Buffer.from('{"schemaVersion":'); return l.tar(); }, code: 'INDEX_INVALID', message: /Cannot parse index\.json/ },
  { category: 'format', name: 'index.json is null', input: () => { const l = oci(); l.indexBytes = Buffer.from('null'); return l.tar(); }, code: 'INDEX_INVALID', message: /index\.json: it is not a JSON object/ },
  { category: 'format', name: 'index.json is a list', input: () => { const l = oci(); l.indexBytes = json([l.manifestDesc]); return l.tar(); }, code: 'INDEX_INVALID', message: /not a JSON object/ },
  { category: 'format', name: 'index.json schemaVersion 1', input: () => ociWithIndex((i) => { i.schemaVersion = 1; }), code: 'INDEX_INVALID', message: /schemaVersion is not 2/ },
  { category: 'format', name: 'index.json manifests is an object', input: () => ociWithIndex((i, l) => { i.manifests = l.manifestDesc; }), code: 'INDEX_INVALID', message: /"manifests" is not a list/ },
  { category: 'format', name: 'index.json lists no manifests', input: () => ociWithIndex((i) => { i.manifests = []; }), code: 'INDEX_INVALID', message: /holds no image/ },
  { category: 'format', name: 'index.json that also has layers', input: () => ociWithIndex((i, l) => { i.layers = l.layerDescs; }), code: 'INDEX_INVALID', message: /both "manifests" and "layers"/ },
  { category: 'format', name: 'oci-layout is not JSON', input: () => { const l = oci(); l.ociLayoutBytes = Buffer.from('imageLayoutVersion=1.0.0'); return l.tar(); }, code: 'INDEX_INVALID', message: /Cannot parse oci-layout/ },
  { category: 'format', name: 'oci-layout declares version 2', input: () => { const l = oci(); l.ociLayout = { imageLayoutVersion: '2.0.0' }; return l.tar(); }, code: 'INDEX_INVALID', message: /imageLayoutVersion 1\.x/ },
  { category: 'format', name: 'descriptor digest is not hex', input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, digest: 'sha256:xyz' }]; }), code: 'DESCRIPTOR_INVALID', message: /"sha256:xyz" is not a sha256 digest/ },
  { category: 'format', name: 'descriptor digest climbs out of blobs/', input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, digest: 'sha256:../../../../etc/passwd' }]; }), code: 'DESCRIPTOR_INVALID', message: /is not a sha256 digest/ },
  { category: 'format', name: 'descriptor digest in upper case', input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, digest: l.manifestDesc.digest.toUpperCase().replace('SHA256', 'sha256') }]; }), code: 'DESCRIPTOR_INVALID', message: /is not a sha256 digest/ },
  { category: 'format', name: 'descriptor without digest', input: () => ociWithIndex((i, l) => { i.manifests = [{ mediaType: OCI.manifest, size: l.manifestDesc.size }]; }), code: 'DESCRIPTOR_INVALID', message: /a descriptor has no digest/ },
  { category: 'format', name: 'descriptor with a negative size', input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, size: -1 }]; }), code: 'DESCRIPTOR_INVALID', message: /no valid size/ },
  { category: 'format', name: 'descriptor is a string', input: () => ociWithIndex((i, l) => { i.manifests = [l.manifestDesc.digest]; }), code: 'DESCRIPTOR_INVALID', message: /a descriptor is not an object/ },
  { category: 'format', name: 'config descriptor with a bad digest', input: () => ociWithManifest((m) => { (m.config as Descriptor).digest = 'sha256:1234'; }), code: 'DESCRIPTOR_INVALID', message: /"sha256:1234" is not a sha256 digest/ },
  { category: 'format', name: 'annotations that are not strings', input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, annotations: { 'io.containerd.image.name': 5 } }]; }), code: 'DESCRIPTOR_INVALID', message: /annotations are not a map of strings/ },
  { category: 'format', name: 'sha512 digest in index.json', input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, digest: `sha512:${'ab'.repeat(64)}` }]; }), code: 'DIGEST_UNSUPPORTED', message: /uses an algorithm other than sha256/ },
  { category: 'format', name: 'sha512 layer digest in a manifest', input: () => ociWithManifest((m) => { (m.layers as Descriptor[])[0]!.digest = `sha512:${'cd'.repeat(64)}`; }), code: 'DIGEST_UNSUPPORTED', message: /uses an algorithm other than sha256/ },
  { category: 'format', name: 'a manifest that is also an index', input: () => ociWithManifest((m, l) => ({ ...m, manifests: [l.manifestDesc] })), code: 'INDEX_INVALID', message: /both "manifests" and "layers"\/"config"/ },
  { category: 'format', name: 'an index that is also a manifest, typed as an index', input: () => {
    const l = oci();
    const both = l.addJson({ schemaVersion: 2, manifests: [l.manifestDesc], config: l.configDesc, layers: l.layerDescs }, OCI.index);
    l.index.manifests = [both];
    return l.tar();
  }, code: 'INDEX_INVALID', message: /ambiguous document/ },
  { category: 'format', name: 'a document whose mediaType contradicts its descriptor', input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, mediaType: OCI.index }]; }), code: 'INDEX_INVALID', message: /differs from its descriptor/ },
  {
    category: 'format',
    // A blob cannot contain its own sha256, so a self-reference always arrives with content that
    // does not match the digest it is stored under: the digest check stops it before the loop guard.
    name: 'an index that refers to itself',
    input: () => {
      const l = oci();
      const claimed = digestOf('the index that lists itself');
      const self = json({ schemaVersion: 2, mediaType: OCI.index, manifests: [{ mediaType: OCI.index, digest: claimed, size: 100 }] });
      l.blobs.set(claimed, self);
      l.index.manifests = [{ mediaType: OCI.index, digest: claimed, size: self.length }];
      return l.tar();
    },
    code: 'DIGEST_MISMATCH',
    message: /its digest is sha256:[0-9a-f]{64}, expected sha256:/,
  },
  { category: 'format', name: 'indexes nested 10 deep (default limit 8)', input: () => nestedIndexes(10), code: 'LIMIT_INDEX_DEPTH', message: /OCI index nesting depth limit \(8\).*/ },
  { category: 'format', name: 'indexes nested 2 deep with BERTH_MAX_INDEX_DEPTH=2', input: () => nestedIndexes(2), env: { BERTH_MAX_INDEX_DEPTH: '2' }, code: 'LIMIT_INDEX_DEPTH', message: /nesting depth limit \(2\)/ },
  { category: 'format', name: 'no image for this platform', input: () => ociWithIndex((i, l) => {
    const nested = l.addJson({ schemaVersion: 2, mediaType: OCI.index, manifests: [{ ...l.manifestDesc, platform: { os: 'plan9', architecture: 'mips' } }] }, OCI.index);
    i.manifests = [nested];
  }), code: 'PLATFORM_NOT_FOUND', message: /available: plan9\/mips/ },
  { category: 'format', name: 'an artifact, not an image', input: () => ociWithManifest((m) => { (m.config as Descriptor).mediaType = 'application/vnd.example.sbom+json'; }), code: 'ARTIFACT_UNSUPPORTED', message: /is not a container image/ },
  { category: 'format', name: 'a layer media type Berth does not know', input: () => ociWithManifest((m) => { (m.layers as Descriptor[])[0]!.mediaType = 'application/x-evil'; }), code: 'LAYER_UNSUPPORTED', message: /application\/x-evil/ },

  // --- paths: names that try to leave the archive ------------------------------------------------
  { category: 'paths', name: 'Config "../x"', input: () => withItem((i) => { i.Config = '../x'; }), code: 'ARCHIVE_PATH_INVALID', message: /"\.\.\/x": it points outside the archive/ },
  { category: 'paths', name: 'Config "blobs/sha256/../../../etc/passwd"', input: () => withItem((i) => { i.Config = 'blobs/sha256/../../../etc/passwd'; }), code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'Layers ["../x"]', input: () => withItem((i) => { (i.Layers as string[])[1] = '../x'; }), code: 'ARCHIVE_PATH_INVALID', message: /"\.\.\/x": it points outside the archive/ },
  { category: 'paths', name: 'Config "/etc/passwd" is looked up in the archive only', input: () => withItem((i) => { i.Config = '/etc/passwd'; }), code: 'ARCHIVE_ENTRY_MISSING', message: /"\/etc\/passwd" is not in the archive/ },
  { category: 'paths', name: 'Layers ["/etc/passwd"] is looked up in the archive only', input: () => withItem((i) => { (i.Layers as string[])[0] = '/etc/passwd'; }), code: 'ARCHIVE_ENTRY_MISSING', message: /"\/etc\/passwd" is not in the archive/ },
  {
    category: 'paths',
    // The host file holds exactly the right config: reading it would make the load succeed.
    name: 'Config names a host file holding the right config',
    input: async (dir) => {
      const a = docker();
      a.item.Config = await hostFile(dir, 'config.json', a.configBytes);
      a.remove(a.configPath);
      return a.tar();
    },
    code: 'ARCHIVE_ENTRY_MISSING',
    message: /config\.json" is not in the archive/,
  },
  {
    category: 'paths',
    name: 'Layers names a host file holding the right layer',
    input: async (dir) => {
      const a = docker();
      (a.item.Layers as string[])[0] = await hostFile(dir, 'layer.tar', a.layers[0]!);
      return a.tar();
    },
    code: 'ARCHIVE_ENTRY_MISSING',
    message: /layer\.tar" is not in the archive/,
  },
  { category: 'paths', name: 'member "../evil"', input: () => tar([{ name: '../evil', data: 'x' }, ...docker().allEntries()]), code: 'ARCHIVE_PATH_INVALID', message: /"\.\.\/evil": it points outside the archive/ },
  { category: 'paths', name: 'member "a/../../evil"', input: () => tar([...docker().allEntries(), { name: 'a/../../evil', data: 'x' }]), code: 'ARCHIVE_PATH_INVALID', message: /"a\/\.\.\/\.\.\/evil": it points outside the archive/ },
  { category: 'paths', name: 'member "/../evil"', input: () => tar([{ name: '/../evil', data: 'x' }]), code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'member "../evil" given by a PAX path record', input: () => tar([{ name: 'harmless', pax: { path: '../evil' }, data: 'x' }]), code: 'ARCHIVE_PATH_INVALID', message: /"\.\.\/evil": it points outside the archive/ },
  { category: 'paths', name: 'member "../…" given by a GNU long name', input: () => tar([{ name: 'x', gnuLongName: `../${'e'.repeat(120)}`, data: 'x' }]), code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'member name with a NUL byte (PAX)', input: () => tar([{ name: 'x', pax: { path: 'manifest.json\0/../../evil' }, data: 'x' }]), code: 'ARCHIVE_PATH_INVALID', message: /contains a NUL byte/ },
  { category: 'paths', name: 'layer.tar -> ../../etc/passwd (symlink)', input: () => {
    const a = docker();
    const path = a.layerPaths[0]!;
    a.remove(path).entries.push({ name: path, type: 'symlink', linkname: '../../etc/passwd' });
    return a.tar();
  }, code: 'ARCHIVE_PATH_INVALID', message: /"\.\.\/\.\.\/etc\/passwd": it points outside the archive/ },
  { category: 'paths', name: 'layer.tar -> /etc/passwd (absolute symlink, resolved in the archive)', input: () => {
    const a = docker();
    const path = a.layerPaths[0]!;
    a.remove(path).entries.push({ name: path, type: 'symlink', linkname: '/etc/passwd' });
    return a.tar();
  }, code: 'ARCHIVE_ENTRY_MISSING', message: /is not in the archive/ },
  { category: 'paths', name: 'layer.tar hard link to ../../etc/passwd', input: () => {
    const a = docker();
    const path = a.layerPaths[0]!;
    a.remove(path).entries.push({ name: path, type: 'hardlink', linkname: '../../etc/passwd' });
    return a.tar();
  }, code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'two-hop symlink escape (layer.tar -> ../hop, hop -> ../etc/passwd)', input: () => {
    const a = docker();
    const path = a.layerPaths[0]!;
    a.remove(path).entries.push({ name: path, type: 'symlink', linkname: '../hop' }, { name: 'hop', type: 'symlink', linkname: '../etc/passwd' });
    return a.tar();
  }, code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'directory symlink to .. (Layers ["up/etc/passwd"], up -> ..)', input: () => withItem((i, a) => {
    (i.Layers as string[])[0] = 'up/etc/passwd';
    a.entries.push({ name: 'up', type: 'symlink', linkname: '..' });
  }), code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'symlink loop (layer.tar -> layer.tar)', input: () => {
    const a = docker();
    const path = a.layerPaths[0]!;
    a.remove(path).entries.push({ name: path, type: 'symlink', linkname: 'layer.tar' });
    return a.tar();
  }, code: 'ARCHIVE_PATH_INVALID', message: /too many levels of links/ },
  { category: 'paths', name: 'symlink loop (a -> b, b -> a)', input: () => withItem((i, a) => {
    (i.Layers as string[])[0] = 'a';
    a.entries.push({ name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: 'a' });
  }), code: 'ARCHIVE_PATH_INVALID', message: /too many levels of links/ },
  { category: 'paths', name: 'hard link loop (a -> b, b -> a)', input: () => withItem((i, a) => {
    (i.Layers as string[])[0] = 'a';
    a.entries.push({ name: 'a', type: 'hardlink', linkname: 'b' }, { name: 'b', type: 'hardlink', linkname: 'a' });
  }), code: 'ARCHIVE_PATH_INVALID', message: /too many levels of links/ },
  { category: 'paths', name: 'manifest.json is a symlink out of the archive', input: () => {
    const a = docker();
    return tar([...a.entries, { name: 'manifest.json', type: 'symlink', linkname: '../../../etc/passwd' }]);
  }, code: 'ARCHIVE_PATH_INVALID', message: /"\.\.\/\.\.\/\.\.\/etc\/passwd": it points outside the archive/ },
  { category: 'paths', name: 'symlink with an empty target', input: () => tar([{ name: 'x', type: 'symlink', linkname: '' }]), code: 'ARCHIVE_PATH_INVALID', message: /symbolic link with an empty target/ },
  { category: 'paths', name: 'the archive root as a file', input: () => tar([{ name: './', data: 'x' }]), code: 'ARCHIVE_PATH_INVALID', message: /archive root must be a directory/ },
  {
    category: 'paths',
    // The outside file holds exactly the blob's bytes: following the link would load the image.
    name: 'OCI layout directory: a blob symlinked to a file outside the layout',
    input: async (dir) => {
      const l = oci();
      const layer = l.layerDescs[0]!;
      await hostFile(dir, 'outside-layer', l.blobs.get(layer.digest)!);
      l.blobs.delete(layer.digest);
      l.extra.push({ name: OciLayout.blobPath(layer.digest), type: 'symlink', linkname: '../../../outside-layer' });
      const layoutDir = join(dir, 'layout');
      await l.writeDir(layoutDir);
      return { dir: layoutDir };
    },
    code: 'ARCHIVE_PATH_INVALID',
    message: /resolves outside the layout directory/,
  },
  {
    category: 'paths',
    name: 'OCI layout directory: a blob symlinked to /etc/passwd',
    input: async (dir) => {
      const l = oci();
      const layer = l.layerDescs[1]!;
      l.blobs.delete(layer.digest);
      l.extra.push({ name: OciLayout.blobPath(layer.digest), type: 'symlink', linkname: '/etc/passwd' });
      const layoutDir = join(dir, 'layout');
      await l.writeDir(layoutDir);
      return { dir: layoutDir };
    },
    code: 'ARCHIVE_PATH_INVALID',
    message: /resolves outside the layout directory/,
  },
  {
    category: 'paths',
    name: 'OCI layout directory: a blob that is a symlink loop',
    input: async (dir) => {
      const l = oci();
      const path = OciLayout.blobPath(l.configDesc.digest);
      l.blobs.delete(l.configDesc.digest);
      l.extra.push({ name: path, type: 'symlink', linkname: path.split('/').at(-1)! });
      await l.writeDir(join(dir, 'layout'));
      return { dir: join(dir, 'layout') };
    },
    code: 'ARCHIVE_PATH_INVALID',
    message: /too many levels of symbolic links/,
  },
  {
    category: 'paths',
    name: 'OCI layout directory: manifest.json symlinked to /etc/passwd',
    input: async (dir) => {
      const l = oci();
      l.extra.push({ name: 'manifest.json', type: 'symlink', linkname: '/etc/passwd' });
      await l.writeDir(join(dir, 'layout'));
      return { dir: join(dir, 'layout') };
    },
    code: 'ARCHIVE_PATH_INVALID',
    message: /"manifest\.json": it resolves outside the layout directory/,
  },
  {
    category: 'memory',
    // A sparse file costs nothing to make; reading it before checking its size would copy 3 GiB.
    name: 'OCI layout directory: a 3 GiB sparse layer blob (size checked before reading)',
    input: async (dir) => {
      const l = oci();
      await l.writeDir(join(dir, 'layout'));
      await truncate(join(dir, 'layout', OciLayout.blobPath(l.layerDescs[0]!.digest)), 3 * 1024 ** 3);
      return { dir: join(dir, 'layout') };
    },
    code: 'SIZE_MISMATCH',
    message: /it has 3221225472 bytes, its descriptor says \d+/,
  },
  {
    category: 'memory',
    name: 'OCI layout directory: a 3 GiB sparse index.json (JSON limit checked before reading)',
    input: async (dir) => {
      const l = oci();
      await l.writeDir(join(dir, 'layout'));
      await truncate(join(dir, 'layout', 'index.json'), 3 * 1024 ** 3);
      return { dir: join(dir, 'layout') };
    },
    code: 'LIMIT_JSON_BYTES',
    message: /index\.json \("index\.json", 3221225472 bytes\) exceeds the JSON document size limit/,
  },
  {
    category: 'paths',
    name: 'OCI layout directory: a blob that is a FIFO (never opened)',
    input: async (dir) => {
      const l = oci();
      l.blobs.delete(l.configDesc.digest);
      await l.writeDir(join(dir, 'layout'));
      const r = await run('mkfifo', [join(dir, 'layout', OciLayout.blobPath(l.configDesc.digest))]);
      assert.equal(r.code, 0, r.stderr);
      return { dir: join(dir, 'layout') };
    },
    code: 'ARCHIVE_ENTRY_MISSING',
    message: /config of manifest .* is not in the directory/,
  },
  {
    category: 'paths',
    name: 'OCI layout directory: index.json symlinked outside the layout',
    input: async (dir) => {
      const l = oci();
      await hostFile(dir, 'outside-index.json', json(l.index));
      const layoutDir = join(dir, 'layout');
      await l.writeDir(layoutDir);
      await rm(join(layoutDir, 'index.json'));
      await symlink('../outside-index.json', join(layoutDir, 'index.json'));
      return { dir: layoutDir };
    },
    code: 'ARCHIVE_PATH_INVALID',
    message: /"index\.json": it resolves outside the layout directory/,
  },

  // --- digests and sizes ------------------------------------------------------------------------
  { category: 'digests', name: 'Docker 25 config at blobs/sha256/<hex> with other content', input: () => {
    const a = docker({ style: 'docker25' });
    a.replace(a.configPath, json({ ...a.config, author: 'mallory' }));
    return a.tar();
  }, code: 'DIGEST_MISMATCH', message: /the config of image 1 of manifest\.json \("blobs\/sha256\/[0-9a-f]{64}"\): its digest is sha256:[0-9a-f]{64}, expected/ },
  { category: 'digests', name: 'Docker 25 layer at blobs/sha256/<hex> with other content', input: () => {
    const a = docker({ style: 'docker25' });
    a.replace(a.layerPaths[1]!, layerTar({ 'evil.txt': 'evil\n' }));
    return a.tar();
  }, code: 'DIGEST_MISMATCH', message: /layer 2 of image 1 .*its digest is .*expected/ },
  { category: 'digests', name: 'OCI blob with other content than its digest', input: () => {
    const l = oci();
    l.blobs.set(l.layerDescs[0]!.digest, layerTar({ 'one.txt': 'tampered\n' }));
    return l.tar();
  }, code: 'DIGEST_MISMATCH', message: /layer 1 of manifest .*its digest is .*expected/ },
  { category: 'digests', name: 'OCI layer descriptor size off by one', input: () => ociWithManifest((m) => { (m.layers as Descriptor[])[0]!.size += 1; }), code: 'SIZE_MISMATCH', message: /its descriptor says \d+/ },
  { category: 'digests', name: 'OCI config descriptor size off by one', input: () => ociWithManifest((m) => { (m.config as Descriptor).size -= 1; }), code: 'SIZE_MISMATCH', message: /config of manifest .* it has \d+ bytes, its descriptor says \d+/ },
  { category: 'digests', name: 'OCI manifest descriptor size of 2^53-1', input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, size: Number.MAX_SAFE_INTEGER }]; }), code: 'SIZE_MISMATCH', message: /its descriptor says 9007199254740991/ },
  { category: 'digests', name: 'layer whose diff ID differs from the config', input: () => {
    const a = docker();
    a.replace(a.layerPaths[1]!, layerTar({ 'other.txt': 'not the layer the config names\n' }));
    return a.tar();
  }, code: 'DIFF_ID_MISMATCH', message: /layer 2 of image 1 .* its content has diff ID sha256:[0-9a-f]{64}, the config says sha256:/ },
  { category: 'digests', name: 'OCI gzip layer whose diff ID differs from the config', input: () => ociWithManifest((m, l) => {
    (m.layers as Descriptor[])[0] = l.addBlob(gzip(layerTar({ 'other.txt': 'other\n' })), OCI.layerGzip);
  }), code: 'DIFF_ID_MISMATCH', message: /layer 1 of manifest .*its content has diff ID/ },
  { category: 'digests', name: 'layers swapped', input: () => withItem((i) => { (i.Layers as string[]).reverse(); }), code: 'DIFF_ID_MISMATCH', message: /the config says/ },
  { category: 'digests', name: 'fewer layers than diff_ids', input: () => withItem((i) => { (i.Layers as string[]).pop(); }), code: 'MANIFEST_INVALID', message: /lists 1 layers but its config has 2 diff IDs/ },
  { category: 'digests', name: 'more layers than diff_ids', input: () => withItem((i, a) => { (i.Layers as string[]).push(a.layerPaths[0]!); }), code: 'MANIFEST_INVALID', message: /lists 3 layers but its config has 2 diff IDs/ },
  { category: 'digests', name: 'OCI manifest with fewer layers than diff_ids', input: () => ociWithManifest((m) => { (m.layers as Descriptor[]).pop(); }), code: 'MANIFEST_INVALID', message: /lists 1 layers but its config has 2 diff IDs/ },
  { category: 'digests', name: 'config without rootfs', input: () => withConfig(json({ architecture: 'amd64', os: 'linux' })), code: 'CONFIG_INVALID', message: /it has no "rootfs"/ },
  { category: 'digests', name: 'config is not JSON', input: () => withConfig(Buffer.from('<config/>')), code: 'CONFIG_INVALID', message: /not valid JSON/ },
  { category: 'digests', name: 'config is a list', input: () => withConfig(json([imageConfig([])])), code: 'CONFIG_INVALID', message: /not a JSON object/ },
  { category: 'digests', name: 'config with a bad diff ID', input: () => withConfig(json(imageConfig(['sha256:nope', HEX_A]))), code: 'CONFIG_INVALID', message: /diff ID "sha256:nope" is not a sha256 digest/ },
  { category: 'digests', name: 'config rootfs type is not "layers"', input: () => withConfig(json({ ...imageConfig([]), rootfs: { type: 'squashfs', diff_ids: [] } })), code: 'CONFIG_INVALID', message: /rootfs type "squashfs"/ },
  { category: 'digests', name: 'config "os" is a number', input: () => withConfig(json({ ...imageConfig([]), os: 5 })), code: 'CONFIG_INVALID', message: /"os" is not a string/ },
  { category: 'digests', name: 'config history is an object', input: () => withConfig(json({ ...imageConfig([]), history: {} })), code: 'CONFIG_INVALID', message: /"history" is not a list/ },
  { category: 'digests', name: 'layer that is not a tar', input: () => {
    const a = docker();
    a.replace(a.layerPaths[0]!, 'this is a text file, not a layer\n'.repeat(40));
    return a.tar();
  }, code: 'LAYER_INVALID', message: /layer 1 of image 1 .*it is not a tar archive/ },
  { category: 'digests', name: 'layer that is a cut tar', input: () => {
    const a = docker();
    a.replace(a.layerPaths[0]!, tar([{ name: 'big.bin', size: 100_000, data: 'x'.repeat(600), noPadding: true }], { endBlocks: 0 }));
    return a.tar();
  }, code: 'LAYER_INVALID', message: /layer 1 of image 1 .*ends in the middle of a member/ },
  { category: 'digests', name: 'layer tar with a bad header checksum', input: () => {
    const a = docker();
    a.replace(a.layerPaths[0]!, tar([{ name: 'a.txt', data: 'a' }, { name: 'b.txt', data: 'b', badChecksum: true }]));
    return a.tar();
  }, code: 'LAYER_INVALID', message: /bad checksum/ },
  { category: 'digests', name: 'layer with a gzip header and garbage', input: () => {
    const a = docker();
    a.replace(a.layerPaths[0]!, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3]), deterministicBytes(2000, 'gz')]));
    return a.tar();
  }, code: 'DECOMPRESS_FAILED', message: /Cannot decompress archive member ".*layer\.tar" \(gzip\)/ },
  { category: 'digests', name: 'missing layer member', input: () => { const a = docker(); return a.remove(a.layerPaths[1]!).tar(); }, code: 'ARCHIVE_ENTRY_MISSING', message: /Cannot load layer 2 of image 1 of manifest\.json: ".*layer\.tar" is not in the archive/ },
  { category: 'digests', name: 'missing config member', input: () => { const a = docker(); return a.remove(a.configPath).tar(); }, code: 'ARCHIVE_ENTRY_MISSING', message: /Cannot load the config of image 1 of manifest\.json: "[0-9a-f]{64}\.json" is not in the archive/ },
  { category: 'digests', name: 'layer path names a directory', input: () => withItem((i, a) => { (i.Layers as string[])[0] = a.layerPaths[0]!.replace('/layer.tar', '/'); }), code: 'ARCHIVE_ENTRY_MISSING', message: /is not in the archive/ },
  { category: 'digests', name: 'layer path names a symlink to nothing', input: () => withItem((i, a) => {
    (i.Layers as string[])[0] = 'dangling';
    a.entries.push({ name: 'dangling', type: 'symlink', linkname: 'nowhere.tar' });
  }), code: 'ARCHIVE_ENTRY_MISSING', message: /"dangling" is not in the archive/ },
  { category: 'digests', name: 'OCI missing layer blob', input: () => { const l = oci(); l.blobs.delete(l.layerDescs[1]!.digest); return l.tar(); }, code: 'ARCHIVE_ENTRY_MISSING', message: /layer 2 of manifest .*"blobs\/sha256\/[0-9a-f]{64}" is not in the archive/ },
  { category: 'digests', name: 'OCI missing manifest blob', input: () => { const l = oci(); l.blobs.delete(l.manifestDesc.digest); return l.tar(); }, code: 'ARCHIVE_ENTRY_MISSING', message: /is not in the archive/ },
  { category: 'digests', name: 'OCI layout directory: missing config blob', input: async (dir) => {
    const l = oci();
    l.blobs.delete(l.configDesc.digest);
    await l.writeDir(join(dir, 'layout'));
    return { dir: join(dir, 'layout') };
  }, code: 'ARCHIVE_ENTRY_MISSING', message: /config of manifest .* is not in the directory/ },

  // --- streams: cut, empty, garbage, damaged headers ------------------------------------------
  { category: 'streams', name: 'cut in the middle of a layer member', input: () => { const a = docker(); return truncateInMember(a.build(), a.layerPaths[1]!); }, code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'cut in the middle of a layer member (stdin)', via: 'stdin', input: () => { const a = docker(); return truncateInMember(a.build(), a.layerPaths[0]!); }, code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'cut in the middle of manifest.json', input: () => truncateInMember(docker().build(), 'manifest.json'), code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'cut in the middle of a header', input: () => { const b = docker().build(); return b.bytes.subarray(0, b.members.at(-1)!.headerOffset + 100); }, code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'cut right after a header', input: () => { const b = docker().build(); return b.bytes.subarray(0, b.members.at(-1)!.dataOffset); }, code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'cut inside a PAX record', input: () => tar([{ name: 'x', pax: { comment: 'y'.repeat(2000) }, data: 'x' }]).subarray(0, 1024), code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'cut after a PAX header, before its member', input: () => { const t = tar([{ name: 'x', pax: { comment: 'y' }, data: 'x' }]); return t.subarray(0, 1024); }, code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'gzip-wrapped archive cut in half', input: () => { const gz = gzip(docker().tar()); return gz.subarray(0, gz.length >> 1); }, code: ['DECOMPRESS_FAILED', 'ARCHIVE_TRUNCATED'], message: /Cannot (decompress .*archive|read archive)/ },
  { category: 'streams', name: 'gzip header followed by garbage', input: () => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3]), deterministicBytes(4096, 'garbage')]), code: 'DECOMPRESS_FAILED', message: /Cannot decompress the archive \(gzip\)/ },
  { category: 'streams', name: 'gzip-wrapped garbage', input: () => gzip(Buffer.concat([Buffer.from('GARBAGE'), deterministicBytes(4096, 'g')])), code: 'ARCHIVE_NOT_TAR', message: /not a tar archive/ },
  { category: 'streams', name: 'garbage input', input: () => Buffer.concat([Buffer.from('GARBAGE'), deterministicBytes(100_000, 'garbage')]), code: 'ARCHIVE_NOT_TAR', message: /the input is not a tar archive/ },
  { category: 'streams', name: 'endless zeros (-i /dev/zero)', input: () => ({ path: '/dev/zero' }), code: 'ARCHIVE_EMPTY', message: /holds no members/ },
  { category: 'streams', name: 'endless random bytes (-i /dev/urandom)', input: () => ({ path: '/dev/urandom' }), code: 'ARCHIVE_NOT_TAR', message: /not a tar archive/ },
  { category: 'streams', name: 'input shorter than one tar block', input: () => Buffer.from('hello, I am not an archive\n'), code: 'ARCHIVE_NOT_TAR', message: /not a tar archive/ },
  { category: 'streams', name: 'a tar header with a bad checksum first', input: () => tar([{ name: 'manifest.json', data: '[]', badChecksum: true }]), code: 'ARCHIVE_NOT_TAR', message: /not a tar archive/ },
  { category: 'streams', name: 'empty input (file)', input: () => Buffer.alloc(0), code: 'ARCHIVE_EMPTY', message: /the input is empty/ },
  { category: 'streams', name: 'empty input (stdin)', via: 'stdin', input: () => Buffer.alloc(0), code: 'ARCHIVE_EMPTY', message: /the input is empty/ },
  { category: 'streams', name: 'only end-of-archive blocks', input: () => Buffer.alloc(1024), code: 'ARCHIVE_EMPTY', message: /holds no members/ },
  { category: 'streams', name: 'gzip of nothing', input: () => gzip(Buffer.alloc(0)), code: 'ARCHIVE_EMPTY', message: /empty/ },
  { category: 'streams', name: 'bad header checksum mid-archive', input: () => { const a = docker(); a.entry(a.layerPaths[1]!).badChecksum = true; return a.tar(); }, code: 'TAR_INVALID', message: /Cannot read tar header at offset \d+: bad checksum/ },
  { category: 'streams', name: 'bad size field mid-archive', input: () => { const a = docker(); a.entry(a.configPath).rawHeader = [{ offset: 124, bytes: '0000000012x\0' }]; return a.tar(); }, code: 'TAR_INVALID', message: /bad size field/ },
  { category: 'streams', name: 'negative base-256 size', input: () => { const a = docker(); a.entry(a.configPath).rawHeader = [{ offset: 124, bytes: Buffer.alloc(12, 0xff) }]; return a.tar(); }, code: 'TAR_INVALID', message: /bad size field/ },
  { category: 'streams', name: 'malformed PAX record', input: () => tar([{ name: 'x', paxBody: Buffer.from('99 path=x\n'), data: 'x' }]), code: 'TAR_INVALID', message: /malformed PAX record/ },
  { category: 'streams', name: 'bad PAX size record', input: () => tar([{ name: 'x', pax: { size: '-5' }, data: 'x' }]), code: 'TAR_INVALID', message: /bad PAX size record/ },
  { category: 'streams', name: 'duplicate manifest.json', input: () => { const a = docker(); return tar([{ name: 'manifest.json', data: '[]' }, ...a.allEntries()]); }, code: 'ARCHIVE_DUPLICATE_ENTRY', message: /member "manifest\.json" appears more than once/ },
  { category: 'streams', name: 'duplicate layer member', input: () => { const a = docker(); a.entries.push({ name: a.layerPaths[0]!, data: layerTar({ 'evil.txt': 'evil\n' }) }); return a.tar(); }, code: 'ARCHIVE_DUPLICATE_ENTRY', message: /appears more than once/ },
  { category: 'streams', name: 'duplicate through "./" spelling', input: () => { const a = docker(); a.entries.push({ name: `./${a.configPath}`, data: json(a.config) }); return a.tar(); }, code: 'ARCHIVE_DUPLICATE_ENTRY', message: /appears more than once/ },
  { category: 'streams', name: 'a file and a directory of the same name', input: () => tar([{ name: 'x', data: 'x' }, { name: 'x/', type: 'dir' }]), code: 'ARCHIVE_DUPLICATE_ENTRY', message: /member "x" appears more than once/ },
  { category: 'streams', needs: 'xz', name: 'xz-wrapped archive cut in half', input: async (dir) => { const full = await compressWith('xz', docker().tar(), dir); return full.subarray(0, full.length >> 1); }, code: ['DECOMPRESS_FAILED', 'ARCHIVE_TRUNCATED'], message: /Cannot (decompress .*archive|read archive)/ },
  { category: 'streams', needs: 'zstd', name: 'zstd-wrapped archive cut in half', input: async (dir) => { const full = await compressWith('zstd', docker().tar(), dir); return full.subarray(0, full.length >> 1); }, code: ['DECOMPRESS_FAILED', 'ARCHIVE_TRUNCATED'], message: /Cannot (decompress .*archive|read archive)/ },
  { category: 'streams', needs: 'bzip2', name: 'bzip2-wrapped archive cut in half', input: async (dir) => { const full = await compressWith('bzip2', docker().tar(), dir); return full.subarray(0, full.length >> 1); }, code: ['DECOMPRESS_FAILED', 'ARCHIVE_TRUNCATED'], message: /Cannot (decompress .*archive|read archive)/ },

  { category: 'streams', needs: 'zstd', name: 'zstd header followed by garbage', input: () => Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), deterministicBytes(4096, 'zstd garbage')]), code: 'DECOMPRESS_FAILED', message: /Cannot decompress .*archive \(zstd\)/ },
  { category: 'streams', needs: 'zstd', name: 'zstd layer in an OCI archive cut in half', input: async (dir) => {
    const l = oci();
    const full = await compressWith('zstd', l.layers[0]!, dir);
    const cut = full.subarray(0, full.length >> 1);
    const cfg = l.addJson(imageConfig([digestOf(l.layers[0]!)]), OCI.config);
    const m = l.addJson({ schemaVersion: 2, mediaType: OCI.manifest, config: cfg, layers: [l.addBlob(cut, 'application/vnd.oci.image.layer.v1.tar+zstd')] }, OCI.manifest);
    l.index.manifests = [m];
    return l.tar();
  }, code: 'DECOMPRESS_FAILED', message: /Cannot decompress archive member "blobs\/sha256\/[0-9a-f]{64}" \(zstd\)/ },

  // --- decompression bombs ----------------------------------------------------------------------
  { category: 'bombs', name: 'gzip-wrapped archive expanding 1000x', input: async () => (await bombs()).archiveGz, env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /the archive decompresses to more than 50x its size.*/ },
  { category: 'bombs', name: 'gzip-wrapped archive expanding 1000x (stdin)', via: 'stdin', input: async () => (await bombs()).archiveGz, env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /decompresses to more than 50x its size/ },
  { category: 'bombs', name: 'gzip layer in an OCI archive expanding 1000x', input: async () => (await ociBombLayout()).tar(), env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /archive member "blobs\/sha256\/[0-9a-f]{64}" decompresses to more than 50x its size/ },
  { category: 'bombs', name: 'gzip layer in an OCI layout directory expanding 1000x', input: async (dir) => { await (await ociBombLayout()).writeDir(join(dir, 'layout')); return { dir: join(dir, 'layout') }; }, env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /decompresses to more than 50x its size/ },
  { category: 'bombs', name: 'gzip layer.tar in a docker-archive expanding 1000x', input: async () => {
    const a = docker();
    a.replace(a.layerPaths[0]!, (await bombs()).layerGz);
    return a.tar();
  }, env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /layer\.tar" decompresses to more than 50x/ },
  { category: 'bombs', needs: 'zstd', name: 'zstd-wrapped archive expanding 1000x', input: async () => (await bombs()).archiveZstd!, env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /the archive decompresses to more than 50x its size/ },
  { category: 'bombs', name: 'gzip layer bomb inside a gzip-wrapped archive', input: async () => { const a = docker(); a.replace(a.layerPaths[0]!, (await bombs()).layerGz); return gzip(a.tar()); }, env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /decompresses to more than 50x/ },

  // --- tags and limits --------------------------------------------------------------------------
  { category: 'limits', name: 'RepoTags "UPPER:case"', input: () => withTags(['hostile/ok:1', 'UPPER:case']), code: 'TAG_INVALID', message: /"UPPER:case" is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags "a:b:c"', input: () => withTags(['a:b:c']), code: 'TAG_INVALID', message: /"a:b:c" is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags "x@sha256:…"', input: () => withTags([`x@sha256:${HEX_A}`]), code: 'TAG_INVALID', message: /"x@sha256:[0-9a-f]{64}" is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags "x:1@sha256:…"', input: () => withTags([`x:1@sha256:${HEX_A}`]), code: 'TAG_INVALID', message: /is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags without a tag', input: () => withTags(['hostile/notag']), code: 'TAG_INVALID', message: /"hostile\/notag" is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags empty string', input: () => withTags(['']), code: 'TAG_INVALID', message: /"" is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags with a 64-hex repository', input: () => withTags([`${HEX_A}:1`]), code: 'TAG_INVALID', message: /is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags with a 200-character tag', input: () => withTags([`x:${'t'.repeat(200)}`]), code: 'TAG_INVALID', message: /is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags with a newline', input: () => withTags(['x:1\nLoaded image: peer-vis:latest']), code: 'TAG_INVALID', message: /"x:1\\nLoaded image: peer-vis:latest" is not a valid name:tag/ },
  { category: 'limits', name: 'Config path with a newline and an escape sequence', input: () => withItem((i) => { i.Config = 'x\u001b[2J\nLoaded image: peer-vis:latest'; }), code: 'ARCHIVE_ENTRY_MISSING', message: /"x\\x1b\[2J\\nLoaded image: peer-vis:latest" is not in the archive/ },
  { category: 'limits', name: 'layer media type with a newline', input: () => ociWithManifest((m) => { (m.layers as Descriptor[])[0]!.mediaType = 'application/x\nLoaded image: peer-vis:latest'; }), code: 'LAYER_UNSUPPORTED', message: /media type application\/x\\nLoaded image/ },
  { category: 'limits', name: '11 tags with BERTH_MAX_TAGS=10', input: () => withTags(Array.from({ length: 11 }, (_, i) => `hostile/many:${i}`)), env: { BERTH_MAX_TAGS: '10' }, code: 'LIMIT_TAGS', message: /number of tags in one archive limit \(10\)/ },
  { category: 'limits', name: '6+6 tags over two images with BERTH_MAX_TAGS=10', input: () => withItem((item, a) => {
    item.RepoTags = Array.from({ length: 6 }, (_, i) => `hostile/a:${i}`);
    (a.manifest as unknown[]).push({ ...item, RepoTags: Array.from({ length: 6 }, (_, i) => `hostile/b:${i}`) });
  }), env: { BERTH_MAX_TAGS: '10' }, code: 'LIMIT_TAGS', message: /BERTH_MAX_TAGS|limit \(10\)/ },
  { category: 'limits', name: 'OCI index naming 3 images with BERTH_MAX_TAGS=2', input: () => ociWithIndex((i, l) => {
    i.manifests = [1, 2, 3].map((n) => ({ ...l.manifestDesc, annotations: { 'io.containerd.image.name': `hostile/oci:${n}` } }));
  }), env: { BERTH_MAX_TAGS: '2' }, code: 'LIMIT_TAGS', message: /limit \(2\)/ },
  { category: 'limits', name: 'OCI image name "UPPER:case"', input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, annotations: { 'io.containerd.image.name': 'UPPER:case' } }]; }), code: 'TAG_INVALID', message: /"UPPER:case" is not a valid image name/ },
  { category: 'limits', name: '2 images with BERTH_MAX_IMAGES=1', input: () => withItem((item, a) => { (a.manifest as unknown[]).push({ ...item, RepoTags: ['hostile/second:1'] }); }), env: { BERTH_MAX_IMAGES: '1' }, code: 'LIMIT_IMAGES', message: /number of images in one archive limit \(1\)/ },
  { category: 'limits', name: 'manifest.json over BERTH_MAX_JSON_BYTES', input: () => withTags(Array.from({ length: 200 }, (_, i) => `hostile/big:${i}`)), env: { BERTH_MAX_JSON_BYTES: '2048' }, code: 'LIMIT_JSON_BYTES', message: /manifest\.json \("manifest\.json", \d+ bytes\) exceeds the JSON document size limit \(2048\)/ },
  { category: 'limits', name: 'config over BERTH_MAX_JSON_BYTES', input: () => withConfig(json({ ...imageConfig([]), comment: 'c'.repeat(5000) })), env: { BERTH_MAX_JSON_BYTES: '4096' }, code: 'LIMIT_JSON_BYTES', message: /image config .* exceeds the JSON document size limit \(4096\)/ },
  { category: 'limits', name: 'index.json over BERTH_MAX_JSON_BYTES', input: () => ociWithIndex((i) => { i.annotations = { pad: 'p'.repeat(5000) }; }), env: { BERTH_MAX_JSON_BYTES: '4096' }, code: 'LIMIT_JSON_BYTES', message: /index\.json .*exceeds the JSON document size limit \(4096\)/ },
  { category: 'limits', name: 'PAX header over BERTH_MAX_PAX_BYTES', input: () => tar([{ name: 'x', pax: { comment: 'c'.repeat(4096) }, data: 'x' }, ...docker().allEntries()]), env: { BERTH_MAX_PAX_BYTES: '1024' }, code: 'LIMIT_PAX_BYTES', message: /exceeds the PAX header size limit \(1024\)/ },
  { category: 'limits', name: 'PAX header of 2 MiB (default limit 1 MiB)', input: () => tar([{ name: 'x', pax: { comment: 'c'.repeat(2 * 1024 * 1024) }, data: 'x' }]), code: 'LIMIT_PAX_BYTES', message: /exceeds the PAX header size limit \(1048576\)/ },
  { category: 'limits', name: 'PAX header claiming 2^50 bytes', input: () => tar([{ name: 'x', typeflag: 'x', data: Buffer.alloc(512, 0x20), size: 2 ** 50, sizeEncoding: 'base256', noPadding: true }], { endBlocks: 0 }), code: 'LIMIT_PAX_BYTES', message: /1125899906842624 bytes exceeds the PAX header size limit/ },
  { category: 'limits', name: 'GNU long name over BERTH_MAX_PAX_BYTES', input: () => tar([{ name: 'x', gnuLongName: `d/${'n'.repeat(3000)}`, data: 'x' }]), env: { BERTH_MAX_PAX_BYTES: '1024' }, code: 'LIMIT_PAX_BYTES', message: /PAX header size limit \(1024\)/ },
  { category: 'limits', name: '21 members with BERTH_MAX_ENTRIES=20', input: () => tar([...docker().allEntries(), ...Array.from({ length: 21 }, (_, i) => ({ name: `pad/${i}`, data: 'x' }))]), env: { BERTH_MAX_ENTRIES: '20' }, code: 'LIMIT_ENTRIES', message: /number of archive members limit \(20\)/ },
  { category: 'limits', name: 'member name of 5000 bytes', input: () => tar([{ name: 'x', pax: { path: `${'n'.repeat(99)}/`.repeat(50) }, data: 'x' }]), code: 'LIMIT_PATH_BYTES', message: /member name length limit \(4096\)/ },
  { category: 'limits', name: 'member name 1100 components deep', input: () => tar([{ name: 'x', pax: { path: 'a/'.repeat(1100) + 'f' }, data: 'x' }]), code: 'LIMIT_PATH_DEPTH', message: /member name depth limit \(1024\)/ },

  // --- memory: sizes that are claimed, never allocated ------------------------------------------
  {
    category: 'memory',
    name: 'layer member claiming 3 GiB, stream ends after 4 KiB (under ulimit -v 2 GiB)',
    input: () => {
      const a = docker();
      const path = a.layerPaths[1]!;
      const entries = a.allEntries().filter((e) => e.name !== path);
      return tar([...entries, shortMember(path, 3 * 1024 ** 3, 4096)], { endBlocks: 0 });
    },
    code: 'ARCHIVE_TRUNCATED',
    message: /ends in the middle of a member/,
    addressSpaceKb: 2 * 1024 * 1024,
  },
  {
    category: 'memory',
    name: 'layer member claiming 2^50 bytes (base-256 size), stream ends after 4 KiB',
    input: () => {
      const a = docker();
      const path = a.layerPaths[0]!;
      return tar([...a.allEntries().filter((e) => e.name !== path), shortMember(path, 2 ** 50, 4096, { sizeEncoding: 'base256' })], { endBlocks: 0 });
    },
    code: 'ARCHIVE_TRUNCATED',
    message: /ends in the middle of a member/,
    addressSpaceKb: 2 * 1024 * 1024,
  },
  {
    category: 'memory',
    name: 'layer member claiming 2^50 bytes (PAX size), stream ends after 4 KiB',
    input: () => {
      const a = docker();
      const path = a.layerPaths[0]!;
      return tar([...a.allEntries().filter((e) => e.name !== path), shortMember(path, 0, 4096, { pax: { size: String(2 ** 50) } })], { endBlocks: 0 });
    },
    code: 'ARCHIVE_TRUNCATED',
    message: /ends in the middle of a member/,
    addressSpaceKb: 2 * 1024 * 1024,
  },
  {
    category: 'memory',
    name: 'manifest.json claiming 3 GiB, stream ends after 4 KiB',
    input: () => tar([...docker().entries, shortMember('manifest.json', 3 * 1024 ** 3, 4096)], { endBlocks: 0 }),
    code: 'ARCHIVE_TRUNCATED',
    message: /ends in the middle of a member/,
    addressSpaceKb: 2 * 1024 * 1024,
  },
  {
    category: 'memory',
    name: 'a complete layer whose own tar claims a 3 GiB file',
    input: () => {
      const a = docker();
      a.replace(a.layerPaths[0]!, tar([{ name: 'huge.bin', size: 3 * 1024 ** 3, data: 'x'.repeat(1000), noPadding: true }], { endBlocks: 0 }));
      return a.tar();
    },
    code: 'LAYER_INVALID',
    message: /layer 1 of image 1 .*ends in the middle of a member/,
    addressSpaceKb: 2 * 1024 * 1024,
  },
];

/** Compresses with a command-line tool (xz, zstd, bzip2), as `save --compress` users would. */
async function compressWith(tool: 'xz' | 'zstd' | 'bzip2', bytes: Buffer, dir: string): Promise<Buffer> {
  const file = join(dir, `input.${tool}.src`);
  await writeFile(file, bytes);
  const r = await run('sh', ['-c', `${tool} -c < "$0"`, file]);
  assert.equal(r.code, 0, `${tool} failed: ${r.stderr}`);
  return r.stdoutBytes;
}

// ---------------------------------------------------------------------------------------------
// Inputs that look odd but are legitimate

function skopeoStyle(): DockerArchive {
  return docker({ style: 'skopeo', tags: ['accepted/skopeo:1'], salt: 'skopeo' });
}

const ACCEPTED: Array<AcceptedCase | (() => AcceptedCase)> = [
  () => { const a = docker({ tags: ['accepted/legacy:1'], salt: 'legacy' }); return { name: 'baseline: the unmodified legacy docker-archive', input: () => a.tar(), tags: ['accepted/legacy:1'], id: a.imageId }; },
  () => { const a = docker({ style: 'docker25', tags: ['accepted/docker25:1'], salt: 'd25' }); return { name: 'baseline: the unmodified Docker 25 docker-archive', input: () => a.tar(), tags: ['accepted/docker25:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/gz:1'], salt: 'gz' }); return { name: 'baseline: a gzip-wrapped docker-archive on stdin', via: 'stdin', input: () => gzip(a.tar()), tags: ['accepted/gz:1'], id: a.imageId }; },
  () => { const l = oci({ name: 'accepted/oci:1', salt: 'oci' }); return { name: 'baseline: the unmodified OCI archive', input: () => l.tar(), tags: ['accepted/oci:1'], id: l.configDesc.digest }; },
  () => { const l = oci({ name: 'accepted/ocigz:1', salt: 'ocigz', gzipLayers: true }); return { name: 'baseline: an OCI archive with gzip layers', input: () => l.tar(), tags: ['accepted/ocigz:1'], id: l.configDesc.digest }; },
  () => { const l = oci({ name: 'accepted/ocidir:1', salt: 'ocidir', gzipLayers: true }); return { name: 'baseline: an OCI layout directory', input: async (dir) => { await l.writeDir(join(dir, 'layout')); return { dir: join(dir, 'layout') }; }, tags: ['accepted/ocidir:1'], id: l.configDesc.digest }; },
  () => { const l = oci({ name: 'accepted/nested:1', salt: 'nested' }); return { name: 'indexes nested 7 deep (within the limit of 8)', input: () => {
    let desc: Descriptor = l.manifestDesc;
    for (let i = 0; i < 7; i++) desc = l.addJson({ schemaVersion: 2, mediaType: OCI.index, manifests: [desc] }, OCI.index);
    l.index.manifests = [{ ...desc, annotations: { 'io.containerd.image.name': 'accepted/nested:1' } }];
    return l.tar();
  }, tags: ['accepted/nested:1'], id: l.configDesc.digest }; },
  () => { const l = oci({ name: 'accepted/fanout:1', salt: 'fanout' }); return { name: 'indexes 7 deep that each list the next one 1,000 times (read once each, not 10^21 times)', input: () => {
    let desc: Descriptor = l.manifestDesc;
    for (let i = 0; i < 7; i++) desc = l.addJson({ schemaVersion: 2, mediaType: OCI.index, manifests: Array.from({ length: 1000 }, () => desc) }, OCI.index);
    l.index.manifests = [{ ...desc, annotations: { 'io.containerd.image.name': 'accepted/fanout:1' } }];
    return l.tar();
  }, tags: ['accepted/fanout:1'], id: l.configDesc.digest }; },
  () => {
    const l = oci({ name: 'accepted/zstd-layer:1', salt: 'zstd' });
    return { name: 'an OCI archive with a zstd layer', needs: 'zstd', input: async (dir) => {
      const desc = l.addBlob(await compressWith('zstd', l.layers[0]!, dir), 'application/vnd.oci.image.layer.v1.tar+zstd');
      const m = l.addJson({ ...l.manifest, layers: [desc, l.layerDescs[1]] }, OCI.manifest);
      l.index.manifests = [{ ...m, annotations: { 'io.containerd.image.name': 'accepted/zstd-layer:1' } }];
      return l.tar();
    }, tags: ['accepted/zstd-layer:1'], id: l.configDesc.digest };
  },
  () => { const a = skopeoStyle(); return { name: 'skopeo style: layer.tar is a symlink to another member', input: () => a.tar(), tags: ['accepted/skopeo:1'], id: a.imageId }; },
  () => {
    const a = docker({ tags: ['accepted/abs-link:1'], salt: 'abs' });
    const path = a.layerPaths[0]!;
    a.entries.push({ name: 'store/', type: 'dir' }, { name: 'store/one.tar', data: a.entry(path).data! });
    a.remove(path).entries.push({ name: path, type: 'symlink', linkname: '/store/one.tar' });
    return { name: 'layer.tar is an absolute symlink, resolved inside the archive', input: () => a.tar(), tags: ['accepted/abs-link:1'], id: a.imageId };
  },
  () => {
    const a = docker({ tags: ['accepted/dir-link:1'], salt: 'dirlink' });
    a.entries.push({ name: 'layers', type: 'symlink', linkname: a.layerPaths[0]!.replace('/layer.tar', '') });
    a.item.Layers = ['layers/layer.tar', a.layerPaths[1]!];
    return { name: 'layer path through a symlinked directory', input: () => a.tar(), tags: ['accepted/dir-link:1'], id: a.imageId };
  },
  () => {
    const a = docker({ tags: ['accepted/hardlink:1'], salt: 'hard' });
    const path = a.layerPaths[1]!;
    a.entries.unshift({ name: 'first.tar', data: a.entry(path).data! });
    a.remove(path).entries.push({ name: path, type: 'hardlink', linkname: 'first.tar' });
    return { name: 'layer.tar is a hard link to another member', input: () => a.tar(), tags: ['accepted/hardlink:1'], id: a.imageId };
  },
  () => {
    const a = docker({ tags: ['accepted/dot:1'], salt: 'dot' });
    const entries: TarEntry[] = [{ name: './', type: 'dir' }, ...a.allEntries().map((e) => ({ ...e, name: `./${e.name}` }))];
    return { name: 'members with "./" prefixes and a "./" root entry', input: () => tar(entries), tags: ['accepted/dot:1'], id: a.imageId };
  },
  () => {
    const a = docker({ tags: ['accepted/dot-manifest:1'], salt: 'dotm' });
    a.item.Config = `./${a.configPath}`;
    a.item.Layers = a.layerPaths.map((p) => `./${p}`);
    return { name: 'manifest.json paths with "./" prefixes', input: () => a.tar(), tags: ['accepted/dot-manifest:1'], id: a.imageId };
  },
  () => { const a = docker({ tags: ['accepted/empty-layer:1'], layers: [Buffer.alloc(0), layerTar({ 'x.txt': 'x\n' })] }); return { name: 'a zero-length layer', input: () => a.tar(), tags: ['accepted/empty-layer:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/empty-tar:1'], layers: [Buffer.alloc(1024), layerTar({ 'y.txt': 'y\n' })] }); return { name: 'a layer that is an empty tar (end blocks only)', input: () => a.tar(), tags: ['accepted/empty-tar:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/trailing:1'], salt: 'trail' }); return { name: 'trailing garbage after the end-of-archive blocks', input: () => a.tar({ trailing: deterministicBytes(10_000, 'trailing') }), tags: ['accepted/trailing:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/trailing-stdin:1'], salt: 'trails' }); return { name: 'trailing garbage after the end-of-archive blocks (stdin)', via: 'stdin', input: () => a.tar({ trailing: deterministicBytes(3 * 1024 * 1024, 'trailing') }), tags: ['accepted/trailing-stdin:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/noend:1'], salt: 'noend' }); return { name: 'no end-of-archive blocks (EOF at a member boundary)', input: () => a.tar({ endBlocks: 0 }), tags: ['accepted/noend:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/dirs:1'], salt: 'dirs' }); a.entries.push({ name: a.layerPaths[0]!.replace('layer.tar', ''), type: 'dir' }); return { name: 'a directory listed twice', input: () => a.tar(), tags: ['accepted/dirs:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/pax:1'], salt: 'pax' }); a.entry(a.configPath).pax = { mtime: '1700000000.123456789', 'SCHILY.xattr.user.x': 'y' }; return { name: 'PAX records on members', input: () => a.tar(), tags: ['accepted/pax:1'], id: a.imageId }; },
  () => {
    const a = docker({ tags: ['accepted/gz-trailer:1'], salt: 'gztrailer' });
    const gz = gzip(a.tar());
    // Everything up to the end-of-archive blocks arrived and is verified by digest; the missing
    // CRC lies after the end of the archive, which Berth (like Docker's tar reader) never reads.
    return { name: 'gzip-wrapped archive without its 8-byte gzip trailer', input: () => gz.subarray(0, gz.length - 8), tags: ['accepted/gz-trailer:1'], id: a.imageId };
  },
  () => {
    const l = oci({ name: null, salt: 'bare' });
    l.manifests[0]!.annotations = { 'org.opencontainers.image.ref.name': 'v1\nLoaded image peer-vis\u001b[2J' };
    return { name: 'OCI ref name with a newline and an escape sequence (note is escaped)', input: () => l.tar(), tags: [], id: l.configDesc.digest, stderr: /^Note: ref name "v1\\nLoaded image peer-vis\\x1b\[2J" has no repository/m };
  },
  () => { const a = docker({ tags: null, salt: 'untagged' }); return { name: 'RepoTags null (untagged image)', input: () => a.tar(), tags: [], id: a.imageId }; },
];

// ---------------------------------------------------------------------------------------------
// The runner

let work: string;
let template: string;
/** storeSnapshot of the template; each case's store starts as an exact copy of it. */
let templateSnapshot: string[];

before(async () => {
  work = await tempDir('berth-hostile-');
  template = join(work, 'template');
  const r = await berth(['load', '-q', '-i', fixture('docker-save-3layer.tar')], { root: template });
  assert.equal(r.code, 0, r.stderr);
  for (const tag of GOOD_TAGS) assert.match(r.stdout, new RegExp(`^Loaded image: ${tag}$`, 'm'));
  await assertGoodImage(template);
  templateSnapshot = await storeSnapshot(template);
});

after(async () => {
  process.stderr.write(`# test process cpu ${JSON.stringify(process.cpuUsage())} rss ${process.memoryUsage().rss}\n`);
  if (work !== undefined) await removeDir(work);
});

/** A fresh copy of the store holding the good image, and a scratch directory beside it. */
async function freshStore(): Promise<{ dir: string; root: string; before: string[] }> {
  const dir = await mkdtemp(join(work, 'case-'));
  const root = join(dir, 'root');
  await cp(template, root, { recursive: true });
  await mkdir(join(dir, 'scratch'));
  return { dir, root, before: templateSnapshot };
}

const commandPresent = new Map<string, Promise<boolean>>();
function hasTool(name: string): Promise<boolean> {
  let p = commandPresent.get(name);
  if (p === undefined) {
    p = run('sh', ['-c', `command -v ${name}`]).then((r) => r.code === 0);
    commandPresent.set(name, p);
  }
  return p;
}

async function runLoad(root: string, dir: string, input: Input, via: 'file' | 'stdin', env: Record<string, string> = {}, addressSpaceKb?: number): Promise<RunResult & { ms: number }> {
  let args: string[];
  let stdin: Buffer | undefined;
  if (Buffer.isBuffer(input)) {
    if (via === 'stdin') {
      args = ['load'];
      stdin = input;
    } else {
      const file = join(dir, 'input.tar');
      await writeFile(file, input);
      args = ['load', '-i', file];
    }
  } else {
    args = ['load', '-i', 'dir' in input ? input.dir : input.path];
  }
  const started = performance.now();
  const options = { root, env, timeoutMs: 30_000, ...(stdin === undefined ? {} : { stdin }) };
  const r = addressSpaceKb === undefined
    ? await berth(args, options)
    : await run('sh', ['-c', `ulimit -v ${addressSpaceKb} && exec "$0" "$@"`, process.execPath, BERTH_BIN, ...args], {
      ...options,
      env: { ...(process.env as Record<string, string>), ...env, BERTH_ROOT: root },
    });
  return { ...r, ms: performance.now() - started };
}

async function assertNoLeftovers(root: string): Promise<void> {
  assert.deepEqual(await readdir(join(root, 'v1', 'ingest')), [], 'v1/ingest must be empty');
  assert.deepEqual(await readdir(join(root, 'v1', 'trash')), [], 'v1/trash must be empty');
}

async function assertGoodImage(root: string): Promise<void> {
  const r = await berth(['images', '--no-trunc', '--format', 'json', 'peer-vis'], { root });
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { Repository: string; Tag: string; ID: string });
  assert.deepEqual(rows.map((row) => `${row.Repository}:${row.Tag} ${row.ID}`).sort(), GOOD_TAGS.map((t) => `${t} ${GOOD_ID}`).sort());
}

/** Stderr holds only whole lines of the expected kinds: no raw control characters, no forged lines. */
function assertCleanStderr(stderr: string, allowed: RegExp, detail: string): void {
  assert.doesNotMatch(stderr, /[\u0000-\u0009\u000b-\u001f\u007f]/, `raw control characters on stderr\n${detail}`);
  for (const line of stderr.split('\n').filter((l) => l !== '')) assert.match(line, allowed, `unexpected stderr line\n${detail}`);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// One outer suite so that both tables and the single tests overlap (each case is mostly a child process).
describe('berth load and hostile archives', { concurrency: true }, () => {
  describe('berth load refuses hostile archives and leaves the store exactly as it was', { concurrency: 3 }, () => {
    for (const c of HOSTILE) {
      test(`[${c.category}] ${c.name}`, async (t) => {
        if (c.needs !== undefined && !(await hasTool(c.needs))) {
          requireOrSkip(t, false, `${c.needs} is not installed`);
          return;
        }
        const { dir, root, before } = await freshStore();
        try {
          const input = await c.input(join(dir, 'scratch'));
          const r = await runLoad(root, dir, input, c.via ?? 'file', c.env, c.addressSpaceKb);
          const detail = `stderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
          assert.equal(r.code, 1, `exit code\n${detail}`);
          assert.doesNotMatch(r.stderr, /internal error|This is a bug/, detail);
          const printed = /^Error: .* \[([A-Z0-9_]+)\]$/m.exec(r.stderr)?.[1];
          const expected = typeof c.code === 'string' ? [c.code] : c.code;
          assert.ok(printed !== undefined && expected.includes(printed), `expected [${expected.join('] or [')}], got [${printed}]\n${detail}`);
          assert.match(r.stderr, new RegExp(`^Error: Cannot .+ \\[${escape(printed)}\\]\\nHint: \\S.*\\n$`), `one error line and one hint line\n${detail}`);
          assert.match(r.stderr, c.message, detail);
          assertCleanStderr(r.stderr, /^(Error|Hint): /, detail);
          assert.equal(r.stdout, '', 'nothing is reported as loaded');
          assert.deepEqual(await storeSnapshot(root), before, 'the store is unchanged');
          await assertNoLeftovers(root);
        } finally {
          await removeDir(dir);
        }
      });
    }
  });

  describe('berth load accepts odd but legitimate archives and leaves the good image alone', { concurrency: 2 }, () => {
    for (const make of ACCEPTED) {
      const c = typeof make === 'function' ? make() : make;
      test(c.name, async (t) => {
        if (c.needs !== undefined && !(await hasTool(c.needs))) {
          requireOrSkip(t, false, `${c.needs} is not installed`);
          return;
        }
        const { dir, root, before } = await freshStore();
        try {
          const input = await c.input(join(dir, 'scratch'));
          const r = await runLoad(root, dir, input, c.via ?? 'file', c.env);
          const detail = `stderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
          assert.equal(r.code, 0, detail);
          if (c.tags.length === 0) assert.match(r.stdout, new RegExp(`^Loaded image ID: ${c.id}$`, 'm'));
          for (const tag of c.tags) assert.match(r.stdout, new RegExp(`^Loaded image: ${escape(tag)}$`, 'm'));
          assert.equal(r.stdout.split('\n').filter((l) => l !== '').length, Math.max(1, c.tags.length), `only the archive's images are reported\n${detail}`);
          assertCleanStderr(r.stderr, /^Note: /, detail);
          if (c.stderr !== undefined) assert.match(r.stderr, c.stderr, detail);
          // Every file and row of the store before the load is still there, unchanged (the good
          // image's tags included); the new image's rows and blobs come on top.
          const after = await storeSnapshot(root);
          const afterSet = new Set(after);
          for (const line of before) assert.ok(afterSet.has(line), `still in the store: ${line}`);
          assert.ok(after.some((line) => line.startsWith('images ') && line.includes(`"id":"${c.id}"`)), `image ${c.id} is stored`);
          await assertNoLeftovers(root);
        } finally {
          await removeDir(dir);
        }
      });
    }
  });

  test('a manifest.json with 10,000 tags for one image loads, and images lists all 10,000', async () => {
    const { dir, root } = await freshStore();
    try {
      const tags = Array.from({ length: 10_000 }, (_, i) => `many/tags:t${i}`);
      const a = docker({ tags, salt: 'many' });
      const r = await runLoad(root, dir, a.tar(), 'file');
      assert.equal(r.code, 0, r.stderr);
      const loaded = r.stdout.split('\n').filter((l) => l.startsWith('Loaded image: many/tags:t'));
      assert.equal(loaded.length, 10_000);
      const listed = await berth(['images', '--format', 'json', 'many/tags'], { root });
      assert.equal(listed.code, 0, listed.stderr);
      const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { Repository: string; Tag: string });
      assert.equal(rows.length, 10_000);
      assert.equal(new Set(rows.map((row) => row.Tag)).size, 10_000);
      assert.ok(rows.every((row) => row.Repository === 'many/tags'));
      const all = await berth(['images', '--format', 'json'], { root });
      assert.equal(all.stdout.trim().split('\n').length, 10_002, 'the good image keeps its two rows');
      await assertGoodImage(root);
      await assertNoLeftovers(root);
      process.stdout.write(`# 10,000-tag load took ${Math.round(r.ms)} ms\n`);
    } finally {
      await removeDir(dir);
    }
  });

  test('a config nested 250 deep (within the limit) loads, and inspect can print it', async () => {
    const { dir, root } = await freshStore();
    try {
      const a = docker({ tags: ['accepted/deep:1'], salt: 'deep' });
      a.replace(a.configPath, deepConfig(250, true, a.layers));
      const r = await runLoad(root, dir, a.tar(), 'file');
      assert.equal(r.code, 0, r.stderr);
      const inspected = await berth(['image', 'inspect', 'accepted/deep:1'], { root });
      assert.equal(inspected.code, 0, inspected.stderr);
      assert.equal(JSON.parse(inspected.stdout)[0].RepoTags[0], 'accepted/deep:1');
    } finally {
      await removeDir(dir);
    }
  });

  test('every hostile case category from the issue is covered', () => {
    const counts = new Map<Category, number>();
    for (const c of HOSTILE) counts.set(c.category, (counts.get(c.category) ?? 0) + 1);
    for (const category of ['format', 'paths', 'digests', 'streams', 'bombs', 'limits', 'memory'] as const) {
      assert.ok((counts.get(category) ?? 0) > 0, `no case for ${category}`);
    }
    assert.equal(new Set(HOSTILE.map((c) => c.name)).size, HOSTILE.length, 'case names are unique');
    // Keep the builder honest: the raw tar it writes is what the cases assume.
    const built = buildTar([{ name: 'a', data: 'abc' }]);
    assert.equal(built.bytes.length, 512 * 4);
    assert.equal(built.members[0]!.dataOffset, 512);
    assert.equal(paxRecords({ path: 'x' }).toString(), '9 path=x\n');
  });
});
