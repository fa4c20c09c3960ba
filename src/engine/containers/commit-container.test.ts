import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Digest } from '../../digest/digest.js';
import type { ImageConfig } from '../../image/config.js';
import { commitConfig, goJson } from './commit-container.js';

const D1 = `sha256:${'1'.repeat(64)}` as Digest;
const D2 = `sha256:${'2'.repeat(64)}` as Digest;

const parent = {
  architecture: 'arm64', variant: 'v8', os: 'linux', created: '2023-01-01T00:00:00Z', comment: 'imported',
  config: { Cmd: ['/bin/sh'] }, history: [{ created: '2023-01-01T00:00:00Z', comment: 'imported' }],
  rootfs: { type: 'layers', diff_ids: [D1] },
} as ImageConfig & Record<string, unknown>;

test('commitConfig: Docker\'s child config, top-level keys sorted, one history entry, the new diff ID', () => {
  const containerConfig = { Hostname: 'abc', Cmd: ['sh', '-c', 'echo hi > /x'], Env: ['PATH=/bin'] };
  const config = { ...containerConfig, WorkingDir: '/data' };
  const out = commitConfig({ parent, containerId: 'f'.repeat(64), containerConfig, config, created: '2026-01-02T03:04:05.678Z', author: 'Ann <a@x>', comment: 'msg', diffId: D2 });
  assert.deepEqual(Object.keys(out), ['architecture', 'author', 'config', 'container', 'container_config', 'created', 'history', 'os', 'rootfs', 'variant']);
  assert.deepEqual(out.rootfs, { type: 'layers', diff_ids: [D1, D2] });
  assert.deepEqual(out.history, [
    { created: '2023-01-01T00:00:00Z', comment: 'imported' },
    { created: '2026-01-02T03:04:05.678Z', author: 'Ann <a@x>', created_by: 'sh -c echo hi > /x', comment: 'msg' },
  ]);
  assert.equal(out.config, config, '--change edits config');
  assert.equal(out.container_config, containerConfig, 'container_config stays what the container ran');
  assert.equal(out.comment, undefined, 'Docker keeps the message in history only');
  assert.deepEqual([out.architecture, out.variant, out.os], ['arm64', 'v8', 'linux']);
  assert.deepEqual((parent.rootfs.diff_ids), [D1], 'the parent is not modified');
});

test('commitConfig: no changes give no layer but an empty_layer history entry; no author or Cmd, no fields for them', () => {
  const { history: _unused, ...withoutHistory } = parent;
  const out = commitConfig({ parent: withoutHistory as typeof parent, containerId: 'c', containerConfig: { Cmd: null }, config: {}, created: 'now', diffId: undefined });
  assert.deepEqual(out.rootfs, { type: 'layers', diff_ids: [D1] });
  assert.deepEqual(out.history, [{ created: 'now', empty_layer: true }]);
  assert.equal('author' in out, false);
});

test('goJson escapes <, > and & as Go does', () => {
  assert.equal(goJson({ a: '<b> & c\u2028' }), '{"a":"\\u003cb\\u003e \\u0026 c\\u2028"}');
  assert.deepEqual(JSON.parse(goJson({ a: '<b> & c' })), { a: '<b> & c' });
});
