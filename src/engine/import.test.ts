import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Digest } from '../digest/digest.js';
import { importConfig } from './import.js';

const DIFF = 'sha256:e9e90154c5b56102731aba2b9b0c174e75b18dc5599414782d8cf41171b86cf9' as Digest;

test('importConfig() writes what Docker 20.10 wrote for docker import (observed), key for key', () => {
  const created = '2026-11-28T11:02:30.669969277Z';
  const config = importConfig({ platform: { os: 'linux', architecture: 'amd64' }, created, comment: 'Imported from -', config: {}, diffId: DIFF });
  // docker_version is Docker's own; Berth writes none.
  const empty = '{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null}';
  assert.equal(JSON.stringify(config),
    `{"architecture":"amd64","comment":"Imported from -","config":${empty},"container_config":${empty},"created":"${created}",` +
    `"history":[{"created":"${created}","comment":"Imported from -"}],"os":"linux","rootfs":{"type":"layers","diff_ids":["${DIFF}"]}}`);
});

test('importConfig() places changes in config only, and a variant last', () => {
  const config = importConfig({
    platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, created: 'c', comment: 'm', config: { Cmd: ['/bin/sh', '-c', 'x'], Env: ['A=1'] }, diffId: DIFF,
  });
  assert.deepEqual((config.config as Record<string, unknown>).Cmd, ['/bin/sh', '-c', 'x']);
  assert.deepEqual((config.container_config as Record<string, unknown>).Cmd, null);
  assert.deepEqual(Object.keys(config).slice(-2), ['rootfs', 'variant']);
});
