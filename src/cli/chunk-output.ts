/**
 * Writes a stream whose chunks live in a reused buffer (each valid only until the next one is
 * asked for, as `export` produces them): every chunk is written out completely before the
 * next is pulled. To a file the way output-file.ts does it (a temporary file beside the
 * target, fsynced, renamed into place; removed on failure), or to stdout.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BerthError, isSystemError, translateSystemError } from '../internal/errors.js';
import { checkOutputPath, outputPathInvalid } from './output-file.js';
import { interrupted } from './interrupt.js';

export async function writeChunksToFile(path: string, source: AsyncIterable<Buffer>, mode: number, signal?: AbortSignal): Promise<void> {
  await checkOutputPath(path);
  const tmp = join(dirname(path), `.${basename(path)}.berth-${randomBytes(4).toString('hex')}`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      for await (const chunk of source) {
        if (signal?.aborted === true) throw interrupted(signal, path);
        let off = 0;
        while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (signal?.aborted === true) throw interrupted(signal, path);
    await rename(tmp, path);
  } catch (err) {
    // Deliberately any failure (best effort; there is no file when the open failed): the write's own failure is the one to report.
    await unlink(tmp).catch(() => undefined);
    if (err instanceof BerthError) throw err;
    if (isSystemError(err, 'ENOENT') || isSystemError(err, 'ENOTDIR') || isSystemError(err, 'EISDIR')) throw outputPathInvalid(path, String((err as NodeJS.ErrnoException).code), err);
    translateSystemError(err, `write ${path}`);
  }
}

function outputClosed(cause: unknown): BerthError {
  return new BerthError('unavailable', 'OUTPUT_CLOSED', 'Cannot write the archive: the reader of the output closed it before the end', {
    hint: 'The archive written so far is incomplete; read it to the end, or use -o FILE',
    cause,
  });
}

/** Streams to stdout (or another stream), one chunk at a time, each flushed to the stream's handle before the next. */
export async function writeChunksToStream(dest: NodeJS.WritableStream, source: AsyncIterable<Buffer>, signal?: AbortSignal): Promise<void> {
  let failure: unknown;
  const onError = (err: unknown): void => {
    failure ??= err;
  };
  dest.on('error', onError);
  try {
    for await (const chunk of source) {
      if (failure !== undefined) break;
      if (signal?.aborted === true) throw interrupted(signal, 'the archive');
      await new Promise<void>((resolve) => {
        dest.write(chunk, (err) => {
          if (err !== undefined && err !== null) failure ??= err;
          resolve();
        });
      });
      if (failure !== undefined) break;
    }
  } finally {
    dest.off('error', onError);
  }
  if (failure !== undefined) {
    if (isSystemError(failure, 'EPIPE')) throw outputClosed(failure);
    throw failure;
  }
}
