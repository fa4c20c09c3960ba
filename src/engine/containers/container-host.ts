/**
 * What every container operation needs besides the store: the runtime directories under /run,
 * the monitor binary, and the command conmon runs when a container exits (berth itself, so
 * that state and --rm are handled even when no berth command is waiting).
 */
import { mkdirSync } from 'node:fs';
import { BerthError } from '../../internal/errors.js';
import { findExecutable } from '../../internal/spawn-filter.js';
import { runtimePaths, type RuntimePaths } from '../../container/container-paths.js';
import type { Runtime } from '../../container/runtime/oci-runtime.js';
import type { Store } from '../../store/store.js';

export interface ContainerHost {
  store: Store;
  runtimeDirs: RuntimePaths;
  /** argv that runs this berth on this store (node, the CLI, --root). */
  selfCommand: string[];
  /**
   * A --rm container that exits is forgotten at once and its directory unmounted and deleted by
   * a background process (a foreground `run --rm` need not wait for the disk: unmounting an
   * overlay syncs the filesystem under it, which after a fresh unpack takes a while).
   */
  removeInBackground?: boolean;
}

export function containerHost(store: Store, selfCommand: string[]): ContainerHost {
  if (process.getuid?.() !== 0) {
    throw new BerthError('permission_denied', 'CONTAINERS_NEED_ROOT', 'Cannot manage containers: berth must run as root for containers', {
      hint: 'Run it with sudo; images (load, save, images, ...) work without root',
    });
  }
  const runtimeDirs = runtimePaths(store.layout.root);
  for (const dir of [store.layout.layers, store.layout.containers, runtimeDirs.runtimeRoot, runtimeDirs.exits, runtimeDirs.sockets]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  return { store, runtimeDirs, selfCommand };
}

/**
 * A host for commands that only look (system check, system df) and must also work without root
 * on a store that never ran a container: nothing is created under /run or in the store.
 */
export function lookingHost(store: Store, selfCommand: string[]): ContainerHost {
  return { store, runtimeDirs: runtimePaths(store.layout.root), selfCommand };
}

/** The runtime for a container: its binary plus this store's state directory. */
export function runtimeFor(host: ContainerHost, binary: string): Runtime {
  return { path: binary, args: ['--root', host.runtimeDirs.runtimeRoot] };
}

/** `--runtime runc|crun|PATH`: a path, or a name looked up on PATH. */
export function findRuntime(name: string): string {
  const path = name.includes('/') ? name : findExecutable(name);
  if (path === undefined) {
    throw new BerthError('unavailable', 'RUNTIME_MISSING', `Cannot find the OCI runtime "${name}"`, { hint: `Install it (apt-get install ${name}) or give its path with --runtime` });
  }
  return path;
}

/**
 * The init `--init` runs as the container's PID 1: a static tini (Docker ships one as
 * docker-init; Debian's tini package has tini-static). It is bound into the container, so it
 * must not need the image's libraries.
 */
export function findInit(): string {
  const path = findExecutable('docker-init') ?? findExecutable('tini-static');
  if (path === undefined) throw new BerthError('unavailable', 'INIT_MISSING', 'Cannot find an init for --init (docker-init or tini-static)', { hint: 'Install it with: apt-get install tini' });
  return path;
}

export function findConmon(): string {
  const path = findExecutable('conmon');
  if (path === undefined) throw new BerthError('unavailable', 'MONITOR_MISSING', 'Cannot find conmon, the container monitor', { hint: 'Install it with: apt-get install conmon' });
  return path;
}
