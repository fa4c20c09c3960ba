/**
 * Freezing a container for a while (commit), so that a berth killed meanwhile does not leave it
 * frozen for ever: before it pauses, berth writes its identity (pid + start time) in the
 * container's `paused-by` file and removes it after resuming; a container found paused with a
 * marker whose writer is gone is resumed by the next command that looks at it (refreshContainer).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIdentityAlive, ownIdentity } from '../../internal/process-identity.js';
import { ignoreCodes } from '../../internal/errors.js';
import { containerPaths } from '../../container/container-paths.js';
import { containerState, pauseContainer, resumeContainer } from '../../container/runtime/oci-runtime.js';
import type { ContainerRecord } from '../../store/containers.js';
import { runtimeFor, type ContainerHost } from './container-host.js';

const MARKER = 'paused-by';

function markerOf(host: ContainerHost, record: ContainerRecord): string {
  return join(containerPaths(host.store.layout.containers, record.id).dir, MARKER);
}

/** Pauses the container, recording who did. */
export async function holdContainer(host: ContainerHost, record: ContainerRecord, runtimeBinary: string): Promise<void> {
  const marker = markerOf(host, record);
  writeFileSync(marker, ownIdentity());
  try {
    await pauseContainer(runtimeFor(host, runtimeBinary), record.id);
  } catch (err) {
    rmSync(marker, { force: true });
    throw err;
  }
}

/** Resumes what holdContainer paused. */
export async function releaseContainer(host: ContainerHost, record: ContainerRecord, runtimeBinary: string): Promise<void> {
  await resumeContainer(runtimeFor(host, runtimeBinary), record.id);
  rmSync(markerOf(host, record), { force: true });
}

/** Resumes a container whose pausing berth died before resuming it (kill -9 mid-commit). */
export async function resumeAbandonedPause(host: ContainerHost, record: ContainerRecord, runtimeBinary: string): Promise<void> {
  const marker = markerOf(host, record);
  let owner: string;
  try {
    owner = readFileSync(marker, 'utf8').trim();
  } catch (err) {
    ignoreCodes(err, 'ENOENT'); // not paused by a berth
    return;
  }
  if (isIdentityAlive(owner)) return;
  const runtime = runtimeFor(host, runtimeBinary);
  if ((await containerState(runtime, record.id))?.status === 'paused') await resumeContainer(runtime, record.id);
  rmSync(marker, { force: true });
}
