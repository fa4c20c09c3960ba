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

export async function writeFileAtomic(path: string, source: AsyncIterable<Buffer>, transform: Duplex | undefined, mode: number): Promise<void> {
  await checkOutputPath(path);
  const tmp = join(dirname(path), `.${basename(path)}.berth-${randomBytes(4).toString('hex')}`);
  try {
    const out = createWriteStream(tmp, { flags: 'wx', mode, highWaterMark: 4 * 1024 * 1024 });
    if (transform === undefined) await pipeline(Readable.from(source, { objectMode: false }), out);
    else await pipeline(Readable.from(source, { objectMode: false }), transform, out);
    // The stream closed its descriptor; fsync through a new one (fsync is per file, not per descriptor).
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if (isSystemError(err, 'ENOENT') || isSystemError(err, 'ENOTDIR') || isSystemError(err, 'EISDIR')) throw outputPathInvalid(path, String((err as NodeJS.ErrnoException).code), err);
    translateSystemError(err, `write ${path}`);
  }
}

/** Streams to stdout (or another stream) with backpressure. */
export async function writeToStream(dest: NodeJS.WritableStream, source: AsyncIterable<Buffer>, transform: Duplex | undefined): Promise<void> {
  const input = Readable.from(source, { objectMode: false });
  try {
    if (transform === undefined) await pipeline(input, dest, { end: false });
    else await pipeline(input, transform, dest, { end: false });
  } catch (err) {
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
