/**
 * A container's changes to its image, for `diff` and `commit`: where they are (the overlay
 * upper dir, or the vfs driver's copy compared with the image's layers), what the runtime put
 * there that is not a change (mount-point stubs), and holding the container still while they
 * are read (the runtime's pause/resume, always resumed; see container-pause.ts).
 */
import { existsSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { containerPaths } from '../../container/container-paths.js';
import { ignoreCodes } from '../../internal/errors.js';
import { LowerView } from '../../container/rootfs/lower-view.js';
import { runtimeStubs } from '../../container/rootfs/mount-stubs.js';
import { treeChanges, upperNodes, type Change, type ContainerTree, type FsNode } from '../../container/rootfs/fs-changes.js';

export { renderChanges } from '../../container/rootfs/fs-changes.js';
import type { ContainerRecord } from '../../store/containers.js';
import type { ContainerHost } from './container-host.js';
import { holdContainer, releaseContainer } from './container-pause.js';
import { isPaused } from './pause-container.js';
import { specOf } from './container-spec.js';
import { refreshContainer } from './container-exit.js';
import { imageLayerDirs } from './image-layer-dirs.js';
import { ensureLayers, openViews } from './start-container.js';

export interface ChangeSource {
  tree: ContainerTree;
  lower: LowerView;
  skip: Set<string>;
  /** False when the container has no files of its own yet (created, never started). */
  exists: boolean;
  /**
   * vfs: when the container first started (the birth time of its bundle's config.json, written
   * after the copy was made); a directory of the image born later was replaced by the container.
   */
  startedAfterCopy: bigint | undefined;
  /** Releases the layers' views (indexed layers are mounted while the changes are read). */
  close(): void;
}

export async function changeSource(host: ContainerHost, record: ContainerRecord): Promise<ChangeSource> {
  const paths = containerPaths(host.store.layout.containers, record.id);
  const layered = record.storage !== 'vfs';
  const tree: ContainerTree = { root: layered ? paths.upper : paths.rootfs, layered };
  const exists = existsSync(tree.root);
  // An overlay container's layers may be indexed: they are read through views, mounted meanwhile.
  const views = layered && exists ? await openViews(host, record.imageId, await ensureLayers(host, record.imageId)) : undefined;
  try {
    const lower = new LowerView(views?.paths ?? imageLayerDirs(host.store, record.imageId));
    const skip = exists ? await runtimeStubs(tree.root, lower) : new Set<string>();
    let startedAfterCopy: bigint | undefined;
    if (!layered) {
      const born = (await lstat(paths.config, { bigint: true }).catch((err: unknown) => ignoreCodes(err, 'ENOENT')))?.birthtimeNs;
      if (born !== undefined && born > 0n) startedAfterCopy = born;
    }
    return { tree, lower, skip, exists, startedAfterCopy, close: () => views?.close() };
  } catch (err) {
    views?.close();
    throw err;
  }
}

/**
 * Runs `fn` with the container frozen when it runs and `pause` is set; resumes it afterwards
 * whatever happened. A stopped container needs no pause.
 */
export async function withContainerHeld<T>(host: ContainerHost, record: ContainerRecord, pause: boolean, fn: (current: ContainerRecord) => Promise<T>): Promise<T> {
  const current = await refreshContainer(host, record);
  // Stopped, or paused by `berth pause` (frozen already, and it stays so afterwards, as in Docker).
  if (!pause || current.state !== 'running' || isPaused(host, current)) return fn(current);
  const runtime = specOf(current).runtime;
  await holdContainer(host, current, runtime);
  let result: T;
  try {
    result = await fn(current);
  } catch (err) {
    // Deliberately any failure: the first one is the one to report (a container left paused shows as such).
    await releaseContainer(host, current, runtime).catch(() => undefined);
    throw err;
  }
  await releaseContainer(host, current, runtime);
  return result;
}

/** `berth diff`: Docker's A/C/D list, the same for both storage drivers. */
export async function containerChanges(host: ContainerHost, record: ContainerRecord): Promise<Change[]> {
  const source = await changeSource(host, record);
  try {
    if (!source.exists) return [];
    return await treeChanges(source.tree, source.lower, { skip: source.skip });
  } finally {
    source.close();
  }
}

/**
 * The entries of the container's new layer: the upper dir as it is (overlay, as Docker's
 * overlay2 commits it), or the changes found by comparison (vfs), in the same order, a
 * directory the container replaced written opaque as overlay writes it.
 */
export async function* layerNodes(source: ChangeSource): AsyncGenerator<FsNode> {
  if (!source.exists) return;
  if (source.tree.layered) {
    yield* upperNodes(source.tree.root, source.skip);
    return;
  }
  const options = source.startedAfterCopy === undefined ? { skip: source.skip } : { skip: source.skip, recreatedAfter: source.startedAfterCopy };
  for (const change of await treeChanges(source.tree, source.lower, options)) yield change.node;
}
