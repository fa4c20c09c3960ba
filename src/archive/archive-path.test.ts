import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../internal/errors.js';
import { DEFAULT_LIMITS } from '../internal/limits.js';
import { normalizeArchivePath, parentOf } from './archive-path.js';

const LIMITS = { pathBytes: DEFAULT_LIMITS.pathBytes, pathDepth: DEFAULT_LIMITS.pathDepth };
const norm = (name: string, base?: string): string => normalizeArchivePath(name, LIMITS, base);

function assertFails(fn: () => unknown, code: string, kind: string, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BerthError, `expected a BerthError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.kind, kind);
    if (pattern !== undefined) assert.match(err.message, pattern);
    return true;
  });
}

test('normalizeArchivePath() removes "./", empty and "." components', () => {
  assert.equal(norm('./a//b/./c'), 'a/b/c');
  assert.equal(norm('manifest.json'), 'manifest.json');
  assert.equal(norm('./manifest.json'), 'manifest.json');
  assert.equal(norm('blobs/sha256/'), 'blobs/sha256');
  assert.equal(norm('.'), '');
  assert.equal(norm('./'), '');
  assert.equal(norm(''), '');
});

test('normalizeArchivePath() resolves ".." inside the archive', () => {
  assert.equal(norm('a/../b'), 'b');
  assert.equal(norm('a/b/../../c'), 'c');
  assert.equal(norm('a/b/..'), 'a');
  assert.equal(norm('a/..'), '');
});

test('normalizeArchivePath() makes absolute names relative to the archive root', () => {
  assert.equal(norm('/abs'), 'abs');
  assert.equal(norm('//abs//x/'), 'abs/x');
});

test('normalizeArchivePath() keeps names with dots that are not "." or ".."', () => {
  assert.equal(norm('.hidden/..x/...'), '.hidden/..x/...');
  assert.equal(norm('a/.wh..wh..opq'), 'a/.wh..wh..opq');
});

test('normalizeArchivePath() resolves names relative to a base directory, except absolute ones', () => {
  assert.equal(norm('layer.tar', 'abc123'), 'abc123/layer.tar');
  assert.equal(norm('../def456/layer.tar', 'abc123'), 'def456/layer.tar');
  assert.equal(norm('../../x', 'a/b'), 'x');
  assert.equal(norm('/top', 'a/b'), 'top');
});

test('normalizeArchivePath() refuses names that climb out of the archive with ARCHIVE_PATH_INVALID', () => {
  for (const name of ['..', '../x', 'a/../../x', './../x', '/../x', 'a/b/../../../etc/passwd']) {
    assertFails(() => norm(name), 'ARCHIVE_PATH_INVALID', 'invalid_archive', /points outside the archive/);
  }
  assertFails(() => norm('../../x', 'a'), 'ARCHIVE_PATH_INVALID', 'invalid_archive');
});

test('normalizeArchivePath() refuses NUL bytes', () => {
  assertFails(() => norm('a\0b'), 'ARCHIVE_PATH_INVALID', 'invalid_archive', /NUL byte/);
  assertFails(() => norm('manifest.json\0.tar'), 'ARCHIVE_PATH_INVALID', 'invalid_archive');
});

test('normalizeArchivePath() escapes control characters in its messages', () => {
  assert.throws(() => norm('\x1b[31m/../../x'), (err: unknown) => {
    assert.ok(err instanceof BerthError);
    assert.ok(!err.message.includes('\x1b'), 'no raw escape character in the message');
    return true;
  });
});

test('normalizeArchivePath() enforces the path length limit in bytes with LIMIT_PATH_BYTES', () => {
  const limits = { pathBytes: 10, pathDepth: 100 };
  assert.equal(normalizeArchivePath('abcdefghij', limits), 'abcdefghij');
  assertFails(() => normalizeArchivePath('abcdefghijk', limits), 'LIMIT_PATH_BYTES', 'limit', /member name length limit \(10\)/);
  assertFails(() => normalizeArchivePath('ééééé/', limits), 'LIMIT_PATH_BYTES', 'limit'); // 11 bytes, 6 characters
  assertFails(() => norm('x'.repeat(DEFAULT_LIMITS.pathBytes + 1)), 'LIMIT_PATH_BYTES', 'limit');
});

test('normalizeArchivePath() enforces the depth limit with LIMIT_PATH_DEPTH', () => {
  const limits = { pathBytes: 4096, pathDepth: 3 };
  assert.equal(normalizeArchivePath('a/b/c', limits), 'a/b/c');
  assertFails(() => normalizeArchivePath('a/b/c/d', limits), 'LIMIT_PATH_DEPTH', 'limit', /BERTH_MAX_PATH_DEPTH|depth/);
  assert.throws(() => normalizeArchivePath('a/b/c/d', limits), (err: unknown) => err instanceof BerthError && /BERTH_MAX_PATH_DEPTH/.test(err.hint ?? ''));
  assertFails(() => norm('a/'.repeat(DEFAULT_LIMITS.pathDepth + 1)), 'LIMIT_PATH_DEPTH', 'limit');
});

test('parentOf() gives the directory of a normalised path', () => {
  assert.equal(parentOf('a/b/c'), 'a/b');
  assert.equal(parentOf('a'), '');
  assert.equal(parentOf(''), '');
});
