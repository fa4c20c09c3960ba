/** `berth rm` and `berth container prune`. */
import { rmSync } from 'node:fs';
import { BerthError } from '../../internal/errors.js';
import { containerPaths } from '../../container/container-paths.js';
import { isMounted, unmount } from '../../container/rootfs/overlay.js';
import { containerState, killContainer } from '../../container/runtime/oci-runtime.js';
import { diskIsFull } from '../../store/space-reserve.js';
import { listContainers, type ContainerRecord } from '../../store/metadata/containers.js';
import { runtimeFor, type ContainerHost } from './container-host.js';
import { specOf } from './container-spec.js';
import { refreshContainer, removeContainerFiles, sweepRetiredContainers } from './container-exit.js';
import { releaseRuntime } from './release-runtime.js';
import { stopContainer } from './stop-container.js';

export async function removeContainer(host: ContainerHost, record: ContainerRecord, force: boolean): Promise<void> {
  if (diskIsFull(host.store.layout.base)) await freeSpaceFirst(host, record, force);
  let current = await refreshContainer(host, record);
  if (current.state === 'running') {
    if (!force) {
      throw new BerthError('conflict', 'CONTAINER_RUNNING', `You cannot remove a running container ${current.id}. Stop the container before attempting removal or force remove`);
    }
    current = await stopContainer(host, current, 0);
  }
  await releaseRuntime(host, current);
  await removeContainerFiles(host, current);
}

/** Removes every stopped container; returns their IDs. */
export async function pruneContainers(host: ContainerHost): Promise<string[]> {
  const removed: string[] = [];
  await sweepRetiredContainers(host);
  for (const record of listContainers(host.store.db)) {
    const current = await refreshContainer(host, record);
    if (current.state === 'running') continue;
    await releaseRuntime(host, current);
    if (await removeContainerFiles(host, current)) removed.push(current.id);
  }
  return removed;
}

/**
 * Before removing several containers at once on a full disk, what each of them wrote goes
 * first, all of it: a removal that records itself while another's files still fill the disk
 * would fail for want of the space that other is about to free.
 */
export async function freeSpaceForRemoval(host: ContainerHost, records: readonly ContainerRecord[], force: boolean): Promise<void> {
  if (!diskIsFull(host.store.layout.base)) return;
  await Promise.all(records.map((r) => freeSpaceFirst(host, r, force)));
}

/**
 * On a full disk nothing can be recorded (SQLite needs room to write even a delete), so what
 * the container wrote goes first: its processes are killed (with -f), its root unmounted and
 * its upper directory deleted. The removal then records itself as usual. Killed here, the
 * container is simply found exited, with a root that `rm` deletes anyway.
 */
async function freeSpaceFirst(host: ContainerHost, record: ContainerRecord, force: boolean): Promise<void> {
  const paths = containerPaths(host.store.layout.containers, record.id);
  const runtime = runtimeFor(host, specOf(record).runtime);
  const state = await containerState(runtime, record.id);
  if (state !== undefined && state.status !== 'stopped') {
    if (!force) return; // a running container stays; rm says so once it can read the store
    await killContainer(runtime, record.id, 'KILL', true);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await containerState(runtime, record.id))?.status !== 'stopped') await new Promise((r) => setTimeout(r, 50));
  }
  await unmount(paths.rootfs);
  if (!isMounted(paths.rootfs)) rmSync(paths.upper, { recursive: true, force: true, maxRetries: 3 });
}
