/**
 * An image layout directory (`berth load -i DIR`): members are read on demand, each ingested
 * (and so hashed and copied) exactly once. Paths are resolved on the host, so every one is
 * checked to stay inside the directory after symbolic links are followed.
 */
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { BerthError, ignoreCodes, isSystemError } from '../../internal/errors.js';
import { limitError, type Limits } from '../../internal/limits.js';
import { readFileChunks } from '../../internal/file-chunks.js';
import { normalizeArchivePath, pathError } from '../archive-path.js';
import { MemberIngest, type IngestedMember } from './member-ingest.js';
import { missingMember, type ArchiveSource, type MemberExpectation } from './archive-source.js';
import { sizeMismatch } from '../archive-image.js';

export class DirectorySource implements ArchiveSource {
  readonly description: string;
  readonly limits: Limits;
  readonly #root: string;
  readonly #ingestDir: string;
  readonly #cache = new Map<string, Promise<IngestedMember>>();
  readonly #files: IngestedMember[] = [];
  readonly #onProgress: ((bytes: number) => void) | undefined;
  #bytesRead = 0;

  private constructor(root: string, ingestDir: string, limits: Limits, onProgress: ((bytes: number) => void) | undefined) {
    this.#root = root;
    this.#ingestDir = ingestDir;
    this.limits = limits;
    this.description = `directory ${root}`;
    this.#onProgress = onProgress;
  }

  static async open(dir: string, ingestDir: string, limits: Limits, onProgress?: (bytes: number) => void): Promise<DirectorySource> {
    return new DirectorySource(await realpath(dir), ingestDir, limits, onProgress);
  }

  async has(path: string): Promise<boolean> {
    try {
      const host = await this.#hostPath(path);
      return (await stat(host)).isFile();
    } catch (err) {
      if (err instanceof BerthError) throw err;
      if (isSystemError(err, 'ELOOP')) throw pathError(path, 'too many levels of symbolic links');
      ignoreCodes(err, 'ENOENT', 'ENOTDIR', 'ENAMETOOLONG'); // no such member
      return false;
    }
  }

  file(path: string, what: string, expect: MemberExpectation = {}): Promise<IngestedMember> {
    const key = normalizeArchivePath(path, this.limits);
    let pending = this.#cache.get(key);
    if (pending === undefined) {
      pending = this.#ingest(key, what, expect);
      this.#cache.set(key, pending);
    }
    return pending;
  }

  members(): Iterable<IngestedMember> {
    return this.#files;
  }

  async durable(): Promise<void> {
    await Promise.all(this.#files.map((f) => f.stored.durable));
  }

  async #hostPath(path: string): Promise<string> {
    const key = normalizeArchivePath(path, this.limits);
    const real = await realpath(join(this.#root, key));
    if (real !== this.#root && !real.startsWith(this.#root + sep)) throw pathError(path, 'it resolves outside the layout directory');
    return real;
  }

  async #ingest(key: string, what: string, expect: MemberExpectation): Promise<IngestedMember> {
    let host: string;
    let size: number;
    try {
      host = await this.#hostPath(key);
      const st = await stat(host);
      if (!st.isFile()) throw missingMember(key, what, this.description);
      size = st.size;
    } catch (err) {
      if (isSystemError(err, 'ENOENT') || isSystemError(err, 'ENOTDIR')) throw missingMember(key, what, this.description);
      if (isSystemError(err, 'ELOOP')) throw pathError(key, `too many levels of symbolic links while loading ${what}`);
      throw err;
    }
    // Checked before reading: a sparse file costs nothing to make and would be copied whole.
    if (expect.size !== undefined && size !== expect.size) throw sizeMismatch(key, expect.size, size, what);
    if (expect.json === true && size > this.limits.jsonBytes) throw limitError('jsonBytes', this.limits.jsonBytes, `${what} ("${key}", ${size} bytes)`);
    let result: IngestedMember | undefined;
    const sink = new MemberIngest(this.#ingestDir, key, this.limits, (m) => {
      result = m;
    });
    try {
      for await (const chunk of readFileChunks(host)) {
        this.#bytesRead += chunk.length;
        this.#onProgress?.(this.#bytesRead);
        await sink.write(chunk);
      }
      await sink.end();
    } catch (err) {
      await sink.abort();
      throw err;
    }
    this.#files.push(result!);
    return result!;
  }
}
