/**
 * Inputs that look odd (or hostile) but are legitimate, or whose danger Berth neutralises:
 * `berth load` must accept them and leave the good image alone. Each names the classes it covers.
 * Run by test/integration/hostile-load.test.ts.
 */
import assert from 'node:assert/strict';
import { berth } from './cli.js';
import { compressWith, deepConfig, deterministicBytes, dirLayoutInput, docker, layoutDirInput, oci, type AcceptedLoadCase } from './hostile-load-builders.js';
import { digestOf, DirLayout, gzip, layerTar, OCI, tar, type Descriptor, type DockerArchive, type TarEntry } from './tar-builder.js';

// ---------------------------------------------------------------------------------------------
// Inputs that look odd but are legitimate

function skopeoStyle(): DockerArchive {
  return docker({ style: 'skopeo', tags: ['accepted/skopeo:1'], salt: 'skopeo' });
}

const FACTORIES: Array<() => AcceptedLoadCase> = [
  () => {
    const a = docker({ tags: ['accepted/abs-members:1'], salt: 'absm' });
    return {
      name: 'absolute members aimed at the /tmp canaries (////tmp/..., hard link to /tmp/.../perm400) stay archive paths',
      classes: ['CVE-2021-32804', 'issue:absolute-paths', 'issue:hardlink-escape-one-layer', 'GHSA-8qq5-rm4j-mr97'],
      input: (_dir, c) => tar([
        ...a.allEntries(),
        { name: `////${c.tmpDir.slice(1)}/keep.txt`, data: 'overwritten\n' },
        { name: 'perm-link', type: 'hardlink', linkname: `${c.tmpDir}/perm400`, mode: 0o4777 },
        { name: 'sym-link', type: 'symlink', linkname: `${c.tmpDir}/sub` },
      ]),
      tags: ['accepted/abs-members:1'],
      id: a.imageId,
    };
  },
  () => {
    const a = docker({ tags: ['accepted/non-utf8:1'], salt: 'nonutf8' });
    const raw = (bytes: number[], data: string): TarEntry => ({ name: 'placeholder', data, rawHeader: [{ offset: 0, bytes: Buffer.from([...bytes, 0]) }] });
    return {
      name: 'members whose names are not UTF-8, beside their UTF-8 look-alikes, and a 300-byte name component',
      classes: ['issue:non-utf8-names', 'issue:long-names', 'CVE-2021-37712'],
      input: () => tar([...a.allEntries(), raw([0x6e, 0xff], 'latin1\n'), { name: 'n\u00ff', data: 'utf8\n' }, { name: `long/${'n'.repeat(300)}`, data: 'long\n' }]),
      tags: ['accepted/non-utf8:1'],
      id: a.imageId,
    };
  },
  () => {
    const a = docker({ tags: ['accepted/parent:1'], salt: 'parent' });
    a.item.Parent = '../../../../victim';
    return { name: 'manifest.json Parent that is not an image ID ("../../../../victim") is ignored', classes: ['CVE-2014-9358', 'issue:traversal-manifest-paths'], input: () => a.tar(), tags: ['accepted/parent:1'], id: a.imageId };
  },
  () => { const a = docker({ tags: ['accepted/legacy:1'], salt: 'legacy' }); return { name: 'baseline: the unmodified legacy docker-archive', classes: [], input: () => a.tar(), tags: ['accepted/legacy:1'], id: a.imageId }; },
  () => { const a = docker({ style: 'docker25', tags: ['accepted/docker25:1'], salt: 'd25' }); return { name: 'baseline: the unmodified Docker 25 docker-archive', classes: [], input: () => a.tar(), tags: ['accepted/docker25:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/gz:1'], salt: 'gz' }); return { name: 'baseline: a gzip-wrapped docker-archive on stdin', classes: [], via: 'stdin', input: () => gzip(a.tar()), tags: ['accepted/gz:1'], id: a.imageId }; },
  () => { const l = oci({ name: 'accepted/oci:1', salt: 'oci' }); return { name: 'baseline: the unmodified OCI archive', classes: [], input: () => l.tar(), tags: ['accepted/oci:1'], id: l.configDesc.digest }; },
  () => { const l = oci({ name: 'accepted/ocigz:1', salt: 'ocigz', gzipLayers: true }); return { name: 'baseline: an OCI archive with gzip layers', classes: [], input: () => l.tar(), tags: ['accepted/ocigz:1'], id: l.configDesc.digest }; },
  () => { const l = oci({ name: 'accepted/ocidir:1', salt: 'ocidir', gzipLayers: true }); return { name: 'baseline: an OCI layout directory', classes: [], input: (dir) => layoutDirInput(l, dir), tags: ['accepted/ocidir:1'], id: l.configDesc.digest }; },
  () => {
    // As skopeo writes it from a docker-archive: Docker schema 2, gzip media types on uncompressed blobs.
    const d = new DirLayout(oci({ salt: 'dirplain' }));
    d.manifest.mediaType = 'application/vnd.docker.distribution.manifest.v2+json';
    (d.manifest.config as Descriptor).mediaType = 'application/vnd.docker.container.image.v1+json';
    for (const layer of d.manifest.layers as Descriptor[]) layer.mediaType = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
    return { name: 'baseline: a dir: layout directory (skopeo\'s: Docker schema 2, uncompressed blobs typed as gzip)', classes: [], input: (dir) => dirLayoutInput(d, dir), tags: [], id: d.layout.configDesc.digest, stderr: /^Note: a dir: layout has no image name, so image sha256:[0-9a-f]{64} was loaded untagged; name it with: berth tag [0-9a-f]{12} NAME:TAG\n$/ };
  },
  () => {
    const d = new DirLayout(oci({ salt: 'dirgz', gzipLayers: true }));
    d.version = undefined;
    return { name: 'baseline: a dir: layout as a tar on stdin, OCI manifest, gzip layers, no version file', classes: [], via: 'stdin', input: () => d.tar(), tags: [], id: d.layout.configDesc.digest, stderr: /^Note: a dir: layout has no image name/ };
  },
  () => { const l = oci({ name: 'accepted/nested:1', salt: 'nested' }); return { name: 'indexes nested 7 deep (within the limit of 8)', classes: ['issue:index-loops', 'lesson-7-bounds'], input: () => {
    let desc: Descriptor = l.manifestDesc;
    for (let i = 0; i < 7; i++) desc = l.addJson({ schemaVersion: 2, mediaType: OCI.index, manifests: [desc] }, OCI.index);
    l.index.manifests = [{ ...desc, annotations: { 'io.containerd.image.name': 'accepted/nested:1' } }];
    return l.tar();
  }, tags: ['accepted/nested:1'], id: l.configDesc.digest }; },
  () => { const l = oci({ name: 'accepted/fanout:1', salt: 'fanout' }); return { name: 'indexes 7 deep that each list the next one 1,000 times (read once each, not 10^21 times)', classes: ['issue:index-loops', 'lesson-7-bounds'], input: () => {
    let desc: Descriptor = l.manifestDesc;
    for (let i = 0; i < 7; i++) desc = l.addJson({ schemaVersion: 2, mediaType: OCI.index, manifests: Array.from({ length: 1000 }, () => desc) }, OCI.index);
    l.index.manifests = [{ ...desc, annotations: { 'io.containerd.image.name': 'accepted/fanout:1' } }];
    return l.tar();
  }, tags: ['accepted/fanout:1'], id: l.configDesc.digest }; },
  () => {
    const l = oci({ name: 'accepted/zstd-layer:1', salt: 'zstd' });
    return { name: 'an OCI archive with a zstd layer', classes: [], needs: 'zstd', input: async (dir) => {
      const desc = l.addBlob(await compressWith('zstd', l.layers[0]!, dir), 'application/vnd.oci.image.layer.v1.tar+zstd');
      const m = l.addJson({ ...l.manifest, layers: [desc, l.layerDescs[1]] }, OCI.manifest);
      l.index.manifests = [{ ...m, annotations: { 'io.containerd.image.name': 'accepted/zstd-layer:1' } }];
      return l.tar();
    }, tags: ['accepted/zstd-layer:1'], id: l.configDesc.digest };
  },
  () => { const a = skopeoStyle(); return { name: 'skopeo style: layer.tar is a symlink to another member', classes: ['issue:symlink-escape-one-layer'], input: () => a.tar(), tags: ['accepted/skopeo:1'], id: a.imageId }; },
  () => {
    const a = docker({ tags: ['accepted/abs-link:1'], salt: 'abs' });
    const path = a.layerPaths[0]!;
    a.entries.push({ name: 'store/', type: 'dir' }, { name: 'store/one.tar', data: a.entry(path).data! });
    a.remove(path).entries.push({ name: path, type: 'symlink', linkname: '/store/one.tar' });
    return { name: 'layer.tar is an absolute symlink, resolved inside the archive', classes: ['CVE-2014-9356', 'gcr-PR-2227', 'issue:absolute-paths'], input: () => a.tar(), tags: ['accepted/abs-link:1'], id: a.imageId };
  },
  () => {
    const a = docker({ tags: ['accepted/dir-link:1'], salt: 'dirlink' });
    a.entries.push({ name: 'layers', type: 'symlink', linkname: a.layerPaths[0]!.replace('/layer.tar', '') });
    a.item.Layers = ['layers/layer.tar', a.layerPaths[1]!];
    return { name: 'layer path through a symlinked directory', classes: ['issue:symlink-escape-one-layer'], input: () => a.tar(), tags: ['accepted/dir-link:1'], id: a.imageId };
  },
  () => {
    const a = docker({ tags: ['accepted/hardlink:1'], salt: 'hard' });
    const path = a.layerPaths[1]!;
    a.entries.unshift({ name: 'first.tar', data: a.entry(path).data! });
    a.remove(path).entries.push({ name: path, type: 'hardlink', linkname: 'first.tar' });
    return { name: 'layer.tar is a hard link to another member', classes: ['issue:hardlink-escape-one-layer', 'lesson-4-hardlink-targets'], input: () => a.tar(), tags: ['accepted/hardlink:1'], id: a.imageId };
  },
  () => {
    const a = docker({ tags: ['accepted/dot:1'], salt: 'dot' });
    const entries: TarEntry[] = [{ name: './', type: 'dir' }, ...a.allEntries().map((e) => ({ ...e, name: `./${e.name}` }))];
    return { name: 'members with "./" prefixes and a "./" root entry', classes: ['gcr-PR-2227', 'issue:traversal-manifest-paths'], input: () => tar(entries), tags: ['accepted/dot:1'], id: a.imageId };
  },
  () => {
    const a = docker({ tags: ['accepted/dot-manifest:1'], salt: 'dotm' });
    a.item.Config = `./${a.configPath}`;
    a.item.Layers = a.layerPaths.map((p) => `./${p}`);
    return { name: 'manifest.json paths with "./" prefixes', classes: ['gcr-PR-2227', 'issue:traversal-manifest-paths'], input: () => a.tar(), tags: ['accepted/dot-manifest:1'], id: a.imageId };
  },
  () => { const a = docker({ tags: ['accepted/empty-layer:1'], layers: [Buffer.alloc(0), layerTar({ 'x.txt': 'x\n' })] }); return { name: 'a zero-length layer', classes: ['issue:truncated-streams', 'issue:garbage-streams'], input: () => a.tar(), tags: ['accepted/empty-layer:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/empty-tar:1'], layers: [Buffer.alloc(1024), layerTar({ 'y.txt': 'y\n' })] }); return { name: 'a layer that is an empty tar (end blocks only)', classes: ['issue:truncated-streams', 'issue:garbage-streams'], input: () => a.tar(), tags: ['accepted/empty-tar:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/trailing:1'], salt: 'trail' }); return { name: 'trailing garbage after the end-of-archive blocks', classes: ['issue:truncated-streams', 'issue:garbage-streams'], input: () => a.tar({ trailing: deterministicBytes(10_000, 'trailing') }), tags: ['accepted/trailing:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/trailing-stdin:1'], salt: 'trails' }); return { name: 'trailing garbage after the end-of-archive blocks (stdin)', classes: ['issue:truncated-streams', 'issue:garbage-streams'], via: 'stdin', input: () => a.tar({ trailing: deterministicBytes(3 * 1024 * 1024, 'trailing') }), tags: ['accepted/trailing-stdin:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/noend:1'], salt: 'noend' }); return { name: 'no end-of-archive blocks (EOF at a member boundary)', classes: ['issue:truncated-streams', 'issue:garbage-streams'], input: () => a.tar({ endBlocks: 0 }), tags: ['accepted/noend:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/dirs:1'], salt: 'dirs' }); a.entries.push({ name: a.layerPaths[0]!.replace('layer.tar', ''), type: 'dir' }); return { name: 'a directory listed twice', classes: ['issue:duplicate-entries'], input: () => a.tar(), tags: ['accepted/dirs:1'], id: a.imageId }; },
  () => { const a = docker({ tags: ['accepted/pax:1'], salt: 'pax' }); a.entry(a.configPath).pax = { mtime: '1700000000.123456789', 'SCHILY.xattr.user.x': 'y' }; return { name: 'PAX records on members', classes: ['issue:huge-pax'], input: () => a.tar(), tags: ['accepted/pax:1'], id: a.imageId }; },
  () => {
    const a = docker({ tags: ['accepted/gz-trailer:1'], salt: 'gztrailer' });
    const gz = gzip(a.tar());
    // Everything up to the end-of-archive blocks arrived and is verified by digest; the missing
    // CRC lies after the end of the archive, which Berth (like Docker's tar reader) never reads.
    return { name: 'gzip-wrapped archive without its 8-byte gzip trailer', classes: ['issue:truncated-streams', 'issue:garbage-streams'], input: () => gz.subarray(0, gz.length - 8), tags: ['accepted/gz-trailer:1'], id: a.imageId };
  },
  () => {
    const l = oci({ name: null, salt: 'bare' });
    l.manifests[0]!.annotations = { 'org.opencontainers.image.ref.name': 'v1\nLoaded image peer-vis\u001b[2J' };
    return { name: 'OCI ref name with a newline and an escape sequence (note is escaped)', classes: ['issue:garbage-streams', 'issue:invalid-index-json'], input: () => l.tar(), tags: [], id: l.configDesc.digest, stderr: /^Note: ref name "v1\\nLoaded image peer-vis\\x1b\[2J" has no repository/m };
  },
  () => { const a = docker({ tags: null, salt: 'untagged' }); return { name: 'RepoTags null (untagged image)', classes: ['issue:invalid-manifest-json'], input: () => a.tar(), tags: [], id: a.imageId }; },
  () => {
    // Bounded time is the runner's 30-second kill, not a timed assertion.
    const tags = Array.from({ length: 10_000 }, (_, i) => `many/tags:t${i}`);
    const a = docker({ tags, salt: 'many' });
    return {
      name: 'a manifest.json with 10,000 tags for one image loads, and images lists all 10,000',
      classes: ['issue:10000-tags', 'lesson-7-bounds'],
      input: () => a.tar(),
      tags,
      id: a.imageId,
      check: async (root) => {
        const listed = await berth(['images', '--format', 'json', 'many/tags'], { root });
        assert.equal(listed.code, 0, listed.stderr);
        const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { Repository: string; Tag: string });
        assert.equal(rows.length, 10_000);
        assert.equal(new Set(rows.map((row) => row.Tag)).size, 10_000);
        assert.ok(rows.every((row) => row.Repository === 'many/tags'));
        const all = await berth(['images', '--format', 'json'], { root });
        assert.equal(all.stdout.trim().split('\n').length, 10_002, 'the good image keeps its two rows');
      },
    };
  },
  () => {
    const a = docker({ tags: ['accepted/deep:1'], salt: 'deep' });
    a.replace(a.configPath, deepConfig(250, true, a.layers));
    return {
      name: 'a config nested 250 deep (within the limit) loads, and inspect can print it',
      classes: ['lesson-7-bounds', 'CVE-2014-6408'],
      input: () => a.tar(),
      tags: ['accepted/deep:1'],
      id: digestOf(a.entry(a.configPath).data!),
      check: async (root) => {
        const inspected = await berth(['image', 'inspect', 'accepted/deep:1'], { root });
        assert.equal(inspected.code, 0, inspected.stderr);
        assert.equal(JSON.parse(inspected.stdout)[0].RepoTags[0], 'accepted/deep:1');
      },
    };
  },
];

/** Every accepted case (built once, when this module is first imported). */
export const ACCEPTED_LOAD_CASES: readonly AcceptedLoadCase[] = FACTORIES.map((make) => make());
