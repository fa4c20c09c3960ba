/** Undoing what a start set up on the host: the runtime's state, the mounted root, the monitor's files. */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { containerPaths, exitFile } from '../../container/container-paths.js';
import { unmount } from '../../container/rootfs/overlay.js';
import { deleteContainer } from '../../container/runtime/oci-runtime.js';
import type { ContainerRecord } from '../../store/containers.js';
import { runtimeFor, type ContainerHost } from './container-host.js';
import { specOf } from './container-spec.js';

/** Unmounts the container's root and forgets it in the runtime. Safe to repeat. */
export async function releaseRuntime(host: ContainerHost, record: ContainerRecord): Promise<void> {
  const paths = containerPaths(host.store.layout.containers, record.id);
  // Independent: the runtime's state and cgroups, and the host's mount of the root.
  await Promise.all([
    existsSync(join(host.runtimeDirs.runtimeRoot, record.id)) ? deleteContainer(runtimeFor(host, specOf(record).runtime), record.id) : undefined,
    unmount(paths.rootfs),
  ]);
  rmSync(exitFile(host.runtimeDirs, record.id), { force: true });
  rmSync(join(host.runtimeDirs.sockets, record.id), { recursive: true, force: true });
  rmSync(paths.userPaused, { force: true }); // a paused container that was stopped or killed
}

