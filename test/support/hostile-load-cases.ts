/**
 * Hostile archives that `berth load` must refuse: each with the classes it covers, the [CODE]
 * and the message expected. Run by test/integration/hostile-load.test.ts, which also checks that
 * the store and the host canaries are left exactly as they were.
 */
import { rm, symlink, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { run } from './cli.js';
import {
  BOMB_ENV, bombs, compressWith, deepConfig, deterministicBytes, docker, HEX_A, hostFile, nestedIndexes, oci, ociBombLayout, ociWithIndex,
  ociWithManifest, shortMember, withConfig, withItem, withManifest, withManifestText, withTags, layoutDirInput, dirLayout, dirLayoutInput, type RefusedLoadCase,
} from './hostile-load-builders.js';
import { digestOf, DirLayout, gzip, imageConfig, json, layerTar, OCI, OciLayout, tar, truncateInMember, type Descriptor } from './tar-builder.js';

// ---------------------------------------------------------------------------------------------
// The hostile table

export const REFUSED_LOAD_CASES: RefusedLoadCase[] = [
  // --- format: what the archive says it is ------------------------------------------------------
  { category: 'format', name: 'neither manifest.json nor index.json', classes: ['issue:invalid-manifest-json', 'issue:invalid-index-json', 'issue:garbage-streams'], input: () => tar([{ name: 'hello.txt', data: 'hello\n' }]), code: 'ARCHIVE_FORMAT_UNKNOWN', message: /neither a manifest\.json nor an index\.json/ },
  { category: 'format', name: 'only a pre-1.10 "repositories" file', classes: ['issue:garbage-streams'], input: () => tar([{ name: 'repositories', data: '{}' }]), code: 'ARCHIVE_FORMAT_UNKNOWN', message: /pre-1\.10 Docker archive/ },
  { category: 'format', name: 'a docker export (container filesystem) tar', classes: ['issue:garbage-streams'], input: () => tar([{ name: 'etc/', type: 'dir' }, { name: 'etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n' }]), code: 'ARCHIVE_FORMAT_UNKNOWN', message: /berth import/ },
  { category: 'format', name: 'manifest.json is not JSON', classes: ['issue:invalid-manifest-json'], input: () => withManifestText('this is not JSON'), code: 'MANIFEST_INVALID', message: /Cannot parse manifest\.json/ },
  { category: 'format', name: 'manifest.json is cut short', classes: ['issue:invalid-manifest-json'], input: () => withManifestText('[{"Config":"x.json","Layers":['), code: 'MANIFEST_INVALID', message: /Cannot parse manifest\.json/ },
  { category: 'format', name: 'manifest.json is empty', classes: ['issue:invalid-manifest-json'], input: () => withManifestText(''), code: 'MANIFEST_INVALID', message: /Cannot parse manifest\.json/ },
  { category: 'format', name: 'manifest.json is null', classes: ['issue:invalid-manifest-json'], input: () => withManifest(null), code: 'MANIFEST_INVALID', message: /manifest\.json is null/ },
  { category: 'format', name: 'manifest.json is {}', classes: ['issue:invalid-manifest-json'], input: () => withManifest({}), code: 'MANIFEST_INVALID', message: /manifest\.json is not a list/ },
  { category: 'format', name: 'manifest.json is []', classes: ['issue:invalid-manifest-json'], input: () => withManifest([]), code: 'MANIFEST_INVALID', message: /lists no images/ },
  { category: 'format', name: 'manifest.json entry is not an object', classes: ['issue:invalid-manifest-json'], input: () => withManifest([1]), code: 'MANIFEST_INVALID', message: /entry 1 is not an object/ },
  { category: 'format', name: 'manifest.json entry without Config', classes: ['issue:invalid-manifest-json'], input: () => withItem((i) => { delete i.Config; }), code: 'MANIFEST_INVALID', message: /entry 1 has no "Config" path/ },
  { category: 'format', name: 'manifest.json Config is a number', classes: ['issue:invalid-manifest-json'], input: () => withItem((i) => { i.Config = 42; }), code: 'MANIFEST_INVALID', message: /entry 1 has no "Config" path/ },
  { category: 'format', name: 'manifest.json Config is empty', classes: ['issue:invalid-manifest-json'], input: () => withItem((i) => { i.Config = ''; }), code: 'MANIFEST_INVALID', message: /entry 1 has no "Config" path/ },
  { category: 'format', name: 'manifest.json entry without Layers', classes: ['issue:invalid-manifest-json'], input: () => withItem((i) => { delete i.Layers; }), code: 'MANIFEST_INVALID', message: /entry 1 has no "Layers" list/ },
  { category: 'format', name: 'manifest.json Layers is a string', classes: ['issue:invalid-manifest-json'], input: () => withItem((i, a) => { i.Layers = a.layerPaths[0]; }), code: 'MANIFEST_INVALID', message: /entry 1 has no "Layers" list/ },
  { category: 'format', name: 'manifest.json Layers holds a number', classes: ['issue:invalid-manifest-json'], input: () => withItem((i) => { i.Layers = [1]; }), code: 'MANIFEST_INVALID', message: /entry 1 has no "Layers" list/ },
  { category: 'format', name: 'manifest.json RepoTags is a string', classes: ['issue:invalid-manifest-json'], input: () => withTags('hostile/image:1'), code: 'MANIFEST_INVALID', message: /"RepoTags" that is not a list of strings/ },
  { category: 'format', name: 'manifest.json RepoTags holds an object', classes: ['issue:invalid-manifest-json'], input: () => withTags([{ name: 'x:1' }]), code: 'MANIFEST_INVALID', message: /"RepoTags" that is not a list of strings/ },
  { category: 'format', name: 'manifest.json second entry is broken', classes: ['issue:invalid-manifest-json'], input: () => withItem((_, a) => { (a.manifest as unknown[]).push({ Config: a.configPath }); }), code: 'MANIFEST_INVALID', message: /entry 2 has no "Layers" list/ },
  { category: 'format', name: 'manifest.json Parent is a number', classes: ['issue:invalid-manifest-json'], input: () => withItem((i) => { i.Parent = 7; }), code: 'MANIFEST_INVALID', message: /"Parent" that is not a string/ },
  { category: 'format', name: 'manifest.json nested 100,000 arrays deep', classes: ['issue:invalid-manifest-json', 'issue:enormous-manifest-json', 'lesson-7-bounds'], input: () => withManifestText(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), code: 'LIMIT_JSON_DEPTH', message: /the nesting of manifest\.json \("manifest\.json"\) exceeds the JSON nesting depth limit \(256\)/ },
  { category: 'format', name: 'config nested 100,000 arrays deep', classes: ['lesson-7-bounds', 'CVE-2014-6408'], input: () => withConfig(deepConfig(100_000)), code: 'LIMIT_JSON_DEPTH', message: /the nesting of the image config of image 1 of manifest\.json .* exceeds the JSON nesting depth limit/ },
  { category: 'format', name: 'config nested 300 objects deep (default limit 256)', classes: ['lesson-7-bounds', 'CVE-2014-6408'], input: () => withConfig(deepConfig(300, true)), code: 'LIMIT_JSON_DEPTH', message: /JSON nesting depth limit \(256\)/ },
  { category: 'format', name: 'index.json nested 20 deep with BERTH_MAX_JSON_DEPTH=10', classes: ['issue:enormous-index-json', 'lesson-7-bounds', 'issue:invalid-index-json'], input: () => ociWithIndex((i) => { (i as Record<string, unknown>)['x-deep'] = JSON.parse(`${'['.repeat(20)}${']'.repeat(20)}`); }), env: { BERTH_MAX_JSON_DEPTH: '10' }, code: 'LIMIT_JSON_DEPTH', message: /the nesting of index\.json \("index\.json"\) exceeds the JSON nesting depth limit \(10\)/ },
  { category: 'format', name: 'index.json is not JSON', classes: ['issue:invalid-index-json'], input: () => { const l = oci(); l.indexBytes = Buffer.from('{"schemaVersion":'); return l.tar(); }, code: 'INDEX_INVALID', message: /Cannot parse index\.json/ },
  { category: 'format', name: 'index.json is null', classes: ['issue:invalid-index-json'], input: () => { const l = oci(); l.indexBytes = Buffer.from('null'); return l.tar(); }, code: 'INDEX_INVALID', message: /index\.json: it is not a JSON object/ },
  { category: 'format', name: 'index.json is a list', classes: ['issue:invalid-index-json'], input: () => { const l = oci(); l.indexBytes = json([l.manifestDesc]); return l.tar(); }, code: 'INDEX_INVALID', message: /not a JSON object/ },
  { category: 'format', name: 'index.json schemaVersion 1', classes: ['issue:invalid-index-json'], input: () => ociWithIndex((i) => { i.schemaVersion = 1; }), code: 'INDEX_INVALID', message: /schemaVersion is not 2/ },
  { category: 'format', name: 'index.json manifests is an object', classes: ['issue:invalid-index-json'], input: () => ociWithIndex((i, l) => { i.manifests = l.manifestDesc; }), code: 'INDEX_INVALID', message: /"manifests" is not a list/ },
  { category: 'format', name: 'index.json lists no manifests', classes: ['issue:invalid-index-json'], input: () => ociWithIndex((i) => { i.manifests = []; }), code: 'INDEX_INVALID', message: /holds no image/ },
  { category: 'format', name: 'index.json that also has layers', classes: ['issue:invalid-index-json', 'CVE-2021-41190'], input: () => ociWithIndex((i, l) => { i.layers = l.layerDescs; }), code: 'INDEX_INVALID', message: /both "manifests" and "layers"/ },
  { category: 'format', name: 'oci-layout is not JSON', classes: ['issue:invalid-index-json'], input: () => { const l = oci(); l.ociLayoutBytes = Buffer.from('imageLayoutVersion=1.0.0'); return l.tar(); }, code: 'INDEX_INVALID', message: /Cannot parse oci-layout/ },
  { category: 'format', name: 'oci-layout declares version 2', classes: ['issue:invalid-index-json'], input: () => { const l = oci(); l.ociLayout = { imageLayoutVersion: '2.0.0' }; return l.tar(); }, code: 'INDEX_INVALID', message: /imageLayoutVersion 1\.x/ },
  { category: 'format', name: 'descriptor digest is not hex', classes: ['CVE-2014-9358', 'issue:invalid-index-json'], input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, digest: 'sha256:xyz' }]; }), code: 'DESCRIPTOR_INVALID', message: /"sha256:xyz" is not a sha256 digest/ },
  { category: 'format', name: 'descriptor digest climbs out of blobs/', classes: ['CVE-2014-9358', 'issue:invalid-index-json', 'issue:traversal-manifest-paths'], input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, digest: 'sha256:../../../../etc/passwd' }]; }), code: 'DESCRIPTOR_INVALID', message: /is not a sha256 digest/ },
  { category: 'format', name: 'descriptor digest in upper case', classes: ['CVE-2014-9358', 'issue:invalid-index-json'], input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, digest: l.manifestDesc.digest.toUpperCase().replace('SHA256', 'sha256') }]; }), code: 'DESCRIPTOR_INVALID', message: /is not a sha256 digest/ },
  { category: 'format', name: 'descriptor without digest', classes: ['CVE-2014-9358', 'issue:invalid-index-json'], input: () => ociWithIndex((i, l) => { i.manifests = [{ mediaType: OCI.manifest, size: l.manifestDesc.size }]; }), code: 'DESCRIPTOR_INVALID', message: /a descriptor has no digest/ },
  { category: 'format', name: 'descriptor with a negative size', classes: ['CVE-2014-9358', 'issue:invalid-index-json'], input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, size: -1 }]; }), code: 'DESCRIPTOR_INVALID', message: /no valid size/ },
  { category: 'format', name: 'descriptor is a string', classes: ['CVE-2014-9358', 'issue:invalid-index-json'], input: () => ociWithIndex((i, l) => { i.manifests = [l.manifestDesc.digest]; }), code: 'DESCRIPTOR_INVALID', message: /a descriptor is not an object/ },
  { category: 'format', name: 'config descriptor with a bad digest', classes: ['CVE-2014-9358', 'issue:invalid-index-json'], input: () => ociWithManifest((m) => { (m.config as Descriptor).digest = 'sha256:1234'; }), code: 'DESCRIPTOR_INVALID', message: /"sha256:1234" is not a sha256 digest/ },
  { category: 'format', name: 'annotations that are not strings', classes: ['CVE-2014-9358', 'issue:invalid-index-json'], input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, annotations: { 'io.containerd.image.name': 5 } }]; }), code: 'DESCRIPTOR_INVALID', message: /annotations are not a map of strings/ },
  { category: 'format', name: 'sha512 digest in index.json', classes: ['issue:invalid-index-json', 'CVE-2014-9358'], input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, digest: `sha512:${'ab'.repeat(64)}` }]; }), code: 'DIGEST_UNSUPPORTED', message: /uses an algorithm other than sha256/ },
  { category: 'format', name: 'sha512 layer digest in a manifest', classes: ['CVE-2014-9358', 'issue:invalid-index-json'], input: () => ociWithManifest((m) => { (m.layers as Descriptor[])[0]!.digest = `sha512:${'cd'.repeat(64)}`; }), code: 'DIGEST_UNSUPPORTED', message: /uses an algorithm other than sha256/ },
  { category: 'format', name: 'a manifest that is also an index', classes: ['CVE-2021-41190'], input: () => ociWithManifest((m, l) => ({ ...m, manifests: [l.manifestDesc] })), code: 'INDEX_INVALID', message: /both "manifests" and "layers"\/"config"/ },
  { category: 'format', name: 'an index that is also a manifest, typed as an index', classes: ['CVE-2021-41190'], input: () => {
    const l = oci();
    const both = l.addJson({ schemaVersion: 2, manifests: [l.manifestDesc], config: l.configDesc, layers: l.layerDescs }, OCI.index);
    l.index.manifests = [both];
    return l.tar();
  }, code: 'INDEX_INVALID', message: /ambiguous document/ },
  { category: 'format', name: 'a document whose mediaType contradicts its descriptor', classes: ['CVE-2021-41190'], input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, mediaType: OCI.index }]; }), code: 'INDEX_INVALID', message: /differs from its descriptor/ },
  {
    category: 'format',
    // A blob cannot contain its own sha256, so a self-reference always arrives with content that
    // does not match the digest it is stored under: the digest check stops it before the loop guard.
    name: 'an index that refers to itself',
    classes: ['issue:index-loops', 'issue:digest-mismatch'],
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
  { category: 'format', name: 'indexes nested 10 deep (default limit 8)', classes: ['issue:index-loops', 'lesson-7-bounds'], input: () => nestedIndexes(10), code: 'LIMIT_INDEX_DEPTH', message: /OCI index nesting depth limit \(8\).*/ },
  { category: 'format', name: 'indexes nested 2 deep with BERTH_MAX_INDEX_DEPTH=2', classes: ['issue:index-loops', 'lesson-7-bounds'], input: () => nestedIndexes(2), env: { BERTH_MAX_INDEX_DEPTH: '2' }, code: 'LIMIT_INDEX_DEPTH', message: /nesting depth limit \(2\)/ },
  { category: 'format', name: 'no image for this platform', classes: ['issue:invalid-index-json'], input: () => ociWithIndex((i, l) => {
    const nested = l.addJson({ schemaVersion: 2, mediaType: OCI.index, manifests: [{ ...l.manifestDesc, platform: { os: 'plan9', architecture: 'mips' } }] }, OCI.index);
    i.manifests = [nested];
  }), code: 'PLATFORM_NOT_FOUND', message: /available: plan9\/mips/ },
  { category: 'format', name: 'an artifact, not an image', classes: ['CVE-2021-41190'], input: () => ociWithManifest((m) => { (m.config as Descriptor).mediaType = 'application/vnd.example.sbom+json'; }), code: 'ARTIFACT_UNSUPPORTED', message: /is not a container image/ },
  { category: 'format', name: 'a layer media type Berth does not know', classes: ['CVE-2021-41190'], input: () => ociWithManifest((m) => { (m.layers as Descriptor[])[0]!.mediaType = 'application/x-evil'; }), code: 'LAYER_UNSUPPORTED', message: /application\/x-evil/ },

  // --- paths: names that try to leave the archive ------------------------------------------------
  { category: 'paths', name: 'Config "../x"', classes: ['issue:traversal-manifest-paths'], input: () => withItem((i) => { i.Config = '../x'; }), code: 'ARCHIVE_PATH_INVALID', message: /"\.\.\/x": it points outside the archive/ },
  { category: 'paths', name: 'Config "blobs/sha256/../../../etc/passwd"', classes: ['issue:traversal-manifest-paths'], input: () => withItem((i) => { i.Config = 'blobs/sha256/../../../etc/passwd'; }), code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'Layers ["../x"]', classes: ['issue:traversal-manifest-paths'], input: () => withItem((i) => { (i.Layers as string[])[1] = '../x'; }), code: 'ARCHIVE_PATH_INVALID', message: /"\.\.\/x": it points outside the archive/ },
  { category: 'paths', name: 'Config "/etc/passwd" is looked up in the archive only', classes: ['issue:traversal-manifest-paths', 'issue:absolute-paths', 'CVE-2014-6407'], input: () => withItem((i) => { i.Config = '/etc/passwd'; }), code: 'ARCHIVE_ENTRY_MISSING', message: /"\/etc\/passwd" is not in the archive/ },
  { category: 'paths', name: 'Layers ["/etc/passwd"] is looked up in the archive only', classes: ['issue:traversal-manifest-paths', 'issue:absolute-paths'], input: () => withItem((i) => { (i.Layers as string[])[0] = '/etc/passwd'; }), code: 'ARCHIVE_ENTRY_MISSING', message: /"\/etc\/passwd" is not in the archive/ },
  {
    category: 'paths',
    // The host file holds exactly the right config: reading it would make the load succeed.
    name: 'Config names a host file holding the right config',
    classes: ['issue:traversal-manifest-paths', 'issue:absolute-paths', 'CVE-2014-6407'],
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
    classes: ['issue:traversal-manifest-paths', 'issue:absolute-paths', 'CVE-2014-6407'],
    input: async (dir) => {
      const a = docker();
      (a.item.Layers as string[])[0] = await hostFile(dir, 'layer.tar', a.layers[0]!);
      return a.tar();
    },
    code: 'ARCHIVE_ENTRY_MISSING',
    message: /layer\.tar" is not in the archive/,
  },
  { category: 'paths', name: 'member "../evil"', classes: ['issue:traversal-entries'], input: () => tar([{ name: '../evil', data: 'x' }, ...docker().allEntries()]), code: 'ARCHIVE_PATH_INVALID', message: /"\.\.\/evil": it points outside the archive/ },
  { category: 'paths', name: 'member "a/../../evil"', classes: ['issue:traversal-entries'], input: () => tar([...docker().allEntries(), { name: 'a/../../evil', data: 'x' }]), code: 'ARCHIVE_PATH_INVALID', message: /"a\/\.\.\/\.\.\/evil": it points outside the archive/ },
  { category: 'paths', name: 'member "/../evil"', classes: ['issue:traversal-entries', 'issue:absolute-paths'], input: () => tar([{ name: '/../evil', data: 'x' }]), code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'member "../evil" given by a PAX path record', classes: ['issue:traversal-entries', 'issue:huge-pax'], input: () => tar([{ name: 'harmless', pax: { path: '../evil' }, data: 'x' }]), code: 'ARCHIVE_PATH_INVALID', message: /"\.\.\/evil": it points outside the archive/ },
  { category: 'paths', name: 'member "../…" given by a GNU long name', classes: ['issue:traversal-entries', 'issue:long-names'], input: () => tar([{ name: 'x', gnuLongName: `../${'e'.repeat(120)}`, data: 'x' }]), code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'member name with a NUL byte (PAX)', classes: ['issue:traversal-entries'], input: () => tar([{ name: 'x', pax: { path: 'manifest.json\0/../../evil' }, data: 'x' }]), code: 'ARCHIVE_PATH_INVALID', message: /contains a NUL byte/ },
  { category: 'paths', name: 'layer.tar -> ../../etc/passwd (symlink)', classes: ['issue:symlink-escape-one-layer', 'CVE-2014-6407', 'CVE-2024-12905'], input: () => {
    const a = docker();
    const path = a.layerPaths[0]!;
    a.remove(path).entries.push({ name: path, type: 'symlink', linkname: '../../etc/passwd' });
    return a.tar();
  }, code: 'ARCHIVE_PATH_INVALID', message: /"\.\.\/\.\.\/etc\/passwd": it points outside the archive/ },
  { category: 'paths', name: 'layer.tar -> /etc/passwd (absolute symlink, resolved in the archive)', classes: ['CVE-2014-9356', 'issue:absolute-paths'], input: () => {
    const a = docker();
    const path = a.layerPaths[0]!;
    a.remove(path).entries.push({ name: path, type: 'symlink', linkname: '/etc/passwd' });
    return a.tar();
  }, code: 'ARCHIVE_ENTRY_MISSING', message: /is not in the archive/ },
  { category: 'paths', name: 'layer.tar hard link to ../../etc/passwd', classes: ['issue:hardlink-escape-one-layer', 'CVE-2014-6407', 'lesson-4-hardlink-targets'], input: () => {
    const a = docker();
    const path = a.layerPaths[0]!;
    a.remove(path).entries.push({ name: path, type: 'hardlink', linkname: '../../etc/passwd' });
    return a.tar();
  }, code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'two-hop symlink escape (layer.tar -> ../hop, hop -> ../etc/passwd)', classes: ['CVE-2026-17106', 'lesson-1-lexical-checks'], input: () => {
    const a = docker();
    const path = a.layerPaths[0]!;
    a.remove(path).entries.push({ name: path, type: 'symlink', linkname: '../hop' }, { name: 'hop', type: 'symlink', linkname: '../etc/passwd' });
    return a.tar();
  }, code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'directory symlink to .. (Layers ["up/etc/passwd"], up -> ..)', classes: ['lesson-1-lexical-checks', 'CVE-2025-48387', 'issue:symlink-escape-one-layer'], input: () => withItem((i, a) => {
    (i.Layers as string[])[0] = 'up/etc/passwd';
    a.entries.push({ name: 'up', type: 'symlink', linkname: '..' });
  }), code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'symlink loop (layer.tar -> layer.tar)', classes: ['lesson-7-bounds'], input: () => {
    const a = docker();
    const path = a.layerPaths[0]!;
    a.remove(path).entries.push({ name: path, type: 'symlink', linkname: 'layer.tar' });
    return a.tar();
  }, code: 'ARCHIVE_PATH_INVALID', message: /too many levels of links/ },
  { category: 'paths', name: 'symlink loop (a -> b, b -> a)', classes: ['lesson-7-bounds'], input: () => withItem((i, a) => {
    (i.Layers as string[])[0] = 'a';
    a.entries.push({ name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: 'a' });
  }), code: 'ARCHIVE_PATH_INVALID', message: /too many levels of links/ },
  { category: 'paths', name: 'hard link loop (a -> b, b -> a)', classes: ['lesson-7-bounds', 'lesson-4-hardlink-targets'], input: () => withItem((i, a) => {
    (i.Layers as string[])[0] = 'a';
    a.entries.push({ name: 'a', type: 'hardlink', linkname: 'b' }, { name: 'b', type: 'hardlink', linkname: 'a' });
  }), code: 'ARCHIVE_PATH_INVALID', message: /too many levels of links/ },
  { category: 'paths', name: 'manifest.json is a symlink out of the archive', classes: ['issue:symlink-escape-one-layer', 'CVE-2014-6407', 'CVE-2024-12905'], input: () => {
    const a = docker();
    return tar([...a.entries, { name: 'manifest.json', type: 'symlink', linkname: '../../../etc/passwd' }]);
  }, code: 'ARCHIVE_PATH_INVALID', message: /"\.\.\/\.\.\/\.\.\/etc\/passwd": it points outside the archive/ },
  { category: 'paths', name: 'symlink with an empty target', classes: ['issue:garbage-streams'], input: () => tar([{ name: 'x', type: 'symlink', linkname: '' }]), code: 'ARCHIVE_PATH_INVALID', message: /symbolic link with an empty target/ },
  { category: 'paths', name: 'the archive root as a file', classes: ['CVE-2021-29136'], input: () => tar([{ name: './', data: 'x' }]), code: 'ARCHIVE_PATH_INVALID', message: /archive root must be a directory/ },
  {
    category: 'paths',
    // The outside file holds exactly the blob's bytes: following the link would load the image.
    name: 'OCI layout directory: a blob symlinked to a file outside the layout',
    classes: ['issue:symlink-escape-one-layer', 'CVE-2024-12905'],
    input: async (dir) => {
      const l = oci();
      const layer = l.layerDescs[0]!;
      await hostFile(dir, 'outside-layer', l.blobs.get(layer.digest)!);
      l.blobs.delete(layer.digest);
      l.extra.push({ name: OciLayout.blobPath(layer.digest), type: 'symlink', linkname: '../../../outside-layer' });
      return layoutDirInput(l, dir);
    },
    code: 'ARCHIVE_PATH_INVALID',
    message: /resolves outside the layout directory/,
  },
  {
    category: 'paths',
    name: 'OCI layout directory: a blob symlinked to /etc/passwd',
    classes: ['issue:symlink-escape-one-layer', 'CVE-2024-12905'],
    input: async (dir) => {
      const l = oci();
      const layer = l.layerDescs[1]!;
      l.blobs.delete(layer.digest);
      l.extra.push({ name: OciLayout.blobPath(layer.digest), type: 'symlink', linkname: '/etc/passwd' });
      return layoutDirInput(l, dir);
    },
    code: 'ARCHIVE_PATH_INVALID',
    message: /resolves outside the layout directory/,
  },
  {
    category: 'paths',
    name: 'OCI layout directory: a blob that is a symlink loop',
    classes: ['lesson-7-bounds'],
    input: async (dir) => {
      const l = oci();
      const path = OciLayout.blobPath(l.configDesc.digest);
      l.blobs.delete(l.configDesc.digest);
      l.extra.push({ name: path, type: 'symlink', linkname: path.split('/').at(-1)! });
      return layoutDirInput(l, dir);
    },
    code: 'ARCHIVE_PATH_INVALID',
    message: /too many levels of symbolic links/,
  },
  {
    category: 'paths',
    name: 'OCI layout directory: manifest.json symlinked to /etc/passwd',
    classes: ['issue:symlink-escape-one-layer', 'CVE-2024-12905'],
    input: async (dir) => {
      const l = oci();
      l.extra.push({ name: 'manifest.json', type: 'symlink', linkname: '/etc/passwd' });
      return layoutDirInput(l, dir);
    },
    code: 'ARCHIVE_PATH_INVALID',
    message: /"manifest\.json": it resolves outside the layout directory/,
  },
  {
    category: 'memory',
    // A sparse file costs nothing to make; reading it before checking its size would copy 3 GiB.
    name: 'OCI layout directory: a 3 GiB sparse layer blob (size checked before reading)',
    classes: ['lesson-7-bounds', 'issue:digest-mismatch'],
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
    classes: ['lesson-7-bounds', 'issue:enormous-index-json'],
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
    classes: ['issue:device-entries', 'issue:missing-blobs'],
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
    classes: ['issue:symlink-escape-one-layer', 'CVE-2024-12905'],
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

  // --- aimed at the host canaries (the victim file beside each store, the /tmp canary directory) ---
  { category: 'paths', name: 'member "../../../../victim" (the file beside the store)', classes: ['issue:traversal-entries', 'CVE-2014-6407'], input: (_d, c) => tar([{ name: `../../../../${c.victim}`, data: 'overwritten\n' }, ...docker().allEntries()]), code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'Config "../../../../victim" (the file beside the store)', classes: ['issue:traversal-manifest-paths'], input: (_d, c) => withItem((i) => { i.Config = `../../../../${c.victim}`; }), code: 'ARCHIVE_PATH_INVALID', message: /points outside the archive/ },
  { category: 'paths', name: 'layer.tar symlinked to ../../../../victim, then written through by a later member', classes: ['issue:symlink-escape-one-layer', 'CVE-2024-12905', 'CVE-2014-6407'], input: (_d, c) => {
    const a = docker();
    const path = a.layerPaths[0]!;
    a.remove(path).entries.push({ name: path, type: 'symlink', linkname: `../../../../${c.victim}` }, { name: path, data: 'overwritten\n' });
    return a.tar();
  }, code: ['ARCHIVE_PATH_INVALID', 'ARCHIVE_DUPLICATE_ENTRY'], message: /points outside the archive|appears more than once/ },
  { category: 'limits', name: 'a layer holding a 2 MiB PAX record', classes: ['issue:huge-pax', 'lesson-7-bounds'], input: () => {
    const a = docker({ layers: [tar([{ name: 'x', pax: { comment: 'c'.repeat(2 * 1024 * 1024) }, data: 'x' }]), layerTar({ 'b.txt': 'b\n' })] });
    return a.tar();
  }, code: 'LAYER_INVALID', message: /PAX header size limit/ },

  // --- digests and sizes ------------------------------------------------------------------------
  { category: 'digests', name: 'Docker 25 config at blobs/sha256/<hex> with other content', classes: ['issue:digest-mismatch'], input: () => {
    const a = docker({ style: 'docker25' });
    a.replace(a.configPath, json({ ...a.config, author: 'mallory' }));
    return a.tar();
  }, code: 'DIGEST_MISMATCH', message: /the config of image 1 of manifest\.json \("blobs\/sha256\/[0-9a-f]{64}"\): its digest is sha256:[0-9a-f]{64}, expected/ },
  { category: 'digests', name: 'Docker 25 layer at blobs/sha256/<hex> with other content', classes: ['issue:digest-mismatch'], input: () => {
    const a = docker({ style: 'docker25' });
    a.replace(a.layerPaths[1]!, layerTar({ 'evil.txt': 'evil\n' }));
    return a.tar();
  }, code: 'DIGEST_MISMATCH', message: /layer 2 of image 1 .*its digest is .*expected/ },
  { category: 'digests', name: 'OCI blob with other content than its digest', classes: ['issue:digest-mismatch'], input: () => {
    const l = oci();
    l.blobs.set(l.layerDescs[0]!.digest, layerTar({ 'one.txt': 'tampered\n' }));
    return l.tar();
  }, code: 'DIGEST_MISMATCH', message: /layer 1 of manifest .*its digest is .*expected/ },
  { category: 'digests', name: 'OCI layer descriptor size off by one', classes: ['issue:digest-mismatch'], input: () => ociWithManifest((m) => { (m.layers as Descriptor[])[0]!.size += 1; }), code: 'SIZE_MISMATCH', message: /its descriptor says \d+/ },
  { category: 'digests', name: 'OCI config descriptor size off by one', classes: ['issue:digest-mismatch'], input: () => ociWithManifest((m) => { (m.config as Descriptor).size -= 1; }), code: 'SIZE_MISMATCH', message: /config of manifest .* it has \d+ bytes, its descriptor says \d+/ },
  { category: 'digests', name: 'OCI manifest descriptor size of 2^53-1', classes: ['issue:digest-mismatch'], input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, size: Number.MAX_SAFE_INTEGER }]; }), code: 'SIZE_MISMATCH', message: /its descriptor says 9007199254740991/ },
  { category: 'digests', name: 'layer whose diff ID differs from the config', classes: ['issue:digest-mismatch'], input: () => {
    const a = docker();
    a.replace(a.layerPaths[1]!, layerTar({ 'other.txt': 'not the layer the config names\n' }));
    return a.tar();
  }, code: 'DIFF_ID_MISMATCH', message: /layer 2 of image 1 .* its content has diff ID sha256:[0-9a-f]{64}, the config says sha256:/ },
  { category: 'digests', name: 'OCI gzip layer whose diff ID differs from the config', classes: ['issue:digest-mismatch'], input: () => ociWithManifest((m, l) => {
    (m.layers as Descriptor[])[0] = l.addBlob(gzip(layerTar({ 'other.txt': 'other\n' })), OCI.layerGzip);
  }), code: 'DIFF_ID_MISMATCH', message: /layer 1 of manifest .*its content has diff ID/ },
  { category: 'digests', name: 'layers swapped', classes: ['issue:digest-mismatch'], input: () => withItem((i) => { (i.Layers as string[]).reverse(); }), code: 'DIFF_ID_MISMATCH', message: /the config says/ },
  { category: 'digests', name: 'fewer layers than diff_ids', classes: ['issue:digest-mismatch'], input: () => withItem((i) => { (i.Layers as string[]).pop(); }), code: 'MANIFEST_INVALID', message: /lists 1 layers but its config has 2 diff IDs/ },
  { category: 'digests', name: 'more layers than diff_ids', classes: ['issue:digest-mismatch'], input: () => withItem((i, a) => { (i.Layers as string[]).push(a.layerPaths[0]!); }), code: 'MANIFEST_INVALID', message: /lists 3 layers but its config has 2 diff IDs/ },
  { category: 'digests', name: 'OCI manifest with fewer layers than diff_ids', classes: ['issue:digest-mismatch'], input: () => ociWithManifest((m) => { (m.layers as Descriptor[]).pop(); }), code: 'MANIFEST_INVALID', message: /lists 1 layers but its config has 2 diff IDs/ },
  { category: 'digests', name: 'config without rootfs', classes: ['issue:invalid-manifest-json', 'CVE-2014-6408', 'issue:garbage-streams'], input: () => withConfig(json({ architecture: 'amd64', os: 'linux' })), code: 'CONFIG_INVALID', message: /it has no "rootfs"/ },
  { category: 'digests', name: 'config is not JSON', classes: ['issue:invalid-manifest-json', 'CVE-2014-6408', 'issue:garbage-streams'], input: () => withConfig(Buffer.from('<config/>')), code: 'CONFIG_INVALID', message: /not valid JSON/ },
  { category: 'digests', name: 'config is a list', classes: ['issue:invalid-manifest-json', 'CVE-2014-6408', 'issue:garbage-streams'], input: () => withConfig(json([imageConfig([])])), code: 'CONFIG_INVALID', message: /not a JSON object/ },
  { category: 'digests', name: 'config with a bad diff ID', classes: ['issue:digest-mismatch', 'issue:invalid-manifest-json', 'CVE-2014-6408', 'issue:garbage-streams'], input: () => withConfig(json(imageConfig(['sha256:nope', HEX_A]))), code: 'CONFIG_INVALID', message: /diff ID "sha256:nope" is not a sha256 digest/ },
  { category: 'digests', name: 'config rootfs type is not "layers"', classes: ['issue:invalid-manifest-json', 'CVE-2014-6408', 'issue:garbage-streams'], input: () => withConfig(json({ ...imageConfig([]), rootfs: { type: 'squashfs', diff_ids: [] } })), code: 'CONFIG_INVALID', message: /rootfs type "squashfs"/ },
  { category: 'digests', name: 'config "os" is a number', classes: ['issue:invalid-manifest-json', 'CVE-2014-6408', 'issue:garbage-streams'], input: () => withConfig(json({ ...imageConfig([]), os: 5 })), code: 'CONFIG_INVALID', message: /"os" is not a string/ },
  { category: 'digests', name: 'config history is an object', classes: ['issue:invalid-manifest-json', 'CVE-2014-6408', 'issue:garbage-streams'], input: () => withConfig(json({ ...imageConfig([]), history: {} })), code: 'CONFIG_INVALID', message: /"history" is not a list/ },
  { category: 'digests', name: 'layer that is not a tar', classes: ['issue:garbage-streams'], input: () => {
    const a = docker();
    a.replace(a.layerPaths[0]!, 'this is a text file, not a layer\n'.repeat(40));
    return a.tar();
  }, code: 'LAYER_INVALID', message: /layer 1 of image 1 .*it is not a tar archive/ },
  { category: 'digests', name: 'layer that is a cut tar', classes: ['issue:truncated-streams'], input: () => {
    const a = docker();
    a.replace(a.layerPaths[0]!, tar([{ name: 'big.bin', size: 100_000, data: 'x'.repeat(600), noPadding: true }], { endBlocks: 0 }));
    return a.tar();
  }, code: 'LAYER_INVALID', message: /layer 1 of image 1 .*ends in the middle of a member/ },
  { category: 'digests', name: 'layer tar with a bad header checksum', classes: ['issue:garbage-streams'], input: () => {
    const a = docker();
    a.replace(a.layerPaths[0]!, tar([{ name: 'a.txt', data: 'a' }, { name: 'b.txt', data: 'b', badChecksum: true }]));
    return a.tar();
  }, code: 'LAYER_INVALID', message: /bad checksum/ },
  { category: 'digests', name: 'layer with a gzip header and garbage', classes: ['issue:garbage-streams'], input: () => {
    const a = docker();
    a.replace(a.layerPaths[0]!, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3]), deterministicBytes(2000, 'gz')]));
    return a.tar();
  }, code: 'DECOMPRESS_FAILED', message: /Cannot decompress archive member ".*layer\.tar" \(gzip\)/ },
  { category: 'digests', name: 'missing layer member', classes: ['issue:missing-blobs'], input: () => { const a = docker(); return a.remove(a.layerPaths[1]!).tar(); }, code: 'ARCHIVE_ENTRY_MISSING', message: /Cannot load layer 2 of image 1 of manifest\.json: ".*layer\.tar" is not in the archive/ },
  { category: 'digests', name: 'missing config member', classes: ['issue:missing-blobs'], input: () => { const a = docker(); return a.remove(a.configPath).tar(); }, code: 'ARCHIVE_ENTRY_MISSING', message: /Cannot load the config of image 1 of manifest\.json: "[0-9a-f]{64}\.json" is not in the archive/ },
  { category: 'digests', name: 'layer path names a directory', classes: ['issue:missing-blobs'], input: () => withItem((i, a) => { (i.Layers as string[])[0] = a.layerPaths[0]!.replace('/layer.tar', '/'); }), code: 'ARCHIVE_ENTRY_MISSING', message: /is not in the archive/ },
  { category: 'digests', name: 'layer path names a symlink to nothing', classes: ['issue:missing-blobs'], input: () => withItem((i, a) => {
    (i.Layers as string[])[0] = 'dangling';
    a.entries.push({ name: 'dangling', type: 'symlink', linkname: 'nowhere.tar' });
  }), code: 'ARCHIVE_ENTRY_MISSING', message: /"dangling" is not in the archive/ },
  { category: 'digests', name: 'OCI missing layer blob', classes: ['issue:missing-blobs'], input: () => { const l = oci(); l.blobs.delete(l.layerDescs[1]!.digest); return l.tar(); }, code: 'ARCHIVE_ENTRY_MISSING', message: /layer 2 of manifest .*"blobs\/sha256\/[0-9a-f]{64}" is not in the archive/ },
  { category: 'digests', name: 'OCI missing manifest blob', classes: ['issue:missing-blobs'], input: () => { const l = oci(); l.blobs.delete(l.manifestDesc.digest); return l.tar(); }, code: 'ARCHIVE_ENTRY_MISSING', message: /is not in the archive/ },
  { category: 'digests', name: 'OCI layout directory: missing config blob', classes: ['issue:missing-blobs'], input: async (dir) => {
    const l = oci();
    l.blobs.delete(l.configDesc.digest);
    return layoutDirInput(l, dir);
  }, code: 'ARCHIVE_ENTRY_MISSING', message: /config of manifest .* is not in the directory/ },

  // --- streams: cut, empty, garbage, damaged headers ------------------------------------------
  { category: 'streams', name: 'cut in the middle of a layer member', classes: ['issue:truncated-streams'], input: () => { const a = docker(); return truncateInMember(a.build(), a.layerPaths[1]!); }, code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'cut in the middle of a layer member (stdin)', classes: ['issue:truncated-streams'], via: 'stdin', input: () => { const a = docker(); return truncateInMember(a.build(), a.layerPaths[0]!); }, code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'cut in the middle of manifest.json', classes: ['issue:truncated-streams'], input: () => truncateInMember(docker().build(), 'manifest.json'), code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'cut in the middle of a header', classes: ['issue:truncated-streams'], input: () => { const b = docker().build(); return b.bytes.subarray(0, b.members.at(-1)!.headerOffset + 100); }, code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'cut right after a header', classes: ['issue:truncated-streams'], input: () => { const b = docker().build(); return b.bytes.subarray(0, b.members.at(-1)!.dataOffset); }, code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'cut inside a PAX record', classes: ['issue:truncated-streams'], input: () => tar([{ name: 'x', pax: { comment: 'y'.repeat(2000) }, data: 'x' }]).subarray(0, 1024), code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'cut after a PAX header, before its member', classes: ['issue:truncated-streams'], input: () => { const t = tar([{ name: 'x', pax: { comment: 'y' }, data: 'x' }]); return t.subarray(0, 1024); }, code: 'ARCHIVE_TRUNCATED', message: /ends in the middle of a member/ },
  { category: 'streams', name: 'gzip-wrapped archive cut in half', classes: ['issue:truncated-streams'], input: () => { const gz = gzip(docker().tar()); return gz.subarray(0, gz.length >> 1); }, code: ['DECOMPRESS_FAILED', 'ARCHIVE_TRUNCATED'], message: /Cannot (decompress .*archive|read archive)/ },
  { category: 'streams', name: 'gzip header followed by garbage', classes: ['issue:garbage-streams'], input: () => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3]), deterministicBytes(4096, 'garbage')]), code: 'DECOMPRESS_FAILED', message: /Cannot decompress the archive \(gzip\)/ },
  { category: 'streams', name: 'gzip-wrapped garbage', classes: ['issue:garbage-streams'], input: () => gzip(Buffer.concat([Buffer.from('GARBAGE'), deterministicBytes(4096, 'g')])), code: 'ARCHIVE_NOT_TAR', message: /not a tar archive/ },
  { category: 'streams', name: 'garbage input', classes: ['issue:garbage-streams'], input: () => Buffer.concat([Buffer.from('GARBAGE'), deterministicBytes(100_000, 'garbage')]), code: 'ARCHIVE_NOT_TAR', message: /the input is not a tar archive/ },
  { category: 'streams', name: 'endless zeros (-i /dev/zero)', classes: ['issue:garbage-streams'], input: () => ({ path: '/dev/zero' }), code: 'ARCHIVE_EMPTY', message: /holds no members/ },
  { category: 'streams', name: 'endless random bytes (-i /dev/urandom)', classes: ['issue:garbage-streams'], input: () => ({ path: '/dev/urandom' }), code: 'ARCHIVE_NOT_TAR', message: /not a tar archive/ },
  { category: 'streams', name: 'input shorter than one tar block', classes: ['issue:truncated-streams'], input: () => Buffer.from('hello, I am not an archive\n'), code: 'ARCHIVE_NOT_TAR', message: /not a tar archive/ },
  { category: 'streams', name: 'a tar header with a bad checksum first', classes: ['issue:garbage-streams'], input: () => tar([{ name: 'manifest.json', data: '[]', badChecksum: true }]), code: 'ARCHIVE_NOT_TAR', message: /not a tar archive/ },
  { category: 'streams', name: 'empty input (file)', classes: ['issue:truncated-streams'], input: () => Buffer.alloc(0), code: 'ARCHIVE_EMPTY', message: /the input is empty/ },
  { category: 'streams', name: 'empty input (stdin)', classes: ['issue:truncated-streams'], via: 'stdin', input: () => Buffer.alloc(0), code: 'ARCHIVE_EMPTY', message: /the input is empty/ },
  { category: 'streams', name: 'only end-of-archive blocks', classes: ['issue:truncated-streams'], input: () => Buffer.alloc(1024), code: 'ARCHIVE_EMPTY', message: /holds no members/ },
  { category: 'streams', name: 'gzip of nothing', classes: ['issue:truncated-streams'], input: () => gzip(Buffer.alloc(0)), code: 'ARCHIVE_EMPTY', message: /empty/ },
  { category: 'streams', name: 'bad header checksum mid-archive', classes: ['issue:garbage-streams'], input: () => { const a = docker(); a.entry(a.layerPaths[1]!).badChecksum = true; return a.tar(); }, code: 'TAR_INVALID', message: /Cannot read tar header at offset \d+: bad checksum/ },
  { category: 'streams', name: 'bad size field mid-archive', classes: ['issue:garbage-streams'], input: () => { const a = docker(); a.entry(a.configPath).rawHeader = [{ offset: 124, bytes: '0000000012x\0' }]; return a.tar(); }, code: 'TAR_INVALID', message: /bad size field/ },
  { category: 'streams', name: 'negative base-256 size', classes: ['issue:garbage-streams'], input: () => { const a = docker(); a.entry(a.configPath).rawHeader = [{ offset: 124, bytes: Buffer.alloc(12, 0xff) }]; return a.tar(); }, code: 'TAR_INVALID', message: /bad size field/ },
  { category: 'streams', name: 'malformed PAX record', classes: ['issue:garbage-streams'], input: () => tar([{ name: 'x', paxBody: Buffer.from('99 path=x\n'), data: 'x' }]), code: 'TAR_INVALID', message: /malformed PAX record/ },
  { category: 'streams', name: 'bad PAX size record', classes: ['issue:garbage-streams'], input: () => tar([{ name: 'x', pax: { size: '-5' }, data: 'x' }]), code: 'TAR_INVALID', message: /bad PAX size record/ },
  { category: 'streams', name: 'duplicate manifest.json', classes: ['issue:duplicate-entries'], input: () => { const a = docker(); return tar([{ name: 'manifest.json', data: '[]' }, ...a.allEntries()]); }, code: 'ARCHIVE_DUPLICATE_ENTRY', message: /member "manifest\.json" appears more than once/ },
  { category: 'streams', name: 'duplicate layer member', classes: ['issue:duplicate-entries'], input: () => { const a = docker(); a.entries.push({ name: a.layerPaths[0]!, data: layerTar({ 'evil.txt': 'evil\n' }) }); return a.tar(); }, code: 'ARCHIVE_DUPLICATE_ENTRY', message: /appears more than once/ },
  { category: 'streams', name: 'duplicate through "./" spelling', classes: ['issue:duplicate-entries'], input: () => { const a = docker(); a.entries.push({ name: `./${a.configPath}`, data: json(a.config) }); return a.tar(); }, code: 'ARCHIVE_DUPLICATE_ENTRY', message: /appears more than once/ },
  { category: 'streams', name: 'a file and a directory of the same name', classes: ['issue:duplicate-entries'], input: () => tar([{ name: 'x', data: 'x' }, { name: 'x/', type: 'dir' }]), code: 'ARCHIVE_DUPLICATE_ENTRY', message: /member "x" appears more than once/ },
  { category: 'streams', needs: 'xz', name: 'xz-wrapped archive cut in half', classes: ['issue:truncated-streams'], input: async (dir) => { const full = await compressWith('xz', docker().tar(), dir); return full.subarray(0, full.length >> 1); }, code: ['DECOMPRESS_FAILED', 'ARCHIVE_TRUNCATED'], message: /Cannot (decompress .*archive|read archive)/ },
  { category: 'streams', needs: 'zstd', name: 'zstd-wrapped archive cut in half', classes: ['issue:truncated-streams'], input: async (dir) => { const full = await compressWith('zstd', docker().tar(), dir); return full.subarray(0, full.length >> 1); }, code: ['DECOMPRESS_FAILED', 'ARCHIVE_TRUNCATED'], message: /Cannot (decompress .*archive|read archive)/ },
  { category: 'streams', needs: 'bzip2', name: 'bzip2-wrapped archive cut in half', classes: ['issue:truncated-streams'], input: async (dir) => { const full = await compressWith('bzip2', docker().tar(), dir); return full.subarray(0, full.length >> 1); }, code: ['DECOMPRESS_FAILED', 'ARCHIVE_TRUNCATED'], message: /Cannot (decompress .*archive|read archive)/ },

  { category: 'streams', needs: 'zstd', name: 'zstd header followed by garbage', classes: ['issue:garbage-streams'], input: () => Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), deterministicBytes(4096, 'zstd garbage')]), code: 'DECOMPRESS_FAILED', message: /Cannot decompress .*archive \(zstd\)/ },
  { category: 'streams', needs: 'zstd', name: 'zstd layer in an OCI archive cut in half', classes: ['issue:truncated-streams'], input: async (dir) => {
    const l = oci();
    const full = await compressWith('zstd', l.layers[0]!, dir);
    const cut = full.subarray(0, full.length >> 1);
    const cfg = l.addJson(imageConfig([digestOf(l.layers[0]!)]), OCI.config);
    const m = l.addJson({ schemaVersion: 2, mediaType: OCI.manifest, config: cfg, layers: [l.addBlob(cut, 'application/vnd.oci.image.layer.v1.tar+zstd')] }, OCI.manifest);
    l.index.manifests = [m];
    return l.tar();
  }, code: 'DECOMPRESS_FAILED', message: /Cannot decompress archive member "blobs\/sha256\/[0-9a-f]{64}" \(zstd\)/ },

  // --- decompression bombs ----------------------------------------------------------------------
  { category: 'bombs', name: 'gzip-wrapped archive expanding 1000x', classes: ['issue:decompression-bombs', 'lesson-7-bounds'], input: async (dir) => (await bombs(dir)).archiveGz, env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /the archive decompresses to more than 50x its size.*/ },
  { category: 'bombs', name: 'gzip-wrapped archive expanding 1000x (stdin)', classes: ['issue:decompression-bombs', 'lesson-7-bounds'], via: 'stdin', input: async (dir) => (await bombs(dir)).archiveGz, env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /decompresses to more than 50x its size/ },
  { category: 'bombs', name: 'gzip layer in an OCI archive expanding 1000x', classes: ['issue:decompression-bombs', 'lesson-7-bounds'], input: async (dir) => (await ociBombLayout(dir)).tar(), env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /archive member "blobs\/sha256\/[0-9a-f]{64}" decompresses to more than 50x its size/ },
  { category: 'bombs', name: 'gzip layer in an OCI layout directory expanding 1000x', classes: ['issue:decompression-bombs', 'lesson-7-bounds'], input: async (dir) => layoutDirInput(await ociBombLayout(dir), dir), env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /decompresses to more than 50x its size/ },
  { category: 'bombs', name: 'gzip layer.tar in a docker-archive expanding 1000x', classes: ['issue:decompression-bombs', 'lesson-7-bounds'], input: async (dir) => {
    const a = docker();
    a.replace(a.layerPaths[0]!, (await bombs(dir)).layerGz);
    return a.tar();
  }, env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /layer\.tar" decompresses to more than 50x/ },
  { category: 'bombs', needs: 'zstd', name: 'zstd-wrapped archive expanding 1000x', classes: ['issue:decompression-bombs', 'lesson-7-bounds'], input: async (dir) => (await bombs(dir)).archiveZstd!, env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /the archive decompresses to more than 50x its size/ },
  { category: 'bombs', name: 'gzip layer bomb inside a gzip-wrapped archive', classes: ['issue:decompression-bombs', 'lesson-7-bounds'], input: async (dir) => { const a = docker(); a.replace(a.layerPaths[0]!, (await bombs(dir)).layerGz); return gzip(a.tar()); }, env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /decompresses to more than 50x/ },

  // --- tags and limits --------------------------------------------------------------------------
  { category: 'limits', name: 'RepoTags "UPPER:case"', classes: ['issue:invalid-manifest-json'], input: () => withTags(['hostile/ok:1', 'UPPER:case']), code: 'TAG_INVALID', message: /"UPPER:case" is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags "a:b:c"', classes: ['issue:invalid-manifest-json'], input: () => withTags(['a:b:c']), code: 'TAG_INVALID', message: /"a:b:c" is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags "x@sha256:…"', classes: ['issue:invalid-manifest-json'], input: () => withTags([`x@sha256:${HEX_A}`]), code: 'TAG_INVALID', message: /"x@sha256:[0-9a-f]{64}" is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags "x:1@sha256:…"', classes: ['issue:invalid-manifest-json'], input: () => withTags([`x:1@sha256:${HEX_A}`]), code: 'TAG_INVALID', message: /is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags without a tag', classes: ['issue:invalid-manifest-json'], input: () => withTags(['hostile/notag']), code: 'TAG_INVALID', message: /"hostile\/notag" is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags empty string', classes: ['issue:invalid-manifest-json'], input: () => withTags(['']), code: 'TAG_INVALID', message: /"" is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags with a 64-hex repository', classes: ['issue:invalid-manifest-json'], input: () => withTags([`${HEX_A}:1`]), code: 'TAG_INVALID', message: /is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags with a 200-character tag', classes: ['issue:invalid-manifest-json'], input: () => withTags([`x:${'t'.repeat(200)}`]), code: 'TAG_INVALID', message: /is not a valid name:tag/ },
  { category: 'limits', name: 'RepoTags with a newline', classes: ['issue:invalid-manifest-json', 'issue:garbage-streams'], input: () => withTags(['x:1\nLoaded image: peer-vis:latest']), code: 'TAG_INVALID', message: /"x:1\\nLoaded image: peer-vis:latest" is not a valid name:tag/ },
  { category: 'limits', name: 'Config path with a newline and an escape sequence', classes: ['issue:garbage-streams'], input: () => withItem((i) => { i.Config = 'x\u001b[2J\nLoaded image: peer-vis:latest'; }), code: 'ARCHIVE_ENTRY_MISSING', message: /"x\\x1b\[2J\\nLoaded image: peer-vis:latest" is not in the archive/ },
  { category: 'limits', name: 'layer media type with a newline', classes: ['issue:garbage-streams'], input: () => ociWithManifest((m) => { (m.layers as Descriptor[])[0]!.mediaType = 'application/x\nLoaded image: peer-vis:latest'; }), code: 'LAYER_UNSUPPORTED', message: /media type application\/x\\nLoaded image/ },
  { category: 'limits', name: '11 tags with BERTH_MAX_TAGS=10', classes: ['issue:10000-tags', 'lesson-7-bounds'], input: () => withTags(Array.from({ length: 11 }, (_, i) => `hostile/many:${i}`)), env: { BERTH_MAX_TAGS: '10' }, code: 'LIMIT_TAGS', message: /number of tags in one archive limit \(10\)/ },
  { category: 'limits', name: '6+6 tags over two images with BERTH_MAX_TAGS=10', classes: ['issue:10000-tags', 'lesson-7-bounds'], input: () => withItem((item, a) => {
    item.RepoTags = Array.from({ length: 6 }, (_, i) => `hostile/a:${i}`);
    (a.manifest as unknown[]).push({ ...item, RepoTags: Array.from({ length: 6 }, (_, i) => `hostile/b:${i}`) });
  }), env: { BERTH_MAX_TAGS: '10' }, code: 'LIMIT_TAGS', message: /BERTH_MAX_TAGS|limit \(10\)/ },
  { category: 'limits', name: 'OCI index naming 3 images with BERTH_MAX_TAGS=2', classes: ['issue:10000-tags', 'lesson-7-bounds'], input: () => ociWithIndex((i, l) => {
    i.manifests = [1, 2, 3].map((n) => ({ ...l.manifestDesc, annotations: { 'io.containerd.image.name': `hostile/oci:${n}` } }));
  }), env: { BERTH_MAX_TAGS: '2' }, code: 'LIMIT_TAGS', message: /limit \(2\)/ },
  { category: 'limits', name: 'OCI image name "UPPER:case"', classes: ['issue:invalid-manifest-json'], input: () => ociWithIndex((i, l) => { i.manifests = [{ ...l.manifestDesc, annotations: { 'io.containerd.image.name': 'UPPER:case' } }]; }), code: 'TAG_INVALID', message: /"UPPER:case" is not a valid image name/ },
  { category: 'limits', name: '2 images with BERTH_MAX_IMAGES=1', classes: ['lesson-7-bounds'], input: () => withItem((item, a) => { (a.manifest as unknown[]).push({ ...item, RepoTags: ['hostile/second:1'] }); }), env: { BERTH_MAX_IMAGES: '1' }, code: 'LIMIT_IMAGES', message: /number of images in one archive limit \(1\)/ },
  { category: 'limits', name: 'manifest.json over BERTH_MAX_JSON_BYTES', classes: ['issue:enormous-manifest-json', 'lesson-7-bounds'], input: () => withTags(Array.from({ length: 200 }, (_, i) => `hostile/big:${i}`)), env: { BERTH_MAX_JSON_BYTES: '2048' }, code: 'LIMIT_JSON_BYTES', message: /manifest\.json \("manifest\.json", \d+ bytes\) exceeds the JSON document size limit \(2048\)/ },
  { category: 'limits', name: 'config over BERTH_MAX_JSON_BYTES', classes: ['lesson-7-bounds'], input: () => withConfig(json({ ...imageConfig([]), comment: 'c'.repeat(5000) })), env: { BERTH_MAX_JSON_BYTES: '4096' }, code: 'LIMIT_JSON_BYTES', message: /image config .* exceeds the JSON document size limit \(4096\)/ },
  { category: 'limits', name: 'index.json over BERTH_MAX_JSON_BYTES', classes: ['issue:enormous-index-json', 'lesson-7-bounds'], input: () => ociWithIndex((i) => { i.annotations = { pad: 'p'.repeat(5000) }; }), env: { BERTH_MAX_JSON_BYTES: '4096' }, code: 'LIMIT_JSON_BYTES', message: /index\.json .*exceeds the JSON document size limit \(4096\)/ },
  { category: 'limits', name: 'PAX header over BERTH_MAX_PAX_BYTES', classes: ['issue:huge-pax', 'lesson-7-bounds'], input: () => tar([{ name: 'x', pax: { comment: 'c'.repeat(4096) }, data: 'x' }, ...docker().allEntries()]), env: { BERTH_MAX_PAX_BYTES: '1024' }, code: 'LIMIT_PAX_BYTES', message: /exceeds the PAX header size limit \(1024\)/ },
  { category: 'limits', name: 'PAX header of 2 MiB (default limit 1 MiB)', classes: ['issue:huge-pax', 'lesson-7-bounds'], input: () => tar([{ name: 'x', pax: { comment: 'c'.repeat(2 * 1024 * 1024) }, data: 'x' }]), code: 'LIMIT_PAX_BYTES', message: /exceeds the PAX header size limit \(1048576\)/ },
  { category: 'limits', name: 'PAX header claiming 2^50 bytes', classes: ['issue:huge-pax', 'lesson-7-bounds'], input: () => tar([{ name: 'x', typeflag: 'x', data: Buffer.alloc(512, 0x20), size: 2 ** 50, sizeEncoding: 'base256', noPadding: true }], { endBlocks: 0 }), code: 'LIMIT_PAX_BYTES', message: /1125899906842624 bytes exceeds the PAX header size limit/ },
  { category: 'limits', name: 'GNU long name over BERTH_MAX_PAX_BYTES', classes: ['issue:huge-pax', 'lesson-7-bounds', 'issue:long-names'], input: () => tar([{ name: 'x', gnuLongName: `d/${'n'.repeat(3000)}`, data: 'x' }]), env: { BERTH_MAX_PAX_BYTES: '1024' }, code: 'LIMIT_PAX_BYTES', message: /PAX header size limit \(1024\)/ },
  { category: 'limits', name: '21 members with BERTH_MAX_ENTRIES=20', classes: ['lesson-7-bounds'], input: () => tar([...docker().allEntries(), ...Array.from({ length: 21 }, (_, i) => ({ name: `pad/${i}`, data: 'x' }))]), env: { BERTH_MAX_ENTRIES: '20' }, code: 'LIMIT_ENTRIES', message: /number of archive members limit \(20\)/ },
  { category: 'limits', name: 'member name of 5000 bytes', classes: ['issue:long-names', 'lesson-7-bounds'], input: () => tar([{ name: 'x', pax: { path: `${'n'.repeat(99)}/`.repeat(50) }, data: 'x' }]), code: 'LIMIT_PATH_BYTES', message: /member name length limit \(4096\)/ },
  { category: 'limits', name: 'member name 1100 components deep', classes: ['CVE-2024-28863', 'lesson-7-bounds'], input: () => tar([{ name: 'x', pax: { path: 'a/'.repeat(1100) + 'f' }, data: 'x' }]), code: 'LIMIT_PATH_DEPTH', message: /member name depth limit \(1024\)/ },

  // --- memory: sizes that are claimed, never allocated ------------------------------------------
  {
    category: 'memory',
    name: 'layer member claiming 3 GiB, stream ends after 4 KiB (under ulimit -v 2 GiB)',
    classes: ['lesson-7-bounds', 'issue:truncated-streams'],
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
    classes: ['lesson-7-bounds', 'issue:truncated-streams'],
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
    classes: ['lesson-7-bounds', 'issue:truncated-streams'],
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
    classes: ['lesson-7-bounds', 'issue:truncated-streams', 'issue:enormous-manifest-json'],
    input: () => tar([...docker().entries, shortMember('manifest.json', 3 * 1024 ** 3, 4096)], { endBlocks: 0 }),
    code: 'ARCHIVE_TRUNCATED',
    message: /ends in the middle of a member/,
    addressSpaceKb: 2 * 1024 * 1024,
  },
  {
    category: 'memory',
    name: 'a complete layer whose own tar claims a 3 GiB file',
    classes: ['lesson-7-bounds', 'issue:truncated-streams'],
    input: () => {
      const a = docker();
      a.replace(a.layerPaths[0]!, tar([{ name: 'huge.bin', size: 3 * 1024 ** 3, data: 'x'.repeat(1000), noPadding: true }], { endBlocks: 0 }));
      return a.tar();
    },
    code: 'LAYER_INVALID',
    message: /layer 1 of image 1 .*ends in the middle of a member/,
    addressSpaceKb: 2 * 1024 * 1024,
  },

  // --- the dir: layout of skopeo and podman (manifest.json, version, blobs by hex digest) -----------
  { category: 'format', name: 'dir: layout: manifest.json is a manifest list (skopeo copy --all)', classes: ['issue:invalid-manifest-json'], input: () => dirLayout((d) => {
    d.manifest = { schemaVersion: 2, mediaType: OCI.index, manifests: [d.layout.manifestDesc] };
  }).tar(), code: 'MANIFEST_LIST_UNSUPPORTED', message: /Cannot load the image manifest manifest\.json: it is a manifest list/ },
  { category: 'format', name: 'dir: layout: a manifest with config and layers typed as an index', classes: ['CVE-2021-41190', 'issue:invalid-manifest-json'], input: () => dirLayout((d) => {
    d.manifest.mediaType = OCI.index;
  }).tar(), code: 'MANIFEST_LIST_UNSUPPORTED', message: /it is a manifest list, not an image manifest/ },
  { category: 'format', name: 'dir: layout: a manifest with an unknown mediaType', classes: ['CVE-2021-41190', 'issue:invalid-manifest-json'], input: () => dirLayout((d) => {
    d.manifest.mediaType = 'application/vnd.example.evil+json';
  }).tar(), code: 'INDEX_INVALID', message: /its mediaType application\/vnd\.example\.evil\+json is not an image manifest/ },
  { category: 'format', name: 'dir: layout: a Docker schema 1 manifest', classes: ['issue:invalid-manifest-json'], input: () => dirLayout((d) => {
    d.manifest = { schemaVersion: 1, name: 'x', tag: 'latest', fsLayers: [{ blobSum: d.layout.layerDescs[0]!.digest }] };
  }).tar(), code: 'INDEX_INVALID', message: /manifest\.json: schemaVersion is not 2/ },
  { category: 'format', name: 'dir: layout: a version file of another major version', classes: ['issue:invalid-manifest-json'], input: () => dirLayout((d) => {
    d.version = 'Directory Transport Version: 2.0\n';
  }).tar(), code: 'DIR_VERSION_UNSUPPORTED', message: /its version file says "Directory Transport Version: 2\.0"/ },
  { category: 'format', name: 'dir: layout: a version file with a terminal escape', classes: ['issue:garbage-streams'], input: () => dirLayout((d) => {
    d.version = 'Directory Transport Version: 1.1\u001b[2J\n';
  }).tar(), code: 'DIR_VERSION_UNSUPPORTED', message: /says "Directory Transport Version: 1\.1\\x1b\[2J"/ },
  { category: 'paths', name: 'dir: layout: a layer digest that climbs out ("sha256:../../etc/passwd")', classes: ['CVE-2014-9358', 'issue:traversal-manifest-paths'], input: () => dirLayout((d) => {
    (d.manifest.layers as Descriptor[])[0]!.digest = 'sha256:../../../../etc/passwd';
  }).tar(), code: 'DESCRIPTOR_INVALID', message: /"sha256:\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" is not a sha256 digest/ },
  { category: 'paths', name: 'dir: layout: a config digest that is an absolute path', classes: ['CVE-2014-9358', 'issue:absolute-paths'], input: () => dirLayout((d) => {
    (d.manifest.config as Descriptor).digest = 'sha256:/etc/passwd';
  }).tar(), code: 'DESCRIPTOR_INVALID', message: /is not a sha256 digest/ },
  {
    category: 'paths',
    // The outside file holds exactly the blob's bytes: following the link would load the image.
    name: 'dir: layout directory: a layer blob symlinked to a file outside holding its bytes',
    classes: ['issue:symlink-escape-one-layer', 'CVE-2024-12905'],
    input: async (dir) => {
      const d = dirLayout();
      const layer = d.layout.layerDescs[0]!;
      await hostFile(dir, 'outside-layer', d.blobs.get(layer.digest)!);
      d.blobs.delete(layer.digest);
      d.extra.push({ name: DirLayout.blobPath(layer.digest), type: 'symlink', linkname: '../outside-layer' });
      return dirLayoutInput(d, dir);
    },
    code: 'ARCHIVE_PATH_INVALID',
    message: /resolves outside the layout directory/,
  },
  {
    category: 'paths',
    name: 'dir: layout directory: manifest.json symlinked to a host file holding a valid manifest',
    classes: ['issue:symlink-escape-one-layer', 'CVE-2024-12905'],
    input: async (dir) => {
      const d = dirLayout();
      await hostFile(dir, 'outside-manifest.json', json(d.manifest));
      d.manifestBytes = undefined;
      const layoutDir = join(dir, 'layout');
      await d.writeDir(layoutDir);
      await rm(join(layoutDir, 'manifest.json'));
      await symlink('../outside-manifest.json', join(layoutDir, 'manifest.json'));
      return { dir: layoutDir };
    },
    code: 'ARCHIVE_PATH_INVALID',
    message: /"manifest\.json": it resolves outside the layout directory/,
  },
  { category: 'digests', name: 'dir: layout: a layer blob whose bytes do not match its name', classes: ['issue:digest-mismatch'], input: () => dirLayout((d) => {
    const layer = d.layout.layerDescs[1]!;
    d.blobs.set(layer.digest, Buffer.concat([d.blobs.get(layer.digest)!.subarray(0, layer.size - 1), Buffer.from('!')]));
  }).tar(), code: 'DIGEST_MISMATCH', message: /layer 2 of the image manifest manifest\.json \("[0-9a-f]{64}"\): its digest is sha256:[0-9a-f]{64}, expected sha256:/ },
  { category: 'digests', name: 'dir: layout: a config blob whose bytes do not match its name (another image\'s config)', classes: ['issue:digest-mismatch', 'CVE-2014-9358'], input: () => dirLayout((d) => {
    d.blobs.set(d.layout.configDesc.digest, json({ ...d.layout.config, author: 'someone else' }).subarray(0, d.layout.configDesc.size));
  }).tar(), code: 'DIGEST_MISMATCH', message: /the config of the image manifest manifest\.json .*its digest is/ },
  { category: 'digests', name: 'dir: layout directory: missing config blob', classes: ['issue:missing-blobs'], input: async (dir) => dirLayoutInput(dirLayout((d) => {
    d.blobs.delete(d.layout.configDesc.digest);
  }), dir), code: 'ARCHIVE_ENTRY_MISSING', message: /the config of the image manifest manifest\.json: "[0-9a-f]{64}" is not in the directory/ },
  { category: 'digests', name: 'dir: layout: a layer that is not in the config\'s diff IDs', classes: ['issue:digest-mismatch'], input: () => dirLayout((d) => {
    const other = d.layout.addBlob(layerTar({ 'other.txt': 'not this image\n' }), OCI.layer);
    d.blobs.set(other.digest, d.layout.blobs.get(other.digest)!);
    (d.manifest.layers as Descriptor[])[1] = other;
  }).tar(), code: 'DIFF_ID_MISMATCH', message: /layer 2 of the image manifest manifest\.json .*the config says/ },
  { category: 'bombs', name: 'dir: layout directory: a gzip layer expanding 1000x', classes: ['issue:decompression-bombs', 'lesson-7-bounds'], input: async (dir) => {
    const layout = await ociBombLayout(dir);
    const d = new DirLayout(layout);
    d.manifest = JSON.parse(layout.blobs.get(layout.manifests[0]!.digest)!.toString()) as Record<string, unknown>;
    return dirLayoutInput(d, dir);
  }, env: BOMB_ENV, code: 'LIMIT_DECOMPRESSION_RATIO', message: /member "[0-9a-f]{64}" decompresses to more than 50x its size/ },
  {
    category: 'memory',
    // A sparse file costs nothing to make; reading it before checking its size would copy 3 GiB.
    name: 'dir: layout directory: a 3 GiB sparse layer blob (size checked before reading)',
    classes: ['lesson-7-bounds', 'issue:digest-mismatch'],
    input: async (dir) => {
      const d = dirLayout();
      const input = await dirLayoutInput(d, dir);
      await truncate(join(input.dir, DirLayout.blobPath(d.layout.layerDescs[0]!.digest)), 3 * 1024 ** 3);
      return input;
    },
    code: 'SIZE_MISMATCH',
    message: /it has 3221225472 bytes, its descriptor says \d+/,
  },
  {
    category: 'memory',
    name: 'dir: layout directory: a 3 GiB sparse manifest.json (JSON limit checked before reading)',
    classes: ['lesson-7-bounds', 'issue:enormous-manifest-json'],
    input: async (dir) => {
      const input = await dirLayoutInput(dirLayout(), dir);
      await truncate(join(input.dir, 'manifest.json'), 3 * 1024 ** 3);
      return input;
    },
    code: 'LIMIT_JSON_BYTES',
    message: /manifest\.json \("manifest\.json", 3221225472 bytes\) exceeds the JSON document size limit/,
  },
  {
    category: 'memory',
    name: 'dir: layout directory: a 3 GiB sparse version file (read under the JSON limit)',
    classes: ['lesson-7-bounds'],
    input: async (dir) => {
      const input = await dirLayoutInput(dirLayout(), dir);
      await truncate(join(input.dir, 'version'), 3 * 1024 ** 3);
      return input;
    },
    code: 'LIMIT_JSON_BYTES',
    message: /the dir: layout version \("version", 3221225472 bytes\) exceeds the JSON document size limit/,
  },
];
