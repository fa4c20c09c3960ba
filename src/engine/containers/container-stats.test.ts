import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuPercent, systemCpuNs, type StatsSample } from './container-stats.js';

test('the machine\'s CPU time from /proc/stat: user through softirq, in nanoseconds', () => {
  assert.equal(systemCpuNs('cpu  100 5 50 1000 10 1 2 7 0 0\ncpu0 50 2 25 500 5 0 1 3 0 0\n'), (100 + 5 + 50 + 1000 + 10 + 1 + 2) * 1e7);
});

test('CPU % as Docker computes it: the container\'s share of the machine\'s time, times the CPUs', () => {
  const at = (cpuNs: number, systemNs: number): StatsSample => ({ cpuNs, systemNs, memUsage: 0, memLimit: 1, blockRead: 0, blockWrite: 0, pids: 1 });
  // One CPU busy on a 2-CPU machine: the container used 1 s while the machine went through 2 s.
  assert.equal(cpuPercent(at(0, 0), at(1e9, 2e9), 2), 100);
  assert.equal(cpuPercent(at(5, 5), at(5, 2e9), 2), 0, 'idle');
  assert.equal(cpuPercent(at(0, 1e9), at(1e6, 1e9), 2), 0, 'no machine time passed: nothing to divide by');
});
