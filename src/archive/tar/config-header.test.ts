import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { padding, parseNumber, parsePaxRecords, BLOCK } from './tar-header.js';
import { encodePaxRecords, encodeTextHeader } from './encode-header.js';
import { parseTar } from './tar-parser.js';
import { CONFIG_HEADER_PREFIX, encodeConfigHeader, parseConfigHeader, readConfigHeader, restoredFields } from './config-header.js';

const CONFIG = {
  Hostname: 'abc', Image: 'busybox', Cmd: ['/bin/sh', '-c', 'echo hi'], Env: ['PATH=/bin', 'A=1'], WorkingDir: '/srv', User: '1000',
  ExposedPorts: { '80/tcp': {} }, Volumes: { '/data': {} }, Labels: { a: 'b' }, StopSignal: 'SIGINT', Entrypoint: null,
  Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5_000_000_000 }, OnBuild: ['RUN x'], Shell: ['/bin/ash', '-c'],
};

function globalHeader(body: Buffer): Buffer {
  const block = encodeTextHeader({ name: 'pax_global_header', type: 'file', mode: 0o666, size: body.length });
  block.write('g', 156, 1, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return Buffer.concat([block, body, Buffer.alloc(padding(body.length))]);
}

const FILE = Buffer.concat([encodeTextHeader({ name: 'f', type: 'file', mode: 0o644, size: 0 }), Buffer.alloc(2 * BLOCK)]);

test('encodeConfigHeader() writes the shared format, and parseConfigHeader() reads it back', () => {
  const bytes = encodeConfigHeader(CONFIG);
  assert.equal(bytes.subarray(0, 17).toString(), 'pax_global_header');
  assert.equal(String.fromCharCode(bytes[156]!), 'g');
  assert.equal(bytes.toString('latin1', 100, 107), '0000666');
  const result = parseConfigHeader(Buffer.concat([bytes, FILE]));
  assert.deepEqual(result.notes, []);
  const { Hostname: _h, Image: _i, Entrypoint: _e, ...restored } = CONFIG;
  assert.deepEqual(result.config, restored, 'Hostname and Image are dropped; null fields are left unset');
});

test('a tar with the header still parses as a tar whose first member is the file', async () => {
  const seen: string[] = [];
  let globals = 0;
  async function* chunks(): AsyncGenerator<Buffer> {
    yield Buffer.concat([encodeConfigHeader(CONFIG), FILE]);
  }
  await parseTar(chunks(), { entry: (h) => void seen.push(h.name), globalPax: () => void globals++ }, { maxMetaBytes: 1 << 20 });
  assert.deepEqual(seen, ['f']);
  assert.equal(globals, 1);
});

test('other global headers, bad JSON, wrong types and oversized records are notes, never errors', () => {
  const tarWith = (records: Record<string, string>): Buffer => Buffer.concat([globalHeader(encodePaxRecords(records)), FILE]);
  assert.deepEqual(parseConfigHeader(FILE), { config: undefined, notes: [] }, 'no global header: nothing to say');
  assert.deepEqual(parseConfigHeader(Buffer.alloc(10)), { config: undefined, notes: [] });
  assert.match(parseConfigHeader(tarWith({ comment: 'made by git archive' })).notes[0]!, /not a Berth config header/);
  assert.match(parseConfigHeader(tarWith({ path: 'x' })).notes[0]!, /not a Berth config header/);
  assert.match(parseConfigHeader(tarWith({ comment: `${CONFIG_HEADER_PREFIX}{"Cmd":` })).notes[0]!, /not valid JSON/);
  assert.match(parseConfigHeader(tarWith({ comment: `${CONFIG_HEADER_PREFIX}[1]` })).notes[0]!, /not a JSON object/);
  assert.match(parseConfigHeader(tarWith({ comment: `${CONFIG_HEADER_PREFIX}${JSON.stringify({ s: 'x'.repeat(1024 * 1024) })}` })).notes[0]!, /larger than 1 MiB/);
  const typed = parseConfigHeader(tarWith({ comment: `${CONFIG_HEADER_PREFIX}${JSON.stringify({ Cmd: 'sh', Env: ['A=1'], Labels: { a: 1 }, Healthcheck: { Interval: -1 } })}` }));
  assert.deepEqual(typed.config, { Env: ['A=1'] });
  assert.match(typed.notes[0]!, /Cmd, Labels, Healthcheck have the wrong type/);
  assert.match(parseConfigHeader(Buffer.concat([globalHeader(Buffer.from('garbage')), FILE])).notes[0]!, /malformed/);
});

test('restoredFields() keeps only the restored fields of the right type', () => {
  assert.deepEqual(restoredFields({ Cmd: ['a'], Tty: true, ExposedPorts: { '80/tcp': { x: 1 } } }), { config: { Cmd: ['a'] }, dropped: ['ExposedPorts'] });
});

test('readConfigHeader() reads the start of a file only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-header-'));
  try {
    const path = join(dir, 'a.tar');
    await writeFile(path, Buffer.concat([encodeConfigHeader({ Cmd: ['x'] }), FILE]));
    assert.deepEqual(await readConfigHeader(path), { config: { Cmd: ['x'] }, notes: [] });
    await writeFile(path, FILE);
    assert.deepEqual(await readConfigHeader(path), { config: undefined, notes: [] });
    await writeFile(path, '');
    assert.deepEqual(await readConfigHeader(path), { config: undefined, notes: [] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

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
