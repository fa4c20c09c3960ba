/**
 * `berth history`: one row per history entry, newest first. Where Docker prints <missing>
 * (any image that was loaded or pulled), Berth names the step: a local image that is exactly
 * the stack up to that step if one exists, otherwise the chain ID of that stack, so every
 * row can be addressed.
 */
import type { Digest } from '../digest/digest.js';
import { chainIds } from '../digest/sha256.js';
import { parseConfig, type HistoryEntry } from '../image/config.js';
import type { Store } from '../store/store.js';
import { getImage, oldestImageOfStack } from '../store/images.js';
import { getLayer } from '../store/layers.js';

export interface HistoryRow {
  /** Image ID (top row, or a local ancestor image) or chain ID of the step. */
  id: Digest | undefined;
  idKind: 'image' | 'chain' | 'none';
  createdMs: number;
  created: string;
  createdBy: string;
  size: number;
  comment: string;
  emptyLayer: boolean;
}

export async function imageHistory(store: Store, id: Digest): Promise<HistoryRow[]> {
  const image = getImage(store, id)!;
  const config = parseConfig(await store.readSmallBlob(id, image.configSize), id).config;
  const diffIds = config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  // The image's own parents first (a commit chain, as Docker names its rows), by their layer count.
  const parents = new Map<number, Digest>();
  const visited = new Set<string>([id]);
  for (let p = image.parent ?? undefined; p !== undefined && !visited.has(p);) {
    visited.add(p);
    const parent = getImage(store, p);
    if (parent === undefined) break;
    if (!parents.has(parent.layerCount)) parents.set(parent.layerCount, p);
    p = parent.parent ?? undefined;
  }

  // Walk oldest to newest, pairing non-empty entries with layers; layers the history does not describe get rows of their own.
  const steps: Array<{ entry: HistoryEntry | undefined; layer: number | undefined }> = [];
  let layer = 0;
  for (const entry of config.history ?? []) {
    if (entry.empty_layer === true || layer >= diffIds.length) steps.push({ entry, layer: undefined });
    else steps.push({ entry, layer: layer++ });
  }
  while (layer < diffIds.length) steps.push({ entry: undefined, layer: layer++ });

  const rows: HistoryRow[] = [];
  let lastLayer: number | undefined;
  for (const step of steps) {
    if (step.layer !== undefined) lastLayer = step.layer;
    const createdText = step.entry?.created ?? '';
    const ms = Date.parse(createdText);
    let rowId: Digest | undefined;
    let idKind: HistoryRow['idKind'] = 'none';
    if (lastLayer !== undefined) {
      const chain = chains[lastLayer]!;
      const ancestor = parents.get(lastLayer + 1) ?? oldestImageOfStack(store, { topChainId: chain, layerCount: lastLayer + 1, except: id });
      rowId = ancestor ?? chain;
      idKind = ancestor === undefined ? 'chain' : 'image';
    }
    rows.push({
      id: rowId,
      idKind,
      createdMs: Number.isFinite(ms) ? ms : 0,
      created: createdText,
      createdBy: step.entry?.created_by ?? '',
      size: step.layer === undefined ? 0 : getLayer(store, diffIds[step.layer]!)?.size ?? 0,
      comment: step.entry?.comment ?? '',
      emptyLayer: step.layer === undefined,
    });
  }
  rows.reverse();
  if (rows.length > 0) {
    rows[0]!.id = id;
    rows[0]!.idKind = 'image';
  }
  return rows;
}
