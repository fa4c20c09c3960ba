/**
 * Untagging and deleting images (`rmi`, `image prune`), with Docker's rules: removing a tag
 * only untags while other tags remain; an ID with tags in several repositories needs -f; an
 * image with child images cannot be deleted; deleting an image also deletes its untagged
 * parents unless --no-prune. Blobs no image uses any more are freed in the same transaction.
 */
import { BerthError } from '../internal/errors.js';
import { removeDeepTreeSync } from '../internal/remove-deep-tree.js';
import { shortId, type Digest } from '../digest/digest.js';
import { familiarName, familiarRepository, familiarTagName, fullName, splitTagName } from '../image/reference.js';
import type { Store } from '../store/store.js';
import { deleteImageRecord, deleteRepoDigest, getImage, hasChildImages, prunableImages } from '../store/images.js';
import { deleteImageTags, deleteTag, imageTags, isImageTagged } from '../store/tags.js';
import { containersOfImage } from '../store/container-records.js';
import { resolveImage } from './resolve-image.js';

export interface RemovalRecord {
  untagged?: string;
  deleted?: Digest;
}

export interface RemovalResult {
  records: RemovalRecord[];
  /** Bytes of blobs freed. */
  reclaimed: number;
}

export interface RemoveOptions {
  force: boolean;
  noPrune: boolean;
}

function conflict(message: string): BerthError {
  return new BerthError('conflict', 'IMAGE_CONFLICT', message);
}

/** Removes one image reference (one `rmi` argument). */
export function removeImage(store: Store, input: string, options: RemoveOptions): RemovalResult {
  const records: RemovalRecord[] = [];
  const freed = store.transaction(() => {
    // IMAGE~N names an image only if it was stored before: rmi never creates one to delete it.
    const resolved = resolveImage(store, input, { create: false });
    const id = resolved.id;
    const tags = imageTags(store, id);
    const users = containersOfImage(store, id);
    if (resolved.via === 'digest') {
      // A RepoDigest: only the digest goes, as in Docker; the image keeps its tags (it has a
      // RepoDigest only while tagged in that repository). Berth keeps one digest for all of the
      // image's repositories, so each of them loses it, and each is reported.
      const { repository, digest } = resolved.reference!;
      deleteRepoDigest(store, id, digest!);
      const repos = new Set([repository, ...tags.map((t) => splitTagName(t).repository)]);
      for (const repo of repos) records.push({ untagged: `${familiarRepository(repo)}@${digest}` });
      return freeBlobs(store);
    }
    if (resolved.via === 'tag') {
      if (tags.length === 1 && users.length > 0 && !options.force) {
        throw conflict(`conflict: unable to remove repository reference "${familiarName(resolved.reference!)}" (must force) - container ${users[0]!.id.slice(0, 12)} is using its referenced image ${shortId(id)}`);
      }
      deleteTag(store, fullName(resolved.reference!));
      records.push({ untagged: familiarName(resolved.reference!) });
      if (tags.length > 1 || hasChildImages(store, id) || users.length > 0) return freeBlobs(store);
    } else {
      if (hasChildImages(store, id)) throw conflict(`conflict: unable to delete ${shortId(id)} (cannot be forced) - image has dependent child images`);
      if (users.length > 0) {
        const running = users.find((u) => u.state === 'running');
        if (running !== undefined) throw conflict(`conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by running container ${running.id.slice(0, 12)}`);
        if (!options.force) throw conflict(`conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by stopped container ${users[0]!.id.slice(0, 12)}`);
        // Forced: the tags go, the image stays for the containers that use it (as with Docker).
        for (const t of deleteImageTags(store, id)) records.push({ untagged: familiarTagName(t) });
        return freeBlobs(store);
      }
      if (tags.length > 0) {
        const repos = new Set(tags.map((t) => splitTagName(t).repository));
        if (repos.size > 1 && !options.force) throw conflict(`conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`);
        for (const t of deleteImageTags(store, id)) records.push({ untagged: familiarTagName(t) });
      }
    }
    deleteWithParents(store, id, options.noPrune, records);
    return freeBlobs(store);
  });
  emptyFreed(store, freed);
  return { records, reclaimed: freed.bytes };
}

export interface PruneOptions {
  /** Remove every image (not only dangling ones). */
  all: boolean;
}

/** `image prune`: dangling images (untagged, no children), or with `all` every image; then unreferenced blobs. */
export function pruneImages(store: Store, options: PruneOptions): RemovalResult {
  const records: RemovalRecord[] = [];
  const freed = store.transaction(() => {
    for (;;) {
      const victims = prunableImages(store, { all: options.all });
      if (victims.length === 0) break;
      for (const id of victims) {
        for (const t of deleteImageTags(store, id)) records.push({ untagged: familiarTagName(t) });
        deleteWithParents(store, id, false, records);
      }
    }
    const freed = freeBlobs(store);
    const strays = store.dropStrayBlobFiles();
    return { ...freed, bytes: freed.bytes + strays.reduce((s, b) => s + b.size, 0) };
  });
  emptyFreed(store, freed);
  return { records, reclaimed: freed.bytes };
}

function deleteWithParents(store: Store, id: Digest, noPrune: boolean, records: RemovalRecord[]): void {
  let current: Digest | null = id;
  while (current !== null) {
    const parent: Digest | null | undefined = getImage(store, current)?.parent;
    deleteImageRecord(store, current);
    records.push({ deleted: current });
    if (noPrune || parent === null || parent === undefined) break;
    if (isImageTagged(store, parent) || hasChildImages(store, parent) || containersOfImage(store, parent).length > 0) break;
    current = parent;
  }
}

interface Freed {
  digests: Digest[];
  bytes: number;
  layerDirs: string[];
}

/** Inside the transaction: blobs and unpacked layers that nothing uses any more go aside. */
function freeBlobs(store: Store): Freed {
  const dropped = store.dropUnreferencedBlobs();
  return { digests: dropped.map((d) => d.digest), bytes: dropped.reduce((s, d) => s + d.size, 0), layerDirs: store.dropUnusedLayerDirs() };
}

/** After COMMIT: delete what freeBlobs set aside. */
function emptyFreed(store: Store, freed: Freed): void {
  store.emptyTrash(freed.digests);
  for (const dir of freed.layerDirs) removeDeepTreeSync(dir);
}
