import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../../internal/errors.js';
import type { ImageConfig } from '../../image/config.js';
import type { Digest } from '../../digest/digest.js';
import {
  buildContainerSpec, checkName, DEFAULT_PATH, mergeEnv, newContainerId, newContainerName, type CreateRequest,
} from './container-spec.js';

const ID = 'f00dfeed'.repeat(8);

function image(config: Record<string, unknown> | null): ImageConfig {
  return { architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: [] as Digest[] } };
}

const NGINX = image({
  Entrypoint: ['/docker-entrypoint.sh'],
  Cmd: ['nginx', '-g', 'daemon off;'],
  Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NGINX_VERSION=1.25.3'],
  WorkingDir: '',
  StopSignal: 'SIGQUIT',
  User: '',
});

const BUSYBOX = image({ Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] });

function req(more: Partial<CreateRequest> = {}): CreateRequest {
  return {
    command: [], entrypoint: undefined, env: [], workdir: undefined, user: undefined, hostname: undefined, tty: false,
    openStdin: false, autoRemove: false, readonlyRootfs: false, network: 'none', volumes: [], runtime: '/usr/bin/runc', securityOpt: [], ...more,
  };
}

function assertCode(fn: () => unknown, code: string, message?: RegExp | string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BerthError, String(err));
    assert.equal(err.code, code);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

test('buildContainerSpec() runs the image\'s Entrypoint followed by its Cmd', () => {
  const spec = buildContainerSpec(ID, NGINX, req());
  assert.deepEqual(spec.args, ['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;']);
  assert.deepEqual(spec.entrypoint, ['/docker-entrypoint.sh']);
  assert.deepEqual(spec.cmd, ['nginx', '-g', 'daemon off;']);
});

test('buildContainerSpec() replaces the image\'s Cmd with the command given, keeping the Entrypoint', () => {
  const spec = buildContainerSpec(ID, NGINX, req({ command: ['nginx', '-T'] }));
  assert.deepEqual(spec.args, ['/docker-entrypoint.sh', 'nginx', '-T']);
  assert.deepEqual(spec.cmd, ['nginx', '-T']);
  assert.deepEqual(buildContainerSpec(ID, BUSYBOX, req({ command: ['echo', 'hi'] })).args, ['echo', 'hi']);
});

test('buildContainerSpec() with --entrypoint replaces the Entrypoint and drops the image\'s Cmd', () => {
  const alone = buildContainerSpec(ID, NGINX, req({ entrypoint: '/bin/sh' }));
  assert.deepEqual(alone.args, ['/bin/sh']);
  assert.deepEqual(alone.entrypoint, ['/bin/sh']);
  assert.equal(alone.cmd, null);
  const withCommand = buildContainerSpec(ID, NGINX, req({ entrypoint: '/bin/sh', command: ['-c', 'id'] }));
  assert.deepEqual(withCommand.args, ['/bin/sh', '-c', 'id']);
  assert.deepEqual(withCommand.cmd, ['-c', 'id']);
});

test('buildContainerSpec() with --entrypoint "" clears the Entrypoint: the command runs on its own', () => {
  const spec = buildContainerSpec(ID, NGINX, req({ entrypoint: '', command: ['ls', '/'] }));
  assert.deepEqual(spec.args, ['ls', '/']);
  assert.equal(spec.entrypoint, null);
  assertCode(() => buildContainerSpec(ID, NGINX, req({ entrypoint: '' })), 'NO_COMMAND', 'No command specified');
});

test('buildContainerSpec() fails with NO_COMMAND when neither the image nor the request gives one', () => {
  assertCode(() => buildContainerSpec(ID, image({ Env: [] }), req()), 'NO_COMMAND', 'No command specified');
  assertCode(() => buildContainerSpec(ID, image(null), req()), 'NO_COMMAND', 'No command specified');
  assertCode(() => buildContainerSpec(ID, image({ Cmd: [], Entrypoint: null }), req()), 'NO_COMMAND', 'No command specified');
  assert.deepEqual(buildContainerSpec(ID, image(null), req({ command: ['/app'] })).args, ['/app'], 'an imported image runs the command given');
});

test('buildContainerSpec() ignores an Entrypoint or Cmd that is not a list of strings', () => {
  assert.deepEqual(buildContainerSpec(ID, image({ Entrypoint: '/bin/sh -c', Cmd: ['true'] }), req()).args, ['true']);
  assertCode(() => buildContainerSpec(ID, image({ Cmd: ['sh', 1] }), req()), 'NO_COMMAND');
});

test('buildContainerSpec() takes the working directory from the request, else the image, else "/"', () => {
  assert.equal(buildContainerSpec(ID, BUSYBOX, req()).workdir, '/');
  assert.equal(buildContainerSpec(ID, NGINX, req()).workdir, '/', 'an empty WorkingDir');
  assert.equal(buildContainerSpec(ID, image({ Cmd: ['sh'], WorkingDir: '/srv' }), req()).workdir, '/srv');
  assert.equal(buildContainerSpec(ID, image({ Cmd: ['sh'], WorkingDir: '/srv' }), req({ workdir: '/tmp' })).workdir, '/tmp');
});

test('buildContainerSpec() refuses a relative working directory with WORKDIR_INVALID', () => {
  assertCode(() => buildContainerSpec(ID, BUSYBOX, req({ workdir: 'relative/dir' })), 'WORKDIR_INVALID',
    "the working directory 'relative/dir' is invalid, it needs to be an absolute path");
  assertCode(() => buildContainerSpec(ID, BUSYBOX, req({ workdir: '' })), 'WORKDIR_INVALID');
});

test('buildContainerSpec() orders the environment as Docker does: PATH and HOSTNAME, then the -e values as given, then the image\'s others', () => {
  // Observed with docker 20.10: -e ZED=1 -e ABC=2 on an image with PATH and FOO gives
  // Config.Env [ZED, ABC, PATH, FOO] and the process PATH, HOSTNAME, ZED, ABC, FOO (HOME last).
  const spec = buildContainerSpec(ID, image({ Cmd: ['sh'], Env: ['A=1', 'B=2', 'PATH=/image/bin', 'D=5'] }), req({ env: ['B=3', 'C=4', 'A=0'] }));
  assert.deepEqual(spec.configEnv, ['B=3', 'C=4', 'A=0', 'PATH=/image/bin', 'D=5']);
  assert.deepEqual(spec.env, ['PATH=/image/bin', `HOSTNAME=${ID.slice(0, 12)}`, 'B=3', 'C=4', 'A=0', 'D=5']);
});

test('buildContainerSpec() uses the default PATH when the image has none', () => {
  const spec = buildContainerSpec(ID, image({ Cmd: ['sh'] }), req({ hostname: 'web' }));
  assert.deepEqual(spec.env, [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=web']);
  assert.equal(DEFAULT_PATH, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
});

test('buildContainerSpec() records the environment as Docker\'s Config does: the image\'s and -e only, no HOSTNAME, TERM or default PATH', () => {
  const spec = buildContainerSpec(ID, image({ Cmd: ['sh'], Env: ['A=1'] }), req({ env: ['B=2'], tty: true }));
  assert.deepEqual(spec.configEnv, ['B=2', 'A=1']);
  assert.ok(spec.env.includes('TERM=xterm') && spec.env.some((e) => e.startsWith('HOSTNAME=')));
});

test('buildContainerSpec() lets -e override PATH and HOSTNAME', () => {
  const spec = buildContainerSpec(ID, BUSYBOX, req({ env: ['PATH=/x', 'HOSTNAME=other'] }));
  assert.deepEqual(spec.env, ['PATH=/x', 'HOSTNAME=other']);
});

test('buildContainerSpec() sets TERM=xterm with a tty, unless the image or -e sets TERM', () => {
  assert.deepEqual(buildContainerSpec(ID, BUSYBOX, req({ tty: true, hostname: 'h' })).env, [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h', 'TERM=xterm']);
  assert.equal(buildContainerSpec(ID, BUSYBOX, req()).env.some((e) => e.startsWith('TERM=')), false, 'no TERM without a tty');
  assert.deepEqual(buildContainerSpec(ID, BUSYBOX, req({ tty: true, hostname: 'h', env: ['TERM=vt100'] })).env, [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h', 'TERM=vt100']);
});

test('buildContainerSpec() drops a bare KEY (one the host did not define)', () => {
  const spec = buildContainerSpec(ID, image({ Cmd: ['sh'], Env: ['KEEP=1', 'BARE_IMAGE'] }), req({ hostname: 'h', env: ['UNSET_ON_HOST', 'EMPTY='] }));
  assert.deepEqual(spec.env, [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h', 'EMPTY=', 'KEEP=1']);
});

test('buildContainerSpec() takes hostname, user and stop signal from the request or the image', () => {
  const spec = buildContainerSpec(ID, NGINX, req());
  assert.equal(spec.hostname, ID.slice(0, 12));
  assert.equal(spec.user, '');
  assert.equal(spec.stopSignal, 'SIGQUIT');
  const other = buildContainerSpec(ID, image({ Cmd: ['sh'], User: 'nobody' }), req({ hostname: 'box', user: '1000:1000' }));
  assert.equal(other.hostname, 'box');
  assert.equal(other.user, '1000:1000');
  assert.equal(other.stopSignal, 'SIGTERM');
  assert.equal(buildContainerSpec(ID, image({ Cmd: ['sh'], User: 'nobody' }), req()).user, 'nobody');
});

test('buildContainerSpec() passes the modes through', () => {
  const spec = buildContainerSpec(ID, BUSYBOX, req({ tty: true, openStdin: true, autoRemove: true, readonlyRootfs: true, network: 'host', runtime: '/opt/crun' }));
  assert.deepEqual([spec.tty, spec.openStdin, spec.autoRemove, spec.readonlyRootfs, spec.network, spec.runtime], [true, true, true, true, 'host', '/opt/crun']);
});

test('mergeEnv() replaces entries in place by key and appends new ones', () => {
  assert.deepEqual(mergeEnv(['A=1', 'B=2', 'C=3'], ['B=x', 'D=4', 'A=']), ['A=', 'B=x', 'C=3', 'D=4']);
  assert.deepEqual(mergeEnv([], ['A=1', 'A=2']), ['A=2'], 'a later override of the same key wins');
  assert.deepEqual(mergeEnv(['A=1'], ['A']), ['A'], 'a bare key replaces too');
  assert.deepEqual(mergeEnv(['A=1=2'], ['A=3=4']), ['A=3=4'], 'the key ends at the first "="');
  const base = ['A=1'];
  mergeEnv(base, ['A=2']);
  assert.deepEqual(base, ['A=1'], 'the base is not modified');
});

test('checkName() accepts Docker\'s container names and strips a leading slash', () => {
  assert.equal(checkName('web'), 'web');
  assert.equal(checkName('/web'), 'web');
  assert.equal(checkName('my_app.v1-2'), 'my_app.v1-2');
  assert.equal(checkName('0x'), '0x');
});

test('checkName() refuses names outside [a-zA-Z0-9][a-zA-Z0-9_.-]+ with CONTAINER_NAME_INVALID', () => {
  for (const name of ['', '/', 'a', '_web', '.web', '-web', 'web app', 'web/app', 'wéb', '//web', 'web:1']) {
    assertCode(() => checkName(name), 'CONTAINER_NAME_INVALID', `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
});

test('newContainerId() gives 64 hex digits whose short form is never all digits', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 3000; i++) {
    const id = newContainerId();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.doesNotMatch(id.slice(0, 12), /^\d+$/);
    ids.add(id);
  }
  assert.equal(ids.size, 3000);
});

test('newContainerName() gives adjective_noun names that the taken() predicate does not refuse', () => {
  const names = new Set<string>();
  for (let i = 0; i < 450; i++) {
    const name = newContainerName((n) => names.has(n));
    assert.equal(names.has(name), false, name);
    assert.match(name, /^[a-z]+_[a-z]+\d*$/);
    assert.equal(checkName(name), name, 'a valid container name');
    names.add(name);
  }
  assert.equal(names.size, 450);
  assert.ok([...names].filter((n) => /\d$/.test(n)).length >= 50, 'there are only 400 adjective_noun pairs');
});

test('newContainerName() adds a number once plain names keep being taken', () => {
  const asked: string[] = [];
  const name = newContainerName((n) => {
    asked.push(n);
    return !/\d$/.test(n);
  });
  assert.match(name, /^[a-z]+_[a-z]+10$/);
  assert.equal(asked.length, 11);
  assert.equal(newContainerName(() => false).includes('_'), true);
});

test('buildContainerSpec() parses -v HOST:CONTAINER[:ro|rw]', () => {
  const spec = buildContainerSpec(ID, BUSYBOX, req({ volumes: ['/srv/data:/data', '/etc/conf:/conf:ro', '/tmp/x:/x:rw'] }));
  assert.deepEqual(spec.binds, [
    { source: '/srv/data', destination: '/data', readonly: false },
    { source: '/etc/conf', destination: '/conf', readonly: true },
    { source: '/tmp/x', destination: '/x', readonly: false },
  ]);
});

test('buildContainerSpec() refuses a -v with a relative source (a named volume) with VOLUME_UNSUPPORTED', () => {
  for (const v of ['data:/data', './data:/data', 'named:/data:ro']) {
    assertCode(() => buildContainerSpec(ID, BUSYBOX, req({ volumes: [v] })), 'VOLUME_UNSUPPORTED', /named volumes are not supported/);
  }
});

test('buildContainerSpec() refuses malformed -v specifications with VOLUME_INVALID', () => {
  for (const v of ['/only-one-part', '/a:/b:ro:extra', '/a:relative', '/a:', '/a:/b:rx', '/a:/b:']) {
    assertCode(() => buildContainerSpec(ID, BUSYBOX, req({ volumes: [v] })), 'VOLUME_INVALID');
  }
});

test('buildContainerSpec() refuses a -v whose destination is "/", however it is spelled', () => {
  for (const v of ['/a:/', '/a:/:ro', '/a://', '/a:/b/..', '/a:/./']) {
    assertCode(() => buildContainerSpec(ID, BUSYBOX, req({ volumes: [v] })), 'VOLUME_INVALID', /cannot mount over \//);
  }
});

test('buildContainerSpec() cleans the -v destination as Docker does', () => {
  const spec = buildContainerSpec(ID, BUSYBOX, req({ volumes: ['/srv:/data/', '/srv://opt//x/./y/../z'] }));
  assert.deepEqual(spec.binds.map((b) => b.destination), ['/data', '/opt/x/z']);
});

test('buildContainerSpec() turns the image\'s Volumes into anonymous volumes: cleaned inside the root, the root skipped, a -v on the same path wins', () => {
  const spec = buildContainerSpec(ID, image({ Cmd: ['sh'], Volumes: { '/data': {}, '/srv/../../cache/': {}, relative: {}, '/': {}, '/bound': {} } }), req({ volumes: ['/host:/bound'] }));
  const volumes = spec.anonymousVolumes!;
  assert.deepEqual(volumes.map((v) => v.destination), ['/data', '/cache', '/relative'], 'in the order of the keys');
  for (const v of volumes) assert.match(v.name, /^[0-9a-f]{64}$/);
  assert.equal(new Set(volumes.map((v) => v.name)).size, 3);
  assert.deepEqual(buildContainerSpec(ID, image({ Cmd: ['sh'], Volumes: null }), req()).anonymousVolumes, []);
  assert.deepEqual(buildContainerSpec(ID, image({ Cmd: ['sh'], Volumes: ['/data'] }), req()).anonymousVolumes, [], 'not a map: ignored');
});
