import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../../internal/errors.js';
import { BLOCK, padding, type TarHeader } from '../../archive/tar/tar-header.js';
import { encodeTextHeader, type TextHeaderFields } from '../../archive/tar/encode-header.js';
import { TarParser } from '../../archive/tar/tar-parser.js';
import { rewriteLayer } from './layer-rewrite.js';
import { hasCommand, requireOrSkip } from '../../../test/support/env.js';

const OPAQUE = 'SCHILY.xattr.trusted.overlay.opaque';

function member(fields: TextHeaderFields, data: Buffer = Buffer.alloc(0), pax: Record<string, string> = {}): Buffer {
  return Buffer.concat([encodeTextHeader({ ...fields, size: fields.size ?? data.length }, pax), data, Buffer.alloc(padding(data.length))]);
}

/** A member header with a raw type flag (one encodeHeader cannot write), checksum fixed up. */
function rawTypeMember(name: string, typeflag: string): Buffer {
  const block = encodeTextHeader({ name, type: 'file', mode: 0o644 });
  block.write(typeflag, 156, 1, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return block;
}

function tar(...members: Buffer[]): Buffer {
  return Buffer.concat([...members, Buffer.alloc(2 * BLOCK)]);
}

async function* chunks(bytes: Buffer, size: number | number[]): AsyncGenerator<Buffer> {
  const sizes = Array.isArray(size) ? size : [size];
  let i = 0;
  for (let pos = 0; pos < bytes.length;) {
    const n = Math.max(1, sizes[i++ % sizes.length]!);
    yield bytes.subarray(pos, pos + n);
    pos += n;
  }
}

async function rewrite(bytes: Buffer, size: number | number[] = bytes.length || 1): Promise<Buffer> {
  const out: Buffer[] = [];
  await rewriteLayer(chunks(bytes, size), async (chunk) => {
    out.push(Buffer.from(chunk));
  });
  return Buffer.concat(out);
}

interface Entry {
  header: TarHeader;
  data: Buffer;
}

async function entriesOf(bytes: Buffer): Promise<Entry[]> {
  const entries: Entry[] = [];
  const parser = new TarParser({
    entry: (header) => {
      const e: Entry = { header, data: Buffer.alloc(0) };
      entries.push(e);
      const parts: Buffer[] = [];
      return { write: (c) => { parts.push(Buffer.from(c)); }, end: () => { e.data = Buffer.concat(parts); } };
    },
  }, { maxMetaBytes: 1024 * 1024 });
  await parser.write(bytes);
  assert.equal(parser.ended, true, 'the output ends with an end-of-archive block');
  return entries;
}

function find(entries: Entry[], name: string): Entry[] {
  return entries.filter((e) => e.header.name === name);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function assertLayerInvalid(bytes: Buffer, pattern: RegExp): Promise<void> {
  await assert.rejects(rewrite(bytes), (err: unknown) => {
    assert.ok(err instanceof BerthError, String(err));
    assert.equal(err.code, 'LAYER_INVALID');
    assert.match(err.message, pattern);
    return true;
  });
}

test('rewriteLayer() turns a whiteout into a 0/0 character device with the whiteout\'s owner', async () => {
  const out = await entriesOf(await rewrite(tar(
    member({ name: 'etc/', type: 'dir', mode: 0o755 }),
    member({ name: 'etc/.wh.motd', type: 'file', mode: 0o644, uid: 1000, gid: 1001, mtime: 1_700_000_000 }),
    member({ name: '.wh.top', type: 'file', mode: 0o600, uid: 7, gid: 8 }),
  )));
  assert.deepEqual(out.map((e) => e.header.name), ['etc/', 'etc/motd', 'top']);
  const motd = find(out, 'etc/motd')[0]!.header;
  assert.equal(motd.type, 'chardev');
  assert.equal(motd.devmajor, 0);
  assert.equal(motd.devminor, 0);
  assert.equal(motd.mode, 0);
  assert.equal(motd.uid, 1000);
  assert.equal(motd.gid, 1001);
  assert.equal(motd.mtime, 1_700_000_000);
  const top = find(out, 'top')[0]!.header;
  assert.equal(top.type, 'chardev');
  assert.deepEqual([top.uid, top.gid, top.devmajor, top.devminor], [7, 8, 0, 0]);
});

test('rewriteLayer() turns an opaque marker into the opaque xattr on a re-sent entry of its earlier directory', async () => {
  const out = await entriesOf(await rewrite(tar(
    member({ name: 'var/', type: 'dir', mode: 0o755 }),
    member({ name: 'var/lib/', type: 'dir', mode: 0o750, uid: 100, gid: 101, mtime: 1_600_000_000 }, undefined, { 'SCHILY.xattr.user.note': 'kept' }),
    member({ name: 'var/lib/.wh..wh..opq', type: 'file', mode: 0o644 }),
    member({ name: 'var/lib/new', type: 'file', mode: 0o644 }, Buffer.from('new\n')),
  )));
  assert.deepEqual(out.map((e) => e.header.name), ['var/', 'var/lib/', 'var/lib/', 'var/lib/new']);
  const [first, second] = find(out, 'var/lib/');
  assert.equal(first!.header.pax?.[OPAQUE], undefined, 'the first entry is as the layer had it');
  const d = second!.header;
  assert.equal(d.type, 'dir');
  assert.equal(d.pax?.[OPAQUE], 'y');
  assert.equal(d.pax?.['SCHILY.xattr.user.note'], 'kept');
  assert.deepEqual([d.mode, d.uid, d.gid, d.mtime], [0o750, 100, 101, 1_600_000_000]);
  assert.equal(find(out, 'var/').every((e) => e.header.pax?.[OPAQUE] === undefined), true, 'the parent is not opaque');
});

test('rewriteLayer() gives an opaque directory without an earlier entry the defaults: 0755, root, made now', async () => {
  const out = await entriesOf(await rewrite(tar(
    member({ name: 'opt/app/.wh..wh..opq', type: 'file', mode: 0o600, uid: 5, gid: 6, mtime: 1_234_567 }),
  )));
  assert.equal(out.length, 1);
  const d = out[0]!.header;
  assert.equal(d.name, 'opt/app/');
  assert.equal(d.type, 'dir');
  assert.equal(d.pax?.[OPAQUE], 'y');
  assert.deepEqual([d.mode, d.uid, d.gid], [0o755, 0, 0]);
  assert.ok(Math.abs(d.mtime - Date.now() / 1000) < 600, `the time it is made, not the marker's (${d.mtime})`);
});

test('rewriteLayer() puts the opaque xattr on a directory entry that comes after its marker', async () => {
  const out = await entriesOf(await rewrite(tar(
    member({ name: 'srv/.wh..wh..opq', type: 'file', mode: 0o644 }),
    member({ name: 'srv/', type: 'dir', mode: 0o700, uid: 33, gid: 34, mtime: 1_500_000_000 }),
    member({ name: 'other/', type: 'dir', mode: 0o755 }),
  )));
  const srv = find(out, 'srv/');
  assert.equal(srv.length, 2);
  for (const e of srv) assert.equal(e.header.pax?.[OPAQUE], 'y');
  const last = srv[1]!.header;
  assert.deepEqual([last.mode, last.uid, last.gid, last.mtime], [0o700, 33, 34, 1_500_000_000]);
  assert.equal(find(out, 'other/')[0]!.header.pax?.[OPAQUE], undefined);
});

test('rewriteLayer() clamps member names and hard-link targets to the layer root', async () => {
  const out = await entriesOf(await rewrite(tar(
    member({ name: '../../etc/x', type: 'file', mode: 0o644 }, Buffer.from('x')),
    member({ name: '/abs/file', type: 'file', mode: 0o644 }, Buffer.from('y')),
    member({ name: 'a/./b//c', type: 'file', mode: 0o644 }, Buffer.from('z')),
    member({ name: 'link1', type: 'hardlink', mode: 0o644, linkname: '../../etc/x' }),
    member({ name: 'link2', type: 'hardlink', mode: 0o644, linkname: '/etc/x' }),
    member({ name: 'sym', type: 'symlink', mode: 0o777, linkname: '../../etc/x' }),
  )));
  assert.deepEqual(out.map((e) => e.header.name), ['etc/x', 'abs/file', 'a/b/c', 'link1', 'link2', 'sym']);
  assert.equal(find(out, 'link1')[0]!.header.linkname, 'etc/x');
  assert.equal(find(out, 'link2')[0]!.header.linkname, 'etc/x');
  assert.equal(find(out, 'sym')[0]!.header.linkname, '../../etc/x', 'symlink targets are resolved in the container, so left alone');
  assert.equal(find(out, 'etc/x')[0]!.data.toString(), 'x');
});

test('rewriteLayer() clamps the name of a whiteout and of an opaque marker', async () => {
  const out = await entriesOf(await rewrite(tar(
    member({ name: '../../etc/.wh.shadow', type: 'file', mode: 0o644 }),
    member({ name: '/usr/../../usr/.wh..wh..opq', type: 'file', mode: 0o644 }),
  )));
  assert.deepEqual(out.map((e) => [e.header.name, e.header.type]), [['etc/shadow', 'chardev'], ['usr/', 'dir']]);
});

test('rewriteLayer() drops the root entry in every spelling', async () => {
  const out = await entriesOf(await rewrite(tar(
    member({ name: './', type: 'dir', mode: 0o700, uid: 1000 }),
    member({ name: '/', type: 'dir', mode: 0o700 }),
    member({ name: '.', type: 'dir', mode: 0o700 }),
    member({ name: '../', type: 'dir', mode: 0o700 }),
    member({ name: './bin/', type: 'dir', mode: 0o755 }),
  )));
  assert.deepEqual(out.map((e) => e.header.name), ['bin/']);
});

test('rewriteLayer() drops hard links to themselves and to the root', async () => {
  const out = await entriesOf(await rewrite(tar(
    member({ name: 'f', type: 'file', mode: 0o644 }, Buffer.from('f')),
    member({ name: 'self', type: 'hardlink', mode: 0o644, linkname: 'self' }),
    member({ name: 'a/self', type: 'hardlink', mode: 0o644, linkname: '../a/self' }),
    member({ name: 'root1', type: 'hardlink', mode: 0o644, linkname: '/' }),
    member({ name: 'root2', type: 'hardlink', mode: 0o644, linkname: '..' }),
    member({ name: 'root3', type: 'hardlink', mode: 0o644, linkname: '' }),
    member({ name: 'good', type: 'hardlink', mode: 0o644, linkname: 'f' }),
  )));
  assert.deepEqual(out.map((e) => e.header.name), ['f', 'good']);
});

test('rewriteLayer() refuses a whiteout of "", "." or ".." with LAYER_INVALID', async () => {
  for (const name of ['.wh.', '.wh..', '.wh...', 'dir/.wh..', 'dir/.wh...']) {
    await assertLayerInvalid(tar(member({ name, type: 'file', mode: 0o644 })), /not a valid whiteout/);
  }
});

test('rewriteLayer() refuses tar types it does not know with LAYER_INVALID', async () => {
  for (const flag of ['S', 'D', 'V', 'M', 'N', 'A']) {
    await assertLayerInvalid(tar(member({ name: 'ok', type: 'file', mode: 0o644 }), rawTypeMember('odd', flag)), new RegExp(`"odd" has tar type '${flag}'`));
  }
});

test('rewriteLayer() drops overlay xattrs from PAX records and keeps the others', async () => {
  const out = await entriesOf(await rewrite(tar(
    member({ name: 'd/', type: 'dir', mode: 0o755 }, undefined, {
      'SCHILY.xattr.trusted.overlay.opaque': 'y',
      'LIBARCHIVE.xattr.trusted.overlay.redirect': 'L2V0Yw',
      'SCHILY.xattr.user.x': 'ux',
    }),
    member({ name: 'bin/ping', type: 'file', mode: 0o4755, mtime: 1_700_000_000 }, Buffer.from('ELF'), {
      'SCHILY.xattr.security.capability': '\u0001\u0000\u0000\u0002',
      'SCHILY.xattr.trusted.overlay.origin': 'zzz',
      'LIBARCHIVE.xattr.user.y': 'dXk',
      mtime: '1700000000.123456789',
    }),
  )));
  const d = find(out, 'd/')[0]!.header;
  assert.deepEqual(d.pax, { 'SCHILY.xattr.user.x': 'ux' });
  const ping = find(out, 'bin/ping')[0]!;
  assert.deepEqual(ping.header.pax, {
    'LIBARCHIVE.xattr.user.y': 'dXk',
    'SCHILY.xattr.security.capability': '\u0001\u0000\u0000\u0002',
    mtime: '1700000000.123456789',
  });
  assert.equal(ping.header.mtime, 1700000000.123456789);
  assert.equal(ping.header.mode, 0o4755);
  assert.equal(ping.data.toString(), 'ELF');
});

test('rewriteLayer() keeps long names, long link targets and big ids (their PAX records are rebuilt)', async () => {
  const longName = `${'deep/'.repeat(40)}file`;
  const longTarget = `${'elsewhere/'.repeat(20)}target`;
  const out = await entriesOf(await rewrite(tar(
    member({ name: `../${longName}`, type: 'file', mode: 0o644, uid: 3_000_000, gid: 4_000_000 }, Buffer.from('long')),
    member({ name: 'sym', type: 'symlink', mode: 0o777, linkname: longTarget }),
    member({ name: 'zoë', type: 'file', mode: 0o644 }, Buffer.from('ü')),
  )));
  assert.deepEqual(out.map((e) => e.header.name), [longName, 'sym', 'zoë']);
  assert.deepEqual([out[0]!.header.uid, out[0]!.header.gid], [3_000_000, 4_000_000]);
  assert.equal(out[0]!.data.toString(), 'long');
  assert.equal(out[1]!.header.linkname, longTarget);
});

test('rewriteLayer() copies file data exactly, whatever the chunk sizes', async () => {
  const big = Buffer.alloc(1024 * 1024 + 777);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  const small = Buffer.from('a small file\n');
  const odd = Buffer.alloc(511, 0x5a);
  const layer = tar(
    member({ name: 'big.bin', type: 'file', mode: 0o644 }, big),
    member({ name: '.wh.gone', type: 'file', mode: 0o644 }),
    member({ name: 'small.txt', type: 'file', mode: 0o644 }, small),
    member({ name: 'empty', type: 'file', mode: 0o644 }),
    member({ name: 'odd', type: 'file', mode: 0o644 }, odd),
  );
  for (const size of [layer.length, 511, 513, 4099, 65537, [7, 1000, 3, 70_001]]) {
    const out = await entriesOf(await rewrite(layer, size));
    assert.deepEqual(out.map((e) => e.header.name), ['big.bin', 'gone', 'small.txt', 'empty', 'odd'], `chunks ${JSON.stringify(size)}`);
    assert.equal(sha256(find(out, 'big.bin')[0]!.data), sha256(big), `chunks ${JSON.stringify(size)}`);
    assert.equal(find(out, 'big.bin')[0]!.header.size, big.length);
    assert.equal(sha256(find(out, 'small.txt')[0]!.data), sha256(small));
    assert.equal(find(out, 'empty')[0]!.data.length, 0);
    assert.equal(sha256(find(out, 'odd')[0]!.data), sha256(odd));
  }
  // One byte at a time, on a smaller layer (a 1 MiB stream of 1-byte chunks is slow).
  const tiny = tar(member({ name: 'odd', type: 'file', mode: 0o644 }, odd), member({ name: 'small.txt', type: 'file', mode: 0o644 }, small));
  const out = await entriesOf(await rewrite(tiny, 1));
  assert.equal(sha256(find(out, 'odd')[0]!.data), sha256(odd));
  assert.equal(sha256(find(out, 'small.txt')[0]!.data), sha256(small));
});

test('rewriteLayer() of an empty input gives just the end-of-archive', async () => {
  const out = await rewrite(Buffer.alloc(0));
  assert.deepEqual(out, Buffer.alloc(1024));
});

test('rewriteLayer() of a tar with no members (only zero blocks) gives just the end-of-archive', async () => {
  assert.deepEqual(await rewrite(Buffer.alloc(1024)), Buffer.alloc(1024));
  assert.deepEqual(await rewrite(Buffer.alloc(10240), 100), Buffer.alloc(1024));
});

test('rewriteLayer() output always ends with 1024 zero bytes and is block-aligned', async () => {
  const layers = [
    tar(member({ name: 'f', type: 'file', mode: 0o644 }, Buffer.from('abc'))),
    tar(member({ name: '.wh.x', type: 'file', mode: 0o644 })),
    tar(member({ name: './', type: 'dir', mode: 0o755 })), // everything dropped
    tar(member({ name: 'f', type: 'file', mode: 0o644 }, Buffer.from('abc'))).subarray(0, 1024), // no end-of-archive blocks
    Buffer.concat([tar(member({ name: 'f', type: 'file', mode: 0o644 }, Buffer.from('abc'))), Buffer.from('trailing garbage')]),
  ];
  for (const [i, layer] of layers.entries()) {
    const out = await rewrite(layer);
    assert.equal(out.length % BLOCK, 0, `layer ${i}`);
    assert.ok(out.length >= 1024, `layer ${i}`);
    assert.deepEqual(out.subarray(out.length - 1024), Buffer.alloc(1024), `layer ${i}`);
  }
});

test('rewriteLayer() fails on a truncated layer', async () => {
  const full = tar(member({ name: 'f', type: 'file', mode: 0o644 }, Buffer.alloc(3000, 1)));
  await assert.rejects(rewrite(full.subarray(0, 2000)), (err: unknown) => err instanceof BerthError && err.code === 'ARCHIVE_TRUNCATED');
});

test('rewriteLayer() output extracts with GNU tar into the overlayfs lower directory', async (t) => {
  if (!requireOrSkip(t, process.getuid?.() === 0, 'needs root')) return;
  if (!requireOrSkip(t, hasCommand('getfattr'), 'needs getfattr (attr)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'berth-rewrite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const layer = tar(
    member({ name: 'etc/', type: 'dir', mode: 0o755 }),
    member({ name: 'etc/.wh.motd', type: 'file', mode: 0o644, uid: 1000, gid: 1001 }),
    member({ name: 'var/', type: 'dir', mode: 0o755 }),
    member({ name: 'var/lib/', type: 'dir', mode: 0o750, uid: 100, gid: 101 }),
    member({ name: 'var/lib/.wh..wh..opq', type: 'file', mode: 0o644 }),
    member({ name: 'var/lib/keep', type: 'file', mode: 0o640, uid: 100, gid: 101 }, Buffer.from('keep\n')),
    member({ name: 'srv/.wh..wh..opq', type: 'file', mode: 0o644 }),
    member({ name: '../../escape', type: 'file', mode: 0o644 }, Buffer.from('clamped\n')),
    member({ name: 'd/', type: 'dir', mode: 0o755 }, undefined, { 'SCHILY.xattr.trusted.overlay.opaque': 'y' }),
  );
  const rewritten = await rewrite(layer, 700);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('tar', ['-x', '-f', '-', '-C', dir, '--numeric-owner', '--same-owner', '--same-permissions', '--xattrs', '--xattrs-include=*'],
      { stdio: ['pipe', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited with ${code}: ${Buffer.concat(err).toString()}`))));
    child.stdin.end(rewritten);
  });
  const motd = lstatSync(join(dir, 'etc/motd'));
  assert.equal(motd.isCharacterDevice(), true);
  assert.equal(motd.rdev, 0);
  assert.deepEqual([motd.uid, motd.gid], [1000, 1001]);
  const opaque = (path: string): string => execFileSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', join(dir, path)], { encoding: 'utf8' });
  assert.equal(opaque('var/lib'), 'y');
  assert.equal(opaque('srv'), 'y');
  const lib = lstatSync(join(dir, 'var/lib'));
  assert.deepEqual([lib.mode & 0o7777, lib.uid, lib.gid], [0o750, 100, 101]);
  assert.equal(readFileSync(join(dir, 'var/lib/keep'), 'utf8'), 'keep\n');
  assert.equal(readFileSync(join(dir, 'escape'), 'utf8'), 'clamped\n');
  assert.throws(() => execFileSync('getfattr', ['-n', 'trusted.overlay.opaque', join(dir, 'd')], { stdio: 'pipe' }), 'the layer\'s own overlay xattr is not applied');
  assert.throws(() => execFileSync('getfattr', ['-n', 'trusted.overlay.opaque', join(dir, 'var')], { stdio: 'pipe' }));
});
