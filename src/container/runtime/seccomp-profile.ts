/**
 * The seccomp filter every container gets unless `--security-opt seccomp=unconfined` or a
 * profile of the user's own is given: an allow-list with Docker's semantics. A call not named
 * here fails with EPERM; the rest are let through, some only with the arguments Docker lets
 * through (personality's persona, clone's flags, socket's family) or with the capability that
 * Docker's profile asks for (`--cap-add SYS_ADMIN` opens mount, unshare, setns and the rest of
 * its group; nothing opens pivot_root, keyctl, userfaultfd, kexec or swapon).
 *
 * Which Docker: two are compared, and Berth allows a call only where both do.
 * - Docker 20.10 (the daemon beside Berth's tests: its resolved profile is in each container's
 *   OCI bundle, and test/integration/seccomp-probe.test.ts calls every system call number in
 *   both engines and fails on any call Berth lets through that this Docker refuses).
 * - Current Docker (25 and later, moby's profiles), which refuses more: io_uring_setup,
 *   io_uring_enter and io_uring_register left the allow-list in Docker 25 (io_uring works
 *   around the filter), and socket(2) is allowed only for a list of address families, without
 *   AF_VSOCK (the host's virtual machine sockets, refused since Docker 23) and AF_ALG (the
 *   kernel crypto API, refused since Docker 29), nor the families the kernel no longer has.
 *   Berth refuses these too, although 20.10 lets them through.
 *   What current Docker allows and 20.10 refuses stays refused (pkey_*, name_to_handle_at
 *   without CAP_SYS_ADMIN, clock_settime64 and set_mempolicy_home_node with their
 *   capabilities, and the calls newer than 20.10's list: cachestat, fchmodat2, the futex2
 *   calls, listmount/statmount, mseal, the *xattrat calls...).
 * socketcall(2), the 32-bit entry's multiplexer, stays allowed as in Docker: its arguments are
 * in memory, which a filter cannot read, so on that entry the family list does not hold
 * (Docker closes that path with AppArmor or SELinux rules, which Berth does not load).
 *
 * Numbers newer than the profile answer ENOSYS, not EPERM, so that a C library falls back to
 * an older call: runc (1.0 and later) puts a stub before the filter that answers ENOSYS for any
 * number above the highest one the profile names, per architecture. runc resolves names with
 * libseccomp: a name libseccomp does not know (2.5.4 knows calls up to Linux 5.17) is skipped,
 * both as a rule and for the stub. So nothing above futex_waitv (449 on x86) is named here: a
 * newer name that a newer libseccomp resolved would move the stub up, and the numbers under it
 * that are not named would answer EPERM instead of ENOSYS. (The stub is runc's: another
 * runtime given with --runtime may answer EPERM there.)
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { BerthError } from '../../internal/errors.js';

export type SeccompProfile = Record<string, unknown>;

const EPERM = 1;
const ENOSYS = 38;

interface Group {
  /** Why a container may make these calls. */
  why: string;
  names: readonly string[];
}

/** Calls every container may make, whatever its capabilities, grouped by what they are for. */
const EVERY_CONTAINER: readonly Group[] = [
  {
    why: 'files and directories: paths, descriptors, reading and writing, metadata, extended attributes, locks',
    names: [
      'access', 'faccessat', 'faccessat2', 'open', 'openat', 'openat2', 'creat', 'close', 'close_range', 'dup', 'dup2', 'dup3',
      'read', 'readv', 'pread64', 'preadv', 'preadv2', 'write', 'writev', 'pwrite64', 'pwritev', 'pwritev2',
      'lseek', '_llseek', 'readahead', 'fadvise64', 'fadvise64_64', 'fallocate', 'ftruncate', 'ftruncate64', 'truncate', 'truncate64',
      'fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range', 'flock', 'fcntl', 'fcntl64', 'ioctl',
      'copy_file_range', 'sendfile', 'sendfile64', 'splice', 'tee', 'vmsplice',
      'stat', 'stat64', 'lstat', 'lstat64', 'fstat', 'fstat64', 'fstatat64', 'newfstatat', 'statx', 'statfs', 'statfs64', 'fstatfs', 'fstatfs64',
      'chdir', 'fchdir', 'getcwd', 'getdents', 'getdents64', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'rmdir',
      'link', 'linkat', 'symlink', 'symlinkat', 'readlink', 'readlinkat', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2',
      'chmod', 'fchmod', 'fchmodat', 'chown', 'chown32', 'fchown', 'fchown32', 'fchownat', 'lchown', 'lchown32', 'umask',
      'utime', 'utimes', 'utimensat', 'utimensat_time64', 'futimesat',
      'getxattr', 'lgetxattr', 'fgetxattr', 'setxattr', 'lsetxattr', 'fsetxattr', 'listxattr', 'llistxattr', 'flistxattr',
      'removexattr', 'lremovexattr', 'fremovexattr',
    ],
  },
  {
    why: 'waiting for events: poll, select, epoll, eventfd, inotify, fanotify marks (making a group needs CAP_SYS_ADMIN), pipes, futexes, Linux AIO',
    names: [
      'poll', 'ppoll', 'ppoll_time64', 'select', '_newselect', 'pselect6', 'pselect6_time64',
      'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_wait', 'epoll_wait_old', 'epoll_pwait', 'epoll_pwait2',
      'eventfd', 'eventfd2', 'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch', 'fanotify_mark', 'pipe', 'pipe2',
      'futex', 'futex_time64', 'futex_waitv', 'get_robust_list', 'set_robust_list',
      'io_setup', 'io_destroy', 'io_submit', 'io_cancel', 'io_getevents', 'io_pgetevents', 'io_pgetevents_time64',
    ],
  },
  {
    why: 'memory: mappings, protection, locking (bounded by RLIMIT_MEMLOCK), memfd',
    names: [
      'brk', 'mmap', 'mmap2', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync', 'remap_file_pages',
      'mlock', 'mlock2', 'mlockall', 'munlock', 'munlockall', 'membarrier', 'memfd_create', 'memfd_secret',
    ],
  },
  {
    why: 'processes and threads: making (clone is filtered below), running, waiting, scheduling, limits, the thread area, rseq, landlock and seccomp to confine oneself further',
    names: [
      'fork', 'vfork', 'execve', 'execveat', 'exit', 'exit_group', 'wait4', 'waitid', 'waitpid', 'restart_syscall',
      'getpid', 'getppid', 'gettid', 'getpgid', 'getpgrp', 'setpgid', 'getsid', 'setsid', 'set_tid_address',
      'getpriority', 'setpriority', 'ioprio_get', 'ioprio_set', 'getcpu', 'sched_yield',
      'sched_getaffinity', 'sched_setaffinity', 'sched_getattr', 'sched_setattr', 'sched_getparam', 'sched_setparam',
      'sched_getscheduler', 'sched_setscheduler', 'sched_get_priority_max', 'sched_get_priority_min',
      'sched_rr_get_interval', 'sched_rr_get_interval_time64',
      'getrlimit', 'ugetrlimit', 'setrlimit', 'prlimit64', 'getrusage', 'times',
      'prctl', 'capget', 'capset', 'get_thread_area', 'set_thread_area', 'rseq',
      'pidfd_open', 'pidfd_send_signal', 'process_mrelease', 'seccomp', 'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self',
      'uname', 'sysinfo', 'getrandom',
    ],
  },
  {
    why: 'user and group identity (changing it is the capability check\'s business, CAP_SETUID and CAP_SETGID)',
    names: [
      'getuid', 'getuid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getegid', 'getegid32',
      'getresuid', 'getresuid32', 'getresgid', 'getresgid32', 'getgroups', 'getgroups32',
      'setuid', 'setuid32', 'setgid', 'setgid32', 'setreuid', 'setreuid32', 'setregid', 'setregid32',
      'setresuid', 'setresuid32', 'setresgid', 'setresgid32', 'setfsuid', 'setfsuid32', 'setfsgid', 'setfsgid32', 'setgroups', 'setgroups32',
    ],
  },
  {
    why: 'signals',
    names: [
      'kill', 'tkill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'rt_sigaction', 'rt_sigprocmask', 'sigprocmask', 'rt_sigpending',
      'rt_sigsuspend', 'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_sigreturn', 'sigreturn', 'sigaltstack', 'signalfd', 'signalfd4', 'pause', 'alarm',
    ],
  },
  {
    why: 'time: clocks, sleeps, timers; adjtimex and clock_adjtime only read the clock without CAP_SYS_TIME',
    names: [
      'time', 'gettimeofday', 'clock_gettime', 'clock_gettime64', 'clock_getres', 'clock_getres_time64',
      'adjtimex', 'clock_adjtime', 'clock_adjtime64', 'nanosleep', 'clock_nanosleep', 'clock_nanosleep_time64', 'getitimer', 'setitimer',
      'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_gettime64', 'timer_settime', 'timer_settime64',
      'timerfd_create', 'timerfd_gettime', 'timerfd_gettime64', 'timerfd_settime', 'timerfd_settime64',
    ],
  },
  {
    why: 'System V and POSIX IPC (namespaced per container)',
    names: [
      'ipc', 'msgget', 'msgctl', 'msgsnd', 'msgrcv', 'semget', 'semctl', 'semop', 'semtimedop', 'semtimedop_time64',
      'shmget', 'shmctl', 'shmat', 'shmdt', 'mq_open', 'mq_unlink', 'mq_getsetattr', 'mq_notify',
      'mq_timedsend', 'mq_timedsend_time64', 'mq_timedreceive', 'mq_timedreceive_time64',
    ],
  },
  {
    why: 'sockets once made (socket itself is filtered by family below; socketcall cannot be)',
    names: [
      'socketpair', 'socketcall', 'bind', 'listen', 'accept', 'accept4', 'connect', 'shutdown', 'getsockname', 'getpeername',
      'getsockopt', 'setsockopt', 'send', 'sendto', 'sendmsg', 'sendmmsg', 'recv', 'recvfrom', 'recvmsg', 'recvmmsg', 'recvmmsg_time64',
    ],
  },
];

/**
 * ptrace: safe to allow from Linux 4.8, where it can no longer be used to step around a seccomp
 * filter; before it, CAP_SYS_PTRACE is needed (as in Docker). Reading and writing another
 * process's memory directly (process_vm_readv/writev) needs CAP_SYS_PTRACE in Docker 20.10.
 */
const TRACING = ['ptrace'];

/** Calls of one architecture family, for the machine Node runs on. */
const OF_ARCHITECTURE: Record<string, readonly string[]> = {
  // the FS/GS bases, and the LDT (16-bit and Wine code)
  x64: ['arch_prctl', 'modify_ldt'],
  ia32: ['modify_ldt'],
  // ARM's own call numbers: cache flushes, the TLS register, its argument orders
  arm64: ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'],
  arm: ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'],
  ppc64: ['sync_file_range2', 'swapcontext'],
  s390x: ['s390_pci_mmio_read', 's390_pci_mmio_write', 's390_runtime_instr'],
  riscv64: ['riscv_flush_icache'],
};

/**
 * Calls a capability lets through, as Docker's profile does: with the capability the filter
 * leaves the decision to the kernel's own check; without it they fail with EPERM before the
 * kernel looks. CAP_SYS_ADMIN also lifts the filters on clone and clone3 below.
 */
const WITH_CAPABILITY: Record<string, readonly string[]> = {
  CAP_SYS_ADMIN: [
    'mount', 'umount', 'umount2', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr',
    'unshare', 'setns', 'clone', 'clone3', 'sethostname', 'setdomainname', 'quotactl', 'quotactl_fd', 'lookup_dcookie',
    'name_to_handle_at', 'fanotify_init', 'bpf', 'perf_event_open', 'syslog',
  ],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_PTRACE: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd', 'process_madvise'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_SYS_NICE: ['get_mempolicy', 'set_mempolicy', 'mbind'],
  CAP_SYSLOG: ['syslog'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
  // Docker 20.10 does not know these two capabilities; current Docker opens one call each.
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
};

/**
 * The personas personality(2) may be given: Linux, PER_LINUX32, UNAME26 and both, and
 * 0xffffffff, which only asks. ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC and the rest weaken the
 * process's own defences (address randomization, non-executable data) and are refused.
 */
const PERSONAS = [0x0, 0x0008, 0x20000, 0x20008, 0xffffffff];

/** Namespace flags of clone(2) (CLONE_NEWTIME shares its bit with the exit signal there). */
const CLONE_NAMESPACES = 0x00020000 /* NEWNS */ | 0x02000000 /* NEWCGROUP */ | 0x04000000 /* NEWUTS */ | 0x08000000 /* NEWIPC */
  | 0x10000000 /* NEWUSER */ | 0x20000000 /* NEWPID */ | 0x40000000; /* NEWNET */

/**
 * The address families socket(2) may make, as current Docker has them. Left out: AF_ALG (38,
 * the kernel crypto API), AF_VSOCK (40, the host's virtual machines) and the families the
 * kernel dropped (12 DECnet, 19 Econet, 20 ATMSVC, 23 IrDA, 25 WANPIPE, 34 ISDN, 37 CAIF).
 */
const SOCKET_FAMILIES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 21, 22, 24, 26, 27, 28, 29, 30, 31, 32, 33, 35, 36, 39, 41, 42, 43, 44, 45];

/** The architectures the filter applies to, for the machine Node runs on (Docker's archMap). */
function architectures(arch: string): string[] {
  switch (arch) {
    case 'x64': return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
    case 'arm64': return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
    case 'arm': return ['SCMP_ARCH_ARM'];
    case 'ia32': return ['SCMP_ARCH_X86'];
    case 'ppc64': return ['SCMP_ARCH_PPC64LE'];
    case 's390x': return ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390'];
    case 'riscv64': return ['SCMP_ARCH_RISCV64'];
    default: return [];
  }
}

interface Arg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

function allowWith(name: string, arg: Arg): Record<string, unknown> {
  return { names: [name], action: 'SCMP_ACT_ALLOW', args: [arg] };
}

/**
 * socket(2) for the families listed: one rule per family, except a first run from 1 up, which
 * one "less than" covers (0, AF_UNSPEC, makes no socket). A rule cannot bound both ends of a
 * range (runc turns two conditions on one argument into two rules, either of which allows),
 * and a "greater than" would let a family through with bits set above the 32 the kernel reads.
 */
function socketRules(families: readonly number[]): Array<Record<string, unknown>> {
  let run = 0;
  while (families[run] === run + 1) run++;
  return [
    ...(run > 1 ? [allowWith('socket', { index: 0, value: run + 1, op: 'SCMP_CMP_LT' })] : []),
    ...families.slice(run > 1 ? run : 0).map((family) => allowWith('socket', { index: 0, value: family, op: 'SCMP_CMP_EQ' })),
  ];
}

/** Linux 4.8 or later (a release that cannot be read counts as recent: Berth needs far newer). */
function kernelAtLeast48(kernel: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernel);
  if (m === null) return true;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 4 || (major === 4 && minor >= 8);
}

/**
 * Berth's default profile in the OCI runtime spec's form (linux.seccomp), for a container with
 * the capabilities `caps` on the architecture `arch` (Node's names) and the kernel `kernel`.
 */
export function defaultSeccompProfile(arch: string = process.arch, caps: readonly string[] = [], kernel: string = release()): SeccompProfile {
  const admin = caps.includes('CAP_SYS_ADMIN');
  const allowed = new Set([
    ...EVERY_CONTAINER.flatMap((g) => g.names),
    ...(kernelAtLeast48(kernel) ? TRACING : []),
    ...(OF_ARCHITECTURE[arch] ?? []),
    ...caps.flatMap((c) => WITH_CAPABILITY[c] ?? []),
  ]);
  // clone's flags are its first argument everywhere but s390, where they are the second.
  const cloneFlags = arch === 's390x' ? 1 : 0;
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    architectures: architectures(arch),
    syscalls: [
      { names: [...allowed], action: 'SCMP_ACT_ALLOW' },
      ...PERSONAS.map((persona) => allowWith('personality', { index: 0, value: persona, op: 'SCMP_CMP_EQ' })),
      ...socketRules(SOCKET_FAMILIES),
      ...(admin ? [] : [
        // A process without CAP_SYS_ADMIN may fork and make threads, but not namespaces
        // (user namespaces need no capability, and open much of the kernel to the container).
        allowWith('clone', { index: cloneFlags, value: CLONE_NAMESPACES, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }),
        // clone3 passes its flags in memory, out of a filter's reach: it is reported missing,
        // so that the C library falls back to clone, whose flags the rule above does see.
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
      ]),
    ],
  };
}

/** What `--security-opt` asked for. */
export interface SecurityOptions {
  /** 'default' (Berth's profile), 'unconfined' (none), or a profile of the user's own. */
  seccomp: 'default' | 'unconfined' | SeccompProfile;
  noNewPrivileges: boolean;
}

function invalidOption(option: string, why: string, hint?: string): BerthError {
  return new BerthError('invalid_argument', 'SECURITY_OPT_INVALID', `invalid --security-opt ${JSON.stringify(option)}: ${why}`, {
    hint: hint ?? 'Use seccomp=unconfined, seccomp=PROFILE.json (OCI form: defaultAction, syscalls) or no-new-privileges[=true|false]',
  });
}

const ACTIONS = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_TRACE', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY']);

/**
 * Reads a profile file. The OCI form (what runc takes) is accepted; so is Docker's, as long as
 * its rules do not depend on capabilities or kernel versions (`includes`/`excludes`), which
 * only Docker's daemon evaluates: such a profile is refused rather than applied half-read.
 */
export function readSeccompProfile(option: string, path: string): SeccompProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw invalidOption(option, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw invalidOption(option, `${path} is not JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidOption(option, `${path} is not a JSON object`);
  const profile = doc as Record<string, unknown>;
  if (typeof profile.defaultAction !== 'string' || !ACTIONS.has(profile.defaultAction)) {
    throw invalidOption(option, `${path} has no valid "defaultAction"`);
  }
  const syscalls = profile.syscalls ?? [];
  if (!Array.isArray(syscalls)) throw invalidOption(option, `"syscalls" in ${path} is not a list`);
  for (const [i, rule] of syscalls.entries()) {
    const r = rule as Record<string, unknown>;
    if (typeof r !== 'object' || r === null) throw invalidOption(option, `syscalls[${i}] in ${path} is not an object`);
    if (!Array.isArray(r.names) || !r.names.every((n) => typeof n === 'string')) throw invalidOption(option, `syscalls[${i}] in ${path} has no "names" list`);
    if (typeof r.action !== 'string' || !ACTIONS.has(r.action)) throw invalidOption(option, `syscalls[${i}] in ${path} has no valid "action"`);
    if (r.includes !== undefined || r.excludes !== undefined) {
      throw invalidOption(option, `syscalls[${i}] in ${path} has "includes"/"excludes" conditions, which Berth does not evaluate`, 'Remove the conditional rules, or give an OCI-form profile');
    }
  }
  const out: SeccompProfile = { defaultAction: profile.defaultAction, syscalls };
  if (typeof profile.defaultErrnoRet === 'number') out.defaultErrnoRet = profile.defaultErrnoRet;
  if (Array.isArray(profile.architectures)) {
    out.architectures = profile.architectures;
  } else if (Array.isArray(profile.archMap)) {
    // Docker's form: the architectures of the entry for this machine.
    const mine = architectures(process.arch)[0];
    const entry = mine === undefined ? undefined : (profile.archMap as Array<Record<string, unknown>>).find((a) => a.architecture === mine);
    const subArchitectures = Array.isArray(entry?.subArchitectures) ? (entry.subArchitectures as unknown[]).filter((a): a is string => typeof a === 'string') : [];
    out.architectures = entry === undefined ? architectures(process.arch) : [mine!, ...subArchitectures];
  } else {
    out.architectures = architectures(process.arch);
  }
  if (Array.isArray(profile.flags)) out.flags = profile.flags;
  return out;
}

/** Parses the `--security-opt` values of `run`/`create`. */
export function parseSecurityOptions(options: readonly string[]): SecurityOptions {
  const out: SecurityOptions = { seccomp: 'default', noNewPrivileges: false };
  for (const option of options) {
    // Docker accepts both KEY=VALUE and the older KEY:VALUE.
    const m = /^([a-z-]+)(?:[=:](.*))?$/s.exec(option);
    const key = m?.[1];
    const value = m?.[2];
    if (key === 'seccomp') {
      if (value === undefined || value === '') throw invalidOption(option, 'seccomp needs a value');
      out.seccomp = value === 'unconfined' ? 'unconfined' : readSeccompProfile(option, value);
    } else if (key === 'no-new-privileges') {
      if (value === undefined || value === 'true') out.noNewPrivileges = true;
      else if (value === 'false') out.noNewPrivileges = false;
      else throw invalidOption(option, 'no-new-privileges takes true or false');
    } else if (key === 'apparmor' || key === 'label' || key === 'systempaths') {
      throw new BerthError('unsupported', 'SECURITY_OPT_UNSUPPORTED', `--security-opt ${key} is not supported by Berth`, {
        hint: 'Berth supports seccomp=... and no-new-privileges',
      });
    } else {
      throw invalidOption(option, 'unknown option');
    }
  }
  return out;
}
