/** `berth restart`: stop (the stop signal, then SIGKILL after the timeout) and start again. */
import type { ContainerRecord } from '../../store/containers.js';
import type { ContainerHost } from './container-host.js';
import { holdForRestart } from './container-exit.js';
import { specOf } from './container-spec.js';
import { startContainer } from './start-container.js';
import { stopContainer } from './stop-container.js';

/**
 * Restarts the container, running or not. A --rm container is held while it restarts, as
 * Docker keeps it: its exit in between does not remove it.
 */
export async function restartContainer(host: ContainerHost, record: ContainerRecord, timeout: number | undefined): Promise<ContainerRecord> {
  const hold = specOf(record).autoRemove ? holdForRestart(host, record) : undefined;
  try {
    const stopped = await stopContainer(host, record, timeout);
    return await startContainer(host, stopped);
  } finally {
    hold?.release();
  }
}
