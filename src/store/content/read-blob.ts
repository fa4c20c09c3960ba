/**
 * Verified reads: every byte that leaves the store is hashed, and a blob whose size or
 * digest is wrong fails at its end, before its last chunk is handed out. A consumer therefore
 * never receives the complete content of a corrupt blob (save never writes one into an archive).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isSystemError } from '../../internal/errors.js';
import { readFileChunks } from '../../internal/file-chunks.js';
import { blobCorrupt, blobMissing } from './blob-errors.js';
import type { Digest } from '../../digest/digest.js';

export async function* readVerified(path: string, digest: Digest, expectedSize: number | undefined): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let size = 0;
  let held: Buffer | undefined;
  try {
    for await (const chunk of readFileChunks(path)) {
      hash.update(chunk);
      size += chunk.length;
      if (held !== undefined) yield held;
      held = chunk;
    }
  } catch (err) {
    if (isSystemError(err, 'ENOENT')) throw blobMissing(digest);
    throw err;
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== digest || (expectedSize !== undefined && size !== expectedSize)) {
    throw blobCorrupt(digest, actual, size, expectedSize);
  }
  if (held !== undefined) yield held;
}

/** A small blob (a config) read whole and verified, synchronously: for callers inside a write transaction. */
export function readVerifiedSync(path: string, digest: Digest, expectedSize: number | undefined): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    if (isSystemError(err, 'ENOENT')) throw blobMissing(digest);
    throw err;
  }
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (actual !== digest || (expectedSize !== undefined && bytes.length !== expectedSize)) throw blobCorrupt(digest, actual, bytes.length, expectedSize);
  return bytes;
}
