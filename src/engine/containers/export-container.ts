/**
 * `berth export`: a container's files, merged, as one tar, whether it runs or not, and without
 * changing it. The first entry records the container's config for `berth import` (a PAX
 * global header that other tools skip: archive/tar/config-header.ts), then come the files in
 * `docker export`'s order and shape (container/rootfs/rootfs-tar.ts).
 *
 * Where the files are read:
 * - a running overlay container: its merged mount (bind mounts and volumes exist only in the
 *   container's own mount namespace, so what lies under a mount point is what is exported);
 * - a stopped (or never started) overlay container: a read-only overlay of its upper directory
 *   over the image's layers, mounted in a private mount namespace (private-overlay.ts);
 * - a vfs container: its root directory (built first if the container never started, as
 *   `start` would build it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { containerPaths } from '../../container/container-paths.js';
import { isMounted } from '../../container/rootfs/overlay.js';
import { mountPrivateOverlay } from '../../container/rootfs/private-overlay.js';
import { rootfsEntries } from '../../container/rootfs/rootfs-tar.js';
import { buildVfsRoot } from '../../container/rootfs/vfs-root.js';
import { encodeConfigHeader } from '../../archive/tar/config-header.js';
import { END_OF_ARCHIVE } from '../../archive/tar/encode-header.js';
import type { ContainerRecord } from '../../store/metadata/containers.js';
import type { ContainerHost } from './container-host.js';
import { specOf } from './container-spec.js';
import { refreshContainer } from './container-exit.js';
import { containerConfig, imageRuntimeConfig } from './container-config.js';
import { ensureLayers, openViews } from './start-container.js';

interface RootView {
  path: string;
  close(): Promise<void>;
}

async function openRoot(host: ContainerHost, record: ContainerRecord): Promise<RootView> {
  const { store } = host;
  const paths = containerPaths(store.layout.containers, record.id);
  const direct = (path: string): RootView => ({ path, close: async () => undefined });
  if (record.storage === 'vfs') {
    if (!existsSync(paths.rootfs)) {
      const layers = await ensureLayers(host, record.imageId, { directories: true });
      await buildVfsRoot(layers.map((l) => join(store.layout.layers, l.name)), paths.rootfs);
    }
    return direct(paths.rootfs);
  }
  if (isMounted(paths.rootfs)) return direct(paths.rootfs);
  const views = await openViews(host, record.imageId, await ensureLayers(host, record.imageId));
  try {
    const topFirst = [...(existsSync(paths.upper) ? [paths.upper] : []), ...[...views.names].reverse()];
    if (topFirst.length === 0) {
      views.close();
      return direct(paths.rootfs);
    }
    // One directory is its own merged view (overlay needs two lower directories without an upper one).
    if (topFirst.length === 1) {
      const only = topFirst[0]!.startsWith('/') ? topFirst[0]! : join(store.layout.layers, topFirst[0]!);
      return { path: only, close: async () => views.close() };
    }
    mkdirSync(paths.rootfs, { recursive: true });
    const merged = await mountPrivateOverlay(store.layout.layers, topFirst, paths.rootfs);
    // The helper's namespace holds the overlay (and through it the layers): the views can go.
    views.close();
    return merged;
  } catch (err) {
    views.close();
    throw err;
  }
}

/**
 * The export tar of `record`, produced as it is read; the container's files are opened at the
 * first read. A chunk is valid only until the next one is asked for (its buffer is reused):
 * write each one out first (cli/chunk-output.ts does).
 */
export async function* exportContainer(host: ContainerHost, record: ContainerRecord): AsyncGenerator<Buffer> {
  const current = await refreshContainer(host, record);
  const config = containerConfig(current, specOf(current), await imageRuntimeConfig(host.store, current.imageId));
  const root = await openRoot(host, current);
  try {
    yield encodeConfigHeader(config);
    // An overlay root: hard links are matched in its upper directory (see RootfsOptions).
    yield* rootfsEntries(root.path, current.storage === 'vfs' ? {} : { upper: containerPaths(host.store.layout.containers, current.id).upper });
    yield END_OF_ARCHIVE;
  } finally {
    await root.close();
  }
}
