/**
 * Writes a stream to a file atomically: into a temporary file beside it, fsynced, then
 * renamed over the target. A failed or interrupted write leaves no partial file behind.
 */
import { createWriteStream } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable, type Duplex } from 'node:stream';
import { BerthError, isSystemError, translateSystemError } from '../internal/errors.js';
import { interrupted, throwIfInterrupted } from './interrupt.js';

export function outputPathInvalid(path: string, why: string, cause?: unknown): BerthError {
  return new BerthError('invalid_argument', 'OUTPUT_PATH_INVALID', `Cannot write ${path}: ${why}`, {
    hint: 'Give -o the path of a file in an existing directory',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Refuses, before any work, what Docker's CLI refuses too: a file in a missing directory, or a directory. */
export async function checkOutputPath(path: string): Promise<void> {
  const dir = dirname(resolve(path));
  const dirStat = await stat(dir).catch((err: unknown) => {
    if (isSystemError(err, 'ENOENT') || isSystemError(err, 'ENOTDIR')) throw outputPathInvalid(path, `directory ${dir} does not exist`, err);
    return translateSystemError(err, `write ${path}`);
  });
  if (!dirStat.isDirectory()) throw outputPathInvalid(path, `${dir} is not a directory`);
  const target = await stat(path).catch((err: unknown) => (isSystemError(err, 'ENOENT') ? undefined : translateSystemError(err, `write ${path}`)));
  if (target?.isDirectory() === true) throw outputPathInvalid(path, 'it is a directory');
}

/**
 * Writes `source` (through `transform`, if any) to `path` atomically. With `signal`, an abort
 * (SIGINT or SIGTERM, see interrupt.ts) stops the write, removes the temporary file and throws
 * OUTPUT_INTERRUPTED; a signal that comes once the file is renamed into place changes nothing.
 */
export async function writeFileAtomic(path: string, source: AsyncIterable<Buffer>, transform: Duplex | undefined, mode: number, signal?: AbortSignal): Promise<void> {
  await checkOutputPath(path);
  throwIfInterrupted(signal, path);
  const tmp = join(dirname(path), `.${basename(path)}.berth-${randomBytes(4).toString('hex')}`);
  try {
    // Opened before the pipeline starts, so the file exists by the time a failure removes it
    // (a stream destroyed while still opening its file would create it after the unlink).
    const out = createWriteStream(tmp, { fd: await open(tmp, 'wx', mode), highWaterMark: 4 * 1024 * 1024 });
    const options = signal === undefined ? {} : { signal };
    if (transform === undefined) await pipeline(Readable.from(source, { objectMode: false }), out, options);
    else await pipeline(Readable.from(source, { objectMode: false }), transform, out, options);
    // The stream closed its descriptor; fsync through a new one (fsync is per file, not per descriptor).
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    throwIfInterrupted(signal, path);
    await rename(tmp, path);
  } catch (err) {
    // Deliberately any failure (best effort; there is no file when the open failed): the write's own failure is the one to report.
    await unlink(tmp).catch(() => undefined);
    throwIfInterrupted(signal, path);
    if (isSystemError(err, 'ENOENT') || isSystemError(err, 'ENOTDIR') || isSystemError(err, 'EISDIR')) throw outputPathInvalid(path, String((err as NodeJS.ErrnoException).code), err);
    translateSystemError(err, `write ${path}`);
  }
}

/** Streams to stdout (or another stream) with backpressure; an abort of `signal` stops it with OUTPUT_INTERRUPTED. */
export async function writeToStream(dest: NodeJS.WritableStream, source: AsyncIterable<Buffer>, transform: Duplex | undefined, signal?: AbortSignal): Promise<void> {
  const input = Readable.from(source, { objectMode: false });
  const options = signal === undefined ? { end: false } : { end: false, signal };
  try {
    if (transform === undefined) await pipeline(input, dest, options);
    else await pipeline(input, transform, dest, options);
  } catch (err) {
    if (signal?.aborted === true) throw interrupted(signal, 'the archive');
    // The reader went away (`berth save IMAGE | head`): say so in one line, not as a crash.
    if (isSystemError(err, 'EPIPE')) {
      throw new BerthError('unavailable', 'OUTPUT_CLOSED', 'Cannot write the archive: the reader of the output closed it before the end', {
        hint: 'The archive written so far is incomplete; read it to the end, or use -o FILE',
        cause: err,
      });
    }
    throw err;
  }
}
