import { test } from 'node:test';
import assert from 'node:assert/strict';
import { psLinesOf } from './top-container.js';

const PS = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 17:00 ?        00:00:01 /sbin/init
root         200       1  0 17:01 ?        00:00:00 sleep 2000
root         201     200  0 17:01 ?        00:00:00 sh -c echo a  b
`;

test('only the container\'s PIDs, the last column with its spaces', () => {
  const t = psLinesOf(PS, new Set([200, 201]));
  assert.deepEqual(t.titles, ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  assert.deepEqual(t.processes, [
    ['root', '200', '1', '0', '17:01', '?', '00:00:00', 'sleep 2000'],
    ['root', '201', '200', '0', '17:01', '?', '00:00:00', 'sh -c echo a b'],
  ]);
  assert.deepEqual(psLinesOf(PS, new Set([999])).processes, []);
});

test('ps options without a PID column are refused, as Docker refuses them', () => {
  assert.throws(() => psLinesOf('COMMAND\nsleep\n', new Set([1])), /Couldn't find PID field in ps output/);
});
