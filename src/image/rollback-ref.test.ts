import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../internal/errors.js';
import { parseRollbackRef } from './rollback-ref.js';

test('a reference without ~ is not a rollback', () => {
  assert.equal(parseRollbackRef('peer-vis:latest'), undefined);
  assert.equal(parseRollbackRef('sha256:5d59d30f19bb602783727906b0fca6934e80385d88675ced20df2ed124476ebd'), undefined);
});

test('~N, ~ alone and chained steps', () => {
  assert.deepEqual(parseRollbackRef('peer-vis:latest~2'), { base: 'peer-vis:latest', steps: 2 });
  assert.deepEqual(parseRollbackRef('peer-vis~0'), { base: 'peer-vis', steps: 0 });
  assert.deepEqual(parseRollbackRef('peer-vis~'), { base: 'peer-vis', steps: 1 });
  assert.deepEqual(parseRollbackRef('5d59d30f19bb~~'), { base: '5d59d30f19bb', steps: 2 });
  assert.deepEqual(parseRollbackRef('registry.example.com:5000/a/b:v1~1~2'), { base: 'registry.example.com:5000/a/b:v1', steps: 3 });
  assert.deepEqual(parseRollbackRef('x~007'), { base: 'x', steps: 7 });
});

test('malformed suffixes and a missing image are REFERENCE_INVALID', () => {
  for (const bad of ['~1', '~', 'x~a', 'x~1a', 'x~-1', 'x~1.5', 'x~ 1', 'x~1^', `x~${'9'.repeat(10)}`]) {
    assert.throws(() => parseRollbackRef(bad), (e) => isBerthError(e, 'REFERENCE_INVALID'), bad);
  }
});
