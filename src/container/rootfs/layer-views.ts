/**
 * A container's layers as directories, for as long as a mount or a read needs them. An
 * unpacked layer is its own directory; an indexed one (erofs/layer-index.ts) is mounted on a
 * short-lived `layers/.view-<pid>-<start>-<n>` directory and unmounted again by `close`.
 * overlayfs keeps its own hold on its lower layers, so a view can go as soon as the overlay
 * is mounted: nothing but the container's own root is left mounted on the host.
 *
 * A berth killed while holding views leaves them mounted: `sweepAbandonedViews` (run before
 * layers are prepared, and by `system check --repair`) unmounts those of dead processes.
 */
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadNative } from '../../internal/native.js';
import { isIdentityAlive } from '../../internal/process-identity.js';
import { isSystemError } from '../../internal/errors.js';
import { listDirectory } from '../../internal/fs.js';
import { mountLayerIndex } from './erofs/layer-index.js';
import { layerViewName, parseLayersDirName } from '../../store/layers-dir.js';

const MNT_DETACH = 2;

/** One layer, base first in a list: an unpacked directory (its name in the layers directory), or an index and its tar. */
export interface LayerRef {
  name: string;
  index?: { path: string; blob: string };
}

let viewCounter = 0;

export class LayerViews {
  readonly #layersDir: string;
  readonly #mounted: string[] = [];
  /** The layers' directory names, base first, relative to the layers directory. */
  readonly names: string[] = [];

  private constructor(layersDir: string) {
    this.#layersDir = layersDir;
  }

  /** Mounts a view of every indexed layer in `refs`. */
  static open(layersDir: string, refs: readonly LayerRef[]): LayerViews {
    const views = new LayerViews(layersDir);
    try {
      for (const ref of refs) {
        if (ref.index === undefined) {
          views.names.push(ref.name);
          continue;
        }
        const name = layerViewName(++viewCounter);
        const path = join(layersDir, name);
        mkdirSync(path, { mode: 0o700 });
        try {
          mountLayerIndex(ref.index.path, ref.index.blob, path);
        } catch (err) {
          rmdirSync(path);
          throw err;
        }
        views.#mounted.push(path);
        views.names.push(name);
      }
    } catch (err) {
      views.close();
      throw err;
    }
    return views;
  }

  /** True if some layer is an index (on its own file system, not the store's). */
  get indexed(): boolean {
    return this.#mounted.length > 0;
  }

  /** Absolute paths of the layers' directories, base first. */
  get paths(): string[] {
    return this.names.map((name) => join(this.#layersDir, name));
  }

  /** Unmounts the views (what overlayfs mounted on them keeps its own hold). Safe to call twice. */
  close(): void {
    for (const path of this.#mounted.splice(0)) unmountView(path);
  }
}

function unmountView(path: string): void {
  try {
    loadNative('unmount a layer view').umount(path, MNT_DETACH);
  } catch (err) {
    if (!isSystemError(err, 'EINVAL') && !isSystemError(err, 'ENOENT')) throw err; // not mounted (any more)
  }
  try {
    rmdirSync(path);
  } catch (err) {
    if (!isSystemError(err, 'ENOENT')) throw err;
  }
}

/** Unmounts and removes the views of berth processes that are gone. */
export function sweepAbandonedViews(layersDir: string): void {
  for (const name of listDirectory(layersDir)) {
    const entry = parseLayersDirName(name);
    if (entry.kind === 'view' && !isIdentityAlive(entry.owner)) unmountView(join(layersDir, name));
  }
}
