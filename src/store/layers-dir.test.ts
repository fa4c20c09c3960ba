import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownIdentity } from '../internal/process-identity.js';
import { sha256Of } from '../digest/sha256.js';
import {
  INDEX_UNUSABLE_MARKER, isAbandonedLayerWork, layerIndexName, layerViewName, parseLayersDirName, temporaryLayerName, trashedLayerName, unpackedLayerName,
} from './layers-dir.js';

const CHAIN = sha256Of('a chain');
/** An identity no process has: pids stay below pid_max, which is at most 2^22. */
const GONE = `${2 ** 22}-1`;

test('every name the module formats parses back to what it names', () => {
  assert.deepEqual(parseLayersDirName(unpackedLayerName(CHAIN)), { kind: 'unpacked', chainId: CHAIN });
  assert.deepEqual(parseLayersDirName(layerIndexName(CHAIN)), { kind: 'index', chainId: CHAIN });
  assert.deepEqual(parseLayersDirName(temporaryLayerName('0123456789abcdef')), { kind: 'temporary', owner: ownIdentity() });
  assert.deepEqual(parseLayersDirName(temporaryLayerName('0123456789abcdef.erofs')), { kind: 'temporary', owner: ownIdentity() });
  assert.deepEqual(parseLayersDirName(temporaryLayerName('import-3')), { kind: 'temporary', owner: ownIdentity() });
  assert.deepEqual(parseLayersDirName(layerViewName(7)), { kind: 'view', owner: ownIdentity() });
  assert.deepEqual(parseLayersDirName(trashedLayerName(layerIndexName(CHAIN))), { kind: 'trash' });
  assert.deepEqual(parseLayersDirName(INDEX_UNUSABLE_MARKER), { kind: 'index-unusable' });
});

test('names the store does not make are unknown, not layers', () => {
  for (const name of [
    CHAIN, // the digest form, not the hex
    `${CHAIN.slice(7).toUpperCase()}`,
    `${CHAIN.slice(8)}`,
    `${CHAIN.slice(7)}.erofs.tmp`,
    '.tmp-12-', '.tmp-x-1-a', '.view-1-2-', '.view-1-2-x', 'lost+found', '',
  ]) {
    assert.deepEqual(parseLayersDirName(name), { kind: 'unknown' }, JSON.stringify(name));
  }
});

test('abandoned work: temporaries of processes that are gone and trashed layers; never a live process\'s, a layer or a view', () => {
  assert.equal(isAbandonedLayerWork(parseLayersDirName(`.tmp-${GONE}-0123456789abcdef`)), true);
  assert.equal(isAbandonedLayerWork(parseLayersDirName(trashedLayerName(unpackedLayerName(CHAIN)))), true);
  assert.equal(isAbandonedLayerWork(parseLayersDirName(temporaryLayerName('import-1'))), false, 'this process is alive');
  assert.equal(isAbandonedLayerWork(parseLayersDirName(`.view-${GONE}-1`)), false, 'a view is unmounted by the view sweep, never removed as a tree');
  assert.equal(isAbandonedLayerWork(parseLayersDirName(unpackedLayerName(CHAIN))), false);
  assert.equal(isAbandonedLayerWork(parseLayersDirName(layerIndexName(CHAIN))), false);
  assert.equal(isAbandonedLayerWork(parseLayersDirName(INDEX_UNUSABLE_MARKER)), false);
});
