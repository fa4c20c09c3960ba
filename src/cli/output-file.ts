/**
 * Writes a stream to a file atomically: into a temporary file beside it, fsynced, then
 * renamed over the target. A failed or interrupted write leaves no partial file behind.
 */
import { createWriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable, type Duplex } from 'node:stream';
import { translateSystemError } from '../internal/errors.js';

export async function writeFileAtomic(path: string, source: AsyncIterable<Buffer>, transform: Duplex | undefined, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.berth-${randomBytes(4).toString('hex')}`);
  try {
    const out = createWriteStream(tmp, { flags: 'wx', mode, highWaterMark: 1024 * 1024 });
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
    translateSystemError(err, `write ${path}`);
  }
}

/** Streams to stdout (or another stream) with backpressure. */
export async function writeToStream(dest: NodeJS.WritableStream, source: AsyncIterable<Buffer>, transform: Duplex | undefined): Promise<void> {
  const input = Readable.from(source, { objectMode: false });
  if (transform === undefined) await pipeline(input, dest, { end: false });
  else await pipeline(input, transform, dest, { end: false });
}
