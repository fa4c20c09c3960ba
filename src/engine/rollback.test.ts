import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBerthError } from '../internal/errors.js';
import type { Digest } from '../digest/digest.js';
import { chainIds, sha256Of } from '../digest/sha256.js';
import { Store } from '../store/store.js';
import { getImage, legacyLayerConfigs, listImageRecords } from '../store/images.js';
import { listBlobs } from '../store/blobs.js';
import { publishImage } from '../store/publish-image.js';
import { resolveLayerId, rollBack } from './rollback.js';

async function openStore(t: TestContext): Promise<Store> {
  const root = await mkdtemp(join(tmpdir(), 'berth-rollback-test-'));
  const store = Store.open(root);
  t.after(async () => {
    store.close();
    await rm(root, { recursive: true, force: true });
  });
  return store;
}

/** Publishes an image with `config` over `layers` (their bytes stand in for tars), as load would. */
function addImage(store: Store, layers: string[], config: Record<string, unknown>, parent: Digest | null = null, legacy: Record<number, unknown> = {}): { id: Digest; diffIds: Digest[] } {
  const diffIds = layers.map((l) => sha256Of(l));
  const bytes = Buffer.from(JSON.stringify({ ...config, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const dir = store.createIngestDirSync();
  writeFileSync(join(dir, 'config'), bytes);
  const layerConfigs: Array<string | undefined> = [];
  for (const [position, c] of Object.entries(legacy)) layerConfigs[Number(position)] = JSON.stringify(c);
  const { id } = publishImage(store, {
    config: { bytes, path: join(dir, 'config') },
    layers: layers.map((l, i) => {
      const path = join(dir, `layer${i}`);
      writeFileSync(path, l);
      return { diffId: diffIds[i]!, ingested: { path, tarSize: l.length, size: l.length, entries: 1, plain: true } };
    }),
    parent: parent ?? undefined,
    layerConfigs,
  });
  return { id, diffIds };
}

const history = (n: number): unknown[] => Array.from({ length: n }, (_, i) => ({ created: `2024-01-0${i + 1}T00:00:00Z`, created_by: `step ${i + 1}` }));

function configOf(store: Store, id: Digest): Record<string, unknown> {
  assert.ok(getImage(store, id) !== undefined, `image ${id} is stored`);
  return JSON.parse(readFileSync(store.blobPath(id), 'utf8')) as Record<string, unknown>;
}

function imageCount(store: Store): number {
  return listImageRecords(store).length;
}

test('without a parent or a recorded config: the current config cut, a note, and a stored image', async (t) => {
  const store = await openStore(t);
  const x = addImage(store, ['a', 'b', 'c'], { config: { Cmd: ['now'] }, created: '2024-01-03T00:00:00Z', history: history(3) });
  const notes: string[] = [];
  const id = rollBack(store, x.id, 'x', 1, { create: true, onNote: (n) => notes.push(n) });
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /^x~1 is [0-9a-f]{12}: no config is recorded/);
  const config = configOf(store, id);
  assert.deepEqual((config.rootfs as { diff_ids: string[] }).diff_ids, x.diffIds.slice(0, 2));
  assert.deepEqual(config.config, { Cmd: ['now'] });
  assert.equal(config.created, '2024-01-02T00:00:00Z');
  const image = getImage(store, id)!;
  assert.deepEqual([image.layerCount, image.topChainId, image.parent, image.size], [2, chainIds(x.diffIds)[1], null, 2]);
  assert.equal(rollBack(store, x.id, 'x', 1, { create: true }), id, 'the same again');
  assert.equal(imageCount(store), 2);
  assert.equal(rollBack(store, x.id, 'x', 0, { create: true }), x.id);
});

test('a recorded legacy config is used (no note) and carried to the new image for further rollbacks', async (t) => {
  const store = await openStore(t);
  const legacy1 = { config: { Cmd: ['then'] }, created: '2023-01-01T00:00:00Z' };
  const legacy0 = { config: { Cmd: ['first'] } };
  const x = addImage(store, ['a', 'b', 'c'], { config: { Cmd: ['now'] }, history: history(3), docker_version: '20.10' }, null, { 0: legacy0, 1: legacy1 });
  const notes: string[] = [];
  const id = rollBack(store, x.id, 'x', 1, { create: true, onNote: (n) => notes.push(n) });
  assert.deepEqual(notes, []);
  const config = configOf(store, id);
  assert.deepEqual(config.config, { Cmd: ['then'] });
  assert.equal(config.created, '2023-01-01T00:00:00Z');
  assert.equal(config.docker_version, undefined);
  assert.deepEqual(Object.keys(legacyLayerConfigs(store, id, Number.MAX_SAFE_INTEGER)), ['0'], 'the config of layer 0, carried');
  assert.equal(rollBack(store, id, 'y', 1, { create: true }), rollBack(store, x.id, 'x', 2, { create: true }), 'x~1~1 = x~2 through the carried config');
});

test('an ancestor in the parent chain: itself when it is that stack, else the config to cut from', async (t) => {
  const store = await openStore(t);
  const p = addImage(store, ['a', 'b'], { config: { Cmd: ['parent'] }, history: history(2) });
  const x = addImage(store, ['a', 'b', 'c'], { config: { Cmd: ['child'] }, history: history(3) }, p.id);
  const count = imageCount(store);
  const notes: string[] = [];
  assert.equal(rollBack(store, x.id, 'x', 1, { create: false, onNote: (n) => notes.push(n) }), p.id);
  assert.deepEqual(notes, []);
  assert.equal(imageCount(store), count);
  const base = rollBack(store, x.id, 'x', 2, { create: true });
  assert.deepEqual(configOf(store, base).config, { Cmd: ['parent'] }, 'cut from the parent, the nearest known config');
  assert.equal(base, rollBack(store, p.id, 'p', 1, { create: true }));
  // A parent whose layers are not a prefix is not followed.
  const stranger = addImage(store, ['z', 'b'], { config: { Cmd: ['stranger'] }, history: history(2) });
  const y = addImage(store, ['a', 'b', 'd'], { config: { Cmd: ['y'] }, history: history(3) }, stranger.id);
  assert.deepEqual(configOf(store, rollBack(store, y.id, 'y', 1, { create: true })).config, { Cmd: ['y'] });
});

test('out of range, and create: false when the image was never stored', async (t) => {
  const store = await openStore(t);
  const x = addImage(store, ['a', 'b'], { history: history(2) });
  assert.throws(() => rollBack(store, x.id, 'x', 2, { create: true }), (e) => isBerthError(e, 'ROLLBACK_OUT_OF_RANGE'));
  assert.throws(() => rollBack(store, x.id, 'x', 1, { create: false }), (e) => isBerthError(e, 'IMAGE_NOT_FOUND'));
  assert.equal(imageCount(store), 1);
  assert.equal(listBlobs(store).filter((b) => b.kind === 'config').length, 1);
});

test('layer IDs: the image whose top it is, else the one with the fewest layers above it', async (t) => {
  const store = await openStore(t);
  const long = addImage(store, ['a', 'b', 'c', 'd'], { config: { Cmd: ['long'] }, history: history(4) });
  const short = addImage(store, ['a', 'b', 'e'], { config: { Cmd: ['short'] }, history: history(3) });
  const chains = chainIds(long.diffIds);
  assert.equal(resolveLayerId(store, chains[3]!.slice(7, 19), 'x', { create: true }), long.id);
  const notes: string[] = [];
  const mid = resolveLayerId(store, chains[1]!.slice(7, 19), 'x', { create: true, onNote: (n) => notes.push(n) })!;
  assert.deepEqual(configOf(store, mid).config, { Cmd: ['short'] });
  assert.ok(notes.some((n) => /is in 2 images; rolling back/.test(n)));
  assert.equal(mid, rollBack(store, short.id, 's', 1, { create: true }));
  assert.equal(resolveLayerId(store, chains[1]!.slice(7), 'x', { create: true }), mid, 'now the image whose top it is');
  assert.equal(resolveLayerId(store, 'ffffffff', 'x', { create: true }), undefined);
  assert.throws(() => resolveLayerId(store, '', 'x', { create: true }), (e) => isBerthError(e, 'REFERENCE_AMBIGUOUS'));
});
