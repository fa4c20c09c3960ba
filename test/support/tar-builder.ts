/**
 * Builds tar archives in memory for tests, independently of Berth's own tar writer, so that
 * tests can also build what no well-behaved writer would: wrong checksums, sizes that lie,
 * hostile names and link targets, oversized PAX records, missing end-of-archive blocks.
 *
 * On top of the raw builder: a valid docker-archive (Docker <= 24 legacy layout, Docker 25+
 * blobs/sha256 layout, or skopeo's symlinked layout) and a valid OCI image layout, both as
 * mutable models that a test corrupts before turning them into bytes.
 */
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const BLOCK = 512;

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'blockdev' | 'fifo';

const TYPEFLAGS: Record<EntryType, string> = { file: '0', hardlink: '1', symlink: '2', chardev: '3', blockdev: '4', dir: '5', fifo: '6' };

export interface TarEntry {
  name: string;
  /** Default 'file'. */
  type?: EntryType;
  /** A raw typeflag character; overrides `type` (e.g. 'x', 'L', 'S'). */
  typeflag?: string;
  mode?: number;
  /** The member's data, written as-is (followed by padding to a whole block). */
  data?: Buffer | string;
  /** The size written in the header; defaults to the data length. May lie. */
  size?: number;
  /** How the header encodes the size: octal digits (default) or GNU base-256 (any size). */
  sizeEncoding?: 'octal' | 'base256';
  linkname?: string;
  /** Seconds since the epoch; default 0. */
  mtime?: number;
  /** Local PAX records, written as an 'x' header right before this entry. */
  pax?: Record<string, string>;
  /** A raw PAX body (overrides `pax`): for oversized or malformed records. */
  paxBody?: Buffer;
  /** A GNU long-name record ('L') written right before this entry. */
  gnuLongName?: string;
  /** Raw bytes written over the header block after it is encoded (the checksum is recomputed afterwards unless `badChecksum`). */
  rawHeader?: Array<{ offset: number; bytes: Buffer | string }>;
  /** Corrupts the header checksum. */
  badChecksum?: boolean;
  /** Leaves out the padding after the data (to cut a stream at an exact byte). */
  noPadding?: boolean;
}

export interface TarOptions {
  /** Number of zero blocks at the end (default 2; 0 for a stream with no end-of-archive marker). */
  endBlocks?: number;
  /** Bytes appended after the end-of-archive blocks. */
  trailing?: Buffer;
}

export interface BuiltMember {
  name: string;
  /** Offset of the member's own header (after any PAX/GNU records that precede it). */
  headerOffset: number;
  dataOffset: number;
  dataLength: number;
}

export interface BuiltTar {
  bytes: Buffer;
  members: BuiltMember[];
}

function writeOctal(block: Buffer, value: number, start: number, length: number): void {
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) throw new Error(`tar-builder: ${value} does not fit in ${length - 1} octal digits; use sizeEncoding: 'base256'`);
  block.write(`${text}\0`, start, length, 'latin1');
}

function writeBase256(block: Buffer, value: number, start: number, length: number): void {
  let v = BigInt(value);
  for (let i = start + length - 1; i > start; i--) {
    block[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  block[start] = 0x80;
}

function setChecksum(block: Buffer, bad: boolean): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  if (bad) sum += 1;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
}

/** One ustar header block. */
export function headerBlock(entry: TarEntry & { size: number }): Buffer {
  const block = Buffer.alloc(BLOCK);
  const type = entry.type ?? 'file';
  if (Buffer.byteLength(entry.name) > 100) throw new Error(`tar-builder: name over 100 bytes: give it with pax.path (${entry.name.slice(0, 40)}...)`);
  block.write(entry.name, 0, 100, 'utf8');
  writeOctal(block, entry.mode ?? (type === 'dir' ? 0o755 : 0o644), 100, 8);
  writeOctal(block, 0, 108, 8);
  writeOctal(block, 0, 116, 8);
  if (entry.sizeEncoding === 'base256') writeBase256(block, entry.size, 124, 12);
  else writeOctal(block, entry.size, 124, 12);
  writeOctal(block, entry.mtime ?? 0, 136, 12);
  block.write(entry.typeflag ?? TYPEFLAGS[type], 156, 1, 'latin1');
  block.write(entry.linkname ?? '', 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 8, 'latin1');
  block.write('root', 265, 32, 'utf8');
  block.write('root', 297, 32, 'utf8');
  writeOctal(block, 0, 329, 8);
  writeOctal(block, 0, 337, 8);
  for (const o of entry.rawHeader ?? []) {
    const bytes = typeof o.bytes === 'string' ? Buffer.from(o.bytes, 'latin1') : o.bytes;
    bytes.copy(block, o.offset);
  }
  setChecksum(block, entry.badChecksum === true);
  return block;
}

/** The "<len> key=value\n" records of a PAX body. */
export function paxRecords(records: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(records)) {
    const kv = ` ${key}=${value}\n`;
    const kvLength = Buffer.byteLength(kv);
    let length = kvLength + String(kvLength).length;
    if (String(length).length !== String(kvLength).length) length = kvLength + String(length).length;
    parts.push(Buffer.from(`${length}${kv}`));
  }
  return Buffer.concat(parts);
}

function pad(length: number): Buffer {
  return Buffer.alloc((BLOCK - (length % BLOCK)) % BLOCK);
}

/** Builds a tar stream and reports where each member landed. */
export function buildTar(entries: readonly TarEntry[], options: TarOptions = {}): BuiltTar {
  const parts: Buffer[] = [];
  const members: BuiltMember[] = [];
  let offset = 0;
  const push = (b: Buffer): void => {
    parts.push(b);
    offset += b.length;
  };
  for (const entry of entries) {
    let name = entry.name;
    let pax = entry.pax;
    if (Buffer.byteLength(name) > 100 && entry.gnuLongName === undefined) {
      pax = { path: name, ...(pax ?? {}) };
      name = name.slice(-90).replace(/^\/+/, '');
    }
    const paxBody = entry.paxBody ?? (pax === undefined ? undefined : paxRecords(pax));
    if (paxBody !== undefined) {
      push(headerBlock({ name: `PaxHeaders/${name}`.slice(0, 100), typeflag: 'x', size: paxBody.length }));
      push(paxBody);
      push(pad(paxBody.length));
    }
    if (entry.gnuLongName !== undefined) {
      const body = Buffer.from(`${entry.gnuLongName}\0`);
      push(headerBlock({ name: '././@LongLink', typeflag: 'L', size: body.length }));
      push(body);
      push(pad(body.length));
      name = entry.gnuLongName.slice(0, 100);
    }
    const data = entry.data === undefined ? Buffer.alloc(0) : Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data);
    const size = entry.size ?? data.length;
    const headerOffset = offset;
    push(headerBlock({ ...entry, name, size }));
    members.push({ name: entry.name, headerOffset, dataOffset: offset, dataLength: data.length });
    if (data.length > 0) push(data);
    if (entry.noPadding !== true) push(pad(data.length));
  }
  push(Buffer.alloc(BLOCK * (options.endBlocks ?? 2)));
  if (options.trailing !== undefined) push(options.trailing);
  return { bytes: Buffer.concat(parts), members };
}

export function tar(entries: readonly TarEntry[], options: TarOptions = {}): Buffer {
  return buildTar(entries, options).bytes;
}

/** Cuts a tar in the middle of the data of the member named `name`. */
export function truncateInMember(built: BuiltTar, name: string): Buffer {
  const member = built.members.find((m) => m.name === name);
  if (member === undefined || member.dataLength < 2) throw new Error(`tar-builder: no member "${name}" with data to cut`);
  return built.bytes.subarray(0, member.dataOffset + Math.floor(member.dataLength / 2));
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function digestOf(bytes: Buffer | string): string {
  return `sha256:${sha256(bytes)}`;
}

export function gzip(bytes: Buffer): Buffer {
  return gzipSync(bytes, { level: 9 });
}

export function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** A small, valid layer tar: one directory and the given files. */
export function layerTar(files: Record<string, string>, options: TarOptions = {}): Buffer {
  const entries: TarEntry[] = [{ name: 'data/', type: 'dir' }];
  for (const [name, content] of Object.entries(files)) entries.push({ name: `data/${name}`, data: content });
  return tar(entries, options);
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** A minimal, valid image config for the given (uncompressed) layers. */
export function imageConfig(diffIds: readonly string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architecture: ARCH[process.arch] ?? process.arch,
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] },
    history: diffIds.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i + 1}` })),
    rootfs: { type: 'layers', diff_ids: [...diffIds] },
    ...extra,
  };
}

export type DockerArchiveStyle = 'legacy' | 'docker25' | 'skopeo';

export interface DockerArchiveOptions {
  style?: DockerArchiveStyle;
  tags?: string[] | null;
  /** Layer tars (default: two small distinct layers). Their sha256 are the diff IDs. */
  layers?: Buffer[];
  /** Makes the layers (and so the image ID) unique to this archive. */
  salt?: string;
  /** Fields of the config's "config" object (WorkingDir, Volumes, ...) added to the default Cmd and Env. */
  containerConfig?: Record<string, unknown>;
}

/**
 * A docker-archive as a mutable model: `manifest` (serialised into manifest.json unless
 * `manifestBytes` is set) plus every other member. `configPath` and `layerPaths` are what the
 * manifest names; tests change them, the members, or the manifest, then call `.tar()`.
 */
export class DockerArchive {
  manifest: unknown;
  manifestBytes: Buffer | undefined;
  /** Members other than manifest.json, in archive order. */
  entries: TarEntry[] = [];
  readonly config: Record<string, unknown>;
  readonly configBytes: Buffer;
  readonly imageId: string;
  readonly layers: Buffer[];
  readonly configPath: string;
  readonly layerPaths: string[];

  constructor(options: DockerArchiveOptions = {}) {
    const style = options.style ?? 'legacy';
    const salt = options.salt ?? 'hostile';
    this.layers = options.layers ?? [layerTar({ 'one.txt': `first layer ${salt}\n` }), layerTar({ 'two.txt': `second layer ${salt}\n` })];
    this.config = imageConfig(this.layers.map((l) => digestOf(l)));
    if (options.containerConfig !== undefined) this.config.config = { ...(this.config.config as Record<string, unknown>), ...options.containerConfig };
    this.configBytes = json(this.config);
    this.imageId = digestOf(this.configBytes);
    const idHex = sha256(this.configBytes);
    this.layerPaths = [];
    if (style === 'docker25') {
      this.configPath = `blobs/sha256/${idHex}`;
      this.entries.push({ name: 'blobs/', type: 'dir' }, { name: 'blobs/sha256/', type: 'dir' });
      this.entries.push({ name: this.configPath, data: this.configBytes });
      for (const layer of this.layers) {
        const path = `blobs/sha256/${sha256(layer)}`;
        if (!this.entries.some((e) => e.name === path)) this.entries.push({ name: path, data: layer });
        this.layerPaths.push(path);
      }
    } else {
      this.configPath = `${idHex}.json`;
      this.layers.forEach((layer, i) => {
        const dir = sha256(`v1 ${i} ${sha256(layer)}`);
        this.entries.push({ name: `${dir}/`, type: 'dir' }, { name: `${dir}/VERSION`, data: '1.0' }, { name: `${dir}/json`, data: json({ id: dir }) });
        if (style === 'skopeo') {
          const top = `${sha256(layer)}.tar`;
          if (!this.entries.some((e) => e.name === top)) this.entries.push({ name: top, data: layer, mode: 0o444 });
          this.entries.push({ name: `${dir}/layer.tar`, type: 'symlink', linkname: `../${top}` });
        } else {
          this.entries.push({ name: `${dir}/layer.tar`, data: layer });
        }
        this.layerPaths.push(`${dir}/layer.tar`);
      });
      this.entries.push({ name: this.configPath, data: this.configBytes });
    }
    this.manifest = [{ Config: this.configPath, RepoTags: options.tags === undefined ? ['hostile/image:1'] : options.tags, Layers: [...this.layerPaths] }];
  }

  /** The first (only) manifest.json item, for tests that edit it. */
  get item(): Record<string, unknown> {
    return (this.manifest as Array<Record<string, unknown>>)[0]!;
  }

  /** Finds a member by name (throws if absent). */
  entry(name: string): TarEntry {
    const e = this.entries.find((x) => x.name === name);
    if (e === undefined) throw new Error(`tar-builder: no member ${name}`);
    return e;
  }

  /** Removes a member by name. */
  remove(name: string): this {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.name !== name);
    if (this.entries.length === before) throw new Error(`tar-builder: no member ${name}`);
    return this;
  }

  /** Replaces a member's data. */
  replace(name: string, data: Buffer | string): this {
    this.entry(name).data = data;
    return this;
  }

  /** Every member, manifest.json last as Docker writes it. */
  allEntries(): TarEntry[] {
    return [...this.entries, { name: 'manifest.json', data: this.manifestBytes ?? json(this.manifest) }];
  }

  build(options: TarOptions = {}): BuiltTar {
    return buildTar(this.allEntries(), options);
  }

  tar(options: TarOptions = {}): Buffer {
    return this.build(options).bytes;
  }
}

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Record<string, string>;
}

export const OCI = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export interface OciLayoutOptions {
  /** Uncompressed layer tars (default: two small distinct layers). */
  layers?: Buffer[];
  /** gzip the layer blobs (default false). */
  gzipLayers?: boolean;
  /** io.containerd.image.name of the manifest in index.json (default hostile/oci:1). */
  name?: string | null;
  salt?: string;
}

/**
 * An OCI image layout as a mutable model: `index` and `ociLayout` (JSON values, or raw bytes
 * through `indexBytes`/`ociLayoutBytes`; `ociLayout` undefined leaves the file out), and blobs
 * by digest. `manifest`/`config` and their descriptors describe the one image it starts with.
 */
export class OciLayout {
  index: Record<string, unknown>;
  indexBytes: Buffer | undefined;
  ociLayout: unknown = { imageLayoutVersion: '1.0.0' };
  ociLayoutBytes: Buffer | undefined;
  readonly blobs = new Map<string, Buffer>();
  /** Extra tar members (tests add hostile ones). */
  extra: TarEntry[] = [];
  readonly config: Record<string, unknown>;
  readonly configDesc: Descriptor;
  readonly layerDescs: Descriptor[];
  readonly manifest: Record<string, unknown>;
  readonly manifestDesc: Descriptor;
  readonly layers: Buffer[];

  constructor(options: OciLayoutOptions = {}) {
    const salt = options.salt ?? 'hostile';
    this.layers = options.layers ?? [layerTar({ 'one.txt': `first oci layer ${salt}\n` }), layerTar({ 'two.txt': `second oci layer ${salt}\n` })];
    this.layerDescs = this.layers.map((l) => (options.gzipLayers === true ? this.addBlob(gzip(l), OCI.layerGzip) : this.addBlob(l, OCI.layer)));
    this.config = imageConfig(this.layers.map((l) => digestOf(l)));
    this.configDesc = this.addBlob(json(this.config), OCI.config);
    this.manifest = { schemaVersion: 2, mediaType: OCI.manifest, config: this.configDesc, layers: this.layerDescs };
    this.manifestDesc = this.addBlob(json(this.manifest), OCI.manifest);
    const name = options.name === undefined ? 'hostile/oci:1' : options.name;
    const top: Descriptor = { ...this.manifestDesc };
    if (name !== null) top.annotations = { 'io.containerd.image.name': name };
    this.index = { schemaVersion: 2, mediaType: OCI.index, manifests: [top] };
  }

  /** Stores a blob and returns its descriptor. */
  addBlob(bytes: Buffer, mediaType?: string): Descriptor {
    this.blobs.set(digestOf(bytes), bytes);
    return mediaType === undefined ? { digest: digestOf(bytes), size: bytes.length } : { mediaType, digest: digestOf(bytes), size: bytes.length };
  }

  /** Stores a JSON document as a blob and returns its descriptor. */
  addJson(value: unknown, mediaType?: string): Descriptor {
    return this.addBlob(json(value), mediaType);
  }

  /** The index.json manifests list (for tests that edit it). */
  get manifests(): Descriptor[] {
    return this.index.manifests as Descriptor[];
  }

  static blobPath(digest: string): string {
    return `blobs/${digest.replace(':', '/')}`;
  }

  allEntries(): TarEntry[] {
    const entries: TarEntry[] = [{ name: 'blobs/', type: 'dir' }, { name: 'blobs/sha256/', type: 'dir' }];
    for (const [digest, bytes] of this.blobs) entries.push({ name: OciLayout.blobPath(digest), data: bytes });
    if (this.ociLayoutBytes !== undefined || this.ociLayout !== undefined) entries.push({ name: 'oci-layout', data: this.ociLayoutBytes ?? json(this.ociLayout) });
    entries.push({ name: 'index.json', data: this.indexBytes ?? json(this.index) });
    return [...entries, ...this.extra];
  }

  tar(options: TarOptions = {}): Buffer {
    return tar(this.allEntries(), options);
  }

  /** Writes the layout as a directory (only files, directories and symbolic links of `extra`). */
  async writeDir(dir: string): Promise<void> {
    await writeEntries(dir, this.allEntries());
  }
}

/** Writes tar entries as a directory: files, directories and symbolic links only. */
async function writeEntries(dir: string, entries: TarEntry[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.type === 'dir') {
      await mkdir(path, { recursive: true });
      continue;
    }
    await mkdir(dirname(path), { recursive: true });
    if (entry.type === 'symlink') await symlink(entry.linkname ?? '', path);
    else if (entry.type === undefined || entry.type === 'file') await writeFile(path, entry.data ?? '');
    else throw new Error(`tar-builder: cannot write a ${entry.type} into a directory`);
  }
}

/**
 * The dir: layout of containers/image (`skopeo copy ... dir:DIR`, `podman save --format
 * docker-dir`) holding an OCI layout's image: manifest.json (the image manifest itself),
 * `version`, and the config and layer blobs, each in a file named by its hex digest.
 */
export class DirLayout {
  manifest: Record<string, unknown>;
  /** Replaces the JSON of `manifest` when set. */
  manifestBytes: Buffer | undefined;
  /** The version file's text; undefined leaves the file out. */
  version: string | undefined = 'Directory Transport Version: 1.1\n';
  /** The blobs by digest (the manifest blob of the OCI layout is not one of them). */
  readonly blobs: Map<string, Buffer>;
  /** Extra members (tests add hostile ones). */
  extra: TarEntry[] = [];

  constructor(readonly layout: OciLayout) {
    this.manifest = structuredClone(layout.manifest);
    this.blobs = new Map([...layout.blobs].filter(([digest]) => digest !== layout.manifestDesc.digest));
  }

  static blobPath(digest: string): string {
    return digest.slice('sha256:'.length);
  }

  allEntries(): TarEntry[] {
    const entries: TarEntry[] = [{ name: 'manifest.json', data: this.manifestBytes ?? json(this.manifest) }];
    if (this.version !== undefined) entries.push({ name: 'version', data: this.version });
    for (const [digest, bytes] of this.blobs) entries.push({ name: DirLayout.blobPath(digest), data: bytes });
    return [...entries, ...this.extra];
  }

  tar(options: TarOptions = {}): Buffer {
    return tar(this.allEntries(), options);
  }

  async writeDir(dir: string): Promise<void> {
    await writeEntries(dir, this.allEntries());
  }
}
