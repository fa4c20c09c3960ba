/**
 * Tag records: a fully qualified name (docker.io/library/busybox:latest) pointing at an image,
 * stored split into repository and tag so listings need no string work per row.
 */
import type { Digest } from '../digest/digest.js';
import { fullName, splitTagName, type TaggedReference } from '../image/reference.js';
import type { Store } from './store.js';
import { rows, tuples, values, writes } from './metadata/statements.js';

export interface TagRecord {
  /** docker.io/library/busybox:latest */
  name: string;
  imageId: Digest;
}

/**
 * Points `tag` at `imageId` (moving it if it pointed elsewhere) and records when, on the tag and
 * as the image's last tag time. Returns the image it pointed at before, if another. Inside a
 * write transaction.
 */
export function setTag(store: Store, tag: TaggedReference, imageId: Digest, now: number = Date.now()): Digest | undefined {
  const name = fullName(tag);
  const previous = tagTarget(store, name);
  writes<[string, string, string, Digest, number]>(store, `INSERT INTO tags(name, repository, tag, image_id, tagged_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, tagged_at = excluded.tagged_at`).run(name, tag.repository, tag.tag, imageId, now);
  writes<[string, Digest]>(store, 'UPDATE images SET last_tag_time = ? WHERE id = ?').run(new Date(now).toISOString(), imageId);
  return previous === imageId ? undefined : previous;
}

/** The image a tag (fully qualified name) points at. */
export function tagTarget(store: Store, name: string): Digest | undefined {
  return values<[string], Digest>(store, 'SELECT image_id FROM tags WHERE name = ?').get(name);
}

/** The image's tags (fully qualified names), sorted. */
export function imageTags(store: Store, imageId: Digest): string[] {
  return values<[Digest], string>(store, 'SELECT name FROM tags WHERE image_id = ? ORDER BY name').all(imageId);
}

export function isImageTagged(store: Store, imageId: Digest): boolean {
  return values<[Digest], number>(store, 'SELECT 1 FROM tags WHERE image_id = ? LIMIT 1').get(imageId) !== undefined;
}

/** The tags of one repository (fully qualified: docker.io/library/busybox), by name. */
export function repositoryTags(store: Store, repository: string): TagRecord[] {
  // ':' < ';' bounds the names "<repository>:<tag>"; a longer repository sharing the prefix cannot start with "<repository>:".
  return rows<[string, string], TagRecord>(store, 'SELECT name, image_id AS imageId FROM tags WHERE name > ? AND name < ? ORDER BY name')
    .all(`${repository}:`, `${repository};`)
    .filter((t) => splitTagName(t.name).repository === repository);
}

/** Every tag, by name. */
export function allTags(store: Store): TagRecord[] {
  return rows<[], TagRecord>(store, 'SELECT name, image_id AS imageId FROM tags ORDER BY name').all();
}

/** Every tag as [repository, tag, image rowid], by name: for `images`, which joins them to imageListRows itself. */
export function tagListRows(store: Store): Array<readonly [repository: string, tag: string, imageRowid: number]> {
  return tuples<[], readonly [string, string, number]>(store, 'SELECT t.repository, t.tag, i.rowid FROM tags t JOIN images i ON i.id = t.image_id ORDER BY t.name').all();
}

/** Removes one tag (fully qualified name). Inside a write transaction. */
export function deleteTag(store: Store, name: string): void {
  writes<[string]>(store, 'DELETE FROM tags WHERE name = ?').run(name);
}

/** Removes every tag of the image; returns their names, sorted. Inside a write transaction. */
export function deleteImageTags(store: Store, imageId: Digest): string[] {
  const names = imageTags(store, imageId);
  writes<[Digest]>(store, 'DELETE FROM tags WHERE image_id = ?').run(imageId);
  return names;
}

export function countTags(store: Store): number {
  return values<[], number>(store, 'SELECT count(*) FROM tags').get()!;
}
