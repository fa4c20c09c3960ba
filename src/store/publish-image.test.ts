import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBerthError } from '../internal/errors.js';
import type { Digest } from '../digest/digest.js';
import { chainIds, sha256Of } from '../digest/sha256.js';
import { imageManifest } from '../image/image-manifest.js';
import { parseTagReference } from '../image/reference.js';
import { Store } from './store.js';
import { getImage, imageLayers, imageManifestDigests, legacyLayerConfig } from './images.js';
import { getLayer } from './layers.js';
import { imageTags, tagTarget } from './tags.js';
import { isBlobRecorded } from './blobs.js';
import { publishImage, type ImageToPublish, type LayerToPublish } from './publish-image.js';

async function openStore(t: TestContext): Promise<Store> {
  const root = await mkdtemp(join(tmpdir(), 'berth-publish-test-'));
  const store = Store.open(root);
  t.after(async () => {
    store.close();
    await rm(root, { recursive: true, force: true });
  });
  return store;
}

/** A config over `layers` (their bytes stand in for tars), its file and the layers' files in this process's ingest directory. */
function ingest(store: Store, layers: string[], extra: Record<string, unknown> = {}): { config: { bytes: Buffer; path: string }; layers: LayerToPublish[]; diffIds: Digest[] } {
  const dir = store.createIngestDirSync();
  const diffIds = layers.map((l) => sha256Of(l));
  const bytes = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', created: '2024-05-06T07:08:09Z', ...extra, rootfs: { type: 'layers', diff_ids: diffIds } }));
  writeFileSync(join(dir, 'config'), bytes);
  return {
    config: { bytes, path: join(dir, 'config') },
    diffIds,
    layers: layers.map((l, i) => {
      const path = join(dir, `layer-${i}`);
      writeFileSync(path, l);
      return { diffId: diffIds[i]!, ingested: { path, tarSize: l.length, size: l.length * 10, entries: 1, plain: true } };
    }),
  };
}

const tag = (name: string) => parseTagReference(name);

test('publishImage() moves the blobs in and records the image, its layers, manifest digest and tags', async (t) => {
  const store = await openStore(t);
  const parts = ingest(store, ['base', 'top!']);
  const published = publishImage(store, { ...parts, tags: [tag('app:1')], manifestDigests: [sha256Of('a manifest it came with')] });
  const id = sha256Of(parts.config.bytes);
  assert.equal(published.id, id, 'the image ID is the digest of the config bytes');
  assert.equal(published.created, true);
  assert.deepEqual(published.tags, [{ tag: tag('app:1'), replaced: undefined }]);
  const manifest = imageManifest({ id, configSize: parts.config.bytes.length, layers: parts.diffIds.map((diffId, i) => ({ diffId, size: ['base', 'top!'][i]!.length })) });
  assert.equal(published.manifestDigest, sha256Of(manifest), 'the digest of the manifest save writes');
  const image = getImage(store, id)!;
  const chains = chainIds(parts.diffIds);
  assert.deepEqual({ ...image, addedAt: 0, lastTagTime: image.lastTagTime === null ? null : 'set' }, {
    id, configSize: parts.config.bytes.length, created: '2024-05-06T07:08:09Z', createdMs: Date.parse('2024-05-06T07:08:09Z'), size: 80, layerCount: 2,
    topChainId: chains[1], parent: null, os: 'linux', architecture: 'arm64', addedAt: 0, lastTagTime: 'set',
  });
  assert.deepEqual(imageLayers(store, id), parts.diffIds.map((diffId, position) => ({ position, diffId, chainId: chains[position] })));
  assert.deepEqual(getLayer(store, parts.diffIds[1]!), { diffId: parts.diffIds[1], size: 40, tarSize: 4, entries: 1, plain: true });
  assert.deepEqual(imageManifestDigests(store, id, 'berth'), [published.manifestDigest]);
  assert.deepEqual(imageManifestDigests(store, id, 'archive'), [sha256Of('a manifest it came with')]);
  assert.deepEqual(imageTags(store, id), ['docker.io/library/app:1']);
  for (const digest of [id, ...parts.diffIds]) {
    assert.ok(isBlobRecorded(store, digest));
    assert.ok(existsSync(store.blobPath(digest)), `${digest} is in blobs/sha256`);
  }
  assert.equal(existsSync(parts.config.path), false, 'the ingested file was moved, not copied');
});

test('publishImage() of an image the store has keeps it, adds the tags, and reports a tag that moved from another image', async (t) => {
  const store = await openStore(t);
  const a = publishImage(store, { ...ingest(store, ['a']), tags: [tag('app:latest')] });
  const b = publishImage(store, { ...ingest(store, ['b']), tags: [tag('app:latest'), tag('app:b')] });
  assert.deepEqual(b.tags.map((x) => x.replaced), [a.id, undefined], 'app:latest moved from a, app:b is new');
  assert.equal(tagTarget(store, 'docker.io/library/app:latest'), b.id);
  const again = publishImage(store, { ...ingest(store, ['b']), tags: [tag('app:b'), tag('other:1')] });
  assert.equal(again.id, b.id);
  assert.equal(again.created, false);
  assert.deepEqual(again.tags.map((x) => x.replaced), [undefined, undefined], 'a tag on the same image did not move');
  assert.deepEqual(imageTags(store, b.id), ['docker.io/library/app:b', 'docker.io/library/app:latest', 'docker.io/library/other:1']);
});

test('publishImage() of a layer the store holds needs no file; the parent and legacy layer configs are recorded', async (t) => {
  const store = await openStore(t);
  const base = publishImage(store, ingest(store, ['base']));
  const child = ingest(store, ['base', 'more'], { created: '2025-01-01T00:00:00Z' });
  const published = publishImage(store, {
    config: child.config,
    layers: [{ diffId: child.diffIds[0]! }, child.layers[1]!],
    parent: base.id,
    layerConfigs: ['{"config":{"Cmd":["then"]}}'],
  });
  assert.equal(getImage(store, published.id)!.parent, base.id);
  assert.equal(getImage(store, published.id)!.size, 80);
  assert.equal(legacyLayerConfig(store, published.id, 0), '{"config":{"Cmd":["then"]}}');
  assert.equal(legacyLayerConfig(store, published.id, 1), undefined);
});

test('publishImage() with config bytes and no file writes the config itself, and leaves no ingest directory', async (t) => {
  const store = await openStore(t);
  const base = publishImage(store, ingest(store, ['base']));
  const bytes = Buffer.from(JSON.stringify({ os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Of('base')] }, comment: 'cut' }));
  const before = readdirSync(store.layout.ingest).length;
  const published = publishImage(store, { config: { bytes }, layers: [{ diffId: sha256Of('base') }] });
  assert.equal(published.id, sha256Of(bytes));
  assert.notEqual(published.id, base.id);
  assert.ok(isBlobRecorded(store, published.id));
  assert.equal((await store.readSmallBlob(published.id)).toString(), bytes.toString());
  assert.equal(readdirSync(store.layout.ingest).length, before, 'its own ingest directory is gone');
});

test('publishImage() of a stored config by digest, and of a digest the store does not hold', async (t) => {
  const store = await openStore(t);
  const parts = ingest(store, ['base']);
  const first = publishImage(store, parts);
  const again = publishImage(store, { config: { digest: first.id }, layers: [{ diffId: parts.diffIds[0]! }], tags: [tag('again:1')] });
  assert.deepEqual([again.id, again.created, again.manifestDigest], [first.id, false, first.manifestDigest]);
  assert.deepEqual(imageTags(store, first.id), ['docker.io/library/again:1']);
  assert.throws(() => publishImage(store, { config: { digest: sha256Of('nothing') }, layers: [] }), (e) => isBerthError(e, 'BLOB_MISSING'));
});

test('publishImage() publishes nothing when a layer is missing: no image, no blob row, no tag', async (t) => {
  const store = await openStore(t);
  const parts = ingest(store, ['here', 'gone']);
  const image: ImageToPublish = { config: parts.config, layers: [parts.layers[0]!, { diffId: parts.diffIds[1]! }], tags: [tag('half:1')] };
  assert.throws(() => publishImage(store, image), (e) => isBerthError(e, 'LAYER_NOT_FOUND'));
  const id = sha256Of(parts.config.bytes);
  assert.equal(getImage(store, id), undefined);
  assert.equal(isBlobRecorded(store, id), false);
  assert.equal(isBlobRecorded(store, parts.diffIds[0]!), false);
  assert.equal(getLayer(store, parts.diffIds[0]!), undefined);
  assert.equal(tagTarget(store, 'docker.io/library/half:1'), undefined);
});

test('publishImage() inside a caller\'s transaction commits and rolls back with it; its own failure undoes only itself', async (t) => {
  const store = await openStore(t);
  const kept = ingest(store, ['kept']);
  const dropped = ingest(store, ['dropped']);
  assert.throws(() => store.transaction(() => {
    publishImage(store, dropped);
    throw new Error('the load failed after it');
  }), /the load failed/);
  assert.equal(getImage(store, sha256Of(dropped.config.bytes)), undefined, 'rolled back with the caller');
  const failing = ingest(store, ['x']);
  store.transaction(() => {
    publishImage(store, kept);
    assert.throws(() => publishImage(store, { config: failing.config, layers: [{ diffId: failing.diffIds[0]! }], tags: [tag('failing:1')] }));
  });
  assert.ok(getImage(store, sha256Of(kept.config.bytes)), 'the caller committed what succeeded');
  assert.equal(isBlobRecorded(store, sha256Of(failing.config.bytes)), false, 'the failed publish left no row');
});

test('publishImage() refuses layers that are not the config\'s diff IDs (a caller\'s bug)', async (t) => {
  const store = await openStore(t);
  const parts = ingest(store, ['a', 'b']);
  assert.throws(() => publishImage(store, { config: parts.config, layers: [parts.layers[1]!, parts.layers[0]!] }), /not the diff IDs its config lists/);
  assert.throws(() => publishImage(store, { config: parts.config, layers: [parts.layers[0]!] }), /not the diff IDs its config lists/);
});
