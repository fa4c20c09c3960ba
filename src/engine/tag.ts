/** `berth tag SOURCE TARGET`: point a tag at an image (moving it if it pointed elsewhere). */
import { parseTagReference } from '../image/reference.js';
import type { Store } from '../store/store.js';
import { setTag } from '../store/tags.js';
import { resolveImage } from './resolve-image.js';

export function tagImage(store: Store, source: string, target: string, onNote?: (note: string) => void): void {
  const ref = parseTagReference(target);
  store.transaction(() => {
    const { id } = resolveImage(store, source, onNote === undefined ? {} : { onNote });
    setTag(store, ref, id);
  });
}
