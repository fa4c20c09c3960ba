/**
 * Where a container's files live. Persistent state goes under the store; what only makes
 * sense while the machine is up (the runtime's state, conmon's exit files and attach sockets)
 * goes under /run, a tmpfs, so that after a reboot nothing claims a container still runs.
 *
 *   <store>/v1/containers/<id>/   config.json (the OCI bundle), upper/ work/ rootfs/ (overlay),
 *                                 hosts hostname resolv.conf, ctr.log runtime.log, conmon.pid, pid,
 *                                 attached-by, starting (while a start is in progress), oom (conmon's
 *                                 mark of an OOM kill), volumes/<name>/ (the image's VOLUMEs), and
 *                                 conmon's attach socket and ctl/winsz FIFOs
 *   /run/berth/<store hash>/       runc/ (runtime root), exits/<id>, sockets/<id> (conmon's link to the
 *                                 bundle directory, where it listens on `attach`)
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export interface ContainerPaths {
  dir: string;
  upper: string;
  work: string;
  rootfs: string;
  config: string;
  hosts: string;
  hostname: string;
  resolvConf: string;
  log: string;
  /** The runtime's own log (JSON lines), where runc explains a failed create. */
  runtimeLog: string;
  conmonPid: string;
  pid: string;
  /** Identity of the berth process attached to the container, which finishes it itself. */
  attachedBy: string;
  /** Present while the container is paused by `berth pause` (until `unpause` or its exit). */
  userPaused: string;
  /** conmon's control FIFO (window size). */
  ctl: string;
  /** The container's anonymous volumes (one directory each, named like Docker's: 64 hex). */
  volumes: string;
  /** Written by conmon (its working directory is this one) when the OOM killer struck in the container. */
  oom: string;
  /** Identity of the berth process starting the container, while it does (engine/containers/interrupted-start.ts). */
  starting: string;
}

export interface RuntimePaths {
  base: string;
  runtimeRoot: string;
  exits: string;
  sockets: string;
}

export function containerPaths(containersDir: string, id: string): ContainerPaths {
  const dir = join(containersDir, id);
  return {
    dir,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    rootfs: join(dir, 'rootfs'),
    config: join(dir, 'config.json'),
    hosts: join(dir, 'hosts'),
    hostname: join(dir, 'hostname'),
    resolvConf: join(dir, 'resolv.conf'),
    log: join(dir, 'ctr.log'),
    runtimeLog: join(dir, 'runtime.log'),
    conmonPid: join(dir, 'conmon.pid'),
    pid: join(dir, 'pid'),
    attachedBy: join(dir, 'attached-by'),
    userPaused: join(dir, 'paused'),
    ctl: join(dir, 'ctl'),
    volumes: join(dir, 'volumes'),
    oom: join(dir, 'oom'),
    starting: startMarkerPath(containersDir, id),
  };
}

/** A container's start mark (containerPaths().starting), alone: every listing looks at it for each container. */
export function startMarkerPath(containersDir: string, id: string): string {
  return `${containersDir}/${id}/starting`;
}

/** Per-store runtime directories on /run (short, because attach socket paths are limited to 108 bytes). */
export function runtimePaths(storeRoot: string): RuntimePaths {
  const base = join('/run/berth', createHash('sha256').update(storeRoot).digest('hex').slice(0, 12));
  return { base, runtimeRoot: join(base, 'runc'), exits: join(base, 'exits'), sockets: join(base, 'sockets') };
}

export function exitFile(paths: RuntimePaths, id: string): string {
  return join(paths.exits, id);
}

export function attachSocket(paths: RuntimePaths, id: string): string {
  return join(paths.sockets, id, 'attach');
}
