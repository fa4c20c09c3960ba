import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../../internal/errors.js';
import { resolveUser } from './container-user.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  '# a comment line',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'user:x:1000:1000:A User:/home/user:/bin/sh',
  'nohome:x:1001:1001:::/bin/sh',
  'broken:x:notanumber:0:::/bin/sh',
  '',
].join('\n');

const GROUP = [
  'root:x:0:',
  'wheel:x:10:root,user',
  'staff:x:50:user,daemon',
  'audio:x:29:user',
  'user:x:1000:user',
  '',
].join('\n');

/** A rootfs with the given /etc/passwd and /etc/group (null: no such file). */
function rootfs(t: TestContext, passwd: string | null = PASSWD, group: string | null = GROUP): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-user-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'rootfs');
  mkdirSync(join(root, 'etc'), { recursive: true });
  if (passwd !== null) writeFileSync(join(root, 'etc/passwd'), passwd);
  if (group !== null) writeFileSync(join(root, 'etc/group'), group);
  return root;
}

function assertNotFound(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BerthError, String(err));
    assert.equal(err.code, 'USER_NOT_FOUND');
    assert.equal(err.message, message);
    return true;
  });
}

test('resolveUser() of "" is root, with root\'s supplementary groups', (t) => {
  const root = rootfs(t);
  assert.deepEqual(resolveUser(root, ''), { uid: 0, gid: 0, additionalGids: [0, 10], home: '/root' });
});

test('resolveUser() of "root" is uid 0', (t) => {
  assert.deepEqual(resolveUser(rootfs(t), 'root'), { uid: 0, gid: 0, additionalGids: [0, 10], home: '/root' });
});

test('resolveUser() of a name gives its uid, primary gid, home and the other groups it is a member of', (t) => {
  assert.deepEqual(resolveUser(rootfs(t), 'user'), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 50, 29], home: '/home/user' });
  assert.deepEqual(resolveUser(rootfs(t), 'daemon'), { uid: 1, gid: 1, additionalGids: [1, 50], home: '/usr/sbin' });
});

test('resolveUser() of a uid in passwd is that user', (t) => {
  assert.deepEqual(resolveUser(rootfs(t), '1000'), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 50, 29], home: '/home/user' });
});

test('resolveUser() of "uid:gid" takes both numbers and no supplementary groups', (t) => {
  assert.deepEqual(resolveUser(rootfs(t), '1000:50'), { uid: 1000, gid: 50, additionalGids: [50], home: '/home/user' });
  assert.deepEqual(resolveUser(rootfs(t), '1000:4242'), { uid: 1000, gid: 4242, additionalGids: [4242], home: '/home/user' }, 'a gid not in /etc/group');
});

test('resolveUser() of "user:group" looks the group up by name', (t) => {
  assert.deepEqual(resolveUser(rootfs(t), 'user:staff'), { uid: 1000, gid: 50, additionalGids: [50], home: '/home/user' });
  assert.deepEqual(resolveUser(rootfs(t), 'root:audio'), { uid: 0, gid: 29, additionalGids: [29], home: '/root' });
});

test('resolveUser() of "user:" (an empty group) is the plain user, with supplementary groups', (t) => {
  assert.deepEqual(resolveUser(rootfs(t), 'user:'), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 50, 29], home: '/home/user' });
});

test('resolveUser() fails with USER_NOT_FOUND for an unknown name, in runc\'s words', (t) => {
  const root = rootfs(t);
  assertNotFound(() => resolveUser(root, 'nosuch'), 'unable to find user nosuch: no matching entries in passwd file');
  assertNotFound(() => resolveUser(root, 'nosuch:staff'), 'unable to find user nosuch: no matching entries in passwd file');
  assertNotFound(() => resolveUser(root, 'broken'), 'unable to find user broken: no matching entries in passwd file');
});

test('resolveUser() fails with USER_NOT_FOUND for an unknown group', (t) => {
  const root = rootfs(t);
  assertNotFound(() => resolveUser(root, 'user:nogroup'), 'unable to find group nogroup: no matching entries in group file');
  assertNotFound(() => resolveUser(root, '1000:nogroup'), 'unable to find group nogroup: no matching entries in group file');
});

test('resolveUser() of a numeric uid that passwd does not know is that uid with gid 0 and home "/"', (t) => {
  assert.deepEqual(resolveUser(rootfs(t), '4242'), { uid: 4242, gid: 0, additionalGids: [0], home: '/' });
  assert.deepEqual(resolveUser(rootfs(t), '4242:7'), { uid: 4242, gid: 7, additionalGids: [7], home: '/' });
});

test('resolveUser() gives home "/" to a user whose passwd home is empty', (t) => {
  assert.deepEqual(resolveUser(rootfs(t), 'nohome'), { uid: 1001, gid: 1001, additionalGids: [1001], home: '/' });
});

test('resolveUser() treats a number as a uid or gid even when a name is that number (as runc does)', (t) => {
  const root = rootfs(t, `${PASSWD}1000:x:2000:2000::/home/odd:/bin/sh\n`, `${GROUP}50:x:3000:\n`);
  assert.deepEqual(resolveUser(root, '1000'), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 50, 29], home: '/home/user' });
  assert.deepEqual(resolveUser(root, '1000:50'), { uid: 1000, gid: 50, additionalGids: [50], home: '/home/user' });
});

test('resolveUser() works without /etc/passwd for no user and numeric users, and refuses names', (t) => {
  const root = rootfs(t, null, null);
  assert.deepEqual(resolveUser(root, ''), { uid: 0, gid: 0, additionalGids: [0], home: '/' }, 'an image FROM scratch runs as root');
  assert.deepEqual(resolveUser(root, '1000'), { uid: 1000, gid: 0, additionalGids: [0], home: '/' });
  assert.deepEqual(resolveUser(root, '1000:1000'), { uid: 1000, gid: 1000, additionalGids: [1000], home: '/' });
  assertNotFound(() => resolveUser(root, 'root'), 'unable to find user root: no matching entries in passwd file');
  assertNotFound(() => resolveUser(root, '0:staff'), 'unable to find group staff: no matching entries in group file');
});

test('resolveUser() works with no /etc directory at all', (t) => {
  const root = rootfs(t);
  rmSync(join(root, 'etc'), { recursive: true });
  assert.deepEqual(resolveUser(root, ''), { uid: 0, gid: 0, additionalGids: [0], home: '/' });
});

test('resolveUser() reads an /etc/passwd that is an absolute symlink inside the root, not on the host', (t) => {
  const root = rootfs(t, null);
  mkdirSync(join(root, 'data'));
  writeFileSync(join(root, 'data/passwd'), 'app:x:777:778:app:/srv/app:/bin/sh\n');
  symlinkSync('/data/passwd', join(root, 'etc/passwd'));
  assert.deepEqual(resolveUser(root, 'app'), { uid: 777, gid: 778, additionalGids: [778], home: '/srv/app' });
  // The host's /etc/passwd has root; the container's does not.
  assertNotFound(() => resolveUser(root, 'root'), 'unable to find user root: no matching entries in passwd file');
});

test('resolveUser() reads an /etc/group that is a symlink climbing out, inside the root', (t) => {
  const root = rootfs(t, PASSWD, null);
  writeFileSync(join(root, 'group.real'), 'special:x:90:user\n');
  symlinkSync('../../../../../../group.real', join(root, 'etc/group'));
  assert.deepEqual(resolveUser(root, 'user'), { uid: 1000, gid: 1000, additionalGids: [1000, 90], home: '/home/user' });
});
