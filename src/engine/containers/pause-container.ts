/**
 * `pause` and `unpause`, as Docker has them: the container's processes are frozen (the runtime's
 * cgroup freezer) until `unpause`; it stays running, shown as "Up … (Paused)". A `paused` file in
 * the container's directory says so for `ps` and `inspect` without asking the runtime; it goes
 * when the container is unpaused or finishes. `stop` and `kill` work on a paused container (a
 * frozen process cannot act on SIGTERM, so `stop` ends with SIGKILL after its timeout, as in
 * Docker); `exec` and `attach` are refused until it is unpaused.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { BerthError } from '../../internal/errors.js';
import { containerPaths } from '../../container/container-paths.js';
import { containerState, pauseContainer as runtimePause, resumeContainer as runtimeResume } from '../../container/runtime/oci-runtime.js';
import type { ContainerRecord } from '../../store/containers.js';
import { runtimeFor, type ContainerHost } from './container-host.js';
import { specOf } from './container-spec.js';
import { refreshContainer } from './container-exit.js';

/** True if the container runs and `berth pause` froze it. */
export function isPaused(host: ContainerHost, record: ContainerRecord): boolean {
  return record.state === 'running' && existsSync(containerPaths(host.store.layout.containers, record.id).userPaused);
}

/** Docker's name for the container's state: a paused container is "paused", not "running". */
export function dockerState(record: ContainerRecord, paused: boolean): string {
  return paused ? 'paused' : record.state;
}

export function pausedError(record: ContainerRecord, doing: string): BerthError {
  return new BerthError('conflict', 'CONTAINER_PAUSED', `Container ${record.id} is paused, unpause the container before ${doing}`, {
    hint: `Run "berth unpause ${record.name}"`,
  });
}

export async function pauseContainer(host: ContainerHost, record: ContainerRecord): Promise<void> {
  const current = await refreshContainer(host, record);
  if (current.state !== 'running') throw new BerthError('conflict', 'CONTAINER_NOT_RUNNING', `Container ${current.id} is not running`);
  if (isPaused(host, current)) throw new BerthError('conflict', 'CONTAINER_PAUSED', `Container ${current.id} is already paused`);
  const marker = containerPaths(host.store.layout.containers, current.id).userPaused;
  // The marker first: a container frozen without it would show as merely running.
  writeFileSync(marker, '');
  try {
    await runtimePause(runtimeFor(host, specOf(current).runtime), current.id);
  } catch (err) {
    rmSync(marker, { force: true });
    throw err;
  }
}

export async function unpauseContainer(host: ContainerHost, record: ContainerRecord): Promise<void> {
  const current = await refreshContainer(host, record);
  if (!isPaused(host, current)) throw new BerthError('conflict', 'CONTAINER_NOT_PAUSED', `Container ${current.id} is not paused`);
  const runtime = runtimeFor(host, specOf(current).runtime);
  const marker = containerPaths(host.store.layout.containers, current.id).userPaused;
  try {
    await runtimeResume(runtime, current.id);
  } catch (err) {
    // A marker left by a berth killed mid-pause (or mid-unpause) on a container that runs: drop it.
    if ((await containerState(runtime, current.id))?.status !== 'running') throw err;
    rmSync(marker, { force: true });
    throw new BerthError('conflict', 'CONTAINER_NOT_PAUSED', `Container ${current.id} is not paused`);
  }
  rmSync(marker, { force: true });
}
