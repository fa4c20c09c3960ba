/** `berth tag SOURCE TARGET`: point a tag at an image (moving it if it pointed elsewhere). */
import { fullName, parseTagReference } from '../image/reference.js';
import type { Store } from '../store/store.js';
import { resolveImage } from './resolve-image.js';

export function tagImage(store: Store, source: string, target: string): void {
  const ref = parseTagReference(target);
  store.transaction(() => {
    const { id } = resolveImage(store, source);
    const now = Date.now();
    store.db.prepare('INSERT INTO tags(name, image_id, tagged_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, tagged_at = excluded.tagged_at').run(fullName(ref), id, now);
    store.db.prepare('UPDATE images SET last_tag_time = ? WHERE id = ?').run(new Date(now).toISOString(), id);
  });
}
