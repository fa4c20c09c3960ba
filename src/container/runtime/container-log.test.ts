import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogReader, parseLogLine } from './container-log.js';

const T1 = '2024-05-01T10:00:00.123456789Z';
const T2 = '2024-05-01T10:00:01.000000001+02:00';

function logFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'ctr.log');
}

function reader(t: TestContext, path: string): LogReader {
  const r = new LogReader(path);
  t.after(() => r.close());
  return r;
}

test('parseLogLine() reads a full stdout record and gives its text a newline', () => {
  assert.deepEqual(parseLogLine(`${T1} stdout F hello world`), { time: T1, stream: 'stdout', text: 'hello world\n' });
});

test('parseLogLine() reads a partial record without adding a newline', () => {
  assert.deepEqual(parseLogLine(`${T2} stdout P no newline yet`), { time: T2, stream: 'stdout', text: 'no newline yet' });
});

test('parseLogLine() reads stderr records', () => {
  assert.deepEqual(parseLogLine(`${T1} stderr F oops`), { time: T1, stream: 'stderr', text: 'oops\n' });
  assert.deepEqual(parseLogLine(`${T1} stderr P oo`), { time: T1, stream: 'stderr', text: 'oo' });
});

test('parseLogLine() keeps the text exactly, spaces included', () => {
  assert.deepEqual(parseLogLine(`${T1} stdout F   indented  text `), { time: T1, stream: 'stdout', text: '  indented  text \n' });
  assert.deepEqual(parseLogLine(`${T1} stdout F ünïcødé ✓`)?.text, 'ünïcødé ✓\n');
});

test('parseLogLine() reads an empty line, with or without the space after the tag', () => {
  assert.deepEqual(parseLogLine(`${T1} stdout F `), { time: T1, stream: 'stdout', text: '\n' });
  assert.deepEqual(parseLogLine(`${T1} stdout F`), { time: T1, stream: 'stdout', text: '\n' });
  assert.deepEqual(parseLogLine(`${T1} stdout P `), { time: T1, stream: 'stdout', text: '' });
});

test('parseLogLine() refuses lines that are not records', () => {
  for (const line of ['', 'garbage', `${T1}`, `${T1} stdout`, `${T1} stdin F text`, `${T1} STDOUT F text`, `${T1}  stdout F text`]) {
    assert.equal(parseLogLine(line), undefined, JSON.stringify(line));
  }
});

test('LogReader reads nothing from a log that does not exist yet, then reads it once it does', async (t) => {
  const path = logFile(t);
  const r = reader(t, path);
  assert.deepEqual(await r.read(), []);
  writeFileSync(path, `${T1} stdout F first\n`);
  assert.deepEqual(await r.read(), [{ time: T1, stream: 'stdout', text: 'first\n' }]);
});

test('LogReader returns only the records added since the last read', async (t) => {
  const path = logFile(t);
  writeFileSync(path, `${T1} stdout F one\n${T1} stderr F two\n`);
  const r = reader(t, path);
  assert.deepEqual((await r.read()).map((x) => x.text), ['one\n', 'two\n']);
  assert.deepEqual(await r.read(), [], 'nothing new');
  appendFileSync(path, `${T2} stdout P thr`);
  appendFileSync(path, `\n${T2} stdout F ee\n`);
  const next = await r.read();
  assert.deepEqual(next, [{ time: T2, stream: 'stdout', text: 'thr' }, { time: T2, stream: 'stdout', text: 'ee\n' }]);
  assert.deepEqual(await r.read(), []);
});

test('LogReader holds a record that is split across reads until its newline arrives', async (t) => {
  const path = logFile(t);
  const r = reader(t, path);
  writeFileSync(path, `${T1} stdout F complete\n${T1} std`);
  assert.deepEqual((await r.read()).map((x) => x.text), ['complete\n']);
  appendFileSync(path, 'err F spl');
  assert.deepEqual(await r.read(), [], 'still no newline');
  appendFileSync(path, 'it\n');
  assert.deepEqual(await r.read(), [{ time: T1, stream: 'stderr', text: 'split\n' }]);
});

test('LogReader decodes a multi-byte UTF-8 character split across reads', async (t) => {
  const path = logFile(t);
  const r = reader(t, path);
  const line = Buffer.from(`${T1} stdout F caf€ 🐳\n`);
  const euro = line.indexOf(Buffer.from('€'));
  const whale = line.indexOf(Buffer.from('🐳'));
  writeFileSync(path, line.subarray(0, euro + 1)); // the first of the euro sign's 3 bytes
  assert.deepEqual(await r.read(), []);
  appendFileSync(path, line.subarray(euro + 1, whale + 2)); // half of the whale's 4 bytes
  assert.deepEqual(await r.read(), []);
  appendFileSync(path, line.subarray(whale + 2));
  assert.deepEqual(await r.read(), [{ time: T1, stream: 'stdout', text: 'caf€ 🐳\n' }]);
});

test('LogReader reads lines longer than its buffer, and many lines at once', async (t) => {
  const path = logFile(t);
  const long = 'x'.repeat(200_000);
  const lines = Array.from({ length: 5000 }, (_, i) => `${T1} ${i % 2 === 0 ? 'stdout' : 'stderr'} F line ${i}\n`).join('');
  writeFileSync(path, `${T1} stdout F ${long}\n${lines}`);
  const records = await reader(t, path).read();
  assert.equal(records.length, 5001);
  assert.equal(records[0]!.text, `${long}\n`);
  assert.deepEqual(records[5000], { time: T1, stream: 'stderr', text: 'line 4999\n' });
});

test('LogReader skips lines that are not records', async (t) => {
  const path = logFile(t);
  writeFileSync(path, `not a record\n${T1} stdout F kept\n\n`);
  assert.deepEqual(await reader(t, path).read(), [{ time: T1, stream: 'stdout', text: 'kept\n' }]);
});
