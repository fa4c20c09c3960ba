/** Hashing: sha256 of bytes, and chain IDs (the identity of a stack of layers). */
import { createHash } from 'node:crypto';
import type { Digest } from './digest.js';

export function sha256Of(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

/** Chain IDs, base layer first: chain(0) = diff(0); chain(n) = sha256(chain(n-1) + " " + diff(n)). */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  let prev: Digest | undefined;
  for (const diffId of diffIds) {
    prev = prev === undefined ? diffId : sha256Of(`${prev} ${diffId}`);
    out.push(prev);
  }
  return out;
}
