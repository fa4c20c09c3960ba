import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logTime } from './logs.js';

test('--since and --until as Docker reads them: Unix times, durations back from now, dates', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  assert.equal(logTime('since', '1700000000', now), 1_700_000_000_000);
  assert.equal(logTime('since', '1700000000.5', now), 1_700_000_000_500);
  assert.equal(logTime('since', '42m', now), now - 42 * 60_000);
  assert.equal(logTime('since', '1h30m', now), now - 90 * 60_000);
  assert.equal(logTime('since', '500ms', now), now - 500);
  assert.equal(logTime('until', '2013-01-02T13:23:37Z', now), Date.parse('2013-01-02T13:23:37Z'));
  assert.throws(() => logTime('since', 'foo', now), /invalid value for "since": failed to parse value as time or duration: "foo"/);
});
