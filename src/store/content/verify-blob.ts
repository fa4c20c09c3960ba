/**
 * Checks a stored blob's digest on another thread, for a caller that does not read the blob
 * itself but keeps the main thread busy meanwhile (indexing a layer reads only its headers).
 * The worker reads the file in 1 MiB pieces and hashes them: memory stays flat.
 */
import { createRequire } from 'node:module';
import { blobCorrupt, blobMissing } from './blob-errors.js';
import type { Digest } from '../../digest/digest.js';

// Inline, so that the bundled CLI needs no second file.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
try {
  const fd = openSync(workerData.path, 'r');
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    hash.update(buf.subarray(0, n));
    size += n;
  }
  closeSync(fd);
  parentPort.postMessage({ digest: 'sha256:' + hash.digest('hex'), size });
} catch (err) {
  parentPort.postMessage({ error: err.code || String(err) });
}
`;

/** Resolves when the file at `path` has `digest` (and `size` bytes, when given); rejects with BLOB_CORRUPT or BLOB_MISSING. */
export function verifyBlobFile(path: string, digest: Digest, size: number | undefined): Promise<void> {
  // Loaded when first used: most commands never start a worker.
  const { Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { path } });
    let answered = false;
    worker.once('message', (m: { digest?: string; size?: number; error?: string }) => {
      answered = true;
      if (m.error === 'ENOENT') return reject(blobMissing(digest));
      if (m.error !== undefined) return reject(new Error(`cannot read blob ${digest}: ${m.error}`));
      if (m.digest !== digest || (size !== undefined && m.size !== size)) return reject(blobCorrupt(digest, m.digest!, m.size!, size));
      resolve();
    });
    worker.once('error', (err) => {
      if (!answered) reject(err);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the blob check of ${digest} ended with ${code}`));
    });
  });
}
