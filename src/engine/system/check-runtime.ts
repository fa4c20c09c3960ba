/**
 * The part of `system check` that compares the container records with what runs on the host:
 * conmon monitors, the runtime's state and starts in progress. A berth killed at the wrong
 * moment (or a monitor killed by hand) can leave a monitor watching a container the store
 * calls stopped, a `runc init` waiting for a start that never comes, or a start marker of a
 * process that is gone. Repairs finish or undo such starts and stop what nothing owns.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { deleteContainer } from '../../container/runtime/oci-runtime.js';
import { getContainer } from '../../store/containers.js';
import { ignoreCodes } from '../../internal/errors.js';
import { listDirectory } from '../../internal/fs.js';
import { runtimeFor, type ContainerHost } from '../containers/container-host.js';
import { monitorsOfStore, settleInterruptedStart, startInterrupted, startMarked } from '../containers/interrupted-start.js';
import { releaseRuntime } from '../containers/release-runtime.js';

type Add = (code: string, subject: string, message: string, repairable?: boolean) => unknown;

const HEX64 = /^[a-f0-9]{64}$/;

/** Container IDs the runtime keeps state for (its root holds one directory per container; none if it never ran). */
function runtimeStates(host: ContainerHost): string[] {
  return listDirectory(host.runtimeDirs.runtimeRoot).filter((n) => HEX64.test(n));
}

function isRunningRecord(host: ContainerHost, id: string): boolean {
  return getContainer(host.store, id)?.state === 'running';
}

export function findRuntimeLeftovers(host: ContainerHost, add: Add): void {
  for (const id of listDirectory(host.store.layout.containers).filter((n) => HEX64.test(n))) {
    if (startInterrupted(host, id)) add('START_INTERRUPTED', id, 'a start of this container was cut short (its berth process is gone)', true);
  }
  for (const [id, pid] of monitorsOfStore(host)) {
    if (isRunningRecord(host, id) || startMarked(host, id)) continue;
    add('MONITOR_LEFTOVER', id, `container monitor (conmon, pid ${pid}) of a container the store does not run`, true);
  }
  for (const id of runtimeStates(host)) {
    if (isRunningRecord(host, id) || startMarked(host, id)) continue;
    add('RUNTIME_LEFTOVER', id, 'runtime state of a container the store does not run', true);
  }
}

/** `subjects`: the IDs each finding code was reported for. */
export async function repairRuntimeLeftovers(host: ContainerHost, subjects: ReadonlyMap<string, string[]>): Promise<void> {
  for (const id of subjects.get('START_INTERRUPTED') ?? []) {
    const record = getContainer(host.store, id);
    if (record !== undefined) await settleInterruptedStart(host, record);
  }
  const leftoverMonitors = subjects.get('MONITOR_LEFTOVER') ?? [];
  const monitors = leftoverMonitors.length > 0 ? monitorsOfStore(host) : new Map<string, number>();
  for (const id of leftoverMonitors) {
    const pid = monitors.get(id);
    if (pid === undefined) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      ignoreCodes(err, 'ESRCH'); // gone meanwhile
    }
  }
  const stale = new Set([...(subjects.get('MONITOR_LEFTOVER') ?? []), ...(subjects.get('RUNTIME_LEFTOVER') ?? [])]);
  for (const id of stale) {
    const record = getContainer(host.store, id);
    if (record !== undefined && record.state !== 'running') {
      await releaseRuntime(host, record);
    } else if (record === undefined && existsSync(join(host.runtimeDirs.runtimeRoot, id))) {
      // No record says which runtime: the store's default one (runc) deletes by its state directory.
      await deleteContainer(runtimeFor(host, 'runc'), id);
    }
  }
}

/** True once the finding's cause is gone. */
export function runtimeFindingGone(host: ContainerHost, code: string, id: string): boolean {
  switch (code) {
    case 'START_INTERRUPTED':
      return !startInterrupted(host, id);
    case 'MONITOR_LEFTOVER':
      return !monitorsOfStore(host).has(id);
    case 'RUNTIME_LEFTOVER':
      return !existsSync(join(host.runtimeDirs.runtimeRoot, id));
    default:
      return false;
  }
}
