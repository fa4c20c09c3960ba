import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../internal/errors.js';
import { parsePlatform } from './platform.js';

const HOST = { os: 'linux', architecture: 'amd64' };

test('parsePlatform() normalises as Docker does', () => {
  assert.deepEqual(parsePlatform('linux', HOST), HOST);
  assert.deepEqual(parsePlatform('linux/amd64', HOST), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('Linux/x86_64', HOST), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/aarch64', HOST), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('linux/arm64/v8', HOST), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('linux/arm', HOST), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.deepEqual(parsePlatform('linux/arm/v6', HOST), { os: 'linux', architecture: 'arm', variant: 'v6' });
  assert.deepEqual(parsePlatform('linux/arm/5', HOST), { os: 'linux', architecture: 'arm', variant: 'v5' });
  assert.deepEqual(parsePlatform('arm64', HOST), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('linux/riscv64', HOST), { os: 'linux', architecture: 'riscv64' });
});

test('parsePlatform() refuses unknown names and other systems with Docker\'s messages', () => {
  const refused = (text: string, code: string, message: string): void => {
    assert.throws(() => parsePlatform(text, HOST), (err: unknown) => {
      assert.ok(err instanceof BerthError);
      assert.equal(err.code, code);
      assert.equal(err.message, message);
      return true;
    }, text);
  };
  refused('bogus', 'PLATFORM_INVALID', '"bogus": unknown operating system or architecture: invalid argument');
  refused('linux/bogus', 'PLATFORM_INVALID', '"linux/bogus": unknown operating system or architecture: invalid argument');
  refused('linux/amd64/v2/x', 'PLATFORM_INVALID', '"linux/amd64/v2/x": unknown operating system or architecture: invalid argument');
  refused('linux//', 'PLATFORM_INVALID', '"linux//": unknown operating system or architecture: invalid argument');
  refused('windows', 'PLATFORM_UNSUPPORTED', 'operating system is not supported');
  refused('windows/amd64', 'PLATFORM_UNSUPPORTED', 'operating system is not supported');
});
