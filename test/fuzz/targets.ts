/**
 * What the fuzzer runs: every reader of untrusted archive bytes, from the tar headers up.
 *
 * - tar-parser: the streaming tar parser (headers, PAX and GNU long-name records);
 * - layer-scanner: the layer facts a load computes (sizes, entries, "plain" verdict);
 * - layer-rewrite: the whiteout and path rewriting before unpack. Invariant: every name and
 *   hard-link target it writes is relative and has no `..` component;
 * - archive: a whole archive ingested from a stream (in a scratch directory) and read as a
 *   docker-archive or OCI layout: manifest.json, index.json, manifests, configs;
 * - image-json: the JSON parsers on their own (docker manifest, OCI descriptor, image config).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../../src/internal/limits.js';
import { TarParser } from '../../src/archive/tar/tar-parser.js';
import { LayerScanner } from '../../src/archive/tar/layer-scanner.js';
import { rewriteLayer } from '../../src/container/rootfs/layer-rewrite.js';
import { TarSource } from '../../src/archive/ingest/tar-source.js';
import { readArchiveImages } from '../../src/engine/load.js';
import { parseManifestJson } from '../../src/archive/docker-archive/read-docker-archive.js';
import { parseDescriptor } from '../../src/archive/oci-layout/read-oci-layout.js';
import { parseConfig } from '../../src/image/config.js';
import { DockerArchive, OciLayout, buildTar, layerTar, paxRecords, type TarEntry } from '../support/tar-builder.js';
import type { FuzzTarget } from './coverage-fuzzer.js';

const TAR_WORDS = ['../', '/', './', '.wh.', '.wh..wh..opq', 'ustar\u000000', 'ustar  \u0000', '././@LongLink', 'PaxHeader/', 'path=', 'linkpath=',
  'size=', 'SCHILY.xattr.trusted.overlay.opaque=y', 'SCHILY.xattr.security.capability=', 'LIBARCHIVE.xattr.', 'GNU.sparse.', '0000644', '00000000000'];
const JSON_WORDS = ['"Config":', '"RepoTags":', '"Layers":', '"Parent":', '"LayerSources":', '"schemaVersion":2', '"manifests":', '"mediaType":',
  '"digest":"sha256:', '"size":', '"rootfs":', '"diff_ids":', '"history":', 'manifest.json', 'index.json', 'oci-layout', 'blobs/sha256/', 'null', '[]', '{}',
  '"application/vnd.oci.image.index.v1+json"', '"application/vnd.oci.image.manifest.v1+json"', '"io.containerd.image.name"', '"org.opencontainers.image.ref.name"'];

async function* once(input: Buffer): AsyncGenerator<Buffer> {
  yield input;
}

/** Small layers that exercise the interesting tar features. */
function seedLayers(): Buffer[] {
  const special: TarEntry[] = [
    { name: 'etc/', type: 'dir' },
    { name: 'etc/.wh.passwd', data: '' },
    { name: 'data/', type: 'dir' },
    { name: 'data/.wh..wh..opq', data: '' },
    { name: 'data/new', data: 'n\n' },
    { name: 'link', type: 'symlink', linkname: '../../etc/shadow' },
    { name: 'hard', type: 'hardlink', linkname: 'data/new' },
    { name: 'dev/null', type: 'chardev' },
    { name: 'long', gnuLongName: `${'d/'.repeat(60)}long-name-${'x'.repeat(120)}`, data: 'long\n' },
    { name: 'pax', data: 'p\n', pax: { 'SCHILY.xattr.user.k': 'v', 'SCHILY.xattr.trusted.overlay.opaque': 'y' } },
  ];
  return [layerTar({ 'a.txt': 'a\n', 'b/c.txt': 'c\n' }), buildTar(special).bytes, buildTar([{ name: 'pax_global_header', typeflag: 'g', data: paxRecords({ path: 'evil', comment: 'berth.image-config.v1 {}' }) }, { name: 'g/', type: 'dir' }]).bytes];
}

function seedArchives(): Buffer[] {
  const layers = seedLayers().slice(0, 2);
  const out = [
    new DockerArchive({ style: 'legacy', tags: ['fuzz/a:1'], layers }).tar(),
    new DockerArchive({ style: 'docker25', tags: ['fuzz/b:1', 'fuzz/b:2'] }).tar(),
    new DockerArchive({ style: 'skopeo', tags: null }).tar(),
  ];
  out.push(buildTar(new OciLayout({ layers }).allEntries()).bytes);
  out.push(buildTar(new OciLayout({ name: null, gzipLayers: true }).allEntries()).bytes);
  return out;
}

const tarParser: FuzzTarget = {
  name: 'tar-parser',
  tar: true,
  maxBytes: 64 * 1024,
  dictionary: TAR_WORDS,
  seeds: () => [...seedLayers(), paxRecords({ path: 'x' })],
  async run(input) {
    const parser = new TarParser({
      entry: () => ({ write: () => undefined, end: () => undefined }),
      globalPax: () => undefined,
    }, { maxMetaBytes: 64 * 1024 });
    await parser.write(input);
    await parser.end();
  },
};

const layerScanner: FuzzTarget = {
  name: 'layer-scanner',
  tar: true,
  maxBytes: 64 * 1024,
  dictionary: TAR_WORDS,
  seeds: seedLayers,
  async run(input) {
    const scanner = new LayerScanner();
    await scanner.write(input);
    await scanner.finish();
  },
};

const layerRewrite: FuzzTarget = {
  name: 'layer-rewrite',
  tar: true,
  maxBytes: 64 * 1024,
  dictionary: TAR_WORDS,
  seeds: seedLayers,
  async run(input) {
    const out: Buffer[] = [];
    await rewriteLayer(once(input), async (chunk) => {
      out.push(chunk);
    });
    // Invariant: what GNU tar will extract stays inside the layer directory.
    const names: string[] = [];
    const parser = new TarParser({
      entry: (h) => {
        names.push(h.name);
        if (h.type === 'hardlink') names.push(h.linkname);
        return undefined;
      },
    }, { maxMetaBytes: 2 * 1024 * 1024 });
    await parser.write(Buffer.concat(out));
    await parser.end();
    for (const name of names) {
      if (name.startsWith('/') || name.split('/').includes('..')) throw new Error(`invariant: the rewritten layer names "${name}"`);
    }
  },
};

let scratch: string | undefined;
const archive: FuzzTarget = {
  name: 'archive',
  tar: true,
  maxBytes: 64 * 1024,
  dictionary: [...TAR_WORDS, ...JSON_WORDS],
  seeds: seedArchives,
  async run(input) {
    scratch ??= mkdtempSync(join(tmpdir(), 'berth-fuzz-'));
    const dir = mkdtempSync(join(scratch, 'i-'));
    try {
      const source = await TarSource.ingest(once(input), dir, { limits: DEFAULT_LIMITS });
      await readArchiveImages(source);
      await source.durable();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

const imageJson: FuzzTarget = {
  name: 'image-json',
  tar: false,
  maxBytes: 16 * 1024,
  dictionary: JSON_WORDS,
  seeds: () => [
    Buffer.from('M[{"Config":"abc.json","RepoTags":["a:1","b/c:latest"],"Layers":["l/layer.tar"],"Parent":"sha256:00"}]'),
    Buffer.from('D{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":7,"annotations":{"org.opencontainers.image.ref.name":"1.0"},"platform":{"os":"linux","architecture":"amd64"}}'),
    Buffer.from(`C${JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [`sha256:${'a'.repeat(64)}`] }, history: [{ created_by: 'x' }] })}`),
  ],
  async run(input) {
    // The first byte picks the parser, the rest is the document.
    const kind = String.fromCharCode(input[0] ?? 0);
    const body = input.subarray(1);
    if (kind === 'C') {
      parseConfig(body, 'fuzz');
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return; // not JSON: the readers report that before these parsers run
    }
    if (kind === 'M') parseManifestJson(value, 1000, 1000);
    else parseDescriptor(value, 'fuzz');
  },
};

export const TARGETS: readonly FuzzTarget[] = [tarParser, layerScanner, layerRewrite, archive, imageJson];

/** Removes the archive target's scratch directory. */
export function cleanUpTargets(): void {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}
