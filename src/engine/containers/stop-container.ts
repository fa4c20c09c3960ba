/** `stop`, `kill` and `wait`: signals to a running container, and waiting for its exit. */
import { BerthError } from '../../internal/errors.js';
import { normalizeSignal } from '../../container/runtime/signals.js';
import { killContainer as runtimeKill } from '../../container/runtime/oci-runtime.js';
import { getContainer, type ContainerRecord } from '../../store/containers.js';
import { runtimeFor, type ContainerHost } from './container-host.js';
import { specOf } from './container-spec.js';
import { refreshContainer, waitForExitFile } from './container-exit.js';

function notRunning(record: ContainerRecord): BerthError {
  return new BerthError('conflict', 'CONTAINER_NOT_RUNNING', `Container ${record.id} is not running`);
}

/** Waits until the container has exited; returns its record then. */
export async function waitContainer(host: ContainerHost, record: ContainerRecord, timeoutMs = Infinity): Promise<ContainerRecord> {
  const deadline = Date.now() + timeoutMs;
  let current = await refreshContainer(host, record);
  while (current.state === 'running') {
    const left = deadline - Date.now();
    if (left <= 0) break;
    // At least once a second the record is refreshed: a monitor that died writes no exit file.
    await waitForExitFile(host, current.id, Math.min(left, 1000));
    current = await refreshContainer(host, getContainer(host.store, current.id) ?? current);
  }
  return current;
}

export async function killContainer(host: ContainerHost, record: ContainerRecord, signal: string): Promise<void> {
  const current = await refreshContainer(host, record);
  if (current.state !== 'running') throw notRunning(current);
  await runtimeKill(runtimeFor(host, specOf(current).runtime), current.id, normalizeSignal(signal));
}

/** Docker's wait between the stop signal and SIGKILL when neither -t nor --stop-timeout says. */
const DEFAULT_STOP_TIMEOUT = 10;

/**
 * Sends the stop signal, waits `timeout` seconds (undefined: the container's --stop-timeout,
 * else 10), then SIGKILL (Docker's stop). A stopped container is left as it is.
 */
export async function stopContainer(host: ContainerHost, record: ContainerRecord, timeout: number | undefined): Promise<ContainerRecord> {
  let current = await refreshContainer(host, record);
  if (current.state !== 'running') return current;
  const spec = specOf(current);
  const timeoutSeconds = timeout ?? spec.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
  const runtime = runtimeFor(host, spec.runtime);
  if (timeoutSeconds > 0) {
    await runtimeKill(runtime, current.id, normalizeSignal(spec.stopSignal));
    current = await waitContainer(host, current, timeoutSeconds * 1000);
    if (current.state !== 'running') return current;
  }
  await runtimeKill(runtime, current.id, 'KILL', true);
  return waitContainer(host, current);
}
