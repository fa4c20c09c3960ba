import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK, padding } from './tar-header.js';
import { encodeTextHeader, paxRecord, ustarBlock, type TextHeaderFields } from './encode-header.js';
import { LayerScanner, type LayerFacts } from './layer-scanner.js';

function member(fields: TextHeaderFields, data: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([encodeTextHeader({ ...fields, size: fields.size ?? data.length }), data, Buffer.alloc(padding(data.length))]);
}

function tar(...members: Buffer[]): Buffer {
  return Buffer.concat([...members, Buffer.alloc(2 * BLOCK)]);
}

async function scan(bytes: Buffer, chunkSize = bytes.length || 1): Promise<{ facts: LayerFacts | undefined; problem: string }> {
  const scanner = new LayerScanner();
  for (let pos = 0; pos < bytes.length; pos += chunkSize) await scanner.write(bytes.subarray(pos, pos + chunkSize));
  const facts = await scanner.finish();
  return { facts, problem: scanner.problem };
}

// The layer of the fixture's "layer2" step, in miniature.
const LAYER = tar(
  member({ name: 'opt/', type: 'dir', mode: 0o755 }),
  member({ name: 'opt/app/', type: 'dir', mode: 0o755 }),
  member({ name: 'opt/app/file.txt', type: 'file', mode: 0o644 }, Buffer.from('hello from layer 2\n')), // 19 bytes
  member({ name: 'opt/app/hardlink.txt', type: 'hardlink', mode: 0o644, linkname: 'opt/app/file.txt' }), // counts 0
  member({ name: 'opt/app/symlink.txt', type: 'symlink', mode: 0o777, linkname: 'file.txt' }), // 8
  member({ name: 'opt/app/abs-symlink', type: 'symlink', mode: 0o777, linkname: '/opt/app/file.txt' }), // 17
  member({ name: 'opt/app/bin.dat', type: 'file', mode: 0o640 }, Buffer.from('\x01\x02\x03binary\x00data', 'latin1')), // 14
  member({ name: 'dev/null', type: 'chardev', mode: 0o666, devmajor: 1, devminor: 3 }),
  member({ name: 'run/fifo', type: 'fifo', mode: 0o600 }),
  member({ name: 'opt/app/.wh.old', type: 'file', mode: 0o644 }), // whiteout: 0
);

test('LayerScanner computes Docker\'s layer size: file bytes plus symlink target lengths, hard links 0', async () => {
  const { facts } = await scan(LAYER);
  assert.deepEqual(facts, { size: 19 + 8 + 17 + 14, entries: 10, plain: false });
});

test('LayerScanner gives the same facts whatever the chunk sizes', async () => {
  for (const size of [1, 100, 511, 512, 513, 5000]) {
    assert.deepEqual((await scan(LAYER, size)).facts, { size: 58, entries: 10, plain: false }, `chunk size ${size}`);
  }
});

test('LayerScanner counts symlink targets in bytes, including PAX link paths', async () => {
  const longTarget = `${'target-dir/'.repeat(12)}file`; // 136 bytes: needs a PAX linkpath
  const layer = tar(
    member({ name: 'a', type: 'symlink', mode: 0o777, linkname: 'zoë' }), // 4 bytes in UTF-8
    member({ name: 'b', type: 'symlink', mode: 0o777, linkname: longTarget }),
  );
  assert.deepEqual((await scan(layer)).facts, { size: 4 + 136, entries: 2, plain: true });
});

test('LayerScanner takes file sizes from PAX size records', async () => {
  const data = Buffer.alloc(3000, 0x61);
  const paxSized = Buffer.concat([
    encodeTextHeader({ name: 'f', type: 'file', mode: 0o644, size: 3000 }, { size: '3000' }),
    data,
    Buffer.alloc(padding(3000)),
  ]);
  assert.deepEqual((await scan(tar(paxSized))).facts, { size: 3000, entries: 1, plain: true });
});

test('LayerScanner treats empty input as an empty layer', async () => {
  assert.deepEqual((await scan(Buffer.alloc(0))).facts, { size: 0, entries: 0, plain: true });
  const scanner = new LayerScanner();
  assert.deepEqual(await scanner.finish(), { size: 0, entries: 0, plain: true }, 'finish() without any write');
});

test('LayerScanner treats an all-zero tar as a valid empty layer', async () => {
  for (const length of [1024, 10240]) {
    assert.deepEqual((await scan(Buffer.alloc(length))).facts, { size: 0, entries: 0, plain: true }, `${length} zero bytes`);
    assert.deepEqual((await scan(Buffer.alloc(length), 100)).facts, { size: 0, entries: 0, plain: true }, `${length} zero bytes in small chunks`);
  }
});

test('LayerScanner says JSON and garbage are not a tar', async () => {
  const shortJson = await scan(Buffer.from('{"architecture":"amd64","os":"linux"}'));
  assert.equal(shortJson.facts, undefined);
  assert.match(shortJson.problem, /too short to be a tar/);

  const longJson = await scan(Buffer.from(JSON.stringify({ history: 'x'.repeat(2000) })), 300);
  assert.equal(longJson.facts, undefined);
  assert.match(longJson.problem, /not a tar archive/);

  const garbage = Buffer.alloc(4096);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) & 0xff;
  const g = await scan(garbage);
  assert.equal(g.facts, undefined);
  assert.match(g.problem, /not a tar archive/);
});

test('LayerScanner rejects a gzip-compressed tar (it wants the uncompressed layer)', async () => {
  const { gzipSync } = await import('node:zlib');
  assert.equal((await scan(gzipSync(LAYER))).facts, undefined);
});

test('LayerScanner rejects a truncated tar and says why', async () => {
  const full = tar(member({ name: 'big', type: 'file', mode: 0o644 }, Buffer.alloc(5000, 1)));
  const cut = await scan(full.subarray(0, 512 + 2000), 512);
  assert.equal(cut.facts, undefined);
  assert.match(cut.problem, /ends in the middle of a member/);
});

test('LayerScanner rejects a tar whose later header is damaged', async () => {
  const layer = Buffer.from(LAYER);
  layer[BLOCK + 5] = layer[BLOCK + 5]! ^ 0xff; // second header's name, checksum now wrong
  const r = await scan(layer, 700);
  assert.equal(r.facts, undefined);
  assert.match(r.problem, /bad checksum/);
});

test('LayerScanner accepts a tar without end-of-archive blocks, and ignores what follows them', async () => {
  const noEnd = LAYER.subarray(0, LAYER.length - 2 * BLOCK);
  assert.deepEqual((await scan(noEnd)).facts, { size: 58, entries: 10, plain: false });
  const trailing = Buffer.concat([LAYER, Buffer.from('trailing bytes that are not a header'.repeat(30))]);
  assert.deepEqual((await scan(trailing, 1000)).facts, { size: 58, entries: 10, plain: false });
});

test('LayerScanner says a layer of ordinary entries is plain', async () => {
  const layer = tar(
    member({ name: './', type: 'dir', mode: 0o755 }),
    member({ name: 'etc/', type: 'dir', mode: 0o755 }),
    member({ name: 'etc/passwd', type: 'file', mode: 0o644 }, Buffer.from('root:x:0:0:root:/root:/bin/sh\n')),
    member({ name: 'etc/passwd-', type: 'hardlink', mode: 0o644, linkname: 'etc/passwd' }),
    member({ name: 'bin/sh', type: 'symlink', mode: 0o777, linkname: '/bin/busybox' }),
    member({ name: 'dev/null', type: 'chardev', mode: 0o666, devmajor: 1, devminor: 3 }),
  );
  assert.equal((await scan(layer)).facts?.plain, true);
  assert.equal((await scan(layer, 100)).facts?.plain, true, 'in small chunks');
});

test('LayerScanner says a layer is not plain when any one entry is not', async () => {
  const clean = [
    member({ name: 'a/', type: 'dir', mode: 0o755 }),
    member({ name: 'a/f', type: 'file', mode: 0o644 }, Buffer.from('data')),
  ];
  const pax = (fields: TextHeaderFields, records: Record<string, string>): Buffer => encodeTextHeader(fields, records);
  const odd: Array<[string, Buffer]> = [
    ['a whiteout', member({ name: 'a/.wh.gone', type: 'file', mode: 0o644 })],
    ['an opaque marker', member({ name: 'a/.wh..wh..opq', type: 'file', mode: 0o644 })],
    ['a climbing name', member({ name: '../escape', type: 'file', mode: 0o644 })],
    ['an absolute name', member({ name: '/etc/x', type: 'file', mode: 0o644 })],
    ['a hard link climbing out', member({ name: 'a/l', type: 'hardlink', mode: 0o644, linkname: '../../etc/shadow' })],
    ['a hard link with an absolute target', member({ name: 'a/l', type: 'hardlink', mode: 0o644, linkname: '/a/f' })],
    ['an overlay xattr', pax({ name: 'a/d/', type: 'dir', mode: 0o755 }, { 'SCHILY.xattr.trusted.overlay.opaque': 'y' })],
    ['a root entry that is a symlink', member({ name: './', type: 'symlink', mode: 0o777, linkname: '/tmp' })],
  ];
  for (const [what, entry] of odd) {
    for (const at of [0, 1, 2]) {
      const members = [...clean];
      members.splice(at, 0, entry);
      const facts = (await scan(tar(...members))).facts;
      assert.equal(facts?.entries, 3, `${what} at ${at}: still a valid tar`);
      assert.equal(facts?.plain, false, `${what} at ${at}`);
    }
  }
});

test('LayerScanner says a layer with a type it does not know is not plain', async () => {
  const block = encodeTextHeader({ name: 'sparse', type: 'file', mode: 0o644 });
  block.write('S', 156, 1, 'latin1'); // GNU sparse file
  let sum = 0;
  block.fill(0x20, 148, 156);
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  const facts = (await scan(tar(member({ name: 'a', type: 'file', mode: 0o644 }), block))).facts;
  assert.deepEqual(facts, { size: 0, entries: 2, plain: false });
});

test('LayerScanner: a global header of comment records only (berth export\'s config header) keeps a layer plain; any other global record does not', async () => {
  const { encodeConfigHeader } = await import('./config-header.js');
  const file = member({ name: 'etc/motd', type: 'file', mode: 0o644 }, Buffer.from('hi\n'));
  const withComment = await scan(tar(encodeConfigHeader({ Cmd: ['sh'] }), file));
  assert.equal(withComment.facts?.plain, true);
  assert.equal(withComment.facts?.entries, 1);
  const record = paxRecord('path', Buffer.from('evil'));
  const globalPath = Buffer.concat([ustarBlock({ name: Buffer.from('pax_global_header'), typeflag: 'g', mode: 0o666, size: record.length, mtime: 0 }), record, Buffer.alloc(padding(record.length))]);
  assert.equal((await scan(tar(globalPath, file))).facts?.plain, false);
});
