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
  assert.deepEqual(databaseUses("getContainer(host.store, id)"), []);
  assert.deepEqual(databaseUses("const db = databaseOf(store);"), ['the database handle (databaseOf)']);
  assert.deepEqual(databaseUses("import { inTransaction } from '../store/metadata/database.js';"), ["the store's metadata internals"]);
  assert.deepEqual(databaseUses("import Database from 'better-sqlite3';"), ['better-sqlite3']);
  assert.deepEqual(databaseUses("writes(store, 'INSERT OR IGNORE INTO tags VALUES (?)')"), ['SQL text']);
  assert.deepEqual(databaseUses("add('DB_CORRUPT', 'metadata.db', 'x'); const m = /^(\\d+)$/.exec(name); join(dir, 'metadata.db-wal');"), []);
});

test('no SQL and no database handle outside src/store/', () => {
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
  const found = [...offenders].map(([rel, uses]) => `${rel}: ${uses.join(', ')}`);
  assert.deepEqual(found, [], 'ask the store\'s modules (src/store/images.ts, layers.ts, tags.ts, blobs.ts, containers.ts, publish-image.ts) instead');
});

test('the CLI opens and closes the store in one place: commands ask ctx.store(), main closes it', () => {
  const commands = tsFiles(join(SRC, 'cli')).filter((f) => !f.endsWith('.test.ts'));
  assert.ok(commands.length > 30, `the scan found only ${commands.length} files`);
  const opening = commands.filter((f) => /\bStore\.open(Existing)?\(|\bstore\.close\(\)/.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f));
  assert.deepEqual(opening, ['cli/main.ts']);
});
