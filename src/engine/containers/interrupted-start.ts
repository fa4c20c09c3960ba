/**
 * A start in progress is recorded, so that one cut short (berth killed between mounting the
 * root and `runtime start`) is finished or undone by whoever looks next, instead of leaving a
 * container "Created" with a live monitor, a `runc init` waiting for ever and a mounted root.
 *
 * startContainer writes its identity (pid + start time) to the container's `starting` file
 * before it mounts anything and removes it when it is done, whichever way. A file whose writer
 * is gone marks an interrupted start: if the runtime ran the container and the record says
 * so, the start had gone through and only the file is left; otherwise the monitor is killed,
 * the runtime's state deleted and the root unmounted, and the record keeps the state it had
 * before (a container never started shows "Created").
 */
import { existsSync, linkSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ignoreCodes, isSystemError } from '../../internal/errors.js';
import { isFileOwnerAlive, ownIdentity } from '../../internal/process-identity.js';
import { containerPaths, startMarkerPath } from '../../container/container-paths.js';
import { readPidFile } from '../../container/runtime/conmon.js';
import { containerState } from '../../container/runtime/oci-runtime.js';
import { getContainer, updateContainer, type ContainerRecord } from '../../store/containers.js';
import { runtimeFor, type ContainerHost } from './container-host.js';
import { specOf } from './container-spec.js';
import { releaseRuntime } from './release-runtime.js';

function markerOf(host: ContainerHost, id: string): string {
  return startMarkerPath(host.store.layout.containers, id);
}

/**
 * Records that this process is starting the container; false when another live process is.
 * The file appears whole or not at all (written aside, then linked in place), so a reader
 * never takes a half-written one for a dead writer's.
 */
export function markStarting(host: ContainerHost, id: string): boolean {
  const marker = markerOf(host, id);
  const aside = `${marker}.${process.pid}`;
  writeFileSync(aside, ownIdentity());
  try {
    for (;;) {
      try {
        linkSync(aside, marker);
        return true;
      } catch (err) {
        if (!isSystemError(err, 'EEXIST')) throw err;
      }
      // A marker of a dead process was settled by the refresh before; one left since is stale too.
      if (isFileOwnerAlive(marker)) return false;
      rmSync(marker, { force: true });
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

/** The start is over (done or undone). */
export function clearStarting(host: ContainerHost, id: string): void {
  rmSync(markerOf(host, id), { force: true });
}

/** True when a start of the container was begun by a process that is gone. */
export function startInterrupted(host: ContainerHost, id: string): boolean {
  const marker = markerOf(host, id);
  return existsSync(marker) && !isFileOwnerAlive(marker);
}

/** True while the container has a start mark, its process alive or gone. */
export function startMarked(host: ContainerHost, id: string): boolean {
  return existsSync(markerOf(host, id));
}

/**
 * The pid of the container's monitor if it still runs: the conmon that conmon.pid names, when
 * its command line is the one for this container (a recycled pid is not taken for it).
 */
function liveMonitorOf(host: ContainerHost, id: string): number | undefined {
  const pid = readPidFile(containerPaths(host.store.layout.containers, id).conmonPid);
  if (pid === undefined) return undefined;
  const line = monitorCommandLine(pid);
  return line?.id === id && line.exitDir === host.runtimeDirs.exits ? pid : undefined;
}

/** conmon's own arguments for a process: the container ID (-c) and the exit directory. */
function monitorCommandLine(pid: number): { id: string; exitDir: string | undefined } | undefined {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
  } catch (err) {
    // No such process (ESRCH: it exited while being read); another user's under hidepid (EPERM, EACCES).
    return ignoreCodes(err, 'ENOENT', 'ESRCH', 'EPERM', 'EACCES');
  }
  if (!/(^|\/)conmon$/.test(argv[0] ?? '')) return undefined;
  const after = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i < 0 ? undefined : argv[i + 1];
  };
  const id = after('-c');
  return id === undefined ? undefined : { id, exitDir: after('--exit-dir') };
}

/** Every conmon process watching a container of this store: container ID → monitor pid. */
export function monitorsOfStore(host: ContainerHost): Map<string, number> {
  const out = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch (err) {
    ignoreCodes(err, 'ENOENT'); // no /proc
    return out;
  }
  for (const name of pids) {
    const pid = Number(name);
    const line = monitorCommandLine(pid);
    if (line !== undefined && line.exitDir === host.runtimeDirs.exits) out.set(line.id, pid);
  }
  return out;
}

/**
 * Finishes or undoes a start whose process is gone. Returns the record as it is afterwards.
 * Safe to run in several processes at once: each step is idempotent.
 */
export async function settleInterruptedStart(host: ContainerHost, record: ContainerRecord): Promise<ContainerRecord> {
  const { store } = host;
  const runtime = runtimeFor(host, specOf(record).runtime);
  const state = await containerState(runtime, record.id);
  const current = getContainer(store, record.id) ?? record;
  // Recorded as running, and the runtime ran it (it may have exited since): the start went
  // through, and the refresh that follows records how it ended.
  const ran = state !== undefined && (state.status === 'running' || state.status === 'paused' || state.status === 'stopped');
  if (current.state === 'running' && ran) {
    clearStarting(host, record.id);
    return current;
  }
  const monitor = liveMonitorOf(host, record.id);
  if (monitor !== undefined) {
    try {
      process.kill(monitor, 'SIGKILL');
    } catch (err) {
      ignoreCodes(err, 'ESRCH'); // gone already
    }
  }
  await releaseRuntime(host, current);
  const settled = store.transaction(() => {
    const now = getContainer(store, record.id);
    if (now === undefined) return undefined;
    if (now.state === 'running') updateContainer(store, record.id, { state: 'created', pid: null, monitor: null });
    return getContainer(store, record.id);
  });
  clearStarting(host, record.id);
  return settled ?? current;
}
