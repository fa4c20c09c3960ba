import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerCapabilities, KNOWN_CAPABILITIES, normalizeCapability } from './capabilities.js';
import { DEFAULT_CAPABILITIES } from './oci-spec.js';

test('names in any case, with or without CAP_, and ALL', () => {
  assert.equal(normalizeCapability('net_admin', 'cap-add'), 'CAP_NET_ADMIN');
  assert.equal(normalizeCapability('CAP_SYS_TIME', 'cap-add'), 'CAP_SYS_TIME');
  assert.equal(normalizeCapability('all', 'cap-drop'), 'ALL');
  assert.throws(() => normalizeCapability('foo', 'cap-add'), /invalid CapAdd: unknown capability: "CAP_FOO"/);
  assert.throws(() => normalizeCapability('CAP_', 'cap-drop'), /invalid CapDrop/);
});

test('Docker\'s rules: defaults less dropped plus added; drop ALL keeps only the added; add ALL keeps all but the dropped', () => {
  assert.deepEqual(containerCapabilities([], []), KNOWN_CAPABILITIES.filter((c) => DEFAULT_CAPABILITIES.includes(c)));
  const tweaked = containerCapabilities(['CAP_NET_ADMIN'], ['CAP_CHOWN']);
  assert.ok(tweaked.includes('CAP_NET_ADMIN') && !tweaked.includes('CAP_CHOWN'));
  assert.equal(tweaked.length, DEFAULT_CAPABILITIES.length);
  assert.deepEqual(containerCapabilities(['CAP_CHOWN'], ['ALL']), ['CAP_CHOWN']);
  assert.deepEqual(containerCapabilities([], ['ALL']), []);
  const all = containerCapabilities(['ALL'], ['CAP_SYS_ADMIN']);
  assert.ok(!all.includes('CAP_SYS_ADMIN') && all.includes('CAP_SYS_MODULE') && all.length > DEFAULT_CAPABILITIES.length);
  // The kernel's order, each once, whatever the order asked in.
  assert.deepEqual(containerCapabilities(['CAP_SYS_TIME', 'CAP_NET_ADMIN', 'CAP_NET_ADMIN'], []).filter((c) => !DEFAULT_CAPABILITIES.includes(c)), ['CAP_NET_ADMIN', 'CAP_SYS_TIME']);
});
