/**
 * `berth save`: resolve the requested images as Docker does (a bare repository name saves
 * all its tags; an ID saves the image untagged), then stream the archive.
 */
import { BerthError } from '../internal/errors.js';
import type { Digest } from '../digest/digest.js';
import { parseReference, parseTagReference, type TaggedReference } from '../image/reference.js';
import { saveLayout, type SaveImage } from '../archive/save-layout.js';
import { tarStream } from '../archive/tar/tar-writer.js';
import type { Store } from '../store/store.js';
import { getImage, imageLayerFacts } from '../store/images.js';
import { repositoryTags } from '../store/tags.js';
import { resolveImage } from './resolve-image.js';

export interface SavePlan {
  images: SaveImage[];
}

export function planSave(store: Store, inputs: readonly string[], onNote?: (note: string) => void): SavePlan {
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
      const own = repositoryTags(store, bare);
      if (own.length > 0) {
        for (const t of own) add(t.imageId, parseTagReference(t.name));
        continue;
      }
    }
    const resolved = resolveImage(store, input, onNote === undefined ? {} : { onNote });
    add(resolved.id, resolved.via === 'tag' ? (resolved.reference as TaggedReference) : undefined);
  }
  const images = order.map((id): SaveImage => {
    const image = getImage(store, id)!;
    const layers = imageLayerFacts(store, id).map((l) => ({ diffId: l.diffId, size: l.tarSize }));
    return { id, configSize: image.configSize, layers, tags: tagsOf.get(id)!, parent: image.parent ?? undefined };
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
