import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../../internal/errors.js';
import { secureJoin } from './secure-join.js';

/** A fake rootfs: /etc/passwd, /usr/bin, /bin -> usr/bin, /etc/alt -> /etc (absolute). */
function rootfs(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-securejoin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'rootfs');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  symlinkSync('usr/bin', join(root, 'bin'));
  symlinkSync('/etc', join(root, 'etc/alt'));
  return root;
}

test('secureJoin() joins plain paths under the root', (t) => {
  const root = rootfs(t);
  assert.equal(secureJoin(root, '/etc/passwd'), join(root, 'etc/passwd'));
  assert.equal(secureJoin(root, 'etc/passwd'), join(root, 'etc/passwd'));
  assert.equal(secureJoin(root, '//etc/./passwd'), join(root, 'etc/passwd'));
  assert.equal(secureJoin(root, '/'), root);
  assert.equal(secureJoin(root, ''), root);
});

test('secureJoin() follows a relative symlink from the link\'s directory', (t) => {
  const root = rootfs(t);
  assert.equal(secureJoin(root, '/bin/sh'), join(root, 'usr/bin/sh'));
  symlinkSync('../usr/bin', join(root, 'etc/tools'));
  assert.equal(secureJoin(root, '/etc/tools/ls'), join(root, 'usr/bin/ls'));
});

test('secureJoin() starts an absolute symlink target again at the root', (t) => {
  const root = rootfs(t);
  assert.equal(secureJoin(root, '/etc/alt/passwd'), join(root, 'etc/passwd'));
  symlinkSync('/usr/bin', join(root, 'usr/bin/self'));
  assert.equal(secureJoin(root, '/usr/bin/self/self/x'), join(root, 'usr/bin/x'));
});

test('secureJoin() resolves a link to "/etc/shadow" to root/etc/shadow, not the host\'s', (t) => {
  const root = rootfs(t);
  symlinkSync('/etc/shadow', join(root, 'etc/shadowlink'));
  assert.equal(secureJoin(root, '/etc/shadowlink'), join(root, 'etc/shadow'));
});

test('secureJoin() never lets ".." climb out of the root', (t) => {
  const root = rootfs(t);
  assert.equal(secureJoin(root, '/../../../etc/passwd'), join(root, 'etc/passwd'));
  assert.equal(secureJoin(root, '/usr/../../..'), root);
  symlinkSync('../../../../../../../etc/hosts', join(root, 'usr/bin/up'));
  assert.equal(secureJoin(root, '/usr/bin/up'), join(root, 'etc/hosts'));
  symlinkSync('..', join(root, 'dotdot'));
  assert.equal(secureJoin(root, '/dotdot/dotdot/etc'), join(root, 'etc'));
});

test('secureJoin() applies ".." after a symlink to the link\'s target, as the kernel does', (t) => {
  const root = rootfs(t);
  // /bin -> usr/bin, so /bin/.. is /usr, not /.
  assert.equal(secureJoin(root, '/bin/../lib'), join(root, 'usr/lib'));
});

test('secureJoin() fails with ROOTFS_PATH_INVALID on a symlink loop', (t) => {
  const root = rootfs(t);
  symlinkSync('b', join(root, 'a'));
  symlinkSync('/a', join(root, 'b'));
  symlinkSync('self', join(root, 'self'));
  for (const path of ['/a', '/b/x', '/self', '/etc/../self/y']) {
    assert.throws(() => secureJoin(root, path), (err: unknown) => {
      assert.ok(err instanceof BerthError);
      assert.equal(err.code, 'ROOTFS_PATH_INVALID');
      assert.match(err.message, /too many levels of symbolic links/);
      return true;
    }, path);
  }
});

test('secureJoin() accepts missing components and components under a file', (t) => {
  const root = rootfs(t);
  assert.equal(secureJoin(root, '/no/such/dir'), join(root, 'no/such/dir'));
  assert.equal(secureJoin(root, '/bin/missing/deeper'), join(root, 'usr/bin/missing/deeper'));
  assert.equal(secureJoin(root, '/etc/passwd/x'), join(root, 'etc/passwd/x'));
  symlinkSync('/nowhere/at/all', join(root, 'dangling'));
  assert.equal(secureJoin(root, '/dangling/file'), join(root, 'nowhere/at/all/file'));
});
