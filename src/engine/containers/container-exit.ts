/**
 * Keeping container state true. A container's exit is recorded by its monitor in a file; a
 * monitor that was killed, or a reboot (which empties /run), leaves the record behind reality,
 * so every reader first refreshes what it shows. Finishing a container (recording its exit,
 * unmounting its root, deleting its runtime state, and removing it if --rm) is idempotent and
 * may run in several processes at once: the foreground `run`, conmon's exit command, `ps`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ignoreCodes, isSystemError } from '../../internal/errors.js';
import { listDirectory } from '../../internal/fs.js';
import { isFileOwnerAlive, isIdentityAlive, ownIdentity, processStartTime } from '../../internal/process-identity.js';
import { containerPaths, exitFile } from '../../container/container-paths.js';
import { isMounted, unmount } from '../../container/rootfs/overlay.js';
import { containerState, deleteContainer } from '../../container/runtime/oci-runtime.js';
import { deleteContainerRecord, getContainer, hasContainer, updateContainer, type ContainerRecord } from '../../store/containers.js';
import { runtimeFor, type ContainerHost } from './container-host.js';
import { resumeAbandonedPause } from './container-pause.js';
import { releaseRuntime } from './release-runtime.js';
import { settleInterruptedStart, startInterrupted } from './interrupted-start.js';
import { specOf } from './container-spec.js';

/** Exit code recorded when a container stopped without its monitor seeing it (killed monitor, reboot). */
export const UNKNOWN_EXIT = 255;

function readExit(host: ContainerHost, id: string): { code: number; at: string } | undefined {
  const file = exitFile(host.runtimeDirs, id);
  try {
    const text = readFileSync(file, 'utf8').trim();
    const code = /^-?\d+$/.test(text) ? Number(text) : UNKNOWN_EXIT;
    return { code, at: statSync(file).mtime.toISOString() };
  } catch (err) {
    return ignoreCodes(err, 'ENOENT'); // not exited (or the file just removed)
  }
}

/**
 * The record as it really is now (finishing the container if it has stopped, settling a start
 * whose berth was killed). conmon writes the exit file, then exits: a monitor found gone means
 * the exit file is there, unless the monitor was killed. So the file is looked for again after
 * the monitor is found gone, since the container may have exited between the two looks.
 */
export async function refreshContainer(host: ContainerHost, stale: ContainerRecord): Promise<ContainerRecord> {
  let record = getContainer(host.store, stale.id) ?? stale;
  if (startInterrupted(host, record.id)) record = await settleInterruptedStart(host, record);
  if (record.state !== 'running') return record;
  const exit = readExit(host, record.id);
  if (exit !== undefined) return finishContainer(host, record, exit.code, exit.at);
  const spec = specOf(record);
  if (record.monitor !== null && isIdentityAlive(record.monitor)) {
    await resumeAbandonedPause(host, record, spec.runtime);
    return record;
  }
  const state = await containerState(runtimeFor(host, spec.runtime), record.id);
  if (state !== undefined && (state.status === 'running' || state.status === 'paused')) {
    await resumeAbandonedPause(host, record, spec.runtime);
    return record;
  }
  const late = readExit(host, record.id);
  if (late !== undefined) return finishContainer(host, record, late.code, late.at);
  return finishContainer(host, record, UNKNOWN_EXIT, new Date().toISOString());
}

/**
 * Records the exit (once), unmounts the root filesystem and deletes the runtime's state; with
 * --rm, removes the container. Returns the record as it is afterwards (state exited), even if
 * it was removed.
 */
export async function finishContainer(host: ContainerHost, record: ContainerRecord, exitCode: number, finishedAt: string): Promise<ContainerRecord> {
  const { store } = host;
  const finished = store.transaction(() => {
    const current = getContainer(store, record.id);
    if (current === undefined) return { ...record, state: 'exited' as const, exitCode, finishedAt };
    if (current.state === 'running') updateContainer(store, record.id, { state: 'exited', exitCode, finishedAt, pid: null, monitor: null });
    return getContainer(store, record.id)!;
  });
  const autoRemove = specOf(record).autoRemove && !isHeldForRestart(host, record);
  if (autoRemove && host.removeInBackground === true) {
    await retireContainer(host, record);
    return finished;
  }
  await releaseRuntime(host, record);
  if (autoRemove) await removeContainerFiles(host, record);
  return finished;
}

const RESTART_FILE = 'restarting';

/**
 * Keeps a --rm container through `restart`, as Docker does: while the returned hold is in
 * place, finishing the container (in this process, conmon's exit command or any `ps`) does not
 * remove it. The hold is a file naming this process: if the process dies before releasing it,
 * the hold lapses and the next finisher removes the exited container as --rm says.
 */
export function holdForRestart(host: ContainerHost, record: ContainerRecord): { release(): void } {
  const file = join(containerPaths(host.store.layout.containers, record.id).dir, RESTART_FILE);
  writeFileSync(file, ownIdentity());
  return { release: () => rmSync(file, { force: true }) };
}

function isHeldForRestart(host: ContainerHost, record: ContainerRecord): boolean {
  return isFileOwnerAlive(join(containerPaths(host.store.layout.containers, record.id).dir, RESTART_FILE));
}

const RETIRED_PREFIX = '.removed-';
const CLEANER_FILE = 'cleaner';

/**
 * --rm without waiting for the disk: deletes the runtime's state and the record now, renames
 * the directory to containers/.removed-<id>, and leaves unmounting and deleting it to a
 * detached process. A kill -9 anywhere leaves a retired (or row-less) directory that the next
 * create or prune sweeps (sweepRetiredContainers).
 */
async function retireContainer(host: ContainerHost, record: ContainerRecord): Promise<void> {
  if (existsSync(join(host.runtimeDirs.runtimeRoot, record.id))) await deleteContainer(runtimeFor(host, specOf(record).runtime), record.id);
  rmSync(exitFile(host.runtimeDirs, record.id), { force: true });
  rmSync(join(host.runtimeDirs.sockets, record.id), { recursive: true, force: true });
  host.store.transaction(() => deleteContainerRecord(host.store, record.id));
  const retired = join(host.store.layout.containers, `${RETIRED_PREFIX}${record.id}`);
  try {
    renameSync(containerPaths(host.store.layout.containers, record.id).dir, retired);
  } catch (err) {
    if (isSystemError(err, 'ENOENT')) return; // removed already (by a concurrent rm)
    throw err;
  }
  // The cleaner waits for a line on its stdin (or its end, if berth is killed) before deleting:
  // its identity must be in the directory first, or the write would land after rm emptied it.
  const cleaner = spawn('/bin/sh', ['-c', CLEAN_SCRIPT, 'berth-cleanup', retired], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  cleaner.on('error', () => undefined); // the next sweep does it instead
  cleaner.stdin!.on('error', () => undefined);
  if (cleaner.pid !== undefined) {
    const started = processStartTime(cleaner.pid);
    try {
      if (started !== undefined) writeFileSync(join(retired, CLEANER_FILE), `${cleaner.pid}-${started}`);
    } catch (err) {
      ignoreCodes(err, 'ENOENT'); // swept already by another berth
    }
  }
  cleaner.stdin!.end('\n');
  cleaner.unref();
}

/** A containers/ entry that a retired (--rm) container's files were moved to. */
export function isRetiredDirName(name: string): boolean {
  return name.startsWith(RETIRED_PREFIX);
}

/** True while the background process deleting a retired container directory is still running. */
export function isCleanerAlive(retiredDir: string): boolean {
  return isFileOwnerAlive(join(retiredDir, CLEANER_FILE));
}

/** Once told to (a line, or the end of stdin), unmounts DIR/rootfs (lazily if busy) and deletes DIR, never crossing into another filesystem. */
const CLEAN_SCRIPT = 'read -r _; umount "$1/rootfs" 2>/dev/null || umount -l "$1/rootfs" 2>/dev/null; rm -rf --one-file-system "$1"';

/**
 * Finishes what retired containers' cleaners did not (killed, or a reboot): unmounts and deletes
 * containers/.removed-* whose cleaner is gone, and container directories without a record.
 */
export async function sweepRetiredContainers(host: ContainerHost): Promise<void> {
  const dir = host.store.layout.containers;
  for (const name of listDirectory(dir)) {
    const path = join(dir, name);
    if (isRetiredDirName(name)) {
      if (isCleanerAlive(path)) continue;
    } else if (!/^[0-9a-f]{64}$/.test(name) || hasContainer(host.store, name)) {
      continue;
    }
    try {
      await unmount(join(path, 'rootfs'));
      if (!isMounted(join(path, 'rootfs'))) rmSync(path, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // Deliberately any failure (best effort): another berth (or a cleaner just starting) is deleting it too; the next sweep retries.
    }
  }
}

/** Deletes the record (if still there) and the container's directory. The root must be unmounted first. */
export async function removeContainerFiles(host: ContainerHost, record: ContainerRecord): Promise<boolean> {
  const removed = host.store.transaction(() => deleteContainerRecord(host.store, record.id));
  const paths = containerPaths(host.store.layout.containers, record.id);
  await unmount(paths.rootfs);
  rmSync(paths.dir, { recursive: true, force: true, maxRetries: 3 });
  return removed;
}

/** Resolves when the container's exit file appears (or `timeoutMs` passes: then with false). */
export function waitForExitFile(host: ContainerHost, id: string, timeoutMs = Infinity): Promise<boolean> {
  const file = exitFile(host.runtimeDirs, id);
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (found: boolean, failure?: unknown): void => {
      if (done) return;
      done = true;
      watcher.close();
      clearInterval(poll);
      if (timer !== undefined) clearTimeout(timer);
      if (failure === undefined) resolve(found);
      else reject(failure);
    };
    const check = (): void => {
      try {
        statSync(file);
        finish(true);
      } catch (err) {
        // ENOENT: not yet. Anything else goes to the caller (this runs from a watcher or a timer).
        if (!isSystemError(err, 'ENOENT')) finish(false, err);
      }
    };
    const watcher = watch(host.runtimeDirs.exits, () => check());
    // inotify can miss an event across a rename or a busy moment: a slow poll backs it up.
    const poll = setInterval(check, 250);
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => finish(false), timeoutMs) : undefined;
    check();
  });
}
