import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCK, type TarHeader } from './tar-header.js';
import { TarParser } from './tar-parser.js';
import { encodeEntryHeader, END_OF_ARCHIVE, paxRecord, type EntryFields } from './entry-header.js';

const BASE: EntryFields = { name: Buffer.from('etc/passwd'), type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000 };

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
  const block = encodeEntryHeader({ ...BASE, mode: 0o4755, uid: 1000, gid: 50, uname: '', gname: '' });
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
    encodeEntryHeader({ ...BASE, name: Buffer.from('tmp/'), type: 'dir', mode: 0o1777 }),
    encodeEntryHeader({ ...BASE, name: Buffer.from('sl'), type: 'symlink', mode: 0o777, linkname: Buffer.from('/etc/passwd') }),
    encodeEntryHeader({ ...BASE, name: Buffer.from('hl'), type: 'hardlink', linkname: Buffer.from('etc/passwd') }),
    encodeEntryHeader({ ...BASE, name: Buffer.from('null'), type: 'chardev', devmajor: 1, devminor: 3 }),
    encodeEntryHeader({ ...BASE, name: Buffer.from('big'), type: 'blockdev', devmajor: 259, devminor: 1 << 20 }),
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
  const split = encodeEntryHeader({ ...BASE, name: Buffer.from(long) });
  assert.equal(split.length, BLOCK, 'fits ustar with a prefix');
  const longer = `${'x/'.repeat(200)}file`;
  const utf8 = 'données/été.txt';
  const latin1 = Buffer.from([0x61, 0xe9, 0x2e, 0x74]); // not UTF-8
  const linked = 'l'.repeat(150);
  const headers = await parse(archive(
    split,
    encodeEntryHeader({ ...BASE, name: Buffer.from(longer) }),
    encodeEntryHeader({ ...BASE, name: Buffer.from(utf8) }),
    encodeEntryHeader({ ...BASE, name: latin1 }),
    encodeEntryHeader({ ...BASE, name: Buffer.from('ln'), type: 'symlink', linkname: Buffer.from(linked) }),
    encodeEntryHeader({ ...BASE, name: Buffer.from(`${'d'.repeat(150)}/sub/`), type: 'dir' }),
  ));
  assert.deepEqual(headers.map((h) => h.name), [long, longer, utf8, 'a\udce9.t', 'ln', `${'d'.repeat(150)}/sub/`]);
  assert.equal(headers[4]!.linkname, linked);
});

test('xattrs become sorted SCHILY.xattr records, binary values intact', async () => {
  const cap = Buffer.from([1, 0, 0, 2, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const bytes = encodeEntryHeader({ ...BASE, xattrs: [['user.b', Buffer.from('two')], ['security.capability', cap], ['user.a', Buffer.from('one\nline')]] });
  const [h] = await parse(archive(bytes));
  assert.equal(h!.name, 'etc/passwd');
  assert.deepEqual(Object.keys(h!.pax!), ['SCHILY.xattr.security.capability', 'SCHILY.xattr.user.a', 'SCHILY.xattr.user.b']);
  assert.equal(h!.pax!['SCHILY.xattr.user.a'], 'one\nline');
  assert.ok(bytes.includes(Buffer.concat([Buffer.from('SCHILY.xattr.security.capability='), cap, Buffer.from('\n')])), 'the binary value is written byte for byte');
});

test('numbers too large for ustar go to PAX records', async () => {
  const [h] = await parse(archive(encodeEntryHeader({ ...BASE, uid: 5_000_000, gid: 4_000_000, mtime: -100 }), Buffer.alloc(0)));
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
  const file = encodeEntryHeader({ ...BASE, name: Buffer.from(`${'p'.repeat(130)}/${'q'.repeat(60)}`), size: data.length, xattrs: [['user.k', Buffer.from('v')]] });
  writeFileSync(join(dir, 'a.tar'), Buffer.concat([
    encodeEntryHeader({ ...BASE, name: Buffer.from(`${'p'.repeat(130)}/`), type: 'dir', mode: 0o755 }),
    file, data, Buffer.alloc(BLOCK - data.length),
    END_OF_ARCHIVE,
  ]));
  const r = spawnSync('tar', ['--xattrs', '-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '', 'no warning');
  assert.match(r.stdout, new RegExp(`\\n-rw-r--r--\\* +0/0 +6 .* ${'p'.repeat(130)}/${'q'.repeat(60)}\\n`), 'the file, with its xattr (*)');
});
