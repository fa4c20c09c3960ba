/**
 * The metadata database: SQLite in WAL mode, so readers never block and writers queue on
 * the busy timeout instead of failing. Every change happens inside `BEGIN IMMEDIATE`, which
 * takes the write lock up front (no lock upgrades, so no deadlock between processes).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { BerthError, isSystemError } from '../../internal/errors.js';

export type Database = BetterSqlite3.Database;

/**
 * Migrations: entry i takes the schema from version i to i + 1. Applied in one transaction,
 * in order, by the first writer that opens an older store.
 */
const MIGRATIONS: readonly string[] = [
  `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
-- Every file in blobs/sha256 that is part of the store. kind: config | layer
CREATE TABLE IF NOT EXISTS blobs (
  digest TEXT PRIMARY KEY, size INTEGER NOT NULL, kind TEXT NOT NULL, added_at INTEGER NOT NULL) STRICT;
-- Facts about a layer tar (blob named by its diff ID). size = Docker's layer size: file bytes plus symlink target lengths.
CREATE TABLE IF NOT EXISTS layers (
  diff_id TEXT PRIMARY KEY REFERENCES blobs(digest), size INTEGER NOT NULL, tar_size INTEGER NOT NULL, entries INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS images (
  id TEXT PRIMARY KEY REFERENCES blobs(digest),
  config_size INTEGER NOT NULL,
  created TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  size INTEGER NOT NULL,
  layer_count INTEGER NOT NULL,
  top_chain_id TEXT,
  parent TEXT,
  os TEXT NOT NULL,
  architecture TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  last_tag_time TEXT) STRICT;
CREATE TABLE IF NOT EXISTS image_layers (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  diff_id TEXT NOT NULL REFERENCES layers(diff_id),
  chain_id TEXT NOT NULL,
  PRIMARY KEY (image_id, position)) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS image_layers_chain ON image_layers(chain_id);
CREATE INDEX IF NOT EXISTS image_layers_diff ON image_layers(diff_id);
CREATE INDEX IF NOT EXISTS images_parent ON images(parent);
CREATE INDEX IF NOT EXISTS images_top_chain ON images(top_chain_id);
-- name is the fully qualified reference (docker.io/library/busybox:latest), split into repository
-- (docker.io/library/busybox) and tag so listings need no string work per row.
CREATE TABLE IF NOT EXISTS tags (
  name TEXT PRIMARY KEY, repository TEXT NOT NULL, tag TEXT NOT NULL,
  image_id TEXT NOT NULL REFERENCES images(id), tagged_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_image ON tags(image_id);
-- Manifest digests an image is known by. origin: 'archive' (a manifest it arrived with) or
-- 'berth' (the manifest berth save writes for it: uncompressed layers, deterministic).
CREATE TABLE IF NOT EXISTS image_digests (
  digest TEXT NOT NULL, image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE, origin TEXT NOT NULL,
  PRIMARY KEY (digest, image_id)) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS image_digests_image ON image_digests(image_id);
`,
  `
-- plain: every entry of the layer tar can be extracted by GNU tar as it is (no whiteout,
-- climbing name or overlay xattr to handle); NULL when not known (then it is rewritten).
ALTER TABLE layers ADD COLUMN plain INTEGER;
-- Containers. spec is the JSON of what create was asked (command, env, mounts, ...);
-- state is created | running | exited; the monitor is conmon (pid + start time from /proc).
CREATE TABLE containers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  image_id TEXT NOT NULL REFERENCES images(id),
  image_ref TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  spec TEXT NOT NULL,
  storage TEXT NOT NULL,
  state TEXT NOT NULL,
  pid INTEGER,
  monitor TEXT,
  started_at TEXT,
  finished_at TEXT,
  exit_code INTEGER) STRICT;
CREATE INDEX containers_image ON containers(image_id);
`,
  `
-- The config an archive recorded for a layer below an image's top (a legacy docker-archive's
-- <layer>/json, when it holds one; Docker >= 1.10 writes none there): what IMAGE~N rolls back
-- to. config is the JSON of the fields that describe the image at that layer.
CREATE TABLE image_layer_configs (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  config TEXT NOT NULL,
  PRIMARY KEY (image_id, position)) STRICT, WITHOUT ROWID;
`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

let nativeBinding: string | undefined;

/** The compiled SQLite addon. Naming it directly skips the `bindings` module's search of many paths. */
function nativeBindingPath(): string {
  nativeBinding ??= join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
  return nativeBinding;
}

/** How long a first open waits for another process that is switching a new store to WAL. */
const WAL_SWITCH_WAIT_MS = 60_000;

/**
 * WAL is a property of the file: set once, read afterwards (reading takes no lock). Setting it
 * needs the file to itself, and SQLite answers SQLITE_BUSY at once there instead of waiting as
 * the busy timeout says: two processes opening a new store together (two loads into one new
 * --root) would see "database is locked". So the switch is retried until the other one is done.
 */
function useWal(db: Database): void {
  const deadline = Date.now() + WAL_SWITCH_WAIT_MS;
  for (;;) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if (!isSystemError(err, 'SQLITE_BUSY') || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/**
 * `exclusive`: SQLite's exclusive locking mode, which keeps WAL's index in memory instead of a
 * shared-memory file beside the database, so a store can be opened on a disk with no space
 * left at all (and blocks other processes while open). Store.open falls back to it on a full disk.
 */
export function openDatabase(path: string, options: { readonly: boolean; exclusive?: boolean }): Database {
  let db: Database;
  try {
    db = new BetterSqlite3(path, { readonly: options.readonly, fileMustExist: options.readonly, timeout: 60_000, nativeBinding: nativeBindingPath() });
  } catch (err) {
    if (isSystemError(err, 'SQLITE_CANTOPEN')) {
      throw new BerthError('unavailable', 'STORE_UNAVAILABLE', `Cannot open the metadata database ${path}`, { cause: err, hint: 'Check --root and its permissions' });
    }
    throw err;
  }
  try {
    if (options.exclusive === true) db.pragma('locking_mode = EXCLUSIVE');
    if (!options.readonly) {
      useWal(db);
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrate(db);
    } else {
      checkVersion(db);
    }
  } catch (err) {
    db.close(); // a connection left open would hold its lock against the next try
    throw err;
  }
  return db;
}

function migrate(db: Database): void {
  const version = readVersion(db);
  if (version === SCHEMA_VERSION) return;
  if (version !== undefined && version > SCHEMA_VERSION) throw tooNew(version);
  inTransaction(db, () => {
    const current = readVersion(db) ?? 0; // again, under the write lock: another process may have migrated
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.prepare(`INSERT INTO meta(key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(String(SCHEMA_VERSION));
  });
}

function checkVersion(db: Database): void {
  const version = readVersion(db);
  if (version !== undefined && version > SCHEMA_VERSION) throw tooNew(version);
}

function readVersion(db: Database): number | undefined {
  const table = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get();
  if (table === undefined) return undefined;
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
  return row === undefined ? undefined : Number(row.value);
}

function tooNew(version: number): BerthError {
  return new BerthError('unsupported', 'STORE_VERSION_UNSUPPORTED', `Cannot use the store: its schema version ${version} is newer than this berth supports (${SCHEMA_VERSION})`, {
    hint: 'Upgrade berth, or point --root at another store',
  });
}

/**
 * Runs `fn` inside BEGIN IMMEDIATE ... COMMIT (rolled back if it throws). Inside a transaction
 * already, `fn` runs in a savepoint of it: its changes are undone if it throws, and commit with
 * the caller's. `fn` must be synchronous: better-sqlite3 is, and holding the write lock across
 * awaits would stall every other berth process.
 */
export function inTransaction<T>(db: Database, fn: () => T): T {
  if (db.inTransaction) return inSavepoint(db, fn);
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

function inSavepoint<T>(db: Database, fn: () => T): T {
  db.exec('SAVEPOINT nested');
  try {
    const result = fn();
    db.exec('RELEASE nested');
    return result;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK TO nested; RELEASE nested');
    throw err;
  }
}
