import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Digest } from '../digest/digest.js';
import { chainIds, sha256Of } from '../digest/sha256.js';
import { parseTagReference } from '../image/reference.js';
import { Store } from './store.js';
import {
  chainIdsWithPrefix, deleteImageRecord, getImage, hasChildImages, imageIdsWithPrefix, imageLayerFacts, imageListRows, imagesWithChain,
  imageUsage, imageWithRepoDigest, isChainUsed, listImageRecords, oldestImageOfStack, oldestImageWithTop, prunableImages,
} from './images.js';
import { deleteImageTags, imageTags, repositoryTags, tagListRows } from './tags.js';
import { publishImage } from './publish-image.js';

async function openStore(t: TestContext): Promise<Store> {
  const root = await mkdtemp(join(tmpdir(), 'berth-images-test-'));
  const store = Store.open(root);
  t.after(async () => {
    store.close();
    await rm(root, { recursive: true, force: true });
  });
  return store;
}

/** Publishes an image over `layers` (their bytes stand in for tars), created at `created`. */
function add(store: Store, layers: string[], options: { created: string; parent?: Digest; tags?: string[]; digests?: Digest[] }): Digest {
  const dir = store.createIngestDirSync();
  const diffIds = layers.map((l) => sha256Of(l));
  const bytes = Buffer.from(JSON.stringify({ created: options.created, rootfs: { type: 'layers', diff_ids: diffIds } }));
  writeFileSync(join(dir, 'config'), bytes);
  return publishImage(store, {
    config: { bytes, path: join(dir, 'config') },
    layers: layers.map((l, i) => {
      const path = join(dir, `layer-${i}`);
      writeFileSync(path, l);
      return { diffId: diffIds[i]!, ingested: { path, tarSize: l.length, size: 100 * (i + 1), entries: 1, plain: i === 0 } };
    }),
    parent: options.parent,
    tags: (options.tags ?? []).map((t) => parseTagReference(t)),
    manifestDigests: options.digests,
  }).id;
}

test('images found by ID prefix, manifest digest, top layer and stack, oldest first', async (t) => {
  const store = await openStore(t);
  const base = add(store, ['a'], { created: '2020-01-01T00:00:00Z', digests: [sha256Of('manifest of base')], tags: ['base:1'] });
  const older = add(store, ['a', 'b'], { created: '2021-01-01T00:00:00Z', parent: base });
  const newer = add(store, ['a', 'b', 'c'], { created: '2022-01-01T00:00:00Z', parent: older });
  const chains = chainIds([sha256Of('a'), sha256Of('b'), sha256Of('c')]);
  assert.deepEqual(imageIdsWithPrefix(store, base.slice(7, 19), 2), [base]);
  assert.deepEqual(imageIdsWithPrefix(store, '', 2).length, 2, 'at most the limit');
  assert.equal(imageWithRepoDigest(store, 'docker.io/library/base', sha256Of('manifest of base')), base, 'a RepoDigest');
  assert.equal(imageWithRepoDigest(store, 'docker.io/library/other', sha256Of('manifest of base')), undefined, 'only under a repository it is tagged in');
  assert.equal(imageWithRepoDigest(store, 'docker.io/library/base', base), undefined, 'not its ID');
  assert.equal(oldestImageWithTop(store, chains[1]!), older);
  assert.equal(oldestImageOfStack(store, { topChainId: chains[1]!, layerCount: 2, except: newer }), older);
  assert.equal(oldestImageOfStack(store, { topChainId: chains[1]!, layerCount: 2, except: older }), undefined);
  assert.deepEqual(chainIdsWithPrefix(store, chains[2]!.slice(7, 20), 2), [chains[2]]);
  assert.ok(isChainUsed(store, chains[0]!));
  assert.deepEqual(imagesWithChain(store, chains[0]!), [
    { id: base, layerCount: 1, position: 0 }, { id: older, layerCount: 2, position: 0 }, { id: newer, layerCount: 3, position: 0 },
  ]);
  assert.ok(hasChildImages(store, base));
  assert.ok(!hasChildImages(store, newer));
  assert.deepEqual(imageLayerFacts(store, newer).map((l) => [l.position, l.chainId, l.size, l.tarSize, l.plain]), [
    [0, chains[0], 100, 1, true], [1, chains[1], 200, 1, false], [2, chains[2], 300, 1, false],
  ]);
  assert.deepEqual(listImageRecords(store).map((i) => i.id), [base, older, newer].sort());
});

test('the listing rows of `images`: newest first, the digest it arrived with (never the one save writes), children flagged', async (t) => {
  const store = await openStore(t);
  const base = add(store, ['a'], { created: '2020-01-01T00:00:00Z', digests: [sha256Of('manifest of base')], tags: ['base:1', 'base:2'] });
  const child = add(store, ['a', 'b'], { created: '2021-01-01T00:00:00Z', parent: base });
  const rows = imageListRows(store);
  assert.deepEqual(rows.map(([, id, createdMs, size, parent, , hasChildren]) => [id, createdMs, size, parent, hasChildren]), [
    [child, Date.parse('2021-01-01T00:00:00Z'), 300, base, 0], [base, Date.parse('2020-01-01T00:00:00Z'), 100, null, 1],
  ]);
  assert.equal(rows[1]![5], sha256Of('manifest of base'));
  assert.equal(rows[0]![5], null, 'no manifest it arrived with');
  const baseRowid = rows[1]![0];
  assert.deepEqual(tagListRows(store), [['docker.io/library/base', '1', baseRowid], ['docker.io/library/base', '2', baseRowid]]);
});

test('prune candidates, deletion, and the usage counts', async (t) => {
  const store = await openStore(t);
  const base = add(store, ['a'], { created: '2020-01-01T00:00:00Z', tags: ['base:1'] });
  const child = add(store, ['a', 'b'], { created: '2021-01-01T00:00:00Z', parent: base });
  assert.deepEqual(prunableImages(store, { all: false }), [child], 'untagged and childless');
  assert.deepEqual(prunableImages(store, { all: true }), [child], 'the base has a child');
  assert.deepEqual(imageUsage(store), { images: 2, activeImages: 0, layerBytes: 300, neededBytes: 0 });
  store.transaction(() => deleteImageRecord(store, child));
  assert.equal(getImage(store, child), undefined);
  assert.deepEqual(imagesWithChain(store, chainIds([sha256Of('a'), sha256Of('b')])[1]!), [], 'its layers went with it');
  assert.deepEqual(prunableImages(store, { all: true }), [base]);
  assert.deepEqual(prunableImages(store, { all: false }), [], 'still tagged');
  assert.deepEqual(store.transaction(() => deleteImageTags(store, base)), ['docker.io/library/base:1']);
  assert.deepEqual(imageTags(store, base), []);
});

test('repositoryTags() lists one repository, not those that share its name as a prefix', async (t) => {
  const store = await openStore(t);
  const a = add(store, ['a'], { created: '', tags: ['app:1', 'app:2', 'app-extra:1', 'apps:1', 'team/app:1'] });
  assert.deepEqual(repositoryTags(store, 'docker.io/library/app'), [
    { name: 'docker.io/library/app:1', imageId: a }, { name: 'docker.io/library/app:2', imageId: a },
  ]);
  assert.deepEqual(repositoryTags(store, 'docker.io/library/ap'), []);
});
