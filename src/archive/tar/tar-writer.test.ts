import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BerthError } from '../../internal/errors.js';
import { BLOCK, type TarHeader } from './tar-header.js';
import { TarParser } from './tar-parser.js';
import { tarStream, type TarRecord } from './tar-writer.js';

async function collect(records: readonly TarRecord[]): Promise<{ bytes: Buffer; chunks: Buffer[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of tarStream(records)) chunks.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(chunks), chunks };
}

async function parse(bytes: Buffer): Promise<Array<{ header: TarHeader; body: Buffer }>> {
  const out: Array<{ header: TarHeader; body: Buffer }> = [];
  const parser = new TarParser({
    entry(header) {
      const parts: Buffer[] = [];
      const item = { header, body: Buffer.alloc(0) };
      out.push(item);
      return { write: (c) => { parts.push(Buffer.from(c)); }, end: () => { item.body = Buffer.concat(parts); } };
    },
  }, { maxMetaBytes: 1024 * 1024 });
  await parser.write(bytes);
  await parser.end();
  assert.equal(parser.ended, true, 'the archive has its end-of-archive block');
  return out;
}

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + 17) & 0xff;
  return b;
}

function opener(data: Buffer, chunk = 1000): () => AsyncIterable<Buffer> {
  return async function* () {
    for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
  };
}

const blob = pattern(70_000);
const blobHex = createHash('sha256').update(blob).digest('hex');

function sampleRecords(): TarRecord[] {
  return [
    { name: 'manifest.json', type: 'file', size: 19, data: Buffer.from('{"Config":"x.json"}') },
    { name: `blobs/sha256/${blobHex}`, type: 'file', size: blob.length, open: opener(blob) },
    { name: 'blobs', type: 'dir', size: 0 },
    { name: 'oci-layout', type: 'file', size: 30, data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: 'blobs/sha256/', type: 'dir', size: 0 },
    { name: 'index.json', type: 'file', size: 512, data: Buffer.alloc(512, 0x20) },
  ];
}

test('tarStream() writes records sorted by name, directories with a trailing slash', async () => {
  const { bytes } = await collect(sampleRecords());
  const entries = await parse(bytes);
  assert.deepEqual(entries.map((e) => [e.header.name, e.header.type]), [
    ['blobs/', 'dir'],
    ['blobs/sha256/', 'dir'],
    [`blobs/sha256/${blobHex}`, 'file'],
    ['index.json', 'file'],
    ['manifest.json', 'file'],
    ['oci-layout', 'file'],
  ]);
});

test('tarStream() output parses back to the same contents', async () => {
  const records = sampleRecords();
  const entries = await parse((await collect(records)).bytes);
  const byName = new Map(entries.map((e) => [e.header.name, e]));
  assert.deepEqual(byName.get(`blobs/sha256/${blobHex}`)!.body, blob);
  assert.equal(byName.get('oci-layout')!.body.toString(), '{"imageLayoutVersion":"1.0.0"}');
  assert.deepEqual(byName.get('index.json')!.body, Buffer.alloc(512, 0x20));
  assert.equal(byName.get('manifest.json')!.body.toString(), '{"Config":"x.json"}');
});

test('tarStream() writes fixed metadata: owner 0:0, mtime 0, modes 0644 and 0755', async () => {
  const entries = await parse((await collect(sampleRecords())).bytes);
  for (const { header } of entries) {
    assert.equal(header.uid, 0);
    assert.equal(header.gid, 0);
    assert.equal(header.mtime, 0);
    assert.equal(header.uname, '');
    assert.equal(header.mode, header.type === 'dir' ? 0o755 : 0o644);
  }
});

test('tarStream() pads every member to 512 bytes and ends with 1024 zero bytes', async () => {
  const { bytes, chunks } = await collect([{ name: 'one', type: 'file', size: 1, data: Buffer.from('1') }, { name: 'two', type: 'file', size: 513, data: pattern(513) }]);
  assert.equal(bytes.length % BLOCK, 0);
  // header + 1 block, header + 2 blocks, 2 end blocks
  assert.equal(bytes.length, 512 * 2 + 512 * 3 + 1024);
  assert.ok(bytes.subarray(bytes.length - 1024).every((b) => b === 0));
  assert.ok(bytes.subarray(512 + 1, 1024).every((b) => b === 0), 'padding after the 1-byte member is zeros');
  assert.ok(bytes.subarray(1024 + 512 + 513, 1024 + 512 + 1024).every((b) => b === 0));
  assert.equal(chunks[chunks.length - 1]!.length, 1024);
});

test('tarStream() of no records is just the end-of-archive blocks', async () => {
  const { bytes } = await collect([]);
  assert.deepEqual(bytes, Buffer.alloc(1024));
});

test('tarStream() is byte-identical across runs and input orders', async () => {
  const a = await collect(sampleRecords());
  const b = await collect(sampleRecords().reverse());
  assert.deepEqual(a.bytes, b.bytes);
  assert.equal(createHash('sha256').update(a.bytes).digest('hex'), createHash('sha256').update(b.bytes).digest('hex'));
});

test('tarStream() writes names longer than 100 bytes that parse back', async () => {
  const long = `blobs/${'x'.repeat(150)}/${'y'.repeat(90)}`;
  const nonAscii = 'répertoire/fichier-été.json';
  const entries = await parse((await collect([
    { name: long, type: 'file', size: 2, data: Buffer.from('hi') },
    { name: nonAscii, type: 'file', size: 2, data: Buffer.from('{}') },
    { name: 'z'.repeat(300), type: 'dir', size: 0 },
  ])).bytes);
  assert.deepEqual(entries.map((e) => e.header.name), [long, nonAscii, `${'z'.repeat(300)}/`]);
});

test('tarStream() writes directory records without data even when a size is given', async () => {
  const entries = await parse((await collect([{ name: 'd', type: 'dir', size: 99 }, { name: 'e', type: 'file', size: 0, data: Buffer.alloc(0) }])).bytes);
  assert.deepEqual(entries.map((e) => [e.header.name, e.header.size]), [['d/', 0], ['e', 0]]);
});

async function assertSizeChanged(records: TarRecord[], name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await assert.rejects((async () => {
    for await (const chunk of tarStream(records)) chunks.push(Buffer.from(chunk));
  })(), (err: unknown) => {
    assert.ok(err instanceof BerthError);
    assert.equal(err.code, 'BLOB_SIZE_CHANGED');
    assert.match(err.message, new RegExp(`"${name}"`));
    return true;
  });
  return Buffer.concat(chunks);
}

test('tarStream() throws BLOB_SIZE_CHANGED when an opener yields fewer bytes than the size', async () => {
  const out = await assertSizeChanged([{ name: 'short', type: 'file', size: 5000, open: opener(pattern(4999)) }], 'short');
  assert.ok(out.length < 512 + 5000 + 1024, 'no end-of-archive block was written');
});

test('tarStream() throws BLOB_SIZE_CHANGED when an opener yields more bytes, without writing the excess', async () => {
  const out = await assertSizeChanged([{ name: 'long', type: 'file', size: 2500, open: opener(pattern(3000), 1000) }], 'long');
  assert.ok(out.length <= 512 + 2500, `at most the header and the declared size were written (${out.length})`);
});

test('tarStream() throws BLOB_SIZE_CHANGED when inline data does not match the size', async () => {
  await assertSizeChanged([{ name: 'inline', type: 'file', size: 10, data: Buffer.from('123') }], 'inline');
});

test('tarStream() throws BLOB_SIZE_CHANGED for a file record with neither data nor opener', async () => {
  await assertSizeChanged([{ name: 'nothing', type: 'file', size: 1 }], 'nothing');
});

test('tarStream() opens each blob only when its member is written', async () => {
  const opened: string[] = [];
  const records: TarRecord[] = ['b', 'a', 'c'].map((name) => ({
    name, type: 'file', size: 3,
    open: async function* () { opened.push(name); yield Buffer.from(name.repeat(3)); },
  }));
  const iterator = tarStream(records);
  const first = await iterator.next(); // header of "a"
  assert.equal(first.done, false);
  assert.deepEqual(opened, []);
  await iterator.next(); // data of "a"
  assert.deepEqual(opened, ['a']);
  for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) { /* drain */ }
  assert.deepEqual(opened, ['a', 'b', 'c']);
});
