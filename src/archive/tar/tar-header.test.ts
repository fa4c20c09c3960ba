import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../../internal/errors.js';
import {
  BLOCK,
  decodeHeader,
  decodeName,
  encodeText,
  entryTypeOf,
  isTarHeader,
  parseNumber,
  parsePaxRecords,
  type TarHeader,
} from './tar-header.js';

// ---------------------------------------------------------------------------------------------
// Test data built by hand (independently of encodeHeader), field by field as POSIX lays them out.

interface RawFields {
  name?: string | Buffer;
  mode?: string;
  uid?: string;
  gid?: string;
  size?: number;
  mtime?: string;
  typeflag?: string;
  linkname?: string;
  magic?: 'ustar' | 'gnu' | 'v7';
  uname?: string;
  gname?: string;
  devmajor?: string;
  devminor?: string;
  prefix?: string;
}

function setChecksum(block: Buffer): Buffer {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return block;
}

function rawHeader(f: RawFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  if (Buffer.isBuffer(f.name)) f.name.copy(b, 0, 0, Math.min(100, f.name.length));
  else b.write(f.name ?? 'file.txt', 0, 100, 'utf8');
  b.write(f.mode ?? '0000644\0', 100, 8, 'latin1');
  b.write(f.uid ?? '0000000\0', 108, 8, 'latin1');
  b.write(f.gid ?? '0000000\0', 116, 8, 'latin1');
  b.write(`${(f.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
  b.write(f.mtime ?? '14000000000\0', 136, 12, 'latin1');
  b.write(f.typeflag ?? '0', 156, 1, 'latin1');
  b.write(f.linkname ?? '', 157, 100, 'utf8');
  const magic = f.magic ?? 'ustar';
  if (magic === 'ustar') b.write('ustar\u000000', 257, 8, 'latin1');
  if (magic === 'gnu') b.write('ustar  \u0000', 257, 8, 'latin1');
  b.write(f.uname ?? '', 265, 32, 'utf8');
  b.write(f.gname ?? '', 297, 32, 'utf8');
  if (magic !== 'v7') {
    b.write(f.devmajor ?? '0000000\0', 329, 8, 'latin1');
    b.write(f.devminor ?? '0000000\0', 337, 8, 'latin1');
  }
  if (f.prefix !== undefined) b.write(f.prefix, 345, 155, 'utf8');
  return setChecksum(b);
}

function field(bytes: number[] | string, length: number): Buffer {
  const b = Buffer.alloc(length);
  if (typeof bytes === 'string') b.write(bytes, 0, length, 'latin1');
  else Buffer.from(bytes).copy(b);
  return b;
}

function paxRecord(key: string, value: string): string {
  const kv = ` ${key}=${value}\n`;
  const n = Buffer.byteLength(kv);
  for (let length = n + 1; ; length++) if (String(length).length + n === length) return `${length}${kv}`;
}

function assertTarInvalid(fn: () => unknown, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BerthError, `expected a BerthError, got ${String(err)}`);
    assert.equal(err.code, 'TAR_INVALID');
    assert.equal(err.kind, 'invalid_archive');
    if (pattern !== undefined) assert.match(err.message, pattern);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// parseNumber

test('parseNumber() reads zero-padded octal terminated by NUL', () => {
  assert.equal(parseNumber(field('0000644\0', 8), 0, 8), 0o644);
  assert.equal(parseNumber(field('00000001750\0', 12), 0, 12), 0o1750);
});

test('parseNumber() skips leading spaces and NULs and accepts space or NUL terminators', () => {
  assert.equal(parseNumber(field('   644 \0', 8), 0, 8), 0o644);
  assert.equal(parseNumber(field('\0\0 755  ', 8), 0, 8), 0o755);
  assert.equal(parseNumber(field('12345670', 8), 0, 8), 0o12345670, 'a field may use all its bytes for digits');
});

test('parseNumber() reads an all-NUL or all-space field as 0', () => {
  assert.equal(parseNumber(Buffer.alloc(12), 0, 12), 0);
  assert.equal(parseNumber(field('        ', 8), 0, 8), 0);
});

test('parseNumber() reads a field at an offset inside a block', () => {
  const block = Buffer.alloc(64, 0x41);
  block.write('0000017\0', 20, 8, 'latin1');
  assert.equal(parseNumber(block, 20, 8), 0o17);
});

test('parseNumber() reads GNU base-256 sizes', () => {
  // 2^33 = 8 GiB, one more than the largest 11-digit octal size.
  assert.equal(parseNumber(field([0x80, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0], 12), 0, 12), 2 ** 33);
  assert.equal(parseNumber(field([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x02], 12), 0, 12), 0x0102);
  // uid 0x12345678 in an 8-byte field
  assert.equal(parseNumber(field([0x80, 0, 0, 0, 0x12, 0x34, 0x56, 0x78], 8), 0, 8), 0x12345678);
});

test('parseNumber() refuses negative base-256 values and values beyond 2^53', () => {
  assert.equal(parseNumber(field([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], 8), 0, 8), undefined);
  assert.equal(parseNumber(field([0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 12), 0, 12), undefined);
  assert.equal(parseNumber(field([0x80, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0], 12), 0, 12), undefined, '2^53 is not a safe integer');
  assert.equal(parseNumber(field([0x80, 0, 0, 0, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 12), 0, 12), Number.MAX_SAFE_INTEGER);
});

test('parseNumber() returns undefined for malformed octal fields', () => {
  assert.equal(parseNumber(field('00006a4\0', 8), 0, 8), undefined, 'a letter');
  assert.equal(parseNumber(field('0000648\0', 8), 0, 8), undefined, '8 is not an octal digit');
  assert.equal(parseNumber(field('0644 12\0', 8), 0, 8), undefined, 'digits after the terminator');
  assert.equal(parseNumber(field('-000644\0', 8), 0, 8), undefined, 'a sign');
});

// ---------------------------------------------------------------------------------------------
// decodeHeader

test('decodeHeader() reads the fields of a ustar header', () => {
  const block = rawHeader({
    name: 'etc/motd', mode: '0000640\0', uid: '0001750\0', gid: '0000144\0', size: 1234, mtime: '14771651366\0',
    typeflag: '0', uname: 'alice', gname: 'staff',
  });
  const h = decodeHeader(block, 1024, undefined, undefined, undefined);
  assert.deepEqual(h, {
    name: 'etc/motd', type: 'file', typeflag: '0', mode: 0o640, uid: 1000, gid: 100, size: 1234, mtime: 0o14771651366,
    linkname: '', uname: 'alice', gname: 'staff', devmajor: 0, devminor: 0, pax: undefined, offset: 1024,
  });
});

test('decodeHeader() joins the ustar prefix and name with a slash', () => {
  const prefix = `usr/share/${'p'.repeat(120)}`;
  const block = rawHeader({ name: 'some-file.txt', prefix });
  assert.equal(decodeHeader(block, 0, undefined, undefined, undefined).name, `${prefix}/some-file.txt`);
});

test('decodeHeader() reads a name that fills all 100 bytes without a NUL', () => {
  const name = `${'n'.repeat(99)}x`;
  assert.equal(decodeHeader(rawHeader({ name }), 0, undefined, undefined, undefined).name, name);
});

test('decodeHeader() ignores the prefix area of GNU headers (it holds atime/ctime there)', () => {
  const block = rawHeader({ name: 'gnu-file', magic: 'gnu', prefix: '14771651366' });
  const h = decodeHeader(block, 0, undefined, undefined, undefined);
  assert.equal(h.name, 'gnu-file');
});

test('decodeHeader() reads v7 headers without magic, and reports devices as 0:0', () => {
  const block = rawHeader({ name: 'old/file', magic: 'v7', prefix: 'not-a-prefix' });
  const h = decodeHeader(block, 0, undefined, undefined, undefined);
  assert.equal(h.name, 'old/file');
  assert.equal(h.devmajor, 0);
  assert.equal(h.devminor, 0);
});

test('decodeHeader() reads device numbers of ustar character devices', () => {
  const h = decodeHeader(rawHeader({ name: 'dev/null', typeflag: '3', devmajor: '0000001\0', devminor: '0000003\0' }), 0, undefined, undefined, undefined);
  assert.equal(h.type, 'chardev');
  assert.equal(h.devmajor, 1);
  assert.equal(h.devminor, 3);
});

test('decodeHeader() decodes UTF-8 names, and invalid UTF-8 byte for byte (bytes over 0x7f escaped as U+DC80..U+DCFF)', () => {
  const utf8 = decodeHeader(rawHeader({ name: 'café.txt' }), 0, undefined, undefined, undefined);
  assert.equal(utf8.name, 'café.txt');
  const latin1 = decodeHeader(rawHeader({ name: Buffer.from([0x63, 0x61, 0x66, 0xe9]) }), 0, undefined, undefined, undefined);
  assert.equal(latin1.name, 'caf\udce9');
  assert.notEqual(latin1.name, utf8.name.slice(0, 4), 'the Latin-1 bytes do not alias the UTF-8 name');
});

test('decodeHeader() fails with TAR_INVALID on a bad checksum, naming the offset', () => {
  const block = rawHeader({ name: 'a' });
  block[0] = 'b'.charCodeAt(0); // content changed, checksum not updated
  assertTarInvalid(() => decodeHeader(block, 2048, undefined, undefined, undefined), /offset 2048: bad checksum/);
  const noChecksum = rawHeader({ name: 'a' });
  noChecksum.fill(0, 148, 156);
  assertTarInvalid(() => decodeHeader(noChecksum, 0, undefined, undefined, undefined), /bad checksum/);
});

test('decodeHeader() fails with TAR_INVALID on a malformed numeric field', () => {
  assertTarInvalid(() => decodeHeader(rawHeader({ size: 0, mode: '00z0644\0' }), 0, undefined, undefined, undefined), /bad mode field/);
  assertTarInvalid(() => decodeHeader(rawHeader({ mtime: 'yesterday!!\0' }), 0, undefined, undefined, undefined), /bad mtime field/);
});

test('decodeHeader() maps type flags to entry types', () => {
  const cases: Array<[string, string]> = [['0', 'file'], ['\0', 'file'], ['7', 'file'], ['1', 'hardlink'], ['2', 'symlink'], ['3', 'chardev'], ['4', 'blockdev'], ['5', 'dir'], ['6', 'fifo'], ['S', 'other']];
  for (const [flag, type] of cases) {
    assert.equal(decodeHeader(rawHeader({ typeflag: flag }), 0, undefined, undefined, undefined).type, type, `typeflag ${JSON.stringify(flag)}`);
    assert.equal(entryTypeOf(flag), type);
  }
});

test('decodeHeader() lets GNU long names and long link names override the header fields', () => {
  const longName = `${'d/'.repeat(80)}file`;
  const longLink = `${'t/'.repeat(70)}target`;
  const h = decodeHeader(rawHeader({ name: 'short', typeflag: '2', linkname: 'short-target' }), 0, undefined, longName, longLink);
  assert.equal(h.name, longName);
  assert.equal(h.linkname, longLink);
});

test('decodeHeader() applies PAX overrides of path, linkpath, size, uid, gid, mtime, uname and gname', () => {
  const pax = {
    path: 'very/long/ümlaut/name.txt', linkpath: 'other/target', size: '8589934592', uid: '4000000', gid: '3000000',
    mtime: '1700000000.123456789', uname: 'ütf', gname: 'gröup',
  };
  const h = decodeHeader(rawHeader({ name: 'PaxHeaders/x', linkname: 'x', size: 5, typeflag: '0' }), 0, pax, undefined, undefined);
  assert.equal(h.name, pax.path);
  assert.equal(h.linkname, 'other/target');
  assert.equal(h.size, 8589934592);
  assert.equal(h.uid, 4000000);
  assert.equal(h.gid, 3000000);
  assert.equal(h.mtime, 1700000000.123456789);
  assert.equal(h.uname, 'ütf');
  assert.equal(h.gname, 'gröup');
  assert.equal(h.pax, pax);
});

test('decodeHeader() gives PAX path precedence over a GNU long name', () => {
  const h = decodeHeader(rawHeader({ name: 'short' }), 0, { path: 'from-pax' }, 'from-gnu', undefined);
  assert.equal(h.name, 'from-pax');
});

test('decodeHeader() accepts a negative integral PAX mtime', () => {
  assert.equal(decodeHeader(rawHeader({}), 0, { mtime: '-86400' }, undefined, undefined).mtime, -86400);
});

test('decodeHeader() fails with TAR_INVALID on bad PAX values', () => {
  const block = rawHeader({});
  assertTarInvalid(() => decodeHeader(block, 0, { size: '12x' }, undefined, undefined), /bad PAX size record/);
  assertTarInvalid(() => decodeHeader(block, 0, { size: '' }, undefined, undefined), /bad PAX size record/);
  assertTarInvalid(() => decodeHeader(block, 0, { uid: '-1' }, undefined, undefined), /bad PAX uid record/);
  assertTarInvalid(() => decodeHeader(block, 0, { gid: '1e3' }, undefined, undefined), /bad PAX gid record/);
  assertTarInvalid(() => decodeHeader(block, 0, { size: '12345678901234567' }, undefined, undefined), /bad PAX size record/);
  assertTarInvalid(() => decodeHeader(block, 0, { mtime: '1.2.3' }, undefined, undefined), /bad PAX mtime record/);
  assertTarInvalid(() => decodeHeader(block, 0, { mtime: 'now' }, undefined, undefined), /bad PAX mtime record/);
});

test('isTarHeader() accepts a valid header and rejects zero, short and damaged blocks', () => {
  const block = rawHeader({ name: 'a' });
  assert.equal(isTarHeader(block), true);
  assert.equal(isTarHeader(Buffer.alloc(BLOCK)), false);
  assert.equal(isTarHeader(block.subarray(0, 511)), false);
  const damaged = Buffer.from(block);
  damaged[10] = 0x41;
  assert.equal(isTarHeader(damaged), false);
  assert.equal(isTarHeader(Buffer.from(`${JSON.stringify({ a: 'x'.repeat(600) })}`)), false);
});

// ---------------------------------------------------------------------------------------------
// parsePaxRecords

test('parsePaxRecords() reads length-prefixed records, values with "=" and newlines included', () => {
  const body = Buffer.from(paxRecord('path', 'a=b/c') + paxRecord('comment', 'line 1\nline 2') + paxRecord('SCHILY.xattr.user.k', 'v') + paxRecord('uname', 'zoë'));
  assert.deepEqual({ ...parsePaxRecords(body, 0) }, { path: 'a=b/c', comment: 'line 1\nline 2', 'SCHILY.xattr.user.k': 'v', uname: 'zoë' });
});

test('parsePaxRecords() keeps the last of repeated keys', () => {
  const body = Buffer.from(paxRecord('path', 'first') + paxRecord('path', 'second'));
  assert.equal(parsePaxRecords(body, 0).path, 'second');
});

test('parsePaxRecords() stops at NUL padding', () => {
  const body = Buffer.concat([Buffer.from(paxRecord('path', 'x') + paxRecord('uid', '5')), Buffer.alloc(40)]);
  assert.deepEqual({ ...parsePaxRecords(body, 0) }, { path: 'x', uid: '5' });
});

test('parsePaxRecords() reads an empty body as no records', () => {
  assert.deepEqual({ ...parsePaxRecords(Buffer.alloc(0), 0) }, {});
});

test('parsePaxRecords() does not let a key named __proto__ reach the prototype', () => {
  const records = parsePaxRecords(Buffer.from(paxRecord('__proto__', 'x')), 0);
  assert.equal(Object.getPrototypeOf(records), null);
  assert.equal(records['__proto__'], 'x');
});

test('parsePaxRecords() fails with TAR_INVALID on malformed lengths and records', () => {
  const bad = [
    '12 path=abc\n' + 'x', // length says 12, record is 12 bytes but the next one is garbage without a space
    'abc path=x\n', // not a number
    '99 path=x\n', // longer than the body
    '9 path=xy\n', // the record the length delimits does not end in a newline
    '4 a\n', // shorter than the smallest record
    '7 path\n', // no "="
    '7 =xyz\n', // empty key
    '11 path=xy', // no newline at the end
    '1234567890123456789012 path=x\n', // absurdly long length field
    '-5 path=x\n',
  ];
  for (const text of bad) {
    assertTarInvalid(() => parsePaxRecords(Buffer.from(text), 512), /PAX record/);
  }
});

test('decodeName() keeps names that are not UTF-8 apart from their Latin-1 reading, and encodeText() gives their bytes back', () => {
  const raw = Buffer.from([0x6e, 0xff]);
  const utf8 = Buffer.from('n\u00ff', 'utf8');
  assert.notEqual(decodeName(raw), decodeName(utf8), 'two byte strings, two names');
  assert.deepEqual(encodeText(decodeName(raw)), raw);
  assert.deepEqual(encodeText(decodeName(utf8)), utf8);
  assert.deepEqual(Buffer.from(decodeName(raw), 'latin1'), raw, 'the low bytes are the original bytes');
});
