/**
 * `berth save`: resolve the requested images as Docker does (a bare repository name saves
 * all its tags; an ID saves the image untagged), then stream the archive.
 */
import { BerthError } from '../internal/errors.js';
import type { Digest } from '../digest/digest.js';
import { parseReference, splitTagName, parseTagReference, type TaggedReference } from '../image/reference.js';
import { saveLayout, type SaveImage } from '../archive/save-layout.js';
import { tarStream } from '../archive/tar/tar-writer.js';
import type { Store } from '../store/store.js';
import { resolveImage } from './resolve-image.js';

export interface SavePlan {
  images: SaveImage[];
}

export function planSave(store: Store, inputs: readonly string[], onNote?: (note: string) => void): SavePlan {
  const db = store.db;
  const order: Digest[] = [];
  const tagsOf = new Map<Digest, TaggedReference[]>();
  const add = (id: Digest, tag: TaggedReference | undefined): void => {
    if (!tagsOf.has(id)) {
      tagsOf.set(id, []);
      order.push(id);
    }
    const list = tagsOf.get(id)!;
    if (tag !== undefined && !list.some((t) => t.repository === tag.repository && t.tag === tag.tag)) list.push(tag);
  };
  for (const input of inputs) {
    let bare: string | undefined;
    try {
      const ref = parseReference(input);
      if (ref.tag === undefined && ref.digest === undefined) bare = ref.repository;
    } catch {
      // not a name: an ID prefix, resolved below
    }
    if (bare !== undefined) {
      const rows = db.prepare('SELECT name, image_id FROM tags WHERE name > ? AND name < ? ORDER BY name').all(`${bare}:`, `${bare};`) as Array<{ name: string; image_id: Digest }>;
      const own = rows.filter((r) => splitTagName(r.name).repository === bare);
      if (own.length > 0) {
        for (const r of own) add(r.image_id, parseTagReference(r.name));
        continue;
      }
    }
    const resolved = resolveImage(store, input, onNote === undefined ? {} : { onNote });
    add(resolved.id, resolved.via === 'tag' ? (resolved.reference as TaggedReference) : undefined);
  }
  const imageRow = db.prepare('SELECT config_size, parent FROM images WHERE id = ?');
  const layerRows = db.prepare('SELECT il.diff_id, b.size FROM image_layers il JOIN blobs b ON b.digest = il.diff_id WHERE il.image_id = ? ORDER BY il.position');
  const images = order.map((id): SaveImage => {
    const row = imageRow.get(id) as { config_size: number; parent: Digest | null };
    const layers = (layerRows.all(id) as Array<{ diff_id: Digest; size: number }>).map((l) => ({ diffId: l.diff_id, size: l.size }));
    return { id, configSize: row.config_size, layers, tags: tagsOf.get(id)!, parent: row.parent ?? undefined };
  });
  for (const image of images) {
    store.assertBlobFile(image.id);
    for (const layer of image.layers) store.assertBlobFile(layer.diffId);
  }
  if (images.length === 0) throw new BerthError('invalid_argument', 'USAGE_ARGS', 'Cannot save: no image given');
  return { images };
}

/**
 * The archive bytes, the number of blob bytes in it, and the size of the whole tar (headers,
 * padding and end blocks included: what the stream yields, so progress can reach its total).
 */
export function saveStream(store: Store, plan: SavePlan): { stream: AsyncGenerator<Buffer>; blobBytes: number; archiveBytes: number } {
  const layout = saveLayout(plan.images, (digest, size) => store.readBlob(digest, size));
  const archiveBytes = layout.records.reduce((sum, r) => sum + 512 + (r.type === 'dir' ? 0 : Math.ceil(r.size / 512) * 512), 1024);
  return { stream: tarStream(layout.records), blobBytes: layout.blobBytes, archiveBytes };
}
