/**
 * Where everything lives under a store root. The version directory lets a future layout
 * live beside this one.
 *
 *   <root>/v1/blobs/sha256/<hex>   content-addressed blobs: image configs, layer tars (uncompressed)
 *   <root>/v1/ingest/<pid>-<start>-<rand>/   one private directory per writing process
 *   <root>/v1/trash/               blobs being deleted; restored or removed by recovery
 *   <root>/v1/metadata.db          SQLite (WAL): images, tags, layers, blob records, containers
 *   <root>/v1/layers/<chain hex>/  unpacked layers (overlayfs lower directories), shared by containers
 *   <root>/v1/containers/<id>/     one directory per container (see container/container-paths.ts)
 */
import { join } from 'node:path';

export const LAYOUT_VERSION = 'v1';

export interface StoreLayout {
  root: string;
  base: string;
  blobs: string;
  ingest: string;
  trash: string;
  database: string;
  layers: string;
  containers: string;
}

export function storeLayout(root: string): StoreLayout {
  const base = join(root, LAYOUT_VERSION);
  return {
    root,
    base,
    blobs: join(base, 'blobs', 'sha256'),
    ingest: join(base, 'ingest'),
    trash: join(base, 'trash'),
    layers: join(base, 'layers'),
    containers: join(base, 'containers'),
    database: join(base, 'metadata.db'),
  };
}
