/**
 * The names in the store's `layers/` directory: formatted and parsed here, and nowhere else.
 *
 *   <chain hex>                  a layer unpacked (an overlay lower directory)
 *   <chain hex>.erofs            a layer's index (container/rootfs/erofs/layer-index.ts)
 *   .tmp-<pid>-<start>-<what>    an unpack or index in progress, by the process <pid>-<start>
 *   .trash-<name>                an unpacked layer or index set aside by a delete, removed after its COMMIT
 *   .view-<pid>-<start>-<n>      an index mounted by the berth <pid>-<start> (container/rootfs/layer-views.ts)
 *   .erofs-unusable              the record that this store's kernel cannot mount indexes
 *
 * Every owner is a process identity (internal/process-identity.ts), so what a killed process
 * left is told apart from work in progress.
 */
import { digestFromHex, hexOf, type Digest } from '../digest/digest.js';
import { isIdentityAlive, ownIdentity } from '../internal/process-identity.js';

export type LayersDirEntry =
  | { kind: 'unpacked'; chainId: Digest }
  | { kind: 'index'; chainId: Digest }
  | { kind: 'temporary'; owner: string }
  | { kind: 'trash' }
  | { kind: 'view'; owner: string }
  | { kind: 'index-unusable' }
  | { kind: 'unknown' };

/** Where a store records that its kernel refused to mount an index (it then unpacks). */
export const INDEX_UNUSABLE_MARKER = '.erofs-unusable';

const LAYER = /^([a-f0-9]{64})(\.erofs)?$/;
const TEMPORARY = /^\.tmp-(\d+-\d+)-./;
const VIEW = /^\.view-(\d+-\d+)-\d+$/;
const TRASH = '.trash-';

/** What a name in layers/ is. */
export function parseLayersDirName(name: string): LayersDirEntry {
  const layer = LAYER.exec(name);
  if (layer !== null) return { kind: layer[2] === undefined ? 'unpacked' : 'index', chainId: digestFromHex(layer[1]!) };
  const temporary = TEMPORARY.exec(name);
  if (temporary !== null) return { kind: 'temporary', owner: temporary[1]! };
  const view = VIEW.exec(name);
  if (view !== null) return { kind: 'view', owner: view[1]! };
  if (name.startsWith(TRASH)) return { kind: 'trash' };
  if (name === INDEX_UNUSABLE_MARKER) return { kind: 'index-unusable' };
  return { kind: 'unknown' };
}

/** The directory a layer is unpacked into. */
export function unpackedLayerName(chainId: Digest): string {
  return hexOf(chainId);
}

/** The file a layer's index is. */
export function layerIndexName(chainId: Digest): string {
  return `${hexOf(chainId)}.erofs`;
}

/** A temporary name of this process, for work that is renamed into place when complete; `what` tells its work apart. */
export function temporaryLayerName(what: string): string {
  return `.tmp-${ownIdentity()}-${what}`;
}

/** Where a delete sets `name` aside inside its transaction. */
export function trashedLayerName(name: string): string {
  return `${TRASH}${name}`;
}

/** The mount point of this process's `n`th view. */
export function layerViewName(n: number): string {
  return `.view-${ownIdentity()}-${n}`;
}

/**
 * True for what no one will finish or use: a temporary of a process that is gone, or a layer a
 * delete set aside. (A view of a process that is gone is abandoned too, but it must be unmounted
 * first: layer-views.ts sweeps those.)
 */
export function isAbandonedLayerWork(entry: LayersDirEntry): boolean {
  return (entry.kind === 'temporary' && !isIdentityAlive(entry.owner)) || entry.kind === 'trash';
}
