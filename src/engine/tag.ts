/** `berth tag SOURCE TARGET`: point a tag at an image (moving it if it pointed elsewhere). */
import { fullName, parseTagReference } from '../image/reference.js';
import type { Store } from '../store/store.js';
import { upsertTag } from '../store/metadata/tags.js';
import { resolveImage } from './resolve-image.js';

export function tagImage(store: Store, source: string, target: string, onNote?: (note: string) => void): void {
  const ref = parseTagReference(target);
  store.transaction(() => {
    const { id } = resolveImage(store, source, onNote === undefined ? {} : { onNote });
    const now = Date.now();
    upsertTag(store.db, { name: fullName(ref), repository: ref.repository, tag: ref.tag }, id, now);
  });
}
