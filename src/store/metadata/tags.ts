/** Tag records: a fully qualified name pointing at an image. */
import type { Statement } from 'better-sqlite3';
import type { Database } from './database.js';

export interface TagName {
  /** docker.io/library/busybox:latest */
  name: string;
  /** docker.io/library/busybox */
  repository: string;
  /** latest */
  tag: string;
}

const statements = new WeakMap<Database, { upsert: Statement; touch: Statement }>();

/**
 * Points `tag` at `imageId` (moving it if it pointed elsewhere) and records when. Call inside
 * a write transaction. Statements are prepared once per connection: a load may set 10,000 tags.
 */
export function upsertTag(db: Database, tag: TagName, imageId: string, now: number): void {
  let s = statements.get(db);
  if (s === undefined) {
    s = {
      upsert: db.prepare(`INSERT INTO tags(name, repository, tag, image_id, tagged_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, tagged_at = excluded.tagged_at`),
      touch: db.prepare('UPDATE images SET last_tag_time = ? WHERE id = ?'),
    };
    statements.set(db, s);
  }
  s.upsert.run(tag.name, tag.repository, tag.tag, imageId, now);
  s.touch.run(new Date(now).toISOString(), imageId);
}
