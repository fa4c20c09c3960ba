import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutHistory, legacyLayerConfig, rollbackConfigBytes } from './rollback-config.js';

const D = (c: string): string => `sha256:${c.repeat(64)}`;

function threeLayerConfig(): Record<string, unknown> {
  return {
    os: 'linux',
    architecture: 'amd64',
    created: '2024-01-03T00:00:00Z',
    config: { Env: ['PATH=/bin', 'APP=1'], Cmd: ['/bin/sh', '-c', 'cat /etc/version'] },
    container_config: { Cmd: ['sh', '-c', 'layer 3'] },
    container: 'abc',
    docker_version: '20.10.24',
    rootfs: { type: 'layers', diff_ids: [D('a'), D('b'), D('c')] },
    history: [
      { created: '2024-01-01T00:00:00Z', comment: 'base' },
      { created: '2024-01-01T00:00:01Z', created_by: 'ENV X=1', empty_layer: true },
      { created: '2024-01-02T00:00:00Z', comment: 'layer 2' },
      { created: '2024-01-02T00:00:01Z', created_by: 'CMD', empty_layer: true },
      { created: '2024-01-03T00:00:00Z', comment: 'layer 3' },
      { created: '2024-01-03T00:00:01Z', created_by: 'LABEL', empty_layer: true },
    ],
  };
}

test('cutHistory drops the top layers\' entries and the empty entries above the new top', () => {
  const h = threeLayerConfig().history as Array<{ comment?: string; created_by?: string }>;
  assert.deepEqual(cutHistory(h, 2).map((e) => e.comment ?? e.created_by), ['base', 'ENV X=1', 'layer 2']);
  assert.deepEqual(cutHistory(h, 1).map((e) => e.comment ?? e.created_by), ['base']);
  assert.equal(cutHistory(h, 3).length, 5);
  // A history that describes fewer layers than the cut keeps what it has.
  assert.equal(cutHistory([{ comment: 'only' }], 2).length, 1);
  assert.deepEqual(cutHistory([], 1), []);
});

test('rollbackConfigBytes cuts rootfs and history, dates the image by its new top entry, keeps the rest', () => {
  const base = threeLayerConfig();
  const before = JSON.stringify(base);
  const cut = JSON.parse(rollbackConfigBytes(base, 2).toString());
  assert.equal(JSON.stringify(base), before, 'the base object is not modified');
  assert.deepEqual(cut.rootfs, { type: 'layers', diff_ids: [D('a'), D('b')] });
  assert.equal(cut.history.length, 3);
  assert.equal(cut.created, '2024-01-02T00:00:00Z');
  assert.deepEqual(cut.config, base.config, 'without a recorded config, the current one stays');
  assert.deepEqual(Object.keys(cut), [...Object.keys(cut)].sort(), 'top-level keys sorted');
});

test('rollbackConfigBytes is deterministic and composable', () => {
  const base = threeLayerConfig();
  const once = rollbackConfigBytes(base, 1);
  assert.deepEqual(rollbackConfigBytes(threeLayerConfig(), 1), once);
  const twice = rollbackConfigBytes(JSON.parse(rollbackConfigBytes(base, 2).toString()), 1);
  assert.deepEqual(twice, once);
  const legacy1 = { config: { Cmd: ['/bin/sh'] }, created: '2024-01-01T00:00:00Z' };
  const legacy2 = { config: { Cmd: ['/bin/sh'], Env: ['APP=1'] }, author: 'me', created: '2024-01-02T00:00:00Z' };
  const viaTwo = rollbackConfigBytes(JSON.parse(rollbackConfigBytes(base, 2, legacy2).toString()), 1, legacy1);
  assert.deepEqual(viaTwo, rollbackConfigBytes(base, 1, legacy1));
});

test('a legacy config replaces the image description fields and removes those it lacks', () => {
  const base = threeLayerConfig();
  const legacy = legacyLayerConfig({ id: 'x', parent: 'y', created: '2024-01-02T00:00:00Z', config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] }, os: 'linux' })!;
  const cut = JSON.parse(rollbackConfigBytes(base, 2, legacy).toString());
  assert.deepEqual(cut.config, { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] });
  assert.equal(cut.container_config, undefined);
  assert.equal(cut.container, undefined);
  assert.equal(cut.docker_version, undefined);
  assert.equal(cut.created, '2024-01-02T00:00:00Z');
  assert.equal(cut.os, 'linux');
  assert.equal(cut.architecture, 'amd64');
  assert.equal(cut.id, undefined, 'the legacy id and parent are not config fields');
});

test('legacyLayerConfig: what Docker >= 1.10 writes below the top layer holds no config', () => {
  // The json of a non-top layer in a docker 20.10 save, as in the shipped fixture.
  const docker2010 = {
    id: '0d444b4ec4b40132e00733ee54abda29b703d6dd34d1b0d43a783717637a4a32',
    parent: 'b6b3f8556cc4d1b1c44745207376ba361eef1bafa99ff6b3c4da04bf70fe6a1a',
    created: '1970-01-01T00:00:00Z',
    container_config: { Hostname: '', Env: null, Cmd: null, Image: '' },
    os: 'linux',
  };
  assert.equal(legacyLayerConfig(docker2010), undefined);
  assert.equal(legacyLayerConfig(null), undefined);
  assert.equal(legacyLayerConfig([]), undefined);
  assert.equal(legacyLayerConfig({ config: null }), undefined);
  assert.equal(legacyLayerConfig({ config: { Cmd: ['x'] }, author: 7 }), undefined, 'a mistyped field makes it unusable');
  assert.equal(legacyLayerConfig({ config: { Cmd: ['x'] }, container_config: 'x' }), undefined);
  assert.deepEqual(legacyLayerConfig({ config: { Cmd: ['x'] }, created: '1970-01-01T00:00:00Z', author: 'a', Size: 3 }), { author: 'a', config: { Cmd: ['x'] } });
});
