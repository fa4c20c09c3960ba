/**
 * The OCI runtime config of a container, from its spec and what the start prepared on the host.
 * Pure: every path comes in resolved, nothing is read or written here; startContainer does that.
 */
import type { BindMount } from '../../container/runtime/oci-spec.js';
import { runtimeSpec } from '../../container/runtime/oci-spec.js';
import { defaultSeccompProfile } from '../../container/runtime/seccomp-profile.js';
import type { ContainerUser } from '../../container/rootfs/container-user.js';
import { capabilitiesOf, mergeEnv, type ContainerSpec } from './container-spec.js';
import { runtimeResources } from './resource-limits.js';

/** Where --init's tini is bound, as Docker binds its docker-init. */
const INIT_PATH = '/sbin/docker-init';

/** What a start prepared on the host for the container. */
export interface HostFiles {
  rootfs: string;
  hosts: string;
  hostname: string;
  resolvConf: string;
  /** tini on the host, when the container runs with --init. */
  init: string | undefined;
  /** The container's anonymous volumes, bound at the image's VOLUME paths. */
  volumeBinds: BindMount[];
}

/** The filter the container runs under: Berth's default unless it asked for none or its own. */
function seccompFor(spec: ContainerSpec, arch: string = process.arch): Record<string, unknown> | undefined {
  if (spec.seccomp === 'unconfined') return undefined;
  if (spec.seccomp === undefined || spec.seccomp === 'default') return defaultSeccompProfile(arch, capabilitiesOf(spec));
  return spec.seccomp;
}

export function runtimeConfig(id: string, spec: ContainerSpec, user: ContainerUser, files: HostFiles): Record<string, unknown> {
  const env = spec.env.some((e) => e.startsWith('HOME=')) ? spec.env : mergeEnv(spec.env, [`HOME=${user.home}`]);
  return runtimeSpec({
    rootfs: files.rootfs,
    readonlyRootfs: spec.readonlyRootfs,
    // --init: tini, bound read-only where Docker puts its docker-init, runs the command.
    args: files.init === undefined ? spec.args : [INIT_PATH, '--', ...spec.args],
    env,
    cwd: spec.workdir,
    uid: user.uid,
    gid: user.gid,
    additionalGids: user.additionalGids,
    terminal: spec.tty,
    hostname: spec.hostname,
    network: spec.network,
    binds: [
      ...spec.binds,
      ...files.volumeBinds,
      { source: files.hosts, destination: '/etc/hosts', readonly: false },
      { source: files.hostname, destination: '/etc/hostname', readonly: false },
      { source: files.resolvConf, destination: '/etc/resolv.conf', readonly: false },
      ...(files.init === undefined ? [] : [{ source: files.init, destination: INIT_PATH, readonly: true }]),
    ],
    cgroupsPath: `/berth/${id}`,
    seccomp: seccompFor(spec),
    noNewPrivileges: spec.noNewPrivileges ?? false,
    capabilities: capabilitiesOf(spec),
    resources: spec.limits === undefined ? {} : runtimeResources(spec.limits),
    tmpfs: spec.tmpfs ?? {},
  });
}
