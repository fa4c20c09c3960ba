import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../../internal/errors.js';
import { KNOWN_CAPABILITIES } from './capabilities.js';
import { DEFAULT_CAPABILITIES } from './oci-spec.js';
import { defaultSeccompProfile, parseSecurityOptions } from './seccomp-profile.js';

const DEFAULTS = [...DEFAULT_CAPABILITIES];

interface Rule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: Array<{ index: number; value: number; valueTwo?: number; op: string }>;
}

function rules(profile: Record<string, unknown>): Rule[] {
  return profile.syscalls as Rule[];
}

/** Names let through whatever their arguments. */
function allowed(profile: Record<string, unknown>): Set<string> {
  return new Set(rules(profile).filter((r) => r.action === 'SCMP_ACT_ALLOW' && r.args === undefined).flatMap((r) => r.names));
}

/** Whether the profile lets `name` through with `value` as its argument `index` (the comparisons runc makes, on 64 bits). */
function allowsArg(profile: Record<string, unknown>, name: string, index: number, value: number): boolean {
  if (allowed(profile).has(name)) return true;
  return rules(profile).some((r) => r.action === 'SCMP_ACT_ALLOW' && r.names.includes(name) && r.args!.every((a) => {
    if (a.index !== index) return false;
    const v = BigInt(value);
    switch (a.op) {
      case 'SCMP_CMP_EQ': return v === BigInt(a.value);
      case 'SCMP_CMP_LT': return v < BigInt(a.value);
      case 'SCMP_CMP_MASKED_EQ': return (v & BigInt(a.value)) === BigInt(a.valueTwo ?? 0);
      default: throw new Error(`unexpected op ${a.op}`);
    }
  }));
}

function withProfile(doc: unknown, fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'berth-seccomp-'));
  try {
    const path = join(dir, 'profile.json');
    writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
    fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertCode(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof BerthError && err.code === code && message.test(err.message));
}

test('the default profile is an allow-list: EPERM for any call it does not name, on the three x86 ABIs', () => {
  const profile = defaultSeccompProfile('x64', DEFAULTS, '6.1.0');
  assert.equal(profile.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(profile.defaultErrnoRet, 1);
  assert.deepEqual(profile.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const names = allowed(profile);
  for (const name of ['read', 'execve', 'chmod', 'futex', 'socketcall', 'chown32', 'ptrace', 'arch_prctl', 'modify_ldt', 'chroot', 'adjtimex', 'clock_adjtime', 'capset', 'landlock_create_ruleset']) {
    assert.ok(names.has(name), `${name} is allowed`);
  }
  const refused = [
    'keyctl', 'add_key', 'request_key', 'bpf', 'perf_event_open', 'userfaultfd', 'mount', 'umount2', 'pivot_root', 'setns', 'unshare', 'fsopen',
    'kexec_load', 'init_module', 'reboot', 'swapon', 'acct', 'settimeofday', 'clock_settime', 'open_by_handle_at', 'name_to_handle_at',
    'fanotify_init', 'migrate_pages', 'move_pages', 'mbind', 'kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'pkey_alloc',
    'vm86', 'uselib', 'sysfs', 'ustat', 'sigsuspend', 'oldolduname', 'vhangup', 'syslog',
    // out of Docker's allow-list since Docker 25
    'io_uring_setup', 'io_uring_enter', 'io_uring_register',
  ];
  for (const name of refused) assert.ok(!rules(profile).some((r) => r.action === 'SCMP_ACT_ALLOW' && r.names.includes(name)), `${name} is refused`);
  for (const name of ['personality', 'socket', 'clone']) assert.ok(!names.has(name), `${name} is allowed only with some arguments`);
  const listed = rules(profile).find((r) => r.args === undefined && r.action === 'SCMP_ACT_ALLOW')!.names;
  assert.equal(new Set(listed).size, listed.length, 'no name twice');
});

test('no call newer than futex_waitv is named, whatever the capabilities: runc\'s ENOSYS stub starts after the highest name libseccomp resolves', () => {
  const newer = [
    'set_mempolicy_home_node', 'cachestat', 'fchmodat2', 'map_shadow_stack', 'futex_wake', 'futex_wait', 'futex_requeue', 'statmount', 'listmount',
    'lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules', 'mseal', 'setxattrat', 'getxattrat', 'listxattrat', 'removexattrat', 'open_tree_attr',
    'uretprobe', 'uprobe', 'clock_settime64',
  ];
  for (const arch of ['x64', 'arm64', 's390x']) {
    const named = rules(defaultSeccompProfile(arch, KNOWN_CAPABILITIES)).flatMap((r) => r.names);
    for (const name of newer) assert.ok(!named.includes(name), `${arch}: ${name} is not named`);
  }
});

test('personality: only the personas Docker allows (ADDR_NO_RANDOMIZE and READ_IMPLIES_EXEC are refused)', () => {
  const profile = defaultSeccompProfile('x64', DEFAULTS);
  for (const persona of [0, 0x0008, 0x20000, 0x20008, 0xffffffff]) assert.ok(allowsArg(profile, 'personality', 0, persona), `persona ${persona.toString(16)}`);
  for (const persona of [0x0040000, 0x0400000, 0x0040008, 0x1, 2 ** 32]) assert.ok(!allowsArg(profile, 'personality', 0, persona), `persona ${persona.toString(16)}`);
});

test('socket: current Docker\'s families, without AF_ALG and AF_VSOCK; socketcall stays open', () => {
  const profile = defaultSeccompProfile('x64', DEFAULTS);
  for (const family of [1, 2, 10, 16, 17, 39, 41, 45]) assert.ok(allowsArg(profile, 'socket', 0, family), `family ${family}`);
  // AF_DECnet (12), AF_ALG (38), AF_VSOCK (40), past AF_MAX (46), AF_ALG with bits above the 32 the kernel reads, -1 on 32 bits
  for (const family of [12, 38, 40, 46, 2 ** 32 + 38, 0xffffffff]) assert.ok(!allowsArg(profile, 'socket', 0, family), `family ${family}`);
  assert.ok(allowed(profile).has('socketcall'));
});

test('clone without namespace flags, clone3 answered ENOSYS, unshare refused; CAP_SYS_ADMIN lifts all three', () => {
  const plain = defaultSeccompProfile('x64', DEFAULTS);
  const SIGCHLD = 17;
  assert.ok(allowsArg(plain, 'clone', 0, SIGCHLD), 'fork');
  assert.ok(allowsArg(plain, 'clone', 0, 0x003d0f00), 'a thread (pthread_create\'s flags)');
  for (const flag of [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000]) {
    assert.ok(!allowsArg(plain, 'clone', 0, flag | SIGCHLD), `namespace flag ${flag.toString(16)}`);
  }
  assert.deepEqual(rules(plain).filter((r) => r.names.includes('clone3')), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  assert.ok(!rules(plain).some((r) => r.names.includes('unshare')), 'unshare is refused whatever its flags');
  const admin = defaultSeccompProfile('x64', [...DEFAULTS, 'CAP_SYS_ADMIN']);
  for (const name of ['clone', 'clone3', 'unshare']) assert.ok(allowed(admin).has(name), `${name} with CAP_SYS_ADMIN`);
  assert.ok(!rules(admin).some((r) => r.names.includes('clone') && r.args !== undefined), 'no flag rule for clone');
  assert.ok(!rules(admin).some((r) => r.action === 'SCMP_ACT_ERRNO'), 'no ENOSYS rule for clone3');
  // On s390x clone takes its flags second.
  const s390 = rules(defaultSeccompProfile('s390x', DEFAULTS)).find((r) => r.names.includes('clone'));
  assert.equal(s390?.args?.[0]?.index, 1);
});

test('no name is both allowed outright and filtered by its arguments (the filter would then mean nothing)', () => {
  for (const caps of [DEFAULTS, [...DEFAULTS, 'CAP_SYS_ADMIN'], KNOWN_CAPABILITIES]) {
    const profile = defaultSeccompProfile('x64', caps);
    const outright = allowed(profile);
    const filtered = rules(profile).filter((r) => r.args !== undefined || r.action !== 'SCMP_ACT_ALLOW').flatMap((r) => r.names);
    assert.deepEqual(filtered.filter((n) => outright.has(n)), []);
  }
});

test('the calls of the architecture: arch_prctl on x86_64, the ARM calls on arm64; ptrace needs CAP_SYS_PTRACE before Linux 4.8', () => {
  assert.ok(!allowed(defaultSeccompProfile('arm64', DEFAULTS)).has('arch_prctl'));
  assert.ok(allowed(defaultSeccompProfile('arm64', DEFAULTS)).has('set_tls'));
  assert.ok(!allowed(defaultSeccompProfile('x64', DEFAULTS)).has('set_tls'));
  assert.ok(allowed(defaultSeccompProfile('s390x', DEFAULTS)).has('s390_runtime_instr'));
  assert.deepEqual(defaultSeccompProfile('arm64').architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.ok(!allowed(defaultSeccompProfile('x64', DEFAULTS, '4.4.0-210-generic')).has('ptrace'));
  assert.ok(allowed(defaultSeccompProfile('x64', [...DEFAULTS, 'CAP_SYS_PTRACE'], '4.4.0')).has('ptrace'));
  assert.ok(allowed(defaultSeccompProfile('x64', DEFAULTS, '4.8.0')).has('ptrace'));
});

test('--security-opt: the default, unconfined, no-new-privileges in its forms', () => {
  assert.deepEqual(parseSecurityOptions([]), { seccomp: 'default', noNewPrivileges: false });
  assert.deepEqual(parseSecurityOptions(['seccomp=unconfined']), { seccomp: 'unconfined', noNewPrivileges: false });
  assert.deepEqual(parseSecurityOptions(['seccomp:unconfined', 'no-new-privileges']), { seccomp: 'unconfined', noNewPrivileges: true });
  assert.equal(parseSecurityOptions(['no-new-privileges=true']).noNewPrivileges, true);
  assert.equal(parseSecurityOptions(['no-new-privileges:true', 'no-new-privileges=false']).noNewPrivileges, false, 'the last one wins');
  assertCode(() => parseSecurityOptions(['no-new-privileges=yes']), 'SECURITY_OPT_INVALID', /takes true or false/);
  assertCode(() => parseSecurityOptions(['seccomp=']), 'SECURITY_OPT_INVALID', /needs a value/);
  assertCode(() => parseSecurityOptions(['bogus=1']), 'SECURITY_OPT_INVALID', /unknown option/);
  assertCode(() => parseSecurityOptions(['apparmor=unconfined']), 'SECURITY_OPT_UNSUPPORTED', /apparmor is not supported/);
  assertCode(() => parseSecurityOptions(['label=disable']), 'SECURITY_OPT_UNSUPPORTED', /label is not supported/);
});

test('--security-opt seccomp=FILE: the OCI form as written, Docker\'s form through its archMap', () => {
  const oci = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
  withProfile(oci, (path) => {
    assert.deepEqual(parseSecurityOptions([`seccomp=${path}`]).seccomp, oci);
  });
  const docker = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    ],
    syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }],
  };
  withProfile(docker, (path) => {
    const got = parseSecurityOptions([`seccomp=${path}`]).seccomp as Record<string, unknown>;
    assert.equal(got.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(got.defaultErrnoRet, 1);
    assert.deepEqual(got.syscalls, docker.syscalls);
    if (process.arch === 'x64') assert.deepEqual(got.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.equal(got.archMap, undefined, 'only OCI fields reach the runtime');
  });
});

test('--security-opt seccomp=FILE: unreadable, not JSON, no defaultAction, bad rules, conditional rules are refused', () => {
  assertCode(() => parseSecurityOptions(['seccomp=/nonexistent/profile.json']), 'SECURITY_OPT_INVALID', /cannot read \/nonexistent\/profile\.json \(ENOENT\)/);
  withProfile('{"defaultAction":', (path) => assertCode(() => parseSecurityOptions([`seccomp=${path}`]), 'SECURITY_OPT_INVALID', /is not JSON/));
  withProfile([], (path) => assertCode(() => parseSecurityOptions([`seccomp=${path}`]), 'SECURITY_OPT_INVALID', /is not a JSON object/));
  withProfile({ syscalls: [] }, (path) => assertCode(() => parseSecurityOptions([`seccomp=${path}`]), 'SECURITY_OPT_INVALID', /no valid "defaultAction"/));
  withProfile({ defaultAction: 'SCMP_ACT_MAYBE' }, (path) => assertCode(() => parseSecurityOptions([`seccomp=${path}`]), 'SECURITY_OPT_INVALID', /no valid "defaultAction"/));
  withProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: {} }, (path) => assertCode(() => parseSecurityOptions([`seccomp=${path}`]), 'SECURITY_OPT_INVALID', /is not a list/));
  withProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'mkdir', action: 'SCMP_ACT_ERRNO' }] }, (path) => assertCode(() => parseSecurityOptions([`seccomp=${path}`]), 'SECURITY_OPT_INVALID', /has no "names" list/));
  withProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'deny' }] }, (path) => assertCode(() => parseSecurityOptions([`seccomp=${path}`]), 'SECURITY_OPT_INVALID', /has no valid "action"/));
  withProfile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['bpf'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } }] },
    (path) => assertCode(() => parseSecurityOptions([`seccomp=${path}`]), 'SECURITY_OPT_INVALID', /"includes"\/"excludes" conditions/));
});

test('a capability given with --cap-add lets its calls through, as Docker\'s profile does; none opens pivot_root or the key store', () => {
  const opens: Array<[string, string[], string[]]> = [
    ['CAP_SYS_ADMIN', ['mount', 'umount2', 'setns', 'unshare', 'fsopen', 'move_mount', 'sethostname', 'name_to_handle_at', 'fanotify_init', 'bpf', 'perf_event_open', 'quotactl'], ['pivot_root', 'keyctl', 'swapon']],
    ['CAP_SYS_TIME', ['settimeofday', 'stime', 'clock_settime'], ['clock_settime64', 'mount']],
    ['CAP_SYS_PTRACE', ['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev'], []],
    ['CAP_SYS_MODULE', ['init_module', 'finit_module', 'delete_module'], ['create_module']],
    ['CAP_SYS_NICE', ['mbind', 'set_mempolicy', 'get_mempolicy'], ['set_mempolicy_home_node', 'migrate_pages', 'move_pages']],
    ['CAP_SYS_BOOT', ['reboot'], ['kexec_load']],
    ['CAP_SYS_PACCT', ['acct'], []],
    ['CAP_SYS_RAWIO', ['iopl', 'ioperm'], []],
    ['CAP_SYS_TTY_CONFIG', ['vhangup'], []],
    ['CAP_SYSLOG', ['syslog'], []],
    ['CAP_DAC_READ_SEARCH', ['open_by_handle_at'], []],
    ['CAP_BPF', ['bpf'], ['perf_event_open']],
    ['CAP_PERFMON', ['perf_event_open'], ['bpf']],
  ];
  for (const [cap, open, shut] of opens) {
    const names = allowed(defaultSeccompProfile('x64', [...DEFAULTS, cap]));
    for (const name of open) assert.ok(names.has(name), `${cap} opens ${name}`);
    for (const name of shut) assert.ok(!names.has(name), `${cap} leaves ${name} shut`);
  }
  assert.ok(!allowed(defaultSeccompProfile('x64', DEFAULTS.filter((c) => c !== 'CAP_SYS_CHROOT'))).has('chroot'), 'chroot goes with CAP_SYS_CHROOT');
  assert.ok(!allowed(defaultSeccompProfile('x64', KNOWN_CAPABILITIES)).has('pivot_root'), 'not even every capability opens pivot_root');
});
