import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK, parseNumber, parsePaxRecords } from './tar-header.js';
import { CONFIG_HEADER_PREFIX, encodeConfigHeader } from './config-header.js';

test('the config header is a PAX global header named pax_global_header holding one comment record', () => {
  const config = { Cmd: ['/bin/sh', '-c', 'echo "hé"'], Env: ['PATH=/bin'], Labels: {} };
  const bytes = encodeConfigHeader(config);
  assert.equal(bytes.length % BLOCK, 0);
  const header = bytes.subarray(0, BLOCK);
  assert.equal(header.toString('latin1', 0, 17), 'pax_global_header');
  assert.equal(header[17], 0);
  assert.equal(String.fromCharCode(header[156]!), 'g');
  assert.equal(parseNumber(header, 100, 8), 0o666);
  assert.equal(parseNumber(header, 108, 8), 0);
  assert.equal(parseNumber(header, 116, 8), 0);
  assert.equal(parseNumber(header, 136, 12), 0, 'mtime 0');
  assert.equal(header.toString('latin1', 265, 265 + 32).replace(/\0+$/, ''), '', 'no user name');
  assert.equal(header.toString('latin1', 297, 297 + 32).replace(/\0+$/, ''), '', 'no group name');
  const size = parseNumber(header, 124, 12)!;
  const body = bytes.subarray(BLOCK, BLOCK + size);
  assert.ok(bytes.subarray(BLOCK + size).every((b) => b === 0), 'zero padding');
  const records = parsePaxRecords(body, 0);
  assert.deepEqual(Object.keys(records), ['comment']);
  assert.ok(records.comment!.startsWith(CONFIG_HEADER_PREFIX));
  assert.deepEqual(JSON.parse(records.comment!.slice(CONFIG_HEADER_PREFIX.length)), config);
  assert.equal(CONFIG_HEADER_PREFIX, 'berth.image-config.v1 ');
});

test('the same config gives the same bytes', () => {
  const a = encodeConfigHeader({ Cmd: ['x'], User: '' });
  const b = encodeConfigHeader({ Cmd: ['x'], User: '' });
  assert.ok(a.equals(b));
});
