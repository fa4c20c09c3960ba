import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { BerthError, ignoreCodes } from './errors.js';

function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something`), { code });
}

test('ignoreCodes returns undefined for a system error with one of the codes', () => {
  assert.equal(ignoreCodes(systemError('ENOENT'), 'ENOENT'), undefined);
  assert.equal(ignoreCodes(systemError('ENOTDIR'), 'ENOENT', 'ENOTDIR'), undefined);
  let caught: unknown;
  try {
    readFileSync('/nonexistent-berth-test/file');
  } catch (err) {
    caught = err;
  }
  assert.equal(ignoreCodes(caught, 'ENOENT'), undefined, 'a real error from node:fs');
});

test('ignoreCodes rethrows the very error for any other code, a coded error, a bug or a non-error', () => {
  for (const err of [
    systemError('EACCES'),
    systemError('EIO'),
    new BerthError('not_found', 'ENOENT', 'a BerthError whose code happens to be an errno name'),
    new TypeError('Cannot read properties of undefined'),
    new SyntaxError('Unexpected token'),
    'a string',
    undefined,
    null,
  ]) {
    assert.throws(() => ignoreCodes(err, 'ENOENT', 'ENOTDIR'), (thrown) => thrown === err);
  }
});

test('ignoreCodes serves as a promise\'s rejection handler', async () => {
  assert.equal(await lstat('/nonexistent-berth-test/file').catch((err: unknown) => ignoreCodes(err, 'ENOENT')), undefined);
  await assert.rejects(lstat('/nonexistent-berth-test/file').catch((err: unknown) => ignoreCodes(err, 'EEXIST')), { code: 'ENOENT' });
});
