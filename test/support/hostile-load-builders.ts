/**
 * What the hostile `berth load` cases are made of: their types, the host canaries they may aim
 * at, and the builders of valid archives they start from and corrupt. The cases themselves are
 * in hostile-load-cases.ts (refused) and hostile-load-accepted.ts (accepted); the runner is
 * test/integration/hostile-load.test.ts.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, type RunResult } from './cli.js';
import type { HostileClassId } from './hostile-classes.js';
import { digestOf, DirLayout, DockerArchive, gzip, imageConfig, json, layerTar, OCI, OciLayout, sha256, tar, type Descriptor, type TarEntry } from './tar-builder.js';

/** Small limits so that decompression bombs can be small too. */
export const BOMB_ENV = { BERTH_RATIO_FLOOR_BYTES: '1048576', BERTH_MAX_RATIO: '50' };

export type Category = 'format' | 'paths' | 'digests' | 'streams' | 'bombs' | 'limits' | 'memory';

/** A tar stream (sent with -i FILE or on stdin), an OCI layout directory, or a path given to -i as it is (a device). */
export type Input = Buffer | { dir: string } | { path: string };

export interface RefusedLoadCase {
  category: Category;
  name: string;
  /** The attack classes it covers (support/hostile-classes.ts). */
  classes: readonly HostileClassId[];
  /** Builds the input; `dir` is a scratch directory of the case (outside the store). */
  input: (dir: string, canaries: LoadCanaries) => Input | Promise<Input>;
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

export interface AcceptedLoadCase {
  name: string;
  /** The attack classes it covers (support/hostile-classes.ts). */
  classes: readonly HostileClassId[];
  input: (dir: string, canaries: LoadCanaries) => Input | Promise<Input>;
  via?: 'file' | 'stdin';
  env?: Record<string, string>;
  /** Familiar tags the load must print ("Loaded image: ..."); empty for an untagged image. */
  tags: string[];
  /** The image ID it must load. */
  id: string;
  /** Extra checks on stderr (which may only hold "Note:" lines). */
  stderr?: RegExp;
  needs?: string;
  /** Further checks on the store after the load. */
  check?: (root: string, r: RunResult) => Promise<void>;
}

/**
 * Host paths a load-time case may aim at. They are made once per suite and checked after every
 * case: a load reads and writes only inside its store, so none of them may change.
 */
export interface LoadCanaries {
  /** Unique to the run: part of every /tmp name a case aims at. */
  tag: string;
  /** /tmp/berth-load-canary-<tag>: keep.txt, sub/deep.txt, perm400 (mode 0400). */
  tmpDir: string;
  /** Name of the file, mode 0400, that sits beside each case's store (and above berth's working directory). */
  victim: string;
}

// ---------------------------------------------------------------------------------------------
// Builders shared by the cases

/**
 * Hostile archives claim the good image's tag (and one of their own): had a refused load
 * published anything, peer-vis:latest would have moved and the snapshot would show it.
 */
export const HOSTILE_TAGS = ['peer-vis:latest', 'hostile/image:1'];
export const HOSTILE_NAME = 'docker.io/library/peer-vis:latest';

export const docker = (options: ConstructorParameters<typeof DockerArchive>[0] = {}): DockerArchive => new DockerArchive({ tags: HOSTILE_TAGS, ...options });

export function withManifest(value: unknown): Buffer {
  const a = docker();
  a.manifest = value;
  return a.tar();
}

export function withManifestText(text: string): Buffer {
  const a = docker();
  a.manifestBytes = Buffer.from(text);
  return a.tar();
}

export function withItem(edit: (item: Record<string, unknown>, a: DockerArchive) => void, options: ConstructorParameters<typeof DockerArchive>[0] = {}): Buffer {
  const a = docker(options);
  edit(a.item, a);
  return a.tar();
}

export function withTags(tags: unknown): Buffer {
  return withItem((item) => {
    item.RepoTags = tags;
  });
}

/** A (legacy) docker-archive whose config member holds `config` instead; legacy paths promise no digest. */
export function withConfig(config: Buffer): Buffer {
  const a = docker();
  a.replace(a.configPath, config);
  return a.tar();
}

export function oci(options: ConstructorParameters<typeof OciLayout>[0] = {}): OciLayout {
  return new OciLayout({ name: HOSTILE_NAME, ...options });
}

/** An OCI layout whose one manifest is replaced by `manifest` (stored as a new blob). */
/** Writes `layout` as the directory `layout` in a case's scratch directory: the input that loads it. */
export async function layoutDirInput(layout: OciLayout, dir: string): Promise<{ dir: string }> {
  const layoutDir = join(dir, 'layout');
  await layout.writeDir(layoutDir);
  return { dir: layoutDir };
}

/** The dir: layout (skopeo's and podman's) of a hostile OCI layout's image, changed by `edit`. */
export function dirLayout(edit: (d: DirLayout) => void = () => undefined, layout: OciLayout = oci()): DirLayout {
  const d = new DirLayout(layout);
  edit(d);
  return d;
}

/** Writes a dir: layout as the directory `layout` in a case's scratch directory: the input that loads it. */
export async function dirLayoutInput(d: DirLayout, dir: string): Promise<{ dir: string }> {
  const layoutDir = join(dir, 'layout');
  await d.writeDir(layoutDir);
  return { dir: layoutDir };
}

export function ociWithManifest(edit: (manifest: Record<string, unknown>, layout: OciLayout) => unknown): Buffer {
  const layout = oci();
  const manifest = structuredClone(layout.manifest);
  const replaced = edit(manifest, layout) ?? manifest;
  const desc = layout.addJson(replaced, OCI.manifest);
  layout.index.manifests = [{ ...desc, annotations: { 'io.containerd.image.name': HOSTILE_NAME } }];
  return layout.tar();
}

export function ociWithIndex(edit: (index: Record<string, unknown>, layout: OciLayout) => void): Buffer {
  const layout = oci();
  edit(layout.index, layout);
  return layout.tar();
}

/** Nested indexes: index.json -> index 1 -> ... -> index `levels` -> the manifest. */
export function nestedIndexes(levels: number): Buffer {
  const layout = oci();
  let desc: Descriptor = layout.manifestDesc;
  for (let i = 0; i < levels; i++) desc = layout.addJson({ schemaVersion: 2, mediaType: OCI.index, manifests: [desc] }, OCI.index);
  layout.index.manifests = [desc];
  return layout.tar();
}

/** The default config (2 layers) with an extra field nested `depth` levels deep (brackets inside strings do not count). */
export function deepConfig(depth: number, objects = false, layers?: Buffer[]): Buffer {
  const diffIds = (layers ?? docker().layers).map((l) => digestOf(l));
  const nested = objects ? `${'{"a":'.repeat(depth)}"[[[["${'}'.repeat(depth)}` : `${'['.repeat(depth)}"{{{{"${']'.repeat(depth)}`;
  return Buffer.from(JSON.stringify(imageConfig(diffIds)).replace(/}$/, `,"x-deep":${nested}}`));
}

export function deterministicBytes(length: number, seed: string): Buffer {
  const out = Buffer.alloc(length);
  let block = Buffer.from(seed);
  for (let pos = 0; pos < length; pos += 32) {
    block = Buffer.from(sha256(block), 'hex');
    block.copy(out, pos);
  }
  return out;
}

export const HEX_A = sha256('a');

/** A host file outside the store and the archive: what a path escape would read. */
export async function hostFile(dir: string, name: string, content: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

// Decompression bombs: 64 MiB of zeros, built and compressed once. Only the compressed forms
// (a few KB each) are kept, so the test process stays small.
export const BOMB_BYTES = 64 * 1024 * 1024;
interface Bombs {
  /** diff ID and gzip blob of a layer tar holding 64 MiB of zeros. */
  layerDiffId: string;
  layerGz: Buffer;
  /** A docker-archive with that layer, gzip- and zstd-wrapped (zstd undefined without the tool). */
  archiveGz: Buffer;
  archiveZstd: Buffer | undefined;
}
let bombsPromise: Promise<Bombs> | undefined;
export function bombs(dir: string): Promise<Bombs> {
  bombsPromise ??= (async () => {
    const layer = tar([{ name: 'zeros.bin', data: Buffer.alloc(BOMB_BYTES) }]);
    const archive = docker({ layers: [layer] }).tar();
    return {
      layerDiffId: digestOf(layer),
      layerGz: gzip(layer),
      archiveGz: gzip(archive),
      archiveZstd: (await hasTool('zstd')) ? await compressWith('zstd', archive, dir) : undefined,
    };
  })();
  return bombsPromise;
}

export async function ociBombLayout(dir: string): Promise<OciLayout> {
  const { layerDiffId, layerGz } = await bombs(dir);
  const layout = oci({ layers: [layerTar({ 'small.txt': 'small\n' })], gzipLayers: true });
  // Rebuild around the bomb: the config names the bomb's diff ID, the manifest its gzip blob.
  const layerDesc = layout.addBlob(layerGz, OCI.layerGzip);
  const configDesc = layout.addJson(imageConfig([layerDiffId]), OCI.config);
  const manifestDesc = layout.addJson({ schemaVersion: 2, mediaType: OCI.manifest, config: configDesc, layers: [layerDesc] }, OCI.manifest);
  layout.index.manifests = [{ ...manifestDesc, annotations: { 'io.containerd.image.name': HOSTILE_NAME } }];
  return layout;
}

/** A tar member whose header claims `size` bytes, followed by only `present` bytes and the end of the stream. */
export function shortMember(name: string, size: number, present: number, extra: Partial<TarEntry> = {}): TarEntry {
  return { name, data: Buffer.alloc(present, 0x41), size, noPadding: true, ...extra };
}


/** Compresses with a command-line tool (xz, zstd, bzip2), as `save --compress` users would. */
export async function compressWith(tool: 'xz' | 'zstd' | 'bzip2', bytes: Buffer, dir: string): Promise<Buffer> {
  const file = join(dir, `input.${tool}.src`);
  await writeFile(file, bytes);
  const r = await run('sh', ['-c', `${tool} -c < "$0"`, file]);
  assert.equal(r.code, 0, `${tool} failed: ${r.stderr}`);
  return r.stdoutBytes;
}

const commandPresent = new Map<string, Promise<boolean>>();
/** Whether a command-line tool is installed (asked once per tool). */
export function hasTool(name: string): Promise<boolean> {
  let p = commandPresent.get(name);
  if (p === undefined) {
    p = run('sh', ['-c', `command -v ${name}`]).then((r) => r.code === 0);
    commandPresent.set(name, p);
  }
  return p;
}
