import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCpus, parseMemory, parsePidsLimit, runtimeResources } from './resource-limits.js';

test('-m as Docker reads it: powers of 1024, optional b/ib, a 6 MB floor', () => {
  assert.equal(parseMemory('64m'), 64 * 1024 * 1024);
  assert.equal(parseMemory('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(parseMemory('64MiB'), 64 * 1024 * 1024);
  assert.equal(parseMemory('7340032'), 7340032);
  assert.throws(() => parseMemory('12x'), /for "-m, --memory" flag/);
  assert.throws(() => parseMemory('4m'), /Minimum memory limit allowed is 6MB/);
});

test('--cpus between 0.01 and the CPUs there are; --pids-limit 0 or -1 is none', () => {
  assert.equal(parseCpus('1.5', 2), 1.5e9);
  assert.equal(parseCpus('.5', 2), 0.5e9);
  assert.throws(() => parseCpus('3', 2), /Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available/);
  assert.throws(() => parseCpus('0.001', 2), /Range of CPUs/);
  assert.throws(() => parseCpus('one', 2), /Range of CPUs/);
  assert.equal(parsePidsLimit('50'), 50);
  assert.equal(parsePidsLimit('-1'), 0);
  assert.throws(() => parsePidsLimit('lots'), /--pids-limit/);
});

test('what the runtime gets: a CFS quota per 100 ms, a pids limit, nothing unasked', () => {
  assert.deepEqual(runtimeResources({ memory: 0, nanoCpus: 0, pidsLimit: 0 }), {});
  const r = runtimeResources({ memory: 64 * 1024 * 1024, nanoCpus: 1.5e9, pidsLimit: 50 });
  assert.deepEqual(r.cpu, { quota: 150000, period: 100000 });
  assert.deepEqual(r.pids, { limit: 50 });
  assert.equal((r.memory as { limit: number }).limit, 64 * 1024 * 1024);
});
