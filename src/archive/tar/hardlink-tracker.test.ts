import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HardlinkTracker } from './hardlink-tracker.js';

const name = (s: string): Buffer => Buffer.from(s);

test('the first name of an inode is the file, later names link to it', () => {
  const t = new HardlinkTracker();
  assert.equal(t.linkTarget(1, 10, 3, name('bin/a')), undefined);
  assert.deepEqual(t.linkTarget(1, 10, 3, name('bin/b')), name('bin/a'));
  assert.deepEqual(t.linkTarget(1, 10, 3, name('bin/c')), name('bin/a'));
  assert.equal(t.size, 0, 'forgotten once every link was met');
});

test('single-link files are never remembered; inodes are told apart by device too', () => {
  const t = new HardlinkTracker();
  assert.equal(t.linkTarget(1, 10, 1, name('x')), undefined);
  assert.equal(t.linkTarget(1, 10, 1, name('y')), undefined);
  assert.equal(t.size, 0);
  assert.equal(t.linkTarget(1, 20, 2, name('p')), undefined);
  assert.equal(t.linkTarget(2, 20, 2, name('q')), undefined, 'same inode number on another device');
  assert.deepEqual(t.linkTarget(2, 20, 2, name('r')), name('q'));
  assert.equal(t.size, 1, 'the first device\'s inode still waits for its second link');
});

test('bigint stats work as numbers do', () => {
  const t = new HardlinkTracker();
  assert.equal(t.linkTarget(5n, 2n ** 60n, 2, name('a')), undefined);
  assert.deepEqual(t.linkTarget(5n, 2n ** 60n, 2, name('b')), name('a'));
});
