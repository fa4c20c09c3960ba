/**
 * Blob records as `system check` reads them: every file in blobs/sha256 that is part of the
 * store has one. (Writing them is the Store's: adoptBlobs, dropUnreferencedBlobs.)
 */
import type { Digest } from '../digest/digest.js';
import type { BlobKind, Store } from './store.js';
import { rows, values } from './metadata/statements.js';

export interface BlobRecord {
  digest: Digest;
  size: number;
  kind: BlobKind;
}

/** Every recorded blob, in digest order. */
export function listBlobs(store: Store): BlobRecord[] {
  return rows<[], BlobRecord>(store, 'SELECT digest, size, kind FROM blobs ORDER BY digest').all();
}

/** The kind of a recorded blob, or undefined when it is not recorded. */
export function blobKind(store: Store, digest: string): BlobKind | undefined {
  return values<[string], BlobKind>(store, 'SELECT kind FROM blobs WHERE digest = ?').get(digest);
}

export function isBlobRecorded(store: Store, digest: string): boolean {
  return blobKind(store, digest) !== undefined;
}

/** Images that use the blob (as config or layer), each by its first tag's name or else its ID. */
export function blobUsers(store: Store, digest: Digest): string[] {
  return values<[Digest, Digest], string>(store, `SELECT DISTINCT coalesce((SELECT name FROM tags t WHERE t.image_id = i.id ORDER BY name LIMIT 1), i.id) FROM images i
    WHERE i.id = ? OR EXISTS (SELECT 1 FROM image_layers l WHERE l.image_id = i.id AND l.diff_id = ?)`).all(digest, digest);
}
