/**
 * The OCI runtime config (config.json) for a container: Docker's defaults (mounts, masked and
 * read-only paths, capabilities, namespaces) plus what the image and `run` asked for. Pure:
 * every path and value comes in resolved; nothing here reads the image's files.
 */

export interface BindMount {
  source: string;
  destination: string;
  readonly: boolean;
}

export interface SpecInput {
  rootfs: string;
  readonlyRootfs: boolean;
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  terminal: boolean;
  hostname: string;
  network: 'none' | 'host';
  /** Bind mounts from `-v` and the files Berth writes (/etc/hosts, /etc/hostname, /etc/resolv.conf). */
  binds: BindMount[];
  cgroupsPath: string;
  /** The seccomp filter (linux.seccomp); undefined runs the container unconfined. */
  seccomp: Record<string, unknown> | undefined;
  noNewPrivileges: boolean;
  /** The capability set (bounding, effective and permitted alike); Docker's defaults if absent. */
  capabilities?: string[];
  /** linux.resources besides devices (memory, cpu, pids). */
  resources?: Record<string, unknown>;
  /** --tmpfs: destination -> mount options as given ("size=1m,mode=1777", or ""). */
  tmpfs?: Record<string, string>;
}

/** Docker's default capabilities (moby oci/caps/defaults.go). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export function runtimeSpec(input: SpecInput): Record<string, unknown> {
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (input.network === 'none') namespaces.push({ type: 'network' });
  const mounts: Array<Record<string, unknown>> = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    // sysfs can only be mounted in a network namespace of the container's own; with the host's, bind it (as Docker does).
    input.network === 'host'
      ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    ...input.binds.map((b) => ({ destination: b.destination, type: 'bind', source: b.source, options: ['rbind', 'rprivate', b.readonly ? 'ro' : 'rw'] })),
    // Docker's --tmpfs defaults (noexec, nosuid, nodev), then what was asked (exec, size=, mode=, ...).
    ...Object.entries(input.tmpfs ?? {}).map(([destination, options]) => ({
      destination, type: 'tmpfs', source: 'tmpfs', options: ['rw', 'noexec', 'nosuid', 'nodev', ...options.split(',').filter((o) => o !== '')],
    })),
  ];
  const caps = input.capabilities ?? DEFAULT_CAPABILITIES;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: input.terminal,
      user: { uid: input.uid, gid: input.gid, ...(input.additionalGids.length > 0 ? { additionalGids: input.additionalGids } : {}) },
      args: input.args,
      env: input.env,
      cwd: input.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      noNewPrivileges: input.noNewPrivileges,
      oomScoreAdj: 0,
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs },
    hostname: input.hostname,
    mounts,
    linux: {
      namespaces,
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
      cgroupsPath: input.cgroupsPath,
      resources: { devices: [{ allow: false, access: 'rwm' }], ...input.resources },
      ...(input.seccomp === undefined ? {} : { seccomp: input.seccomp }),
    },
  };
}
