import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageText } from './ps.js';

const ID = `sha256:${'f359410d0ddd'}${'3'.repeat(52)}`;

test('imageText() formats the IMAGE column as Docker\'s CLI does', () => {
  assert.equal(imageText(ID, ID, false), 'f359410d0ddd', 'an image ID, cut to 12 hex digits');
  assert.equal(imageText(ID, ID, true), ID, 'whole with --no-trunc');
  assert.equal(imageText('f359410d', ID, false), 'f359410d', 'an ID prefix as it was typed');
  assert.equal(imageText('docker.io/library/busybox:1', ID, false), 'busybox:1', 'a reference in its familiar form');
  assert.equal(imageText('docker.io/library/busybox:1', ID, true), 'docker.io/library/busybox:1');
  assert.equal(imageText(`busybox@sha256:${'a'.repeat(64)}`, ID, false), 'busybox', 'without its digest');
  assert.equal(imageText(`busybox:2@sha256:${'a'.repeat(64)}`, ID, false), 'busybox:2');
  assert.equal(imageText('app:1~2', ID, false), 'app:1~2', 'what is not a reference (a rollback) as it is');
});
