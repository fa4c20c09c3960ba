import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../../internal/errors.js';
import { BLOCK, padding, type TarHeader } from './tar-header.js';
import { parseTar, TarParser, type TarHandler, type TarSink } from './tar-parser.js';

// ---------------------------------------------------------------------------------------------
// Archives built by hand, block by block.

interface RawFields {
  name: string;
  typeflag?: string;
  size?: number;
  linkname?: string;
  mode?: number;
}

function header(f: RawFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(f.name, 0, 100, 'utf8');
  b.write(`${(f.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 8, 'latin1');
  b.write('0000000\0', 108, 8, 'latin1');
  b.write('0000000\0', 116, 8, 'latin1');
  b.write(`${(f.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
  b.write('00000000000\0', 136, 12, 'latin1');
  b.write(f.typeflag ?? '0', 156, 1, 'latin1');
  b.write(f.linkname ?? '', 157, 100, 'utf8');
  b.write('ustar\u000000', 257, 8, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc(padding(data.length))]);
}

/** A member: header plus padded data. */
function member(f: RawFields, data: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([header({ ...f, size: f.size ?? data.length }), padded(data)]);
}

function paxBody(records: Record<string, string>): Buffer {
  return Buffer.concat(Object.entries(records).map(([k, v]) => {
    const kv = ` ${k}=${v}\n`;
    const n = Buffer.byteLength(kv);
    let length = n + 1;
    while (String(length).length + n !== length) length++;
    return Buffer.from(`${length}${kv}`);
  }));
}

function pax(typeflag: 'x' | 'g', records: Record<string, string>): Buffer {
  return member({ name: 'PaxHeaders/entry', typeflag }, paxBody(records));
}

function gnuLong(typeflag: 'L' | 'K', value: string): Buffer {
  return member({ name: '././@LongLink', typeflag }, Buffer.from(`${value}\0`));
}

const END = Buffer.alloc(2 * BLOCK);

function pattern(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

// ---------------------------------------------------------------------------------------------
// A handler that records everything.

interface Seen {
  name: string;
  type: string;
  size: number;
  linkname: string;
  offset: number;
  pax: Record<string, string> | undefined;
  body: Buffer;
  ended: boolean;
}

function recorder(options: { async?: boolean } = {}): { handler: TarHandler; entries: Seen[]; globals: Array<{ records: Record<string, string>; offset: number }> } {
  const entries: Seen[] = [];
  const globals: Array<{ records: Record<string, string>; offset: number }> = [];
  const handler: TarHandler = {
    entry(h: TarHeader) {
      const seen: Seen = { name: h.name, type: h.type, size: h.size, linkname: h.linkname, offset: h.offset, pax: h.pax === undefined ? undefined : { ...h.pax }, body: Buffer.alloc(0), ended: false };
      entries.push(seen);
      const parts: Buffer[] = [];
      const sink: TarSink = options.async === true
        ? {
            write: async (chunk) => { await new Promise((r) => setImmediate(r)); parts.push(Buffer.from(chunk)); },
            end: async () => { await new Promise((r) => setImmediate(r)); seen.body = Buffer.concat(parts); seen.ended = true; },
          }
        : {
            write: (chunk) => { parts.push(Buffer.from(chunk)); },
            end: () => { seen.body = Buffer.concat(parts); seen.ended = true; },
          };
      return options.async === true ? Promise.resolve(sink) : sink;
    },
    globalPax(records, offset) {
      globals.push({ records: { ...records }, offset });
    },
  };
  return { handler, entries, globals };
}

async function feed(archive: Buffer, chunkSize: number, options: { async?: boolean; maxMetaBytes?: number } = {}): Promise<{ parser: TarParser; entries: Seen[]; globals: Array<{ records: Record<string, string>; offset: number }> }> {
  const { handler, entries, globals } = recorder(options);
  const parser = new TarParser(handler, { maxMetaBytes: options.maxMetaBytes ?? 1024 * 1024 });
  for (let pos = 0; pos < archive.length; pos += chunkSize) await parser.write(archive.subarray(pos, pos + chunkSize));
  await parser.end();
  return { parser, entries, globals };
}

async function rejectsWith(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof BerthError, `expected a BerthError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (pattern !== undefined) assert.match(err.message, pattern);
    return true;
  });
}

// A small archive that exercises every path of the state machine.
const bodyA = pattern(700, 1); // spans two blocks, padded
const bodyB = pattern(512, 2); // exactly one block, no padding
const bodyC = pattern(1, 3);
const longName = `${'long-directory-name/'.repeat(8)}file.bin`;
const gnuName = `${'gnu-long-name/'.repeat(9)}member.txt`;
const gnuLink = `${'gnu-long-link/'.repeat(9)}target.txt`;
const SAMPLE = Buffer.concat([
  member({ name: 'dir/', typeflag: '5', mode: 0o755 }),
  member({ name: 'dir/a.bin' }, bodyA),
  member({ name: 'dir/empty' }),
  pax('x', { path: longName, 'SCHILY.xattr.user.k': 'v' }),
  member({ name: 'PaxHeaders-ignored-name' }, bodyB),
  member({ name: 'dir/link', typeflag: '2', linkname: 'a.bin', mode: 0o777 }),
  member({ name: 'dir/hard', typeflag: '1', linkname: 'dir/a.bin' }),
  gnuLong('L', gnuName),
  gnuLong('K', gnuLink),
  member({ name: 'short-gnu', typeflag: '2', linkname: 'short-link' }),
  member({ name: 'c' }, bodyC),
  END,
]);

const EXPECTED: Array<Pick<Seen, 'name' | 'type' | 'size' | 'linkname'> & { body: Buffer }> = [
  { name: 'dir/', type: 'dir', size: 0, linkname: '', body: Buffer.alloc(0) },
  { name: 'dir/a.bin', type: 'file', size: 700, linkname: '', body: bodyA },
  { name: 'dir/empty', type: 'file', size: 0, linkname: '', body: Buffer.alloc(0) },
  { name: longName, type: 'file', size: 512, linkname: '', body: bodyB },
  { name: 'dir/link', type: 'symlink', size: 0, linkname: 'a.bin', body: Buffer.alloc(0) },
  { name: 'dir/hard', type: 'hardlink', size: 0, linkname: 'dir/a.bin', body: Buffer.alloc(0) },
  { name: gnuName, type: 'symlink', size: 0, linkname: gnuLink, body: Buffer.alloc(0) },
  { name: 'c', type: 'file', size: 1, linkname: '', body: bodyC },
];

function summary(entries: Seen[]): unknown {
  return entries.map((e) => ({ name: e.name, type: e.type, size: e.size, linkname: e.linkname, body: e.body }));
}

// ---------------------------------------------------------------------------------------------

test('TarParser gives the same entries and bodies whatever the chunk sizes (1, 511, 512, 513, 4096, whole)', async () => {
  const whole = await feed(SAMPLE, SAMPLE.length);
  assert.deepEqual(summary(whole.entries), EXPECTED);
  assert.ok(whole.entries.every((e) => e.ended), 'every sink is ended');
  for (const size of [1, 7, 511, 512, 513, 4096]) {
    const r = await feed(SAMPLE, size);
    assert.deepEqual(summary(r.entries), EXPECTED, `chunk size ${size}`);
    assert.deepEqual(r.entries.map((e) => e.offset), whole.entries.map((e) => e.offset), `offsets with chunk size ${size}`);
    assert.equal(r.parser.entries, EXPECTED.length);
    assert.equal(r.parser.ended, true);
    assert.equal(r.parser.offset, SAMPLE.length);
  }
});

test('TarParser waits for asynchronous handlers and sinks', async () => {
  const r = await feed(SAMPLE, 300, { async: true });
  assert.deepEqual(summary(r.entries), EXPECTED);
  assert.ok(r.entries.every((e) => e.ended));
});

test('TarParser reports each member header offset in the stream', async () => {
  const r = await feed(SAMPLE, SAMPLE.length);
  assert.equal(r.entries[0]!.offset, 0);
  assert.equal(r.entries[1]!.offset, 512);
  assert.equal(r.entries[2]!.offset, 512 + 512 + 1024);
  // The PAX-named member: its own header comes after the 'x' header and its one-block body.
  assert.equal(r.entries[3]!.offset, 512 + 512 + 1024 + 512 + 1024);
});

test('TarParser applies GNU L and K records to the next member', async () => {
  const archive = Buffer.concat([
    gnuLong('L', gnuName),
    member({ name: 'truncated-name' }, Buffer.from('data')),
    gnuLong('K', gnuLink),
    member({ name: 'ln', typeflag: '1', linkname: 'truncated-link' }),
    member({ name: 'after' }),
    END,
  ]);
  const r = await feed(archive, 100);
  assert.deepEqual(r.entries.map((e) => [e.name, e.linkname, e.body.toString()]), [
    [gnuName, '', 'data'],
    ['ln', gnuLink, ''],
    ['after', '', ''],
  ]);
  assert.equal(r.parser.entries, 3, 'metadata records are not counted as members');
});

test('TarParser applies a PAX x header to the next member only', async () => {
  const archive = Buffer.concat([
    pax('x', { path: 'from/pax/name', uid: '4000000', mtime: '1700000000.5' }),
    member({ name: 'ustar-name' }, Buffer.from('one')),
    member({ name: 'plain' }, Buffer.from('two')),
    END,
  ]);
  const r = await feed(archive, archive.length);
  assert.equal(r.entries.length, 2);
  assert.equal(r.entries[0]!.name, 'from/pax/name');
  assert.deepEqual(r.entries[0]!.pax, { path: 'from/pax/name', uid: '4000000', mtime: '1700000000.5' });
  assert.equal(r.entries[0]!.body.toString(), 'one');
  assert.equal(r.entries[1]!.name, 'plain');
  assert.equal(r.entries[1]!.pax, undefined);
  assert.equal(r.entries[1]!.body.toString(), 'two');
});

test('TarParser uses a PAX size record to find the member data', async () => {
  const data = pattern(1500);
  // The ustar size field says 10; the PAX record is authoritative.
  const archive = Buffer.concat([pax('x', { size: '1500' }), header({ name: 'big', size: 10 }), padded(data), member({ name: 'next' }, Buffer.from('n')), END]);
  const r = await feed(archive, 333);
  assert.equal(r.entries[0]!.size, 1500);
  assert.deepEqual(r.entries[0]!.body, data);
  assert.equal(r.entries[1]!.name, 'next');
  assert.equal(r.entries[1]!.body.toString(), 'n');
});

test('TarParser merges consecutive PAX x headers', async () => {
  const archive = Buffer.concat([pax('x', { path: 'first', uname: 'u' }), pax('x', { path: 'second' }), member({ name: 'x' }), END]);
  const r = await feed(archive, archive.length);
  assert.equal(r.entries[0]!.name, 'second');
  assert.deepEqual(r.entries[0]!.pax, { path: 'second', uname: 'u' });
});

test('TarParser passes PAX g headers to globalPax and does not apply them to members', async () => {
  const archive = Buffer.concat([
    member({ name: 'first' }),
    pax('g', { comment: 'a2b3c4d5e6f7', path: 'should-not-apply' }),
    member({ name: 'second' }),
    END,
  ]);
  const r = await feed(archive, 64);
  assert.deepEqual(r.globals, [{ records: { comment: 'a2b3c4d5e6f7', path: 'should-not-apply' }, offset: 512 }]);
  assert.deepEqual(r.entries.map((e) => e.name), ['first', 'second']);
  assert.equal(r.entries[1]!.pax, undefined);
  assert.equal(r.parser.entries, 2);
});

test('TarParser stops at the end-of-archive block and ignores the bytes after it', async () => {
  const garbage = Buffer.concat([member({ name: 'after-end' }, Buffer.from('hidden')), Buffer.from('not a tar at all'.repeat(100))]);
  const archive = Buffer.concat([member({ name: 'only' }, Buffer.from('x')), Buffer.alloc(BLOCK), garbage]);
  for (const size of [1, 512, archive.length]) {
    const r = await feed(archive, size);
    assert.deepEqual(r.entries.map((e) => e.name), ['only'], `chunk size ${size}`);
    assert.equal(r.parser.ended, true);
    assert.equal(r.parser.offset, archive.length, 'the ignored bytes are still counted as consumed');
  }
});

test('TarParser accepts EOF at a member boundary without end-of-archive blocks', async () => {
  const archive = Buffer.concat([member({ name: 'a' }, Buffer.from('aaa')), member({ name: 'b' }, pattern(1024))]);
  const r = await feed(archive, 200);
  assert.deepEqual(r.entries.map((e) => e.name), ['a', 'b']);
  assert.equal(r.parser.ended, true);
});

test('TarParser fails with ARCHIVE_TRUNCATED when the input ends inside a member body', async () => {
  const archive = Buffer.concat([member({ name: 'a' }, pattern(2000)), END]);
  for (const cut of [513, 1000, 512 + 1999]) {
    await rejectsWith(feed(archive.subarray(0, cut), 100), 'ARCHIVE_TRUNCATED', /middle of a member/);
  }
});

test('TarParser fails with ARCHIVE_TRUNCATED when the input ends inside padding, a header, or after a metadata record', async () => {
  const archive = Buffer.concat([member({ name: 'a' }, pattern(100)), END]);
  await rejectsWith(feed(archive.subarray(0, 512 + 300), 64), 'ARCHIVE_TRUNCATED'); // in the padding
  await rejectsWith(feed(archive.subarray(0, 200), 64), 'ARCHIVE_TRUNCATED'); // in the first header
  const withPax = pax('x', { path: 'p' });
  await rejectsWith(feed(withPax, withPax.length), 'ARCHIVE_TRUNCATED'); // PAX header with no member
  await rejectsWith(feed(withPax.subarray(0, 600), 600), 'ARCHIVE_TRUNCATED'); // inside the PAX body
  const withL = gnuLong('L', 'name');
  await rejectsWith(feed(withL, withL.length), 'ARCHIVE_TRUNCATED');
});

test('TarParser fails with ARCHIVE_EMPTY on empty input and on an archive of zero blocks', async () => {
  await rejectsWith(feed(Buffer.alloc(0), 1), 'ARCHIVE_EMPTY');
  await rejectsWith(feed(Buffer.alloc(1024), 1024), 'ARCHIVE_EMPTY');
});

test('TarParser fails with TAR_INVALID on a damaged header', async () => {
  const archive = Buffer.concat([member({ name: 'ok' }, Buffer.from('x')), member({ name: 'bad' }), END]);
  archive[1024 + 3] = 0x5a;
  await rejectsWith(feed(archive, archive.length), 'TAR_INVALID', /offset 1024/);
  await rejectsWith(feed(Buffer.from('{"not":"a tar"}'.repeat(40)), 512), 'TAR_INVALID', /offset 0/);
});

test('TarParser fails with LIMIT_PAX_BYTES on a metadata record larger than maxMetaBytes, and accepts one at the limit', async () => {
  const records = { path: 'p'.repeat(3000) };
  const size = paxBody(records).length;
  const archive = Buffer.concat([pax('x', records), member({ name: 'f' }), END]);
  await assert.rejects(feed(archive, 512, { maxMetaBytes: size - 1 }), (err: unknown) => {
    assert.ok(err instanceof BerthError);
    assert.equal(err.code, 'LIMIT_PAX_BYTES');
    assert.equal(err.kind, 'limit');
    assert.match(err.hint ?? '', /BERTH_MAX_PAX_BYTES/);
    return true;
  });
  const r = await feed(archive, 512, { maxMetaBytes: size });
  assert.equal(r.entries[0]!.name, records.path);
  const longL = Buffer.concat([gnuLong('L', 'n'.repeat(5000)), member({ name: 'f' }), END]);
  await rejectsWith(feed(longL, 512, { maxMetaBytes: 4096 }), 'LIMIT_PAX_BYTES');
});

test('TarParser never reads data for directories, links and devices, even when their size field is not zero', async () => {
  // Each header claims 1000 bytes but is followed directly by the next header, as Go's reader expects.
  const archive = Buffer.concat([
    header({ name: 'd/', typeflag: '5', size: 1000 }),
    header({ name: 'd/sym', typeflag: '2', linkname: 'x', size: 1000 }),
    header({ name: 'd/hard', typeflag: '1', linkname: 'd/sym', size: 1000 }),
    header({ name: 'd/chr', typeflag: '3', size: 1000 }),
    header({ name: 'd/blk', typeflag: '4', size: 1000 }),
    header({ name: 'd/fifo', typeflag: '6', size: 1000 }),
    member({ name: 'd/file' }, Buffer.from('content')),
    END,
  ]);
  for (const size of [1, 512, archive.length]) {
    const r = await feed(archive, size);
    assert.deepEqual(r.entries.map((e) => [e.name, e.type, e.size, e.body.length]), [
      ['d/', 'dir', 0, 0],
      ['d/sym', 'symlink', 0, 0],
      ['d/hard', 'hardlink', 0, 0],
      ['d/chr', 'chardev', 0, 0],
      ['d/blk', 'blockdev', 0, 0],
      ['d/fifo', 'fifo', 0, 0],
      ['d/file', 'file', 7, 7],
    ], `chunk size ${size}`);
    assert.equal(r.entries[6]!.body.toString(), 'content');
    assert.ok(r.entries.every((e) => e.ended));
  }
});

test('TarParser skips the data of members whose handler returns no sink', async () => {
  const names: string[] = [];
  const parser = new TarParser({ entry: (h) => { names.push(h.name); return undefined; } }, { maxMetaBytes: 1024 });
  await parser.write(SAMPLE);
  await parser.end();
  assert.deepEqual(names, EXPECTED.map((e) => e.name));
});

test('TarParser propagates a sink failure', async () => {
  const parser = new TarParser({ entry: () => ({ write: () => { throw new Error('disk full'); }, end: () => undefined }) }, { maxMetaBytes: 1024 });
  await assert.rejects(parser.write(member({ name: 'a' }, Buffer.from('x'))), /disk full/);
});

test('parseTar() reads an async byte source and stops pulling after the end-of-archive block', async () => {
  let pulledAfterEnd = false;
  async function* source(): AsyncGenerator<Buffer> {
    yield SAMPLE.subarray(0, 1000);
    yield SAMPLE.subarray(1000);
    pulledAfterEnd = true;
    yield Buffer.from('trailing junk');
  }
  const { handler, entries } = recorder();
  const parser = await parseTar(source(), handler, { maxMetaBytes: 4096 });
  assert.deepEqual(summary(entries), EXPECTED);
  assert.equal(parser.ended, true);
  assert.equal(pulledAfterEnd, false);
});

test('parseTar() fails with ARCHIVE_TRUNCATED on a short source', async () => {
  async function* source(): AsyncGenerator<Buffer> {
    yield SAMPLE.subarray(0, 1100);
  }
  await rejectsWith(parseTar(source(), recorder().handler, { maxMetaBytes: 4096 }), 'ARCHIVE_TRUNCATED');
});
