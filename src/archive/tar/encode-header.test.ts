/**
 * The tar header encoder. The golden digests below are the header bytes `export`, `commit`
 * (encodeHeader, byte names) and `save` (its tar writer) produced before the two encoders Berth
 * had were merged into this one: a change to any of them changes archives users compare.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCK, decodeHeader, encodeText, padding, parsePaxRecords, type TarHeader } from './tar-header.js';
import { TarParser } from './tar-parser.js';
import { tarStream, type TarRecord } from './tar-writer.js';
import { encodeConfigHeader } from './config-header.js';
import { encodeHeader, encodePaxRecords, encodeTextHeader, END_OF_ARCHIVE, paxRecord, type HeaderFields, type TextHeaderFields } from './encode-header.js';

const BASE: HeaderFields = { name: Buffer.from('etc/passwd'), type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000 };

async function parse(bytes: Buffer): Promise<TarHeader[]> {
  const out: TarHeader[] = [];
  const parser = new TarParser({ entry(header) { out.push(header); return { write: () => undefined, end: () => undefined }; } }, { maxMetaBytes: 1024 * 1024 });
  await parser.write(bytes);
  await parser.end();
  return out;
}

function archive(...headers: Buffer[]): Buffer {
  return Buffer.concat([...headers, END_OF_ARCHIVE]);
}

test('a short name is one ustar block with the fields as given', async () => {
  const block = encodeHeader({ ...BASE, mode: 0o4755, uid: 1000, gid: 50, uname: '', gname: '' });
  assert.equal(block.length, BLOCK);
  const [h] = await parse(archive(block));
  assert.equal(h!.name, 'etc/passwd');
  assert.equal(h!.mode, 0o4755);
  assert.equal(h!.uid, 1000);
  assert.equal(h!.gid, 50);
  assert.equal(h!.mtime, 1_700_000_000);
  assert.equal(h!.pax, undefined, 'no PAX header when everything fits ustar');
  assert.equal(block.toString('latin1', 257, 263), 'ustar\0');
});

test('directories, symlinks, hard links and devices', async () => {
  const headers = await parse(archive(
    encodeHeader({ ...BASE, name: Buffer.from('tmp/'), type: 'dir', mode: 0o1777 }),
    encodeHeader({ ...BASE, name: Buffer.from('sl'), type: 'symlink', mode: 0o777, linkname: Buffer.from('/etc/passwd') }),
    encodeHeader({ ...BASE, name: Buffer.from('hl'), type: 'hardlink', linkname: Buffer.from('etc/passwd') }),
    encodeHeader({ ...BASE, name: Buffer.from('null'), type: 'chardev', devmajor: 1, devminor: 3 }),
    encodeHeader({ ...BASE, name: Buffer.from('big'), type: 'blockdev', devmajor: 259, devminor: 1 << 20 }),
  ));
  assert.deepEqual(headers.map((h) => [h.name, h.type, h.linkname]), [
    ['tmp/', 'dir', ''], ['sl', 'symlink', '/etc/passwd'], ['hl', 'hardlink', 'etc/passwd'], ['null', 'chardev', ''], ['big', 'blockdev', ''],
  ]);
  assert.equal(headers[0]!.mode, 0o1777);
  assert.deepEqual([headers[3]!.devmajor, headers[3]!.devminor], [1, 3]);
  assert.deepEqual([headers[4]!.devmajor, headers[4]!.devminor], [259, 1 << 20]);
});

test('a long ASCII name goes into the ustar prefix; a longer or non-ASCII one into a PAX path', async () => {
  const long = `${'d'.repeat(120)}/${'f'.repeat(90)}`;
  const split = encodeHeader({ ...BASE, name: Buffer.from(long) });
  assert.equal(split.length, BLOCK, 'fits ustar with a prefix');
  const longer = `${'x/'.repeat(200)}file`;
  const utf8 = 'données/été.txt';
  const latin1 = Buffer.from([0x61, 0xe9, 0x2e, 0x74]); // not UTF-8
  const linked = 'l'.repeat(150);
  const headers = await parse(archive(
    split,
    encodeHeader({ ...BASE, name: Buffer.from(longer) }),
    encodeHeader({ ...BASE, name: Buffer.from(utf8) }),
    encodeHeader({ ...BASE, name: latin1 }),
    encodeHeader({ ...BASE, name: Buffer.from('ln'), type: 'symlink', linkname: Buffer.from(linked) }),
    encodeHeader({ ...BASE, name: Buffer.from(`${'d'.repeat(150)}/sub/`), type: 'dir' }),
  ));
  assert.deepEqual(headers.map((h) => h.name), [long, longer, utf8, 'a\udce9.t', 'ln', `${'d'.repeat(150)}/sub/`]);
  assert.equal(headers[4]!.linkname, linked);
});

test('xattrs become sorted SCHILY.xattr records, binary values intact', async () => {
  const cap = Buffer.from([1, 0, 0, 2, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const bytes = encodeHeader({ ...BASE, xattrs: [['user.b', Buffer.from('two')], ['security.capability', cap], ['user.a', Buffer.from('one\nline')]] });
  const [h] = await parse(archive(bytes));
  assert.equal(h!.name, 'etc/passwd');
  assert.deepEqual(Object.keys(h!.pax!), ['SCHILY.xattr.security.capability', 'SCHILY.xattr.user.a', 'SCHILY.xattr.user.b']);
  assert.equal(h!.pax!['SCHILY.xattr.user.a'], 'one\nline');
  assert.ok(bytes.includes(Buffer.concat([Buffer.from('SCHILY.xattr.security.capability='), cap, Buffer.from('\n')])), 'the binary value is written byte for byte');
});

test('numbers too large for ustar go to PAX records', async () => {
  const [h] = await parse(archive(encodeHeader({ ...BASE, uid: 5_000_000, gid: 4_000_000, mtime: -100 }), Buffer.alloc(0)));
  assert.equal(h!.uid, 5_000_000);
  assert.equal(h!.gid, 4_000_000);
  assert.equal(h!.mtime, -100);
});

test('paxRecord counts its own length, across a digit boundary', () => {
  for (let n = 0; n < 300; n++) {
    const rec = paxRecord('k', Buffer.from('v'.repeat(n)));
    const declared = Number(rec.toString('latin1').split(' ')[0]);
    assert.equal(declared, rec.length, `value of ${n} bytes`);
  }
});

test('GNU tar reads the headers with no warning', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-entry-header-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = Buffer.from('hello\n');
  const file = encodeHeader({ ...BASE, name: Buffer.from(`${'p'.repeat(130)}/${'q'.repeat(60)}`), size: data.length, xattrs: [['user.k', Buffer.from('v')]] });
  writeFileSync(join(dir, 'a.tar'), Buffer.concat([
    encodeHeader({ ...BASE, name: Buffer.from(`${'p'.repeat(130)}/`), type: 'dir', mode: 0o755 }),
    file, data, Buffer.alloc(BLOCK - data.length),
    END_OF_ARCHIVE,
  ]));
  const r = spawnSync('tar', ['--xattrs', '-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '', 'no warning');
  assert.match(r.stdout, new RegExp(`\\n-rw-r--r--\\* +0/0 +6 .* ${'p'.repeat(130)}/${'q'.repeat(60)}\\n`), 'the file, with its xattr (*)');
});

// ---------------------------------------------------------------------------------------------
// The bytes of Berth's archives

const digest = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex').slice(0, 24);
const B = (text: string): Buffer => Buffer.from(text);
const ENTRY: HeaderFields = { name: B('etc/passwd'), type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000, devmajor: 0, devminor: 0 };

const GOLDEN: Array<[string, HeaderFields, string]> = [
  ['a file', { ...ENTRY, size: 1234 }, '30cb9df7cabbe80831d33261'],
  ['a setuid file owned by root', { ...ENTRY, mode: 0o104755, uname: 'root', gname: 'root', size: 7 }, 'd861a3d83869562d748b156c'],
  ['a directory', { ...ENTRY, name: B('tmp/'), type: 'dir', mode: 0o1777 }, '57ab3e88747b851c8f1ebade'],
  ['a symlink', { ...ENTRY, name: B('sl'), type: 'symlink', mode: 0o777, linkname: B('/etc/passwd') }, 'e331deeefc47dd9939b85ff7'],
  ['a hard link', { ...ENTRY, name: B('hl'), type: 'hardlink', linkname: B('etc/passwd') }, '03810f181b059cd0512fe080'],
  ['a character device', { ...ENTRY, name: B('dev/null'), type: 'chardev', mode: 0o666, devmajor: 1, devminor: 3 }, 'bb080735551fdd39609259a4'],
  ['a block device with a minor beyond octal', { ...ENTRY, name: B('dev/big'), type: 'blockdev', devmajor: 259, devminor: 1 << 22 }, 'ff9f972c5ebe16007cee2328'],
  ['a fifo', { ...ENTRY, name: B('run/fifo'), type: 'fifo' }, '0241517e583dd206739879be'],
  ['a name of exactly 100 bytes', { ...ENTRY, name: B('n'.repeat(100)) }, '9ea4cd48d70a5cb957caaafd'],
  ['a long name split into prefix', { ...ENTRY, name: B(`${'p'.repeat(130)}/${'q'.repeat(60)}`) }, 'b51ade320203b4d58f999313'],
  ['a long directory name split', { ...ENTRY, name: B(`${'d'.repeat(150)}/sub/`), type: 'dir' }, '3c83c87a7452c0d2dee71ff2'],
  ['a name too long to split', { ...ENTRY, name: B(`${'a'.repeat(120)}/${'b'.repeat(120)}/${'c'.repeat(30)}`) }, '8082fd906d5b397218fc1bc9'],
  ['a UTF-8 name', { ...ENTRY, name: B('dir/caf\u00e9/\u6587\u4ef6') }, 'f72d0df4c9d7d3812c8e16e9'],
  ['a name that is not UTF-8', { ...ENTRY, name: Buffer.from([0x64, 0x2f, 0x63, 0x61, 0x66, 0xe9]) }, '75f954b8919d36f10484398e'],
  ['a name with a control character', { ...ENTRY, name: B('bad\nname') }, '51261886b84bd93bc7a4bea2'],
  ['a long link name', { ...ENTRY, name: B('ln'), type: 'symlink', linkname: B(`/${'t'.repeat(300)}`) }, '2a70e182defee9cd9d67e68c'],
  ['a non-ASCII link name', { ...ENTRY, name: B('ln'), type: 'symlink', linkname: B('caf\u00e9') }, '9f6c11f8e9566321b20ccfea'],
  ['xattrs, binary, in key order', { ...ENTRY, xattrs: [['user.b', B('two')], ['security.capability', Buffer.from([1, 0, 0, 2, 0x80, 4, 0, 0])], ['user.a', B('one\nline')]] }, 'b0f96bc7748eaff995c658b3'],
  ['a long name with xattrs', { ...ENTRY, name: B('x'.repeat(120)), xattrs: [['user.k', B('v')]] }, '52a3b4426e7fbbd0767ef6fd'],
  ['large owner IDs', { ...ENTRY, uid: 5_000_000, gid: 4_000_000, uname: 'u', gname: 'g' }, '34a1369f00e86a25697bf5b1'],
  ['a negative mtime', { ...ENTRY, mtime: -100 }, 'c8288f96ca47e83f4da86d78'],
  ['an mtime beyond octal', { ...ENTRY, mtime: 2 ** 36 }, '8e8f4587d1202bf914b9d6c1'],
  ['a fractional mtime', { ...ENTRY, mtime: 1_700_000_000.75 }, 'cca3eb51b1ac8415e2a6338e'],
  ['a size of 8 GiB and more', { ...ENTRY, size: 2 ** 33 + 5 }, 'd5a8e35d0c2a8524a3f00c8f'],
  ['a whiteout file (commit)', { ...ENTRY, name: B('etc/.wh.gone'), mode: 0o600, uid: 3, gid: 4 }, '4db20fa518c8246abd0e5389'],
];

test('encodeHeader() writes the bytes export and commit have always written', () => {
  for (const [what, fields, expected] of GOLDEN) assert.equal(digest(encodeHeader(fields)), expected, what);
  const changed = digest(encodeHeader({ ...ENTRY, mode: 0o600 }));
  assert.ok(!GOLDEN.some(([, , d]) => d === changed), 'the digests tell headers apart');
});

test('save writes the archive bytes it has always written, and export its config header', async () => {
  const records: TarRecord[] = [
    { name: 'blobs', type: 'dir', size: 0 }, { name: 'blobs/sha256', type: 'dir', size: 0 },
    { name: `blobs/sha256/${'ab'.repeat(32)}`, type: 'file', size: 5, data: B('hello') },
    { name: 'index.json', type: 'file', size: 3, data: B('{}\n') },
    { name: 'manifest.json', type: 'file', size: 600, data: Buffer.alloc(600, 0x41) },
    { name: 'oci-layout', type: 'file', size: 0, data: Buffer.alloc(0) },
  ];
  const parts: Buffer[] = [];
  for await (const chunk of tarStream(records)) parts.push(Buffer.from(chunk));
  assert.equal(digest(Buffer.concat(parts)), 'f5e90eeaca5a0fc9c7c5556a');
  assert.equal(digest(encodeConfigHeader({ Cmd: ['sh'], Env: ['A=b'] })), '7ec580af2ace7286d2ab2074');
});

test('device numbers are written when given and left empty otherwise', () => {
  const without = encodeHeader({ name: B('f'), type: 'file', mode: 0o644 });
  assert.ok(without.subarray(329, 345).every((b) => b === 0), 'no device numbers: NULs, as save writes its records');
  const zeros = encodeHeader({ name: B('f'), type: 'file', mode: 0o644, devmajor: 0, devminor: 0 });
  assert.equal(zeros.toString('latin1', 329, 345), '0000000\u00000000000\u0000', 'zeros, as Go writes them for every entry');
});

test('a record the caller gives replaces the one the encoder would derive; the others follow the derived ones in key order', async () => {
  const bytes = encodeHeader({ ...ENTRY, name: B('caf\u00e9'), mtime: -1, xattrs: [['user.x', B('1')]], pax: { mtime: B('-0.5'), comment: B('c') } });
  const body = bytes.subarray(BLOCK, BLOCK + decodeHeader(bytes.subarray(0, BLOCK), 0, undefined, undefined, undefined).size).toString('latin1');
  assert.deepEqual(body.split('\n').filter((r) => r !== '').map((r) => r.slice(r.indexOf(' ') + 1, r.indexOf('='))), ['path', 'SCHILY.xattr.user.x', 'comment', 'mtime']);
  const [h] = await parse(archive(bytes));
  assert.equal(h!.mtime, -0.5);
});

/** Splits encodeTextHeader's output (optional PAX header + body, then the ustar block) and decodes it. */
function roundTrip(fields: TextHeaderFields, extraPax?: Record<string, string>): { header: TarHeader; bytes: Buffer; paxRecords: Record<string, string> | undefined } {
  const bytes = encodeTextHeader(fields, extraPax);
  assert.equal(bytes.length % BLOCK, 0, 'encoded headers are whole blocks');
  let pos = 0;
  let paxRecords: Record<string, string> | undefined;
  if (bytes[156] === 'x'.charCodeAt(0)) {
    const paxHeader = decodeHeader(bytes.subarray(0, BLOCK), 0, undefined, undefined, undefined);
    paxRecords = parsePaxRecords(bytes.subarray(BLOCK, BLOCK + paxHeader.size), 0);
    pos = BLOCK + paxHeader.size + padding(paxHeader.size);
  }
  assert.equal(bytes.length - pos, BLOCK, 'exactly one ustar block follows the PAX header');
  const header = decodeHeader(bytes.subarray(pos), pos, paxRecords, undefined, undefined);
  return { header, bytes, paxRecords };
}


// ---------------------------------------------------------------------------------------------
// encodeTextHeader round trips (decoded names)

test('encodeTextHeader() writes a short name as one ustar block that decodes to the same fields', () => {
  const { header, bytes, paxRecords } = roundTrip({
    name: 'etc/hosts', type: 'file', mode: 0o644, size: 1234, mtime: 1700000000, uid: 1000, gid: 100, uname: 'u', gname: 'g',
  });
  assert.equal(bytes.length, BLOCK);
  assert.equal(paxRecords, undefined);
  assert.equal(header.name, 'etc/hosts');
  assert.equal(header.type, 'file');
  assert.equal(header.typeflag, '0');
  assert.equal(header.mode, 0o644);
  assert.equal(header.size, 1234);
  assert.equal(header.mtime, 1700000000);
  assert.equal(header.uid, 1000);
  assert.equal(header.gid, 100);
  assert.equal(header.uname, 'u');
  assert.equal(header.gname, 'g');
  assert.equal(bytes.toString('latin1', 257, 265), 'ustar\u000000');
});

test('encodeTextHeader() keeps the permission bits of the mode only and floors fractional mtimes', () => {
  const { header } = roundTrip({ name: 'x', type: 'file', mode: 0o100755, mtime: 12.9 });
  assert.equal(header.mode, 0o755);
  assert.equal(header.mtime, 12);
});

test('encodeTextHeader() writes a name of exactly 100 bytes without PAX', () => {
  const name = `${'a'.repeat(50)}/${'b'.repeat(49)}`;
  const { header, bytes } = roundTrip({ name, type: 'file', mode: 0o644 });
  assert.equal(bytes.length, BLOCK);
  assert.equal(header.name, name);
});

test('encodeTextHeader() splits an ASCII name over 100 bytes into ustar prefix and name', () => {
  const name = `${'dir-a/'.repeat(15)}${'b'.repeat(60)}.txt`; // 154 bytes
  const { header, bytes, paxRecords } = roundTrip({ name, type: 'file', mode: 0o644, size: 3 });
  assert.equal(bytes.length, BLOCK, 'no PAX header needed');
  assert.equal(paxRecords, undefined);
  assert.notEqual(bytes[345], 0, 'the prefix field is used');
  assert.equal(header.name, name);
});

test('encodeTextHeader() splits a directory name ending in a slash', () => {
  const name = `${'d'.repeat(90)}/${'e'.repeat(30)}/`;
  const { header, bytes } = roundTrip({ name, type: 'dir', mode: 0o755 });
  assert.equal(bytes.length, BLOCK);
  assert.equal(header.name, name);
  assert.equal(header.type, 'dir');
});

test('encodeTextHeader() uses a PAX path for names that cannot be split', () => {
  const cases = [
    'x'.repeat(120), // no slash at all
    `short/${'y'.repeat(101)}`, // last component longer than 100
    `${'p'.repeat(160)}/file`, // prefix longer than 155
    `${'deep/'.repeat(60)}end`, // longer than 256
  ];
  for (const name of cases) {
    const { header, bytes, paxRecords } = roundTrip({ name, type: 'file', mode: 0o644, size: 10 });
    assert.equal(paxRecords?.path, name);
    assert.equal(header.name, name);
    assert.ok(bytes.length > BLOCK);
    assert.equal(header.size, 10);
  }
});

test('encodeTextHeader() uses a PAX path for non-ASCII names and writes an ASCII ustar name', () => {
  for (const name of ['café/naïve.txt', '日本語/ファイル', 'emoji-😀']) {
    const { header, bytes, paxRecords } = roundTrip({ name, type: 'file', mode: 0o644 });
    assert.equal(paxRecords?.path, name);
    assert.equal(header.name, name);
    const ustarName = bytes.subarray(bytes.length - BLOCK, bytes.length - BLOCK + 100);
    assert.ok(ustarName.every((b) => b < 0x80), 'the ustar name field is ASCII');
  }
});

test('encodeTextHeader() uses a PAX linkpath for long and non-ASCII link names', () => {
  for (const linkname of [`${'t/'.repeat(60)}target`, 'ziel-ä']) {
    const { header, paxRecords } = roundTrip({ name: 'link', type: 'symlink', mode: 0o777, linkname });
    assert.equal(paxRecords?.linkpath, linkname);
    assert.equal(header.linkname, linkname);
    assert.equal(header.type, 'symlink');
  }
  const hard = roundTrip({ name: 'hard', type: 'hardlink', mode: 0o644, linkname: `${'h'.repeat(150)}` });
  assert.equal(hard.header.linkname, 'h'.repeat(150));
  assert.equal(hard.header.type, 'hardlink');
});

test('encodeTextHeader() keeps a short ASCII link name in the ustar block', () => {
  const { header, bytes } = roundTrip({ name: 'l', type: 'symlink', mode: 0o777, linkname: '../target' });
  assert.equal(bytes.length, BLOCK);
  assert.equal(header.linkname, '../target');
});

test('encodeTextHeader() uses PAX records for uid and gid beyond 7 octal digits', () => {
  const { header, paxRecords } = roundTrip({ name: 'f', type: 'file', mode: 0o600, uid: 0o7777777 + 1, gid: 100000000 });
  assert.equal(paxRecords?.uid, String(0o7777777 + 1));
  assert.equal(header.uid, 0o7777777 + 1);
  assert.equal(header.gid, 100000000);
  const fits = roundTrip({ name: 'f', type: 'file', mode: 0o600, uid: 0o7777777 });
  assert.equal(fits.paxRecords, undefined);
  assert.equal(fits.header.uid, 0o7777777);
});

test('encodeTextHeader() uses a PAX size record for sizes of 8 GiB and more', () => {
  const { header, paxRecords } = roundTrip({ name: 'big', type: 'file', mode: 0o644, size: 2 ** 33 + 5 });
  assert.equal(paxRecords?.size, String(2 ** 33 + 5));
  assert.equal(header.size, 2 ** 33 + 5);
  assert.equal(roundTrip({ name: 'big', type: 'file', mode: 0o644, size: 2 ** 33 - 1 }).paxRecords, undefined);
});

test('encodeTextHeader() writes character device numbers', () => {
  const { header } = roundTrip({ name: 'dev/tty', type: 'chardev', mode: 0o620, devmajor: 5, devminor: 0 });
  assert.equal(header.type, 'chardev');
  assert.equal(header.devmajor, 5);
  const block = roundTrip({ name: 'dev/sda', type: 'blockdev', mode: 0o660, devmajor: 8, devminor: 1 }).header;
  assert.equal(block.type, 'blockdev');
  assert.deepEqual([block.devmajor, block.devminor], [8, 1]);
});

test('encodeTextHeader() passes extra PAX records through', () => {
  const { header, paxRecords } = roundTrip({ name: 'f', type: 'file', mode: 0o644 }, { 'SCHILY.xattr.user.note': 'hello' });
  assert.equal(paxRecords?.['SCHILY.xattr.user.note'], 'hello');
  assert.equal(header.pax?.['SCHILY.xattr.user.note'], 'hello');
  assert.equal(header.name, 'f');
});

test('encodeTextHeader() is deterministic', () => {
  const fields: TextHeaderFields = { name: `${'é'.repeat(80)}`, type: 'file', mode: 0o644, size: 99, mtime: 5 };
  assert.deepEqual(encodeTextHeader(fields), encodeTextHeader(fields));
});

// ---------------------------------------------------------------------------------------------
// encodePaxRecords

test('encodePaxRecords() writes record lengths that count their own digits, across 9->10, 99->100 and 999->1000', () => {
  const seen = new Set<number>();
  for (let valueLength = 0; valueLength <= 1100; valueLength++) {
    const value = 'v'.repeat(valueLength);
    const body = encodePaxRecords({ path: value });
    const space = body.indexOf(0x20);
    const declared = Number(body.toString('latin1', 0, space));
    assert.equal(declared, body.length, `value of ${valueLength} bytes`);
    assert.equal(body[body.length - 1], 0x0a);
    assert.equal(parsePaxRecords(body, 0).path, value);
    seen.add(String(declared).length);
  }
  assert.deepEqual([...seen].sort(), [1, 2, 3, 4]);
  // The smallest records: " a=\n" is 4 bytes, so the record is "5 a=\n"; " a=xxxxx\n" is 9 bytes, so "11 a=xxxxx\n".
  assert.equal(encodePaxRecords({ a: '' }).toString(), '5 a=\n');
  assert.equal(encodePaxRecords({ a: 'xxxx' }).toString(), '9 a=xxxx\n');
  assert.equal(encodePaxRecords({ a: 'xxxxx' }).toString(), '11 a=xxxxx\n');
});

test('encodePaxRecords() counts bytes, not characters, of multi-byte values', () => {
  for (let n = 0; n < 60; n++) {
    const value = 'é'.repeat(n);
    const body = encodePaxRecords({ path: value });
    assert.equal(Number(body.toString('latin1', 0, body.indexOf(0x20))), body.length);
    assert.equal(parsePaxRecords(body, 0).path, value);
  }
});

test('encodePaxRecords() sorts keys so the output is stable', () => {
  const a = encodePaxRecords({ uid: '1', path: 'p', gid: '2' });
  const b = encodePaxRecords({ gid: '2', path: 'p', uid: '1' });
  assert.deepEqual(a, b);
  assert.equal(a.toString(), '8 gid=2\n9 path=p\n8 uid=1\n');
});


test('PAX values that are not UTF-8 (a security.capability xattr, a name) survive a decode and re-encode byte for byte', () => {
  const cap = Buffer.from([0x01, 0, 0, 0x02, 0x80, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const name = Buffer.from([0x64, 0x2f, 0xe9, 0x74, 0xe9]);
  // "<length> key=value\n" with a two-digit length (both records are 10..99 bytes long).
  const record = (key: string, value: Buffer): Buffer => {
    const tail = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
    return Buffer.concat([Buffer.from(String(tail.length + 2)), tail]);
  };
  const body = Buffer.concat([record('SCHILY.xattr.security.capability', cap), record('path', name)]);
  const records = parsePaxRecords(body, 0);
  const again = parsePaxRecords(encodePaxRecords(records), 0);
  assert.deepEqual(encodeText(again['SCHILY.xattr.security.capability']!), cap);
  assert.deepEqual(encodeText(again.path!), name);
});
