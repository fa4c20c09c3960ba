/**
 * Writes one file (a blob being ingested) into a directory while hashing it. Writes are
 * issued with explicit offsets so a few can be in flight while the next chunk is hashed.
 * `finish()` names the file by its digest and starts an fsync whose completion `durable`
 * reports; callers wait for it before they publish the file anywhere.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { translateSystemError } from '../internal/errors.js';
import type { Digest } from './digest.js';

export interface IngestedFile {
  /** sha256 of the stored bytes. */
  digest: Digest;
  size: number;
  /** Path of the file inside the ingest directory. */
  path: string;
  /** Resolves once the bytes are on disk (fsync done, file closed). */
  durable: Promise<void>;
}

const MAX_IN_FLIGHT = 4;
let counter = 0;

export class DigestingFileWriter {
  readonly #dir: string;
  readonly #tmp: string;
  readonly #hash: Hash = createHash('sha256');
  #fh: FileHandle | undefined;
  #position = 0;
  #inFlight: Promise<unknown>[] = [];
  #failed: unknown;
  #closed = false;

  private constructor(dir: string, tmp: string, fh: FileHandle) {
    this.#dir = dir;
    this.#tmp = tmp;
    this.#fh = fh;
  }

  static async create(dir: string): Promise<DigestingFileWriter> {
    const tmp = join(dir, `tmp-${process.pid}-${++counter}`);
    try {
      return new DigestingFileWriter(dir, tmp, await open(tmp, 'wx', 0o600));
    } catch (err) {
      return translateSystemError(err, 'create a temporary blob');
    }
  }

  get size(): number {
    return this.#position;
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.#failed !== undefined) this.#throwFailed();
    this.#hash.update(chunk);
    const fh = this.#fh!;
    const position = this.#position;
    this.#position += chunk.length;
    const p = fh.write(chunk, 0, chunk.length, position).catch((err: unknown) => {
      this.#failed ??= err;
    });
    this.#inFlight.push(p);
    if (this.#inFlight.length >= MAX_IN_FLIGHT) {
      await this.#inFlight.shift();
      if (this.#failed !== undefined) this.#throwFailed();
    }
  }

  /** Completes the blob: waits for the writes, renames the file to its digest, starts the fsync. */
  async finish(): Promise<IngestedFile> {
    await Promise.all(this.#inFlight);
    this.#inFlight = [];
    if (this.#failed !== undefined) this.#throwFailed();
    const hex = this.#hash.digest('hex');
    const path = join(this.#dir, hex);
    const fh = this.#fh!;
    this.#fh = undefined;
    this.#closed = true;
    try {
      await rename(this.#tmp, path);
    } catch (err) {
      await fh.close().catch(() => undefined); // best effort: the rename's failure is the one to report
      return translateSystemError(err, 'store a blob');
    }
    const durable = fh.sync().finally(() => fh.close()).catch((err: unknown) => translateSystemError(err, 'flush a blob to disk'));
    durable.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
    return { digest: `sha256:${hex}` as Digest, size: this.#position, path, durable };
  }

  /** Drops the partial file. Safe to call at any time, more than once. */
  async abort(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#inFlight);
    // Deliberately any failure (best effort): abort runs on a failure path, whose error is the one to report,
    // and a file left is removed with its ingest directory.
    await this.#fh?.close().catch(() => undefined);
    this.#fh = undefined;
    await unlink(this.#tmp).catch(() => undefined);
  }

  #throwFailed(): never {
    return translateSystemError(this.#failed, 'write a blob');
  }
}
