import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BerthError } from '../internal/errors.js';
import { ownIdentity } from '../internal/process-identity.js';
import { hexOf, type Digest } from '../digest/digest.js';
import { CHUNK_SIZE as READ_CHUNK } from '../internal/file-chunks.js';
import { databaseOf, Store, type BlobKind } from './store.js';

async function tempRoot(t: TestContext): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'berth-store-test-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

function openStore(t: TestContext, root: string): Store {
  const store = Store.open(root);
  t.after(() => store.close());
  return store;
}

function digestOf(data: Buffer): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

/** Writes bytes into the store's ingest directory, as the load code does before publishing. */
async function ingest(store: Store, data: Buffer, kind: BlobKind = 'layer'): Promise<{ digest: Digest; size: number; kind: BlobKind; path: string }> {
  const dir = await store.createIngestDir();
  const digest = digestOf(data);
  const path = join(dir, `${hexOf(digest)}.${randomBytes(3).toString('hex')}`);
  writeFileSync(path, data);
  return { digest, size: data.length, kind, path };
}

async function readAll(store: Store, digest: Digest, size?: number): Promise<{ chunks: Buffer[]; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of store.readBlob(digest, size)) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

function blobRow(store: Store, digest: Digest): { digest: string; size: number; kind: string; added_at: number } | undefined {
  return databaseOf(store).prepare('SELECT digest, size, kind, added_at FROM blobs WHERE digest = ?').get(digest) as { digest: string; size: number; kind: string; added_at: number } | undefined;
}

function assertCode(err: unknown, code: string): void {
  assert.ok(err instanceof BerthError, `expected a BerthError ${code}, got ${String(err)}`);
  assert.equal(err.code, code);
}

/** Records an image that uses `config` and `layers`, as the load code does. */
function recordImage(store: Store, config: Digest, layers: Digest[]): void {
  const db = databaseOf(store);
  for (const layer of layers) db.prepare('INSERT OR IGNORE INTO layers(diff_id, size, tar_size, entries) VALUES (?, 0, 0, 0)').run(layer);
  db.prepare(`INSERT INTO images(id, config_size, created, created_ms, size, layer_count, top_chain_id, parent, os, architecture, added_at, last_tag_time)
    VALUES (?, 0, '', 0, 0, ?, NULL, NULL, 'linux', 'amd64', 0, NULL)`).run(config, layers.length);
  layers.forEach((layer, position) => db.prepare('INSERT INTO image_layers(image_id, position, diff_id, chain_id) VALUES (?, ?, ?, ?)').run(config, position, layer, layer));
}

// ---------------------------------------------------------------------------------------------

test('Store.open() creates the v1 layout and the metadata database', async (t) => {
  const root = await tempRoot(t);
  const store = openStore(t, root);
  for (const dir of ['v1/blobs/sha256', 'v1/ingest', 'v1/trash']) assert.ok(statSync(join(root, dir)).isDirectory(), dir);
  assert.ok(existsSync(join(root, 'v1', 'metadata.db')));
  assert.equal(store.layout.blobs, join(root, 'v1', 'blobs', 'sha256'));
  const tables = databaseOf(store).prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
  assert.deepEqual(tables, ['blobs', 'containers', 'image_digests', 'image_layer_configs', 'image_layers', 'images', 'layers', 'meta', 'tags']);
  assert.equal(databaseOf(store).prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get(), '3');
  assert.equal(databaseOf(store).pragma('journal_mode', { simple: true }), 'wal');
});

test('Store.open() opens an existing store again', async (t) => {
  const root = await tempRoot(t);
  const first = Store.open(root);
  const blob = await ingest(first, Buffer.from('kept'));
  first.transaction(() => first.adoptBlobs([blob]));
  first.close();
  const second = openStore(t, root);
  assert.equal(blobRow(second, blob.digest)?.size, 4);
  assert.equal((await second.readSmallBlob(blob.digest)).toString(), 'kept');
});

test('adoptBlobs() inside a transaction moves the files into blobs/sha256 and records them', async (t) => {
  const store = openStore(t, await tempRoot(t));
  const layer = await ingest(store, randomBytes(5000), 'layer');
  const config = await ingest(store, Buffer.from('{"rootfs":{}}'), 'config');
  const before = Date.now();
  store.transaction(() => store.adoptBlobs([layer, config]));
  for (const blob of [layer, config]) {
    assert.equal(existsSync(blob.path), false, 'the ingest file is gone');
    assert.ok(existsSync(store.blobPath(blob.digest)), 'the blob file is in place');
    const row = blobRow(store, blob.digest);
    assert.equal(row?.size, blob.size);
    assert.equal(row?.kind, blob.kind);
    assert.ok(row !== undefined && row.added_at >= before);
  }
  assert.equal(store.blobPath(layer.digest), join(store.layout.blobs, hexOf(layer.digest)));
});

test('adoptBlobs() of a digest already stored keeps the first and leaves the duplicate file for the caller', async (t) => {
  const store = openStore(t, await tempRoot(t));
  const data = randomBytes(2000);
  const first = await ingest(store, data);
  store.transaction(() => store.adoptBlobs([first]));
  const firstRow = blobRow(store, first.digest);
  const inode = statSync(store.blobPath(first.digest)).ino;

  await new Promise((r) => setTimeout(r, 5));
  const duplicate = await ingest(store, data, 'config');
  store.transaction(() => store.adoptBlobs([duplicate]));
  assert.ok(existsSync(duplicate.path), 'the duplicate stays where it was');
  assert.deepEqual(blobRow(store, first.digest), firstRow, 'the row is unchanged (kind, added_at)');
  assert.equal(statSync(store.blobPath(first.digest)).ino, inode, 'the stored file was not replaced');
  assert.equal(databaseOf(store).prepare('SELECT count(*) FROM blobs').pluck().get(), 1);
});

test('adoptBlobs() in a transaction that rolls back leaves a stray file that dropStrayBlobFiles() removes', async (t) => {
  const store = openStore(t, await tempRoot(t));
  const blob = await ingest(store, Buffer.from('stray'));
  assert.throws(() => store.transaction(() => {
    store.adoptBlobs([blob]);
    throw new Error('interrupted');
  }), /interrupted/);
  assert.equal(blobRow(store, blob.digest), undefined, 'the row was rolled back');
  assert.ok(existsSync(store.blobPath(blob.digest)), 'the file was moved already');
  const removed = store.transaction(() => store.dropStrayBlobFiles());
  assert.deepEqual(removed, [{ digest: blob.digest, size: 5 }]);
  assert.equal(existsSync(store.blobPath(blob.digest)), false);
});

test('dropUnreferencedBlobs() moves unreferenced blobs to trash and emptyTrash() removes them', async (t) => {
  const store = openStore(t, await tempRoot(t));
  const config = await ingest(store, Buffer.from('{"config":1}'), 'config');
  const usedLayer = await ingest(store, randomBytes(3000));
  const orphanLayer = await ingest(store, randomBytes(3000));
  const orphanConfig = await ingest(store, Buffer.from('{"config":2}'), 'config');
  store.transaction(() => {
    store.adoptBlobs([config, usedLayer, orphanLayer, orphanConfig]);
    recordImage(store, config.digest, [usedLayer.digest]);
    databaseOf(store).prepare('INSERT INTO layers(diff_id, size, tar_size, entries) VALUES (?, 1, 1, 1)').run(orphanLayer.digest);
  });

  const dropped = store.transaction(() => store.dropUnreferencedBlobs());
  assert.deepEqual(
    dropped.map((d) => d.digest).sort(),
    [orphanLayer.digest, orphanConfig.digest].sort(),
  );
  assert.deepEqual(dropped.find((d) => d.digest === orphanLayer.digest), { digest: orphanLayer.digest, size: 3000, kind: 'layer' });
  for (const orphan of [orphanLayer, orphanConfig]) {
    assert.equal(existsSync(store.blobPath(orphan.digest)), false);
    assert.ok(existsSync(join(store.layout.trash, hexOf(orphan.digest))), 'moved to trash');
    assert.equal(blobRow(store, orphan.digest), undefined);
  }
  assert.equal(databaseOf(store).prepare('SELECT count(*) FROM layers WHERE diff_id = ?').pluck().get(orphanLayer.digest), 0, 'its layer row is gone too');
  for (const kept of [config, usedLayer]) {
    assert.ok(existsSync(store.blobPath(kept.digest)));
    assert.ok(blobRow(store, kept.digest) !== undefined);
  }

  store.emptyTrash(dropped.map((d) => d.digest));
  assert.deepEqual(readdirSync(store.layout.trash), []);
  store.emptyTrash(dropped.map((d) => d.digest)); // a second time: nothing there, no error
});

test('dropUnreferencedBlobs() rolled back with its transaction leaves files in trash that the next open restores', async (t) => {
  const root = await tempRoot(t);
  const store = Store.open(root);
  const blob = await ingest(store, randomBytes(1000));
  store.transaction(() => store.adoptBlobs([blob]));
  assert.throws(() => store.transaction(() => {
    assert.equal(store.dropUnreferencedBlobs().length, 1);
    throw new Error('killed before commit');
  }));
  assert.ok(existsSync(join(store.layout.trash, hexOf(blob.digest))), 'the file sits in trash');
  store.close();
  const reopened = openStore(t, root);
  assert.ok(existsSync(reopened.blobPath(blob.digest)), 'restored');
  assert.deepEqual(readdirSync(reopened.layout.trash), []);
  const { chunks, error } = await readAll(reopened, blob.digest, blob.size);
  assert.equal(error, undefined);
  assert.equal(Buffer.concat(chunks).length, 1000);
});

test('Store.open() restores a trashed blob whose row is still present and deletes trash without a row', async (t) => {
  const root = await tempRoot(t);
  const store = Store.open(root);
  const kept = await ingest(store, Buffer.from('still referenced'));
  store.transaction(() => store.adoptBlobs([kept]));
  const trash = store.layout.trash;
  const blobs = store.layout.blobs;
  store.close();

  // A crash between the rename into trash and the COMMIT that deletes the row.
  renameSync(join(blobs, hexOf(kept.digest)), join(trash, hexOf(kept.digest)));
  // A blob whose delete committed, killed before the unlink.
  const gone = createHash('sha256').update('gone').digest('hex');
  writeFileSync(join(trash, gone), 'gone');
  // Something that is not a blob at all.
  mkdirSync(join(trash, 'not-a-digest'));
  writeFileSync(join(trash, 'not-a-digest', 'x'), 'x');

  const reopened = openStore(t, root);
  assert.equal(readFileSync(reopened.blobPath(kept.digest), 'utf8'), 'still referenced');
  assert.equal(existsSync(join(blobs, gone)), false, 'a blob without a row is not restored');
  assert.deepEqual(readdirSync(trash), []);
});

test('Store.open() keeps the stored copy when the trashed blob also exists in blobs/sha256', async (t) => {
  const root = await tempRoot(t);
  const store = Store.open(root);
  const blob = await ingest(store, Buffer.from('original'));
  store.transaction(() => store.adoptBlobs([blob]));
  writeFileSync(join(store.layout.trash, hexOf(blob.digest)), 'leftover');
  store.close();
  const reopened = openStore(t, root);
  assert.equal(readFileSync(reopened.blobPath(blob.digest), 'utf8'), 'original');
  assert.deepEqual(readdirSync(reopened.layout.trash), []);
});

test('createIngestDir() removes directories of dead processes but keeps its own', async (t) => {
  const store = openStore(t, await tempRoot(t));
  const dead = join(store.layout.ingest, '999999-1-dead');
  mkdirSync(dead);
  writeFileSync(join(dead, 'partial-layer'), randomBytes(100));
  const garbage = join(store.layout.ingest, 'not-an-identity');
  mkdirSync(garbage);

  const own = await store.createIngestDir();
  assert.equal(existsSync(dead), false, 'the dead process directory is removed');
  assert.equal(existsSync(garbage), false, 'a directory with no owner is removed');
  assert.ok(statSync(own).isDirectory());
  assert.ok(basename(own).startsWith(`${ownIdentity()}-`), `named after this process: ${basename(own)}`);
  assert.equal(statSync(own).mode & 0o777, 0o700);
  writeFileSync(join(own, 'in-progress'), 'x');

  const second = await store.createIngestDir();
  assert.notEqual(second, own);
  assert.ok(existsSync(join(own, 'in-progress')), 'a live process keeps its directory');
});

test('createIngestDir() recreates a missing ingest directory', async (t) => {
  const store = openStore(t, await tempRoot(t));
  await rm(store.layout.ingest, { recursive: true });
  const dir = await store.createIngestDir();
  assert.ok(statSync(dir).isDirectory());
});

test('readBlob() streams a stored blob over several chunks', async (t) => {
  const store = openStore(t, await tempRoot(t));
  const data = randomBytes(READ_CHUNK * 2 + 12345);
  const blob = await ingest(store, data);
  store.transaction(() => store.adoptBlobs([blob]));
  const { chunks, error } = await readAll(store, blob.digest, blob.size);
  assert.equal(error, undefined);
  assert.ok(chunks.length >= 3, `several chunks (${chunks.length})`);
  assert.deepEqual(Buffer.concat(chunks), data);
});

test('readBlob() of a modified blob fails with BLOB_CORRUPT and never yields the last chunk', async (t) => {
  const store = openStore(t, await tempRoot(t));
  const data = randomBytes(READ_CHUNK * 2 + 12345);
  const blob = await ingest(store, data);
  store.transaction(() => store.adoptBlobs([blob]));
  const path = store.blobPath(blob.digest);
  const damaged = Buffer.from(data);
  damaged[10] = damaged[10]! ^ 0xff; // same size, different content
  writeFileSync(path, damaged);

  const { chunks, error } = await readAll(store, blob.digest, blob.size);
  assertCode(error, 'BLOB_CORRUPT');
  assert.equal((error as BerthError).kind, 'corrupt');
  const received = Buffer.concat(chunks).length;
  assert.ok(received > 0, 'the chunks before the last were streamed');
  assert.ok(received <= data.length - 12345, `the last chunk was held back (${received} of ${data.length} bytes)`);

  const noSize = await readAll(store, blob.digest);
  assertCode(noSize.error, 'BLOB_CORRUPT');
  await assert.rejects(store.readSmallBlob(blob.digest), (err: unknown) => err instanceof BerthError && err.code === 'BLOB_CORRUPT');
});

test('readBlob() of a blob with the wrong size fails with BLOB_CORRUPT', async (t) => {
  const store = openStore(t, await tempRoot(t));
  const blob = await ingest(store, Buffer.from('twelve bytes'));
  store.transaction(() => store.adoptBlobs([blob]));
  assertCode((await readAll(store, blob.digest, 13)).error, 'BLOB_CORRUPT');
  const truncated = await ingest(store, randomBytes(READ_CHUNK + 10));
  store.transaction(() => store.adoptBlobs([truncated]));
  writeFileSync(store.blobPath(truncated.digest), readFileSync(store.blobPath(truncated.digest)).subarray(0, READ_CHUNK + 5));
  const r = await readAll(store, truncated.digest, truncated.size);
  assertCode(r.error, 'BLOB_CORRUPT');
  assert.ok(Buffer.concat(r.chunks).length <= READ_CHUNK);
});

test('readBlob() of a missing file fails with BLOB_MISSING', async (t) => {
  const store = openStore(t, await tempRoot(t));
  const blob = await ingest(store, Buffer.from('soon gone'));
  store.transaction(() => store.adoptBlobs([blob]));
  unlinkSync(store.blobPath(blob.digest));
  const { chunks, error } = await readAll(store, blob.digest, blob.size);
  assertCode(error, 'BLOB_MISSING');
  assert.equal(chunks.length, 0);
  assert.throws(() => store.assertBlobFile(blob.digest), (err: unknown) => err instanceof BerthError && err.code === 'BLOB_MISSING');
  const never = digestOf(Buffer.from('never stored'));
  assertCode((await readAll(store, never)).error, 'BLOB_MISSING');
});

test('Store.open() migrates a version 1 store to the current schema, keeping its rows', async (t) => {
  const root = await tempRoot(t);
  const first = Store.open(root);
  const blob = await ingest(first, Buffer.from('a layer'));
  first.transaction(() => first.adoptBlobs([blob]));
  first.db.prepare('INSERT INTO layers(diff_id, size, tar_size, entries) VALUES (?, 1, 1, 1)').run(blob.digest);
  // Turn it back into a version 1 store: what the first release wrote.
  first.db.exec(`DROP TABLE image_layer_configs; DROP TABLE containers; ALTER TABLE layers DROP COLUMN plain; UPDATE meta SET value = '1' WHERE key = 'schema_version'`);
  first.close();
  const second = openStore(t, root);
  assert.equal(second.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get(), '3');
  assert.equal(second.db.prepare('SELECT plain FROM layers WHERE diff_id = ?').pluck().get(blob.digest), null, 'the old layer is kept, its plainness unknown');
  assert.equal(second.db.prepare('SELECT count(*) FROM containers').pluck().get(), 0);
  assert.equal(second.db.prepare('SELECT count(*) FROM image_layer_configs').pluck().get(), 0);
});

test('Store.open() migrates a version 2 store (no recorded layer configs) to version 3', async (t) => {
  const root = await tempRoot(t);
  const first = Store.open(root);
  first.db.exec(`DROP TABLE image_layer_configs; UPDATE meta SET value = '2' WHERE key = 'schema_version'`);
  first.close();
  const second = openStore(t, root);
  assert.equal(second.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get(), '3');
  const columns = second.db.prepare(`SELECT name FROM pragma_table_info('image_layer_configs') ORDER BY cid`).pluck().all();
  assert.deepEqual(columns, ['image_id', 'position', 'config']);
});
