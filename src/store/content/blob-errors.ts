/** Errors about stored blobs, shared by the store and its verifying reader (no crypto here). */
import { BerthError } from '../../internal/errors.js';
import type { Digest } from '../../digest/digest.js';

export function blobMissing(digest: Digest): BerthError {
  return new BerthError('corrupt', 'BLOB_MISSING', `Cannot read blob ${digest}: it is missing from the store`, {
    hint: 'The store is damaged; remove the image and load it again',
  });
}

export function blobCorrupt(digest: Digest, actual: string, size: number, expectedSize: number | undefined): BerthError {
  return new BerthError('corrupt', 'BLOB_CORRUPT', `Cannot read blob ${digest}: its content does not match (got ${actual}, ${size} bytes${expectedSize === undefined ? '' : `, expected ${expectedSize}`})`, {
    hint: 'The store is damaged; remove the image and load it again (berth system check lists every damaged blob)',
  });
}
