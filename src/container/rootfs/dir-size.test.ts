import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directorySize } from './dir-size.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-dirsize-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('directorySize() of an empty directory is 0, and of a missing one too', async (t) => {
  const dir = tempDir(t);
  assert.equal(await directorySize(dir), 0);
  mkdirSync(join(dir, 'a/b/c'), { recursive: true });
  assert.equal(await directorySize(dir), 0, 'directories themselves count nothing');
  assert.equal(await directorySize(join(dir, 'missing')), 0);
});

test('directorySize() adds up file sizes through subdirectories', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'etc/deep/er'), { recursive: true });
  writeFileSync(join(dir, 'top'), Buffer.alloc(100));
  writeFileSync(join(dir, 'etc/conf'), Buffer.alloc(2000));
  writeFileSync(join(dir, 'etc/deep/er/big'), Buffer.alloc(70_000));
  writeFileSync(join(dir, 'etc/empty'), '');
  assert.equal(await directorySize(dir), 100 + 2000 + 70_000);
});

test('directorySize() counts hard links once', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'file'), Buffer.alloc(5000));
  linkSync(join(dir, 'file'), join(dir, 'link1'));
  linkSync(join(dir, 'file'), join(dir, 'sub/link2'));
  writeFileSync(join(dir, 'other'), Buffer.alloc(7));
  assert.equal(await directorySize(dir), 5000 + 7);
});

test('directorySize() counts a hard link to a file outside the tree once, inside it', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'tree'));
  writeFileSync(join(dir, 'outside'), Buffer.alloc(300));
  linkSync(join(dir, 'outside'), join(dir, 'tree/inside'));
  assert.equal(await directorySize(join(dir, 'tree')), 300);
});

test('directorySize() counts a symlink by its own size (its target\'s length), not its target\'s', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'big'), Buffer.alloc(100_000));
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd/inner'), Buffer.alloc(50_000));
  symlinkSync('big', join(dir, 'to-file')); // 3 bytes
  symlinkSync('d', join(dir, 'to-dir')); // 1 byte, and not followed
  symlinkSync('/nonexistent/target', join(dir, 'dangling')); // 19 bytes
  assert.equal(await directorySize(dir), 100_000 + 50_000 + 3 + 1 + 19);
});
