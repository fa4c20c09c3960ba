/**
 * The seccomp filter every container gets unless `--security-opt seccomp=unconfined` or a
 * profile of the user's own is given. Docker's default profile is an allow-list of several
 * hundred system calls; Berth's is the reverse: everything is allowed except the calls that
 * reach kernel surfaces a container has no business with. The list below follows the table of
 * "significant syscalls blocked by the default profile" in Docker's seccomp documentation
 * (less ptrace, which Docker allows on kernels from 4.8, and personality), plus what appeared
 * since (io_uring, the new mount API, the 64-bit time variants). These calls fail with EPERM.
 *
 * Most of them already fail for want of a capability (Berth keeps Docker's 14): the filter is
 * a second wall, for the day a kernel bug lets one through. The ones that matter on their own
 * are user namespaces (`unshare`/`clone` with CLONE_NEWUSER need no capability and open a lot
 * of kernel code to the container), `keyctl` and friends (the key store is not namespaced),
 * `bpf`, `perf_event_open`, `userfaultfd`, io_uring, and the new mount API.
 */
import { readFileSync } from 'node:fs';
import { BerthError } from '../../internal/errors.js';

export type SeccompProfile = Record<string, unknown>;

const EPERM = 1;
const ENOSYS = 38;

/** Refused outright. */
const DENIED_SYSCALLS = [
  // kernel modules, kexec, reboot, swap, accounting, clocks, quotas
  'init_module', 'finit_module', 'delete_module', 'create_module', 'query_module', 'get_kernel_syms',
  'kexec_load', 'kexec_file_load', 'reboot', 'swapon', 'swapoff', 'acct',
  'settimeofday', 'stime', 'clock_settime', 'clock_settime64', 'clock_adjtime', 'clock_adjtime64', 'adjtimex',
  'quotactl', 'quotactl_fd', 'nfsservctl', 'lookup_dcookie', 'sysfs', '_sysctl', 'ustat', 'uselib', 'syslog',
  'vm86', 'vm86old', 'iopl', 'ioperm',
  // mounts and namespaces (the old and the new mount API)
  'mount', 'umount', 'umount2', 'pivot_root', 'setns',
  'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr',
  // the kernel key store, bpf, perf, userfaultfd, io_uring
  'add_key', 'request_key', 'keyctl', 'bpf', 'perf_event_open', 'userfaultfd',
  'io_uring_setup', 'io_uring_enter', 'io_uring_register',
  // file handles outside the mount namespace (the "shocker" escape), other processes' memory and NUMA policy
  'open_by_handle_at', 'name_to_handle_at', 'process_vm_readv', 'process_vm_writev', 'kcmp',
  'get_mempolicy', 'set_mempolicy', 'mbind', 'move_pages',
];

/** Namespace flags of clone(2) and unshare(2); each is refused on its own (a filter compares one masked value). */
const NAMESPACE_FLAGS: Array<[string, number]> = [
  ['CLONE_NEWNS', 0x00020000], ['CLONE_NEWCGROUP', 0x02000000], ['CLONE_NEWUTS', 0x04000000], ['CLONE_NEWIPC', 0x08000000],
  ['CLONE_NEWUSER', 0x10000000], ['CLONE_NEWPID', 0x20000000], ['CLONE_NEWNET', 0x40000000], ['CLONE_NEWTIME', 0x00000080],
];

/** The architectures the filter applies to, for the machine Node runs on. */
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

/**
 * Calls a capability given with --cap-add lets through, as Docker's profile does: the filter
 * then leaves the decision to the capability check, as it would be without a filter.
 */
const UNLOCKED_BY: Record<string, readonly string[]> = {
  CAP_SYS_ADMIN: [
    'mount', 'umount', 'umount2', 'pivot_root', 'setns', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree',
    'mount_setattr', 'quotactl', 'quotactl_fd', 'lookup_dcookie', 'name_to_handle_at', 'bpf', 'perf_event_open',
  ],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_PTRACE: ['kcmp', 'process_vm_readv', 'process_vm_writev'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64', 'adjtimex', 'clock_adjtime', 'clock_adjtime64'],
  CAP_SYS_NICE: ['get_mempolicy', 'set_mempolicy', 'mbind', 'move_pages'],
  CAP_SYSLOG: ['syslog'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
};

/**
 * Berth's default profile in the OCI runtime spec's form (linux.seccomp), for a container with
 * the capabilities `caps` (Docker's defaults unless given): the calls a capability beyond them
 * needs are let through, and CAP_SYS_ADMIN lets namespaces be made, as in Docker.
 */
export function defaultSeccompProfile(arch: string = process.arch, caps: readonly string[] = []): SeccompProfile {
  const unlocked = new Set(caps.flatMap((c) => UNLOCKED_BY[c] ?? []));
  const namespaces = caps.includes('CAP_SYS_ADMIN');
  // clone's flags are its first argument everywhere but s390, where they are the second.
  const cloneFlagsArg = arch === 's390x' ? 1 : 0;
  const flagRules = namespaces ? [] : NAMESPACE_FLAGS.flatMap(([, bit]) => [
    { names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: cloneFlagsArg, value: bit, valueTwo: bit, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['unshare'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: 0, value: bit, valueTwo: bit, op: 'SCMP_CMP_MASKED_EQ' }] },
  ]);
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: architectures(arch),
    syscalls: [
      { names: DENIED_SYSCALLS.filter((name) => !unlocked.has(name)), action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      ...flagRules,
      // clone3 passes its flags in memory, out of a filter's reach: report it missing, so that
      // the C library falls back to clone, whose flags the rules above do see (as Docker does).
      ...(namespaces ? [] : [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS }]),
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
