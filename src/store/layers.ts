/**
 * Layer records: facts about a stored layer tar (its blob is named by its diff ID), found by the
 * layer scanner when it was ingested. Created by `publishImage` with the image that brings the
 * layer; removed with the blob when no image uses it (`dropUnreferencedBlobs`).
 */
import type { Digest } from '../digest/digest.js';
import type { Store } from './store.js';
import { rows, values, writes } from './metadata/statements.js';

export interface LayerRecord {
  diffId: Digest;
  /** Docker's layer size: file bytes plus symlink target lengths. */
  size: number;
  /** The tar's size in bytes (its blob's size). */
  tarSize: number;
  entries: number;
  /** Every entry can be extracted by GNU tar as it is; undefined when not known (it is then rewritten). */
  plain: boolean | undefined;
}

interface LayerRow { diff_id: Digest; size: number; tar_size: number; entries: number; plain: number | null }

export function getLayer(store: Store, diffId: Digest): LayerRecord | undefined {
  const r = rows<[Digest], LayerRow>(store, 'SELECT diff_id, size, tar_size, entries, plain FROM layers WHERE diff_id = ?').get(diffId);
  return r === undefined ? undefined : { diffId: r.diff_id, size: r.size, tarSize: r.tar_size, entries: r.entries, plain: r.plain === null ? undefined : r.plain === 1 };
}

export function hasLayer(store: Store, diffId: Digest): boolean {
  return values<[Digest], number>(store, 'SELECT 1 FROM layers WHERE diff_id = ?').get(diffId) !== undefined;
}

/**
 * Records a layer whose blob is recorded (in the same transaction). A layer recorded already
 * keeps its facts; only a `plain` it did not know is filled in.
 */
export function putLayer(store: Store, layer: LayerRecord): void {
  writes<[Digest, number, number, number, number | null]>(store, `INSERT INTO layers(diff_id, size, tar_size, entries, plain) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT(diff_id) DO UPDATE SET plain = coalesce(layers.plain, excluded.plain)`)
    .run(layer.diffId, layer.size, layer.tarSize, layer.entries, layer.plain === undefined ? null : layer.plain ? 1 : 0);
}

export function countLayers(store: Store): number {
  return values<[], number>(store, 'SELECT count(*) FROM layers').get()!;
}
