/**
 * Reads an archive stream in one pass: unwraps whole-archive compression, then ingests every
 * regular member into the ingest directory as it streams by, remembering links and
 * directories. Nothing is unpacked to a temporary tree and nothing is buffered whole.
 */
import type { Duplex } from 'node:stream';
import { BerthError } from '../../internal/errors.js';
import { limitError, type Limits } from '../../internal/limits.js';
import { asDecompressError, createDecompressor, RatioGuard, sniffCompression, type Compression } from '../compression/compression.js';
import { BLOCK, isTarHeader, isZeroBlock, type TarHeader } from '../tar/tar-header.js';
import { TarParser, type TarSink } from '../tar/tar-parser.js';
import { normalizeArchivePath, parentOf, pathError } from '../archive-path.js';
import { MemberIngest, type IngestedMember } from './member-ingest.js';
import { missingMember, type ArchiveSource } from './archive-source.js';

type Member =
  | { kind: 'file'; file: IngestedMember | undefined }
  | { kind: 'symlink'; target: string }
  | { kind: 'hardlink'; target: string }
  | { kind: 'dir' }
  | { kind: 'other' };

const MAX_LINK_HOPS = 32;

export interface TarSourceOptions {
  limits: Limits;
  /** Called with the number of input (possibly compressed) bytes read so far. */
  onProgress?: (bytesRead: number) => void;
}

export class TarSource implements ArchiveSource {
  readonly description = 'archive';
  readonly limits: Limits;
  readonly #members = new Map<string, Member>();
  /** Every directory that has members under it, entry or not (so lookups need no scan). */
  readonly #parents = new Set<string>();
  readonly #files: IngestedMember[] = [];
  /** Compression of the whole archive. */
  compression: Compression = 'none';

  private constructor(limits: Limits) {
    this.limits = limits;
  }

  /** Reads the whole stream into `dir`. On failure, partial files are removed before the error is rethrown. */
  static async ingest(input: AsyncIterable<Buffer>, dir: string, options: TarSourceOptions): Promise<TarSource> {
    const source = new TarSource(options.limits);
    await source.#read(input, dir, options);
    return source;
  }

  async has(path: string): Promise<boolean> {
    return this.#resolve(path, 'a member') !== undefined;
  }

  async file(path: string, what: string): Promise<IngestedMember> {
    const resolved = this.#resolve(path, what);
    const member = resolved === undefined ? undefined : this.#members.get(resolved);
    if (member?.kind !== 'file' || member.file === undefined) throw missingMember(path, what, this.description);
    return member.file;
  }

  members(): Iterable<IngestedMember> {
    return this.#files;
  }

  async durable(): Promise<void> {
    await Promise.all(this.#files.map((f) => f.stored.durable));
  }

  async #read(input: AsyncIterable<Buffer>, dir: string, options: TarSourceOptions): Promise<void> {
    const limits = options.limits;
    let current: MemberIngest | undefined;
    const parser = new TarParser({
      entry: (header) => {
        current = undefined;
        const sink = this.#onEntry(header, dir, limits);
        if (sink instanceof MemberIngest) current = sink;
        return sink;
      },
    }, { maxMetaBytes: limits.paxBytes });

    const iterator = input[Symbol.asyncIterator]();
    let bytesRead = 0;
    const progress = options.onProgress;
    const next = async (): Promise<Buffer | undefined> => {
      const r = await iterator.next();
      if (r.done === true) return undefined;
      bytesRead += r.value.length;
      progress?.(bytesRead);
      return r.value;
    };

    // Peek enough to recognise compression and the first tar header.
    const head: Buffer[] = [];
    let headBytes = 0;
    while (headBytes < BLOCK) {
      const chunk = await next();
      if (chunk === undefined) break;
      head.push(chunk);
      headBytes += chunk.length;
    }
    const first = Buffer.concat(head);
    this.compression = sniffCompression(first);
    let guard: RatioGuard | undefined;
    let decompressor: Duplex | undefined;
    try {
      if (this.compression === 'none') {
        checkFirstBlock(first);
        if (first.length > 0) await parser.write(first);
        for (let chunk = await next(); chunk !== undefined && !parser.ended; chunk = await next()) await parser.write(chunk);
      } else {
        const what = `${this.compression}-compressed archive`;
        guard = new RatioGuard(limits, 'the archive');
        decompressor = createDecompressor(this.compression, what);
        const d = decompressor;
        const g = guard;
        const feeder = (async () => {
          try {
            for (let chunk: Buffer | undefined = first; chunk !== undefined; chunk = await next()) {
              g.input(chunk.length);
              if (!d.write(chunk)) await new Promise<void>((resolve, reject) => {
                const onDrain = (): void => { d.off('error', onErr); d.off('close', onClose); resolve(); };
                const onErr = (e: unknown): void => { d.off('drain', onDrain); d.off('close', onClose); reject(e); };
                const onClose = (): void => { d.off('drain', onDrain); d.off('error', onErr); resolve(); };
                d.once('drain', onDrain); d.once('error', onErr); d.once('close', onClose);
              });
              if (d.destroyed) return;
            }
            d.end();
          } catch (err) {
            d.destroy(err as Error);
          }
        })();
        let checked = false;
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        for await (const out of d as AsyncIterable<Buffer>) {
          g.output(out.length);
          if (!checked) {
            pending.push(out);
            pendingBytes += out.length;
            if (pendingBytes < BLOCK) continue;
            const joined = Buffer.concat(pending);
            pending = [];
            checkFirstBlock(joined);
            checked = true;
            await parser.write(joined);
          } else {
            await parser.write(out);
          }
          if (parser.ended) break;
        }
        if (!checked) {
          const joined = Buffer.concat(pending);
          checkFirstBlock(joined);
          if (joined.length > 0) await parser.write(joined);
        }
        d.destroy();
        await feeder;
      }
      await parser.end();
    } catch (err) {
      decompressor?.destroy();
      await current?.abort();
      throw asDecompressError(err, 'the archive', this.compression);
    } finally {
      // Stop reading the rest of the input (trailing bytes after the end-of-archive blocks).
      await iterator.return?.();
    }
    await this.durable();
  }

  #onEntry(header: TarHeader, dir: string, limits: Limits): TarSink | undefined {
    if (this.#members.size >= limits.entries) throw limitError('entries', limits.entries, 'the number of archive members');
    const path = normalizeArchivePath(header.name, limits);
    if (path === '') {
      if (header.type !== 'dir') throw pathError(header.name, 'the archive root must be a directory');
      return undefined;
    }
    for (let dir = parentOf(path); dir !== '' && !this.#parents.has(dir); dir = parentOf(dir)) this.#parents.add(dir);
    const existing = this.#members.get(path);
    if (existing !== undefined && !(existing.kind === 'dir' && header.type === 'dir')) {
      throw new BerthError('invalid_archive', 'ARCHIVE_DUPLICATE_ENTRY', `Cannot load archive: member "${path}" appears more than once`, {
        hint: 'The archive is damaged or was crafted; a well-formed image archive names each member once',
      });
    }
    switch (header.type) {
      case 'file':
      case 'other': {
        if (header.type === 'other') {
          this.#members.set(path, { kind: 'other' });
          return undefined;
        }
        const entry: { kind: 'file'; file: IngestedMember | undefined } = { kind: 'file', file: undefined };
        this.#members.set(path, entry);
        return new MemberIngest(dir, path, limits, (file) => {
          entry.file = file;
          this.#files.push(file);
        });
      }
      case 'symlink':
        if (header.linkname === '') throw pathError(header.name, 'it is a symbolic link with an empty target');
        this.#members.set(path, { kind: 'symlink', target: header.linkname });
        return undefined;
      case 'hardlink':
        this.#members.set(path, { kind: 'hardlink', target: normalizeArchivePath(header.linkname, limits) });
        return undefined;
      case 'dir':
        this.#members.set(path, { kind: 'dir' });
        return undefined;
      default:
        this.#members.set(path, { kind: 'other' });
        return undefined;
    }
  }

  /** Follows symbolic and hard links inside the archive, component by component. */
  #resolve(path: string, what: string): string | undefined {
    let hops = 0;
    let pending = normalizeArchivePath(path, this.limits).split('/').filter((p) => p !== '');
    let resolved = '';
    while (pending.length > 0) {
      const part = pending.shift()!;
      const candidate = resolved === '' ? part : `${resolved}/${part}`;
      const member = this.#members.get(candidate);
      if (member === undefined) {
        if (pending.length > 0 && this.#parents.has(candidate)) {
          resolved = candidate; // a directory with no entry of its own
          continue;
        }
        return pending.length === 0 && this.#members.has(candidate) ? candidate : undefined;
      }
      if (member.kind === 'symlink' || member.kind === 'hardlink') {
        if (++hops > MAX_LINK_HOPS) throw pathError(path, `too many levels of links while loading ${what}`);
        const target = member.kind === 'symlink'
          ? normalizeArchivePath(member.target, this.limits, member.target.startsWith('/') ? '' : parentOf(candidate))
          : member.target;
        pending = [...target.split('/').filter((p) => p !== ''), ...pending];
        resolved = '';
        continue;
      }
      resolved = candidate;
    }
    return resolved === '' ? undefined : resolved;
  }
}

function checkFirstBlock(first: Buffer): void {
  if (first.length === 0) {
    throw new BerthError('invalid_archive', 'ARCHIVE_EMPTY', 'Cannot load: the input is empty', {
      hint: 'Check the file name, or that the command producing the archive did not fail',
    });
  }
  const block = first.subarray(0, BLOCK);
  if (block.length < BLOCK || (!isTarHeader(block) && !isZeroBlock(block))) {
    throw new BerthError('invalid_archive', 'ARCHIVE_NOT_TAR', 'Cannot load: the input is not a tar archive (nor a gzip, bzip2, xz or zstd-compressed one)', {
      hint: 'berth load reads archives written by docker save, podman save, skopeo and berth save, and OCI image layouts',
    });
  }
}
