/**
 * Reads a layer tar as it streams by (headers only, data skipped) to learn the facts Berth
 * keeps about a layer: whether it is a tar at all, its entry count, and its size as Docker
 * reports it (regular-file bytes plus symlink target lengths; hard links count once).
 */
import { BLOCK, isTarHeader, isZeroBlock, type TarHeader } from './tar-header.js';
import { TarParser } from './tar-parser.js';
import { isPlainEntry } from './layer-entries.js';
import { isBerthError } from '../../internal/errors.js';

export interface LayerFacts {
  /** Docker's layer size. */
  size: number;
  entries: number;
  /** Every entry is plain (see isPlainEntry): GNU tar may extract the layer as it is. */
  plain: boolean;
}

const SCAN_META_LIMIT = 1024 * 1024;

export class LayerScanner {
  #parser: TarParser;
  #head: Buffer[] = [];
  #headBytes = 0;
  #verdict: 'unknown' | 'tar' | 'not-tar' = 'unknown';
  #error: unknown;
  #size = 0;
  #emptyTar = false;
  #plain = true;

  constructor() {
    this.#parser = new TarParser({
      entry: (h) => this.#onEntry(h),
      // GNU tar applies global PAX records (path, linkpath, xattrs) to the members after them;
      // Berth and Docker ignore them. Such a layer is rewritten (which drops them), never extracted as it is.
      // A header of `comment` records only (what berth export writes) changes nothing for GNU tar.
      globalPax: (records) => {
        if (Object.keys(records).some((key) => key !== 'comment')) this.#plain = false;
      },
    }, { maxMetaBytes: SCAN_META_LIMIT });
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.#verdict === 'not-tar' || this.#error !== undefined) return;
    if (this.#verdict === 'unknown') {
      this.#head.push(chunk);
      this.#headBytes += chunk.length;
      if (this.#headBytes < BLOCK) return;
      const head = Buffer.concat(this.#head);
      this.#head = [];
      const first = head.subarray(0, BLOCK);
      if (isZeroBlock(first)) {
        this.#verdict = 'tar'; // an empty tar: end-of-archive right away
        this.#emptyTar = true;
        return;
      }
      if (!isTarHeader(first)) {
        this.#verdict = 'not-tar';
        return;
      }
      this.#verdict = 'tar';
      chunk = head;
    }
    if (this.#emptyTar || this.#parser.ended) return;
    try {
      await this.#parser.write(chunk);
    } catch (err) {
      if (!isBerthError(err)) throw err; // the parser's refusals are coded; anything else is a bug
      this.#error = err;
    }
  }

  /** The facts, or undefined if the bytes are not a (complete, valid) tar. */
  async finish(): Promise<LayerFacts | undefined> {
    if (this.#verdict === 'unknown') {
      // Shorter than one block: an empty input is an empty layer (Docker imports a 0-byte file as one).
      return this.#headBytes === 0 ? { size: 0, entries: 0, plain: true } : undefined;
    }
    if (this.#verdict === 'not-tar' || this.#error !== undefined) return undefined;
    if (this.#emptyTar) return { size: 0, entries: 0, plain: true };
    try {
      await this.#parser.end();
    } catch (err) {
      if (!isBerthError(err)) throw err;
      this.#error = err;
      return undefined;
    }
    return { size: this.#size, entries: this.#parser.entries, plain: this.#plain };
  }

  /** False once a member that is not plain (or a global header, or a parse error) has gone by. */
  get plainSoFar(): boolean {
    return this.#plain && this.#verdict !== 'not-tar' && this.#error === undefined;
  }

  /** Why the bytes were not accepted as a tar, for error messages. */
  get problem(): string {
    if (this.#error instanceof Error) return this.#error.message;
    return this.#verdict === 'not-tar' ? 'it is not a tar archive' : 'it is too short to be a tar archive';
  }

  #onEntry(header: TarHeader): undefined {
    if (this.#plain && !isPlainEntry(header)) this.#plain = false;
    if (header.type === 'file') this.#size += header.size;
    else if (header.type === 'symlink') this.#size += Buffer.byteLength(header.linkname);
    return undefined;
  }
}
