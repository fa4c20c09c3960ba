/**
 * The store is an API, not a schema: SQL, the database handle and the statement helpers stay
 * inside src/store/. Engine code asks the store's modules (images, layers, tags, blobs,
 * publish-image) and never writes a statement of its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from '../support/env.js';

const SRC = join(REPO, 'src');

/** Every .ts file under `dir`, unit tests included: they too ask the store, not its tables. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/**
 * Files outside src/store/ that still use the database handle for the containers table (and
 * the image lookups next to it), each until its container SQL moves into the store: the
 * container lifecycle's part of the same change (the image side's functions are ready:
 * getImage, imageLayerFacts). Remove a file from here when it is clean: the test fails on a
 * listed file that no longer needs to be listed, so the list only ever shrinks.
 */
const CONTAINER_SQL_NOT_YET_MOVED = new Set([
  'cli/attached-run.ts', // getContainer(store.db)
  'cli/commands/container-cleanup.ts', // getContainer(store.db)
  'engine/containers/container-config.ts', // the image's config size (SQL)
  'engine/containers/container-exit.ts', // container records (SQL, store.db)
  'engine/containers/container-output.ts', // getContainer(store.db)
  'engine/containers/create-container.ts', // the image's config size, name check (SQL), insertContainer(store.db)
  'engine/containers/interrupted-start.ts', // getContainer, updateContainer(store.db)
  'engine/containers/list-containers.ts', // image sizes (SQL), listContainers(store.db)
  'engine/containers/remove-container.ts', // listContainers(store.db)
  'engine/containers/rename-container.ts', // rename (SQL)
  'engine/containers/resolve-container.ts', // findContainers(store.db)
  'engine/containers/start-container.ts', // the image's layers (SQL), container state (store.db)
  'engine/containers/stop-container.ts', // getContainer(store.db)
  'engine/system/check-runtime.ts', // system check's container findings: getContainer(store.db)
]);

const SQL_TEXT = /['"`]\s*(SELECT\b|INSERT\s+(OR\s+\w+\s+)?INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|PRAGMA\b|BEGIN\b|COMMIT\b|ROLLBACK\b|SAVEPOINT\b|CREATE\s+(TABLE|INDEX)\b|ALTER\s+TABLE\b)/;

/** What in `text` reaches the database directly; empty when nothing does. */
function databaseUses(text: string): string[] {
  const uses: string[] = [];
  const checks: Array<[string, RegExp]> = [
    ['SQL text', SQL_TEXT],
    ['a prepare() call', /\.prepare\s*[(<]/],
    ['exec() of SQL', /\.exec\(\s*['"`]/],
    ['the database handle (.db)', /\.db\b(?![-'"`])/],
    ['the database handle (databaseOf)', /\bdatabaseOf\b/],
    ['better-sqlite3', /from\s+['"]better-sqlite3['"]/],
    ['the store\'s metadata internals', /from\s+['"][./]*store\/metadata\/(database|statements)\.js['"]/],
  ];
  for (const [what, pattern] of checks) if (pattern.test(text)) uses.push(what);
  return uses;
}

test('the detector finds each way of reaching the database, and not the words in messages', () => {
  assert.deepEqual(databaseUses("const n = store.db.prepare('SELECT count(*) FROM images').pluck().get();"), ['SQL text', 'a prepare() call', 'the database handle (.db)']);
  assert.deepEqual(databaseUses('db.exec(`COMMIT`)'), ['SQL text', 'exec() of SQL']);
  assert.deepEqual(databaseUses("getContainer(host.store.db, id)"), ['the database handle (.db)']);
  assert.deepEqual(databaseUses("const db = databaseOf(store);"), ['the database handle (databaseOf)']);
  assert.deepEqual(databaseUses("import { inTransaction } from '../store/metadata/database.js';"), ["the store's metadata internals"]);
  assert.deepEqual(databaseUses("import Database from 'better-sqlite3';"), ['better-sqlite3']);
  assert.deepEqual(databaseUses("writes(store, 'INSERT OR IGNORE INTO tags VALUES (?)')"), ['SQL text']);
  assert.deepEqual(databaseUses("add('DB_CORRUPT', 'metadata.db', 'x'); const m = /^(\\d+)$/.exec(name); join(dir, 'metadata.db-wal');"), []);
});

test('no SQL and no database handle outside src/store/ (but for the container files listed, until they move)', () => {
  const files = tsFiles(SRC);
  assert.ok(files.length > 100, `the scan found only ${files.length} files`);
  const offenders = new Map<string, string[]>();
  let storeFilesWithSql = 0;
  for (const file of files) {
    const rel = relative(SRC, file);
    const uses = databaseUses(readFileSync(file, 'utf8'));
    if (rel.startsWith('store/')) {
      if (uses.includes('SQL text')) storeFilesWithSql++;
      continue;
    }
    if (uses.length > 0) offenders.set(rel, uses);
  }
  assert.ok(storeFilesWithSql >= 5, `the SQL is in src/store/ (${storeFilesWithSql} files): the scan sees it`);
  const unexpected = [...offenders].filter(([rel]) => !CONTAINER_SQL_NOT_YET_MOVED.has(rel)).map(([rel, uses]) => `${rel}: ${uses.join(', ')}`);
  assert.deepEqual(unexpected, [], 'ask the store\'s modules (src/store/images.ts, layers.ts, tags.ts, blobs.ts, publish-image.ts) instead');
  const clean = [...CONTAINER_SQL_NOT_YET_MOVED].filter((rel) => !offenders.has(rel));
  assert.deepEqual(clean, [], 'these files no longer reach the database: remove them from CONTAINER_SQL_NOT_YET_MOVED');
});
