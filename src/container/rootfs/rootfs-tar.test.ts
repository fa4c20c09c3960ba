import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TarHeader } from '../../archive/tar/tar-header.js';
import { TarParser } from '../../archive/tar/tar-parser.js';
import { END_OF_ARCHIVE } from '../../archive/tar/encode-header.js';
import { deviceNumbers, rootfsEntries } from './rootfs-tar.js';
import { walkRoot } from './rootfs-walk.js';

function tree(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-rootfs-tar-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'a', 'deep'), { recursive: true });
  mkdirSync(join(root, 'sticky'));
  chmodSync(join(root, 'sticky'), 0o1777);
  writeFileSync(join(root, 'a-b'), 'dash\n');
  writeFileSync(join(root, 'a', 'deep', 'file'), 'x'.repeat(3000));
  writeFileSync(join(root, 'a', 'z'), 'z\n');
  linkSync(join(root, 'a', 'z'), join(root, 'b-link'));
  linkSync(join(root, 'a', 'z'), join(root, 'A-first'));
  symlinkSync('/etc/passwd', join(root, 'sl'));
  writeFileSync(join(root, 'suid'), '#!/bin/sh\n');
  chmodSync(join(root, 'suid'), 0o4755);
  execFileSync('mkfifo', [join(root, 'fifo')]);
  utimesSync(join(root, 'a-b'), 1_600_000_000.75, 1_600_000_000.75);
  return root;
}

async function entries(root: string): Promise<Array<{ header: TarHeader; body: Buffer }>> {
  const out: Array<{ header: TarHeader; body: Buffer }> = [];
  const parser = new TarParser({
    entry(header) {
      const parts: Buffer[] = [];
      const item = { header, body: Buffer.alloc(0) };
      out.push(item);
      return { write: (c) => { parts.push(Buffer.from(c)); }, end: () => { item.body = Buffer.concat(parts); } };
    },
  }, { maxMetaBytes: 1024 * 1024 });
  for await (const chunk of rootfsEntries(root)) await parser.write(Buffer.from(chunk));
  await parser.write(END_OF_ARCHIVE);
  await parser.end();
  return out;
}

test('the walk is depth first with bytewise-sorted names, as filepath.Walk', (t) => {
  const root = tree(t);
  const names = [...walkRoot(root)].map((e) => e.name.toString());
  assert.deepEqual(names, ['A-first', 'a', 'a/deep', 'a/deep/file', 'a/z', 'a-b', 'b-link', 'fifo', 'sl', 'sticky', 'suid']);
});

test('entries: docker export\'s names, modes, links, whole-second mtimes and contents', async (t) => {
  const root = tree(t);
  const got = await entries(root);
  const byName = new Map(got.map((e) => [e.header.name, e]));
  assert.deepEqual(got.map((e) => `${e.header.type} ${e.header.name}`), [
    'file A-first', 'dir a/', 'dir a/deep/', 'file a/deep/file', 'hardlink a/z', 'file a-b', 'hardlink b-link', 'fifo fifo', 'symlink sl', 'dir sticky/', 'file suid',
  ]);
  assert.equal(byName.get('a/z')!.header.linkname, 'A-first', 'later names link to the first one met');
  assert.equal(byName.get('b-link')!.header.linkname, 'A-first');
  assert.equal(byName.get('A-first')!.body.toString(), 'z\n');
  assert.equal(byName.get('a/deep/file')!.body.toString(), 'x'.repeat(3000));
  assert.equal(byName.get('sl')!.header.linkname, '/etc/passwd');
  assert.equal(byName.get('sticky/')!.header.mode, 0o1777);
  assert.equal(byName.get('suid')!.header.mode, 0o4755);
  assert.equal(byName.get('a-b')!.header.mtime, 1_600_000_000);
  const uid = process.getuid!();
  assert.equal(byName.get('a-b')!.header.uid, uid);
  assert.equal(byName.get('a-b')!.header.uname, uid === 0 ? 'root' : '');
});

test('the same tree gives the same bytes', async (t) => {
  const root = tree(t);
  const once = async (): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const c of rootfsEntries(root)) parts.push(Buffer.from(c));
    return Buffer.concat(parts);
  };
  assert.ok((await once()).equals(await once()));
});

test('user xattrs are recorded, overlay\'s own are not', async (t) => {
  const root = tree(t);
  try {
    execFileSync('setfattr', ['-n', 'user.berth', '-v', 'kept', join(root, 'a-b')], { stdio: 'ignore' });
  } catch {
    t.skip('no setfattr, or this filesystem has no user xattrs');
    return;
  }
  let trusted = false;
  try {
    execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', join(root, 'a')], { stdio: 'ignore' });
    trusted = true;
  } catch {
    // not root: trusted.* cannot be set
  }
  const got = await entries(root);
  const ab = got.find((e) => e.header.name === 'a-b')!;
  assert.equal(ab.header.pax?.['SCHILY.xattr.user.berth'], 'kept');
  if (trusted) assert.equal(got.find((e) => e.header.name === 'a/')!.header.pax, undefined, 'trusted.overlay.* left out');
});

test('device numbers are decoded as glibc does', () => {
  assert.deepEqual(deviceNumbers(0x103), { major: 1, minor: 3 });
  assert.deepEqual(deviceNumbers(0x10300), { major: 259, minor: 0 });
  // major 0x12345, minor 0x6789a: dev = (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12) | ((major & ~0xfff) << 32)
  const major = 0x12345;
  const minor = 0x6789a;
  const dev = (BigInt(minor) & 0xffn) | ((BigInt(major) & 0xfffn) << 8n) | ((BigInt(minor) & ~0xffn) << 12n) | ((BigInt(major) & ~0xfffn) << 32n);
  assert.deepEqual(deviceNumbers(Number(dev)), { major, minor });
});
