import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../../internal/errors.js';
import { defaultSeccompProfile, parseSecurityOptions } from './seccomp-profile.js';

interface Rule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: Array<{ index: number; value: number; valueTwo: number; op: string }>;
}

function rules(profile: Record<string, unknown>): Rule[] {
  return profile.syscalls as Rule[];
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

test('the default profile allows by default and refuses the kernel surfaces a container does not need', () => {
  const profile = defaultSeccompProfile('x64');
  assert.equal(profile.defaultAction, 'SCMP_ACT_ALLOW');
  assert.deepEqual(profile.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const denied = rules(profile).find((r) => r.args === undefined && r.errnoRet === 1)!;
  for (const name of ['keyctl', 'add_key', 'bpf', 'perf_event_open', 'userfaultfd', 'open_by_handle_at', 'mount', 'pivot_root', 'setns', 'kexec_load', 'init_module', 'io_uring_setup', 'fsopen']) {
    assert.ok(denied.names.includes(name), `${name} is refused`);
  }
  for (const name of ['clone', 'unshare', 'ptrace', 'read', 'execve', 'chmod']) assert.ok(!denied.names.includes(name), `${name} is not refused outright`);
  assert.equal(new Set(denied.names).size, denied.names.length, 'no name twice');
});

test('clone and unshare are refused for each namespace flag, CLONE_NEWUSER included; clone3 reports ENOSYS', () => {
  const profile = defaultSeccompProfile('x64');
  const NEWUSER = 0x10000000;
  for (const name of ['clone', 'unshare']) {
    const flagRules = rules(profile).filter((r) => r.names.includes(name));
    assert.equal(flagRules.length, 8, `one rule per namespace flag for ${name}`);
    const user = flagRules.find((r) => r.args?.[0]?.value === NEWUSER);
    assert.deepEqual(user?.args, [{ index: 0, value: NEWUSER, valueTwo: NEWUSER, op: 'SCMP_CMP_MASKED_EQ' }]);
    assert.equal(user?.action, 'SCMP_ACT_ERRNO');
  }
  const clone3 = rules(profile).find((r) => r.names.includes('clone3'));
  assert.equal(clone3?.errnoRet, 38);
  // On s390x clone takes its flags second.
  assert.ok(rules(defaultSeccompProfile('s390x')).filter((r) => r.names.includes('clone')).every((r) => r.args?.[0]?.index === 1));
  assert.deepEqual(defaultSeccompProfile('arm64').architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
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

test('a capability given with --cap-add lets its calls through, as Docker\'s profile does', () => {
  const denied = (caps: string[]): string[] => (defaultSeccompProfile('x64', caps).syscalls as Array<{ names: string[]; errnoRet: number; args?: unknown }>)
    .filter((r) => r.args === undefined && r.errnoRet === 1).flatMap((r) => r.names);
  const base = denied([]);
  assert.ok(base.includes('mount') && base.includes('settimeofday') && base.includes('keyctl'));
  const time = denied(['CAP_SYS_TIME']);
  assert.ok(!time.includes('settimeofday') && !time.includes('clock_settime') && time.includes('mount'));
  const admin = defaultSeccompProfile('x64', ['CAP_SYS_ADMIN']).syscalls as Array<{ names: string[]; args?: unknown }>;
  assert.ok(!denied(['CAP_SYS_ADMIN']).includes('mount'));
  assert.ok(denied(['CAP_SYS_ADMIN']).includes('keyctl'), 'the key store stays shut, as in Docker');
  assert.ok(!admin.some((r) => r.names.includes('unshare') || r.names.includes('clone3')), 'namespaces may be made');
});
