/**
 * The store: content-addressed blobs on disk plus the metadata database. This module knows
 * the on-disk rules (ingest, verify, rename, fsync; trash and recovery) and nothing about
 * archive formats. What the rows mean is asked of the store's modules (images, layers, tags,
 * blobs; publish-image for a new image): the database handle never leaves src/store/.
 *
 * Invariant: a row in `blobs` means the file is in blobs/sha256. Files are moved in while the
 * database write lock is held, and rows that reference them are committed in the same
 * transaction, so a kill -9 at any point leaves at worst an unreferenced file (collected by
 * prune) or a file in trash (restored or removed by `recover`).
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, isSystemError, translateSystemError } from '../internal/errors.js';
import { fsyncDir, listDirectory, mkdirs } from '../internal/fs.js';
import { isIdentityAlive, ownIdentity } from '../internal/process-identity.js';
import { hexOf, type Digest } from '../digest/digest.js';
import { inTransaction, openDatabase, type Database } from './metadata/database.js';
import { storeLayout, type StoreLayout } from './layout.js';
import { blobMissing } from './content/blob-errors.js';
import { parseLayersDirName, trashedLayerName } from './layers-dir.js';
import { balanceSpaceReserve, diskIsFull } from './space-reserve.js';

export type BlobKind = 'config' | 'layer';

let ingestCounter = 0;

/** Set by Store's static block: how databaseOf reaches the private handle. */
let handleOf: (store: Store) => Database;

export interface NewBlob {
  digest: Digest;
  size: number;
  kind: BlobKind;
  /** Where the verified bytes wait in this process's ingest directory. */
  path: string;
}

export class Store {
  readonly layout: StoreLayout;
  readonly #db: Database;

  static {
    handleOf = (store) => store.#db;
  }

  private constructor(layout: StoreLayout, db: Database) {
    this.layout = layout;
    this.#db = db;
  }


  /** Opens (creating if needed) the store at `root`, and repairs what a killed process left. */
  static open(root: string): Store {
    const layout = storeLayout(root);
    try {
      if (!existsSync(layout.database)) {
        mkdirs(layout.blobs);
        mkdirs(layout.ingest);
        mkdirs(layout.trash);
      }
    } catch (err) {
      translateSystemError(err, `create the store in ${root}`);
    }
    balanceSpaceReserve(layout.base);
    let db: Database;
    try {
      db = openDatabase(layout.database, { readonly: false });
    } catch (err) {
      // Opening makes SQLite's shared-memory file; on a full disk that is an I/O error. Without
      // it (exclusive mode) the store can still be read, and a removal can free space before it writes.
      if (!diskIsFull(layout.base)) throw err;
      try {
        db = openDatabase(layout.database, { readonly: false, exclusive: true });
      } catch (again) {
        throw new BerthError('no_space', 'NO_SPACE', `Cannot open the store in ${root}: no space left on device`, {
          hint: 'Free some space on that file system (stop what is filling it), then try again', cause: again,
        });
      }
    }
    const store = new Store(layout, db);
    store.#recoverTrash();
    return store;
  }

  /** Opens the store at `root` only if it exists (undefined otherwise): for callers that must not create one. */
  static openExisting(root: string): Store | undefined {
    return existsSync(storeLayout(root).database) ? Store.open(root) : undefined;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  blobPath(digest: Digest): string {
    return join(this.layout.blobs, hexOf(digest));
  }

  /** Streams a stored blob, failing with BLOB_CORRUPT/BLOB_MISSING before its last chunk if it is damaged. */
  async *readBlob(digest: Digest, size?: number): AsyncGenerator<Buffer> {
    // Loaded on first use: it pulls in node:crypto, which metadata-only commands never need.
    const { readVerified } = await import('./content/read-blob.js');
    yield* readVerified(this.blobPath(digest), digest, size);
  }

  /** Reads a small stored blob (a config) whole, verified. */
  async readSmallBlob(digest: Digest, size?: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.readBlob(digest, size)) parts.push(chunk);
    return Buffer.concat(parts);
  }

  assertBlobFile(digest: Digest): void {
    if (!existsSync(this.blobPath(digest))) throw blobMissing(digest);
  }

  /**
   * Creates this process's private ingest directory, first removing directories whose
   * writers are gone (killed mid-load). The caller removes its own with `removeTree`.
   */
  async createIngestDir(): Promise<string> {
    return this.createIngestDirSync();
  }

  /** `createIngestDir` for callers inside a write transaction (which must stay synchronous). */
  createIngestDirSync(): string {
    this.#removeAbandonedIngests();
    // pid + start time already make the name unique among processes; the counter separates this process's own.
    const dir = join(this.layout.ingest, `${ownIdentity()}-${++ingestCounter}`);
    try {
      mkdirs(dir);
    } catch (err) {
      translateSystemError(err, 'create an ingest directory');
    }
    return dir;
  }

  /**
   * Moves verified blobs into blobs/sha256 and records them: publishImage's first step (nothing
   * else moves blobs in). Must run inside the caller's write transaction, so that the rows
   * referencing them commit together with them. A blob already recorded is kept and the new
   * copy dropped.
   */
  adoptBlobs(blobs: Iterable<NewBlob>): void {
    const known = this.#db.prepare('SELECT 1 FROM blobs WHERE digest = ?').pluck();
    const insert = this.#db.prepare('INSERT INTO blobs(digest, size, kind, added_at) VALUES (?, ?, ?, ?)');
    const now = Date.now();
    let moved = false;
    for (const blob of blobs) {
      if (known.get(blob.digest) !== undefined) continue;
      try {
        renameSync(blob.path, this.blobPath(blob.digest));
      } catch (err) {
        translateSystemError(err, `store blob ${blob.digest}`);
      }
      insert.run(blob.digest, blob.size, blob.kind, now);
      moved = true;
    }
    if (moved) fsyncDir(this.layout.blobs);
  }

  /** Recorded blobs that no image uses (neither as its config nor as a layer). */
  unreferencedBlobs(): Array<{ digest: Digest; size: number; kind: BlobKind }> {
    return this.#db.prepare<[], { digest: Digest; size: number; kind: BlobKind }>(`
      SELECT digest, size, kind FROM blobs b
      WHERE NOT EXISTS (SELECT 1 FROM images i WHERE i.id = b.digest)
        AND NOT EXISTS (SELECT 1 FROM image_layers l WHERE l.diff_id = b.digest)`).all();
  }

  /**
   * Deletes blobs that no image references any more. Runs inside the caller's write
   * transaction: files go to trash first, and are unlinked by `emptyTrash` after COMMIT.
   * Returns what was removed.
   */
  dropUnreferencedBlobs(): Array<{ digest: Digest; size: number; kind: BlobKind }> {
    const orphans = this.unreferencedBlobs();
    const delLayer = this.#db.prepare('DELETE FROM layers WHERE diff_id = ?');
    const delBlob = this.#db.prepare('DELETE FROM blobs WHERE digest = ?');
    for (const orphan of orphans) {
      try {
        renameSync(this.blobPath(orphan.digest), join(this.layout.trash, hexOf(orphan.digest)));
      } catch (err) {
        if (!isSystemError(err, 'ENOENT')) throw err;
      }
      delLayer.run(orphan.digest);
      delBlob.run(orphan.digest);
    }
    return orphans;
  }

  /**
   * Unpacked layer directories and layer indexes (`<chain hex>.erofs`) that no image uses any more: moved aside inside the caller's
   * write transaction (so no start can pick one up meanwhile); remove them after COMMIT.
   */
  dropUnusedLayerDirs(): string[] {
    const names = listDirectory(this.layout.layers);
    const used = this.#db.prepare('SELECT 1 FROM image_layers WHERE chain_id = ? LIMIT 1').pluck();
    const moved: string[] = [];
    for (const name of names) {
      const entry = parseLayersDirName(name);
      if ((entry.kind !== 'unpacked' && entry.kind !== 'index') || used.get(entry.chainId) !== undefined) continue;
      const aside = join(this.layout.layers, trashedLayerName(name));
      try {
        renameSync(join(this.layout.layers, name), aside);
        moved.push(aside);
      } catch (err) {
        if (!isSystemError(err, 'ENOENT')) throw err;
      }
    }
    return moved;
  }

  /** Unlinks what `dropUnreferencedBlobs` moved to trash. Call after COMMIT. */
  emptyTrash(digests: Iterable<Digest>): void {
    for (const digest of digests) {
      try {
        unlinkSync(join(this.layout.trash, hexOf(digest)));
      } catch (err) {
        if (!isSystemError(err, 'ENOENT')) throw err;
      }
    }
  }

  /** Files in blobs/sha256 with no row (left by a kill between rename and COMMIT). Inside a write transaction. */
  dropStrayBlobFiles(): Array<{ digest: Digest; size: number }> {
    const known = this.#db.prepare('SELECT 1 FROM blobs WHERE digest = ?').pluck();
    const removed: Array<{ digest: Digest; size: number }> = [];
    for (const name of readdirSync(this.layout.blobs)) {
      const digest = `sha256:${name}` as Digest;
      if (known.get(digest) !== undefined) continue;
      const path = join(this.layout.blobs, name);
      let size = 0;
      try {
        size = statSync(path).size;
        unlinkSync(path);
      } catch (err) {
        if (!isSystemError(err, 'ENOENT')) throw err;
      }
      removed.push({ digest, size });
    }
    return removed;
  }

  /** SQLite's own checks of the database file: its integrity check's complaints, and rows whose foreign keys point nowhere. */
  checkDatabase(): { integrity: string[]; danglingReferences: Array<{ table: string; rowid: number; parent: string }> } {
    return {
      integrity: this.#db.prepare<[], string>('PRAGMA quick_check').pluck().all().filter((row) => row !== 'ok'),
      danglingReferences: this.#db.prepare<[], { table: string; rowid: number; parent: string }>('PRAGMA foreign_key_check').all(),
    };
  }

  /**
   * Runs `fn` in one write transaction (BEGIN IMMEDIATE); inside one already, in a savepoint of
   * it, so a publish inside a load's transaction commits or rolls back with the load.
   */
  transaction<T>(fn: () => T): T {
    return inTransaction(this.#db, fn);
  }

  /** Puts back trashed blobs whose deleting transaction never committed; removes the rest. */
  #recoverTrash(): void {
    const names = listDirectory(this.layout.trash);
    if (names.length === 0) return;
    const known = this.#db.prepare('SELECT 1 FROM blobs WHERE digest = ?').pluck();
    this.transaction(() => {
      for (const name of names) {
        const trashed = join(this.layout.trash, name);
        if (!/^[a-f0-9]{64}$/.test(name)) {
          rmSync(trashed, { force: true, recursive: true });
          continue;
        }
        const target = join(this.layout.blobs, name);
        try {
          if (known.get(`sha256:${name}`) !== undefined && !existsSync(target)) renameSync(trashed, target);
          else unlinkSync(trashed);
        } catch (err) {
          if (!isSystemError(err, 'ENOENT')) throw err;
        }
      }
    });
  }

  #removeAbandonedIngests(): void {
    let names: string[];
    try {
      names = readdirSync(this.layout.ingest);
    } catch (err) {
      if (isSystemError(err, 'ENOENT')) {
        mkdirs(this.layout.ingest);
        return;
      }
      throw err;
    }
    for (const name of names) {
      if (!isIdentityAlive(name)) rmSync(join(this.layout.ingest, name), { recursive: true, force: true });
    }
  }
}

/** The store's database, for the store's own modules (test/repo/store-api.test.ts keeps it inside src/store/). */
export function databaseOf(store: Store): Database {
  return handleOf(store);
}
