import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDeepTreeSync } from './remove-deep-tree.js';

test('removeDeepTreeSync removes a tree deeper than PATH_MAX, which Node\'s own rm cannot', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-deep-'));
  t.after(() => execFileSync('rm', ['-rf', dir]));
  const tree = join(dir, 'layer');
  mkdirSync(tree);
  // 2100 levels of "d/" are 4200 bytes of path: made one relative step at a time, as tar does.
  const cwd = process.cwd();
  try {
    process.chdir(tree);
    for (let i = 0; i < 2100; i++) {
      mkdirSync('d');
      process.chdir('d');
    }
    writeFileSync('f', 'deep\n');
  } finally {
    process.chdir(cwd);
  }
  assert.throws(() => rmSync(tree, { recursive: true, force: true }), 'the premise: Node\'s rm fails on it');
  removeDeepTreeSync(tree);
  assert.equal(existsSync(tree), false);
});

test('removeDeepTreeSync removes an ordinary tree and accepts a missing path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-tree-'));
  mkdirSync(join(dir, 'a', 'b'), { recursive: true });
  writeFileSync(join(dir, 'a', 'b', 'f'), 'x');
  removeDeepTreeSync(dir);
  assert.equal(existsSync(dir), false);
  removeDeepTreeSync(dir);
});
