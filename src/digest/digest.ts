/**
 * Digests: `sha256:<64 lowercase hex>`, the only algorithm Berth stores.
 * A `Digest` can only be made by `parseDigest`, `digestFromHex` or hashing (sha256.ts), so a
 * value of this type is always safe to use as a file name. This module loads no crypto, so
 * commands that only read metadata (`berth images`) do not pay for it.
 */
import { BerthError } from '../internal/errors.js';

export type Digest = string & { readonly __digest: unique symbol };

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const HEX_RE = /^[a-f0-9]{64}$/;

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST_RE.test(value);
}

/** Parses `sha256:<hex>`; anything else (other algorithms, upper case, wrong length) is rejected. */
export function parseDigest(value: unknown, what = 'digest'): Digest {
  if (isDigest(value)) return value;
  if (typeof value === 'string' && /^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(value) && !value.startsWith('sha256:')) {
    throw new BerthError('unsupported', 'DIGEST_UNSUPPORTED', `Cannot use ${what} "${truncate(value)}": only sha256 digests are supported`);
  }
  throw new BerthError('invalid_archive', 'DIGEST_INVALID', `Cannot parse ${what} "${truncate(String(value))}": not a sha256 digest`);
}

export function digestFromHex(hex: string): Digest {
  if (!HEX_RE.test(hex)) throw new BerthError('invalid_archive', 'DIGEST_INVALID', `Cannot parse digest hex "${truncate(hex)}"`);
  return `sha256:${hex}` as Digest;
}

/** The 64-hex part of a digest. */
export function hexOf(digest: Digest): string {
  return digest.slice(7);
}

/** The 12-hex short form Docker prints. */
export function shortId(digest: Digest): string {
  return digest.slice(7, 19);
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
