import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CAPABILITIES, runtimeSpec, type SpecInput } from './oci-spec.js';

function input(more: Partial<SpecInput> = {}): SpecInput {
  return {
    rootfs: '/var/lib/berth/v1/containers/abc/rootfs',
    readonlyRootfs: false,
    args: ['/bin/sh', '-c', 'echo hi'],
    env: ['PATH=/usr/bin:/bin', 'HOSTNAME=abc'],
    cwd: '/work',
    uid: 1000,
    gid: 1001,
    additionalGids: [10, 20],
    terminal: false,
    hostname: 'abc',
    network: 'none',
    binds: [],
    cgroupsPath: '/berth/abc',
    seccomp: undefined,
    noNewPrivileges: false,
    ...more,
  };
}

interface Spec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<string, string[]>;
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: Array<{ destination: string; type: string; source: string; options: string[] }>;
  linux: { namespaces: Array<{ type: string }>; cgroupsPath: string; maskedPaths: string[]; readonlyPaths: string[] };
}

function spec(more: Partial<SpecInput> = {}): Spec {
  // A round trip through JSON, as the spec is written to config.json.
  return JSON.parse(JSON.stringify(runtimeSpec(input(more)))) as Spec;
}

function mount(s: Spec, destination: string): Spec['mounts'][number] {
  const found = s.mounts.filter((m) => m.destination === destination);
  assert.equal(found.length, 1, `one mount at ${destination}`);
  return found[0]!;
}

test('runtimeSpec() gives a container of its own pid, ipc, uts, mount and (for --network none) network namespaces', () => {
  assert.deepEqual(spec({ network: 'none' }).linux.namespaces.map((n) => n.type).sort(), ['ipc', 'mount', 'network', 'pid', 'uts']);
});

test('runtimeSpec() leaves the network namespace out for --network host', () => {
  const types = spec({ network: 'host' }).linux.namespaces.map((n) => n.type);
  assert.equal(types.includes('network'), false);
  assert.deepEqual(types.sort(), ['ipc', 'mount', 'pid', 'uts']);
});

test('runtimeSpec() mounts a fresh sysfs with a network namespace of its own, read-only', () => {
  const sys = mount(spec({ network: 'none' }), '/sys');
  assert.equal(sys.type, 'sysfs');
  assert.equal(sys.source, 'sysfs');
  assert.ok(sys.options.includes('ro'));
});

test('runtimeSpec() binds the host\'s /sys read-only with the host network', () => {
  const sys = mount(spec({ network: 'host' }), '/sys');
  assert.equal(sys.type, 'bind');
  assert.equal(sys.source, '/sys');
  assert.ok(sys.options.includes('rbind'));
  assert.ok(sys.options.includes('ro'));
});

test('runtimeSpec() has Docker\'s standard mounts', () => {
  const s = spec();
  for (const [destination, type] of [['/proc', 'proc'], ['/dev', 'tmpfs'], ['/dev/pts', 'devpts'], ['/sys/fs/cgroup', 'cgroup'], ['/dev/mqueue', 'mqueue'], ['/dev/shm', 'tmpfs']]) {
    assert.equal(mount(s, destination!).type, type, destination);
  }
  const destinations = s.mounts.map((m) => m.destination);
  assert.ok(destinations.indexOf('/dev') < destinations.indexOf('/dev/pts'), '/dev before the mounts inside it');
  assert.ok(destinations.indexOf('/sys') < destinations.indexOf('/sys/fs/cgroup'), '/sys before /sys/fs/cgroup');
});

test('runtimeSpec() adds binds after the standard mounts, read-only or read-write as asked', () => {
  const s = spec({
    binds: [
      { source: '/host/data', destination: '/data', readonly: false },
      { source: '/host/conf', destination: '/etc/app', readonly: true },
      { source: '/run/berth/abc/hosts', destination: '/etc/hosts', readonly: false },
    ],
  });
  const data = mount(s, '/data');
  assert.deepEqual(data, { destination: '/data', type: 'bind', source: '/host/data', options: ['rbind', 'rprivate', 'rw'] });
  const conf = mount(s, '/etc/app');
  assert.deepEqual(conf, { destination: '/etc/app', type: 'bind', source: '/host/conf', options: ['rbind', 'rprivate', 'ro'] });
  assert.equal(mount(s, '/etc/hosts').source, '/run/berth/abc/hosts');
  assert.deepEqual(s.mounts.slice(-3).map((m) => m.destination), ['/data', '/etc/app', '/etc/hosts'], 'binds last, in order');
});

test('runtimeSpec() gives Docker\'s default capabilities, none inheritable or ambient', () => {
  const caps = spec().process.capabilities;
  assert.equal(DEFAULT_CAPABILITIES.length, 14);
  for (const set of ['bounding', 'effective', 'permitted']) assert.deepEqual(caps[set], DEFAULT_CAPABILITIES, set);
  assert.deepEqual(caps.inheritable, []);
  assert.deepEqual(caps.ambient, []);
  for (const cap of ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_KILL', 'CAP_SETUID', 'CAP_SYS_CHROOT', 'CAP_MKNOD', 'CAP_AUDIT_WRITE']) {
    assert.ok(DEFAULT_CAPABILITIES.includes(cap), cap);
  }
  for (const cap of ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_MODULE', 'CAP_DAC_READ_SEARCH']) {
    assert.equal(DEFAULT_CAPABILITIES.includes(cap), false, cap);
  }
});

test('runtimeSpec() passes the cgroups path, user, args, env, cwd, hostname and root through', () => {
  const s = spec({ readonlyRootfs: true, terminal: true });
  assert.equal(s.ociVersion, '1.0.2');
  assert.equal(s.linux.cgroupsPath, '/berth/abc');
  assert.deepEqual(s.process.user, { uid: 1000, gid: 1001, additionalGids: [10, 20] });
  assert.deepEqual(s.process.args, ['/bin/sh', '-c', 'echo hi']);
  assert.deepEqual(s.process.env, ['PATH=/usr/bin:/bin', 'HOSTNAME=abc']);
  assert.equal(s.process.cwd, '/work');
  assert.equal(s.process.terminal, true);
  assert.equal(s.hostname, 'abc');
  assert.deepEqual(s.root, { path: '/var/lib/berth/v1/containers/abc/rootfs', readonly: true });
  assert.equal(spec().root.readonly, false);
  assert.equal(spec().process.terminal, false);
});

test('runtimeSpec() leaves additionalGids out when there are none', () => {
  const s = spec({ uid: 0, gid: 0, additionalGids: [] });
  assert.deepEqual(s.process.user, { uid: 0, gid: 0 });
  assert.equal('additionalGids' in s.process.user, false);
});

test('runtimeSpec() masks and write-protects Docker\'s sensitive /proc and /sys paths', () => {
  const s = spec();
  for (const p of ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware']) assert.ok(s.linux.maskedPaths.includes(p), p);
  for (const p of ['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/bus']) assert.ok(s.linux.readonlyPaths.includes(p), p);
});

test('runtimeSpec() passes the seccomp filter and no-new-privileges through; no filter when unconfined', () => {
  const filter = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
  const confined = runtimeSpec(input({ seccomp: filter, noNewPrivileges: true })) as unknown as Spec & { linux: { seccomp?: unknown } };
  assert.deepEqual(confined.linux.seccomp, filter);
  assert.equal(confined.process.noNewPrivileges, true);
  const unconfined = runtimeSpec(input()) as unknown as Spec & { linux: Record<string, unknown> };
  assert.equal('seccomp' in unconfined.linux, false);
  assert.equal(unconfined.process.noNewPrivileges, false);
});
