/** `berth rm` and `berth container prune`. */
import { BerthError } from '../../internal/errors.js';
import { listContainers, type ContainerRecord } from '../../store/metadata/containers.js';
import type { ContainerHost } from './container-host.js';
import { refreshContainer, removeContainerFiles, sweepRetiredContainers } from './container-exit.js';
import { releaseRuntime } from './release-runtime.js';
import { stopContainer } from './stop-container.js';

export async function removeContainer(host: ContainerHost, record: ContainerRecord, force: boolean): Promise<void> {
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
