import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../../../internal/errors.js';
import { BLOCK, padding } from '../../../archive/tar/tar-header.js';
import { encodeTextHeader, type TextHeaderFields } from '../../../archive/tar/encode-header.js';
import { buildLayerTree, LayerTreeUnsupported } from './layer-tree.js';
import type { DirInode, Inode } from './erofs-tree.js';

function member(fields: TextHeaderFields, data: Buffer = Buffer.alloc(0), pax: Record<string, string> = {}): Buffer {
  return Buffer.concat([encodeTextHeader({ ...fields, size: fields.size ?? data.length }, pax), data, Buffer.alloc(padding(data.length))]);
}

function tar(...members: Buffer[]): Buffer {
  return Buffer.concat([...members, Buffer.alloc(2 * BLOCK)]);
}

function tree(...members: Buffer[]): DirInode {
  return treeOf(tar(...members));
}

function treeOf(bytes: Buffer): DirInode {
  const dir = mkdtempSync(join(tmpdir(), 'berth-layer-tree-'));
  try {
    const path = join(dir, 'layer.tar');
    writeFileSync(path, bytes);
    return buildLayerTree(path, 'sha256:test', 1_700_000_000).root;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function at(root: DirInode, path: string): Inode | undefined {
  let node: Inode | undefined = root;
  for (const part of path.split('/')) {
    if (node?.kind !== 'dir') return undefined;
    node = node.children.get(Buffer.from(part).toString('latin1'));
  }
  return node;
}

function refusal(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof BerthError && err.code === code && message.test(err.message));
}

const dir = (name: string, mode = 0o755): Buffer => member({ name, type: 'dir', mode, mtime: 1_600_000_000 });
const file = (name: string, text: string, mode = 0o644): Buffer => member({ name, type: 'file', mode, mtime: 1_600_000_000 }, Buffer.from(text));

test('files point at their bytes in the tar; metadata comes from the headers', () => {
  const bytes = tar(dir('etc/'), member({ name: 'etc/hostname', type: 'file', mode: 0o4755, uid: 70000, gid: 80000 }, Buffer.from('host\n'), { mtime: '1600000000.25' }));
  const f = at(treeOf(bytes), 'etc/hostname');
  assert.equal(f?.kind, 'file');
  if (f?.kind !== 'file') return;
  assert.equal(f.size, 5);
  assert.equal(f.dataOffset, bytes.indexOf('host\n'), 'where the bytes are in the tar');
  assert.equal(f.dataOffset % BLOCK, 0);
  assert.deepEqual(f.meta, { perm: 0o4755, uid: 70000, gid: 80000, mtimeSec: 1_600_000_000, mtimeNsec: 250_000_000 });
  assert.equal(f.links, 1);
});

test('whiteouts become 0/0 character devices; an opaque marker the xattr of its directory (made when missing)', () => {
  const root = tree(dir('etc/'), file('etc/.wh.issue', ''), file('opt/data/.wh..wh..opq', ''));
  const wo = at(root, 'etc/issue');
  assert.equal(wo?.kind, 'chardev');
  if (wo?.kind === 'chardev') assert.deepEqual([wo.major, wo.minor, wo.meta.perm], [0, 0, 0]);
  assert.equal(at(root, 'etc/.wh.issue'), undefined);
  const data = at(root, 'opt/data');
  assert.equal(data?.kind, 'dir');
  assert.deepEqual(data?.xattrs.map((x) => [x.name, x.value.toString()]), [['trusted.overlay.opaque', 'y']]);
  assert.equal(data?.meta.mtimeSec, 1_700_000_000, 'made at the build time');
  refusal(() => tree(file('.wh..', '')), 'LAYER_INVALID', /"\.wh\.\." is not a valid whiteout/);
  assert.deepEqual(tree(file('a/../../.wh..wh..opq', '')).xattrs, [], 'an opaque marker of the root itself is ignored, as the tar path ignores it');
});

test('xattrs: kept from SCHILY records, overlay ones dropped, others the index cannot hold sent to the tar path', () => {
  const root = tree(member({ name: 'bin', type: 'file', mode: 0o755 }, Buffer.from('x'), {
    'SCHILY.xattr.security.capability': '\u0001\u0000',
    'SCHILY.xattr.user.note': 'kept',
    'SCHILY.xattr.trusted.overlay.opaque': 'y',
    'LIBARCHIVE.xattr.trusted.overlay.redirect': 'eA==',
  }));
  assert.deepEqual(at(root, 'bin')?.xattrs.map((x) => x.name).sort(), ['security.capability', 'user.note']);
  assert.throws(() => tree(member({ name: 'f', type: 'file', mode: 0o644 }, Buffer.from('x'), { 'SCHILY.xattr.system.nfs4_acl': 'x' })), LayerTreeUnsupported);
  assert.throws(() => tree(member({ name: 'f', type: 'file', mode: 0o644 }, Buffer.from('x'), { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0' })), LayerTreeUnsupported);
});

test('a later member replaces an earlier one; a directory over a directory keeps its contents and takes the new metadata', () => {
  const root = tree(file('a', 'one'), file('a', 'two'), dir('d/'), file('d/x', 'x'), dir('d/', 0o700), file('e/f', 'f'), dir('empty/'), file('empty', 'now a file'));
  const a = at(root, 'a');
  assert.equal(a?.kind === 'file' ? a.size : -1, 3);
  assert.equal(at(root, 'd')?.meta.perm, 0o700);
  assert.ok(at(root, 'd/x'));
  assert.equal(at(root, 'empty')?.kind, 'file', 'an empty directory can be replaced');
  assert.deepEqual(at(root, 'e')?.meta, { perm: 0o755, uid: 0, gid: 0, mtimeSec: 1_700_000_000, mtimeNsec: 0 }, 'missing parents: 0755, root, build time');
  refusal(() => tree(file('d/x', 'x'), file('d', 'file over a full directory')), 'LAYER_UNPACK_FAILED', /"d" replaces a directory that is not empty/);
});

test('hard links share one inode; climbing targets are clamped; links to nothing or to a directory are refused', () => {
  const root = tree(dir('etc/'), file('etc/passwd', 'root\n'), member({ name: 'hl', type: 'hardlink', mode: 0, linkname: '../../etc/passwd' }), member({ name: 'self', type: 'hardlink', mode: 0, linkname: 'self' }));
  assert.equal(at(root, 'hl'), at(root, 'etc/passwd'));
  assert.equal(at(root, 'hl')?.links, 2);
  assert.equal(at(root, 'self'), undefined, 'a link to itself is dropped');
  refusal(() => tree(member({ name: 'hl', type: 'hardlink', mode: 0, linkname: 'missing' })), 'LAYER_UNPACK_FAILED', /hard link "hl" points to "missing"/);
  refusal(() => tree(dir('d/'), member({ name: 'hl', type: 'hardlink', mode: 0, linkname: 'd' })), 'LAYER_UNPACK_FAILED', /points to the directory "d"/);
  const replaced = tree(file('f', 'old'), member({ name: 'g', type: 'hardlink', mode: 0, linkname: 'f' }), file('f', 'new'));
  assert.equal(at(replaced, 'g')?.links, 1, 'replacing one name leaves the other with one link');
});

test('paths through symlinks: relative ones without ".." are followed inside the layer, any other is refused', () => {
  const root = tree(dir('usr/'), dir('usr/lib/'), member({ name: 'lib', type: 'symlink', mode: 0o777, linkname: 'usr/lib' }), file('lib/x', 'x'));
  assert.ok(at(root, 'usr/lib/x'), 'written through lib -> usr/lib');
  assert.equal(at(root, 'lib')?.kind, 'symlink');
  const up = (linkname: string): Buffer => member({ name: 'evil', type: 'symlink', mode: 0o777, linkname });
  refusal(() => tree(up('/tmp'), file('evil/pwned', 'x')), 'LAYER_UNPACK_FAILED', /"evil\/pwned" goes through the symlink "evil", which points out of its directory/);
  refusal(() => tree(dir('a/'), up('../../tmp'), file('evil/pwned', 'x')), 'LAYER_UNPACK_FAILED', /points out of its directory/);
  refusal(() => tree(up('nowhere'), file('evil/pwned', 'x')), 'LAYER_UNPACK_FAILED', /points to nothing or to a file/);
  refusal(() => tree(member({ name: 'a', type: 'symlink', mode: 0o777, linkname: 'b' }), member({ name: 'b', type: 'symlink', mode: 0o777, linkname: 'a' }), file('a/x', 'x')),
    'LAYER_UNPACK_FAILED', /too many levels of symbolic links/);
  refusal(() => tree(file('f', 'x'), file('f/g', 'x')), 'LAYER_UNPACK_FAILED', /goes through "f", which is not a directory/);
});

test('names: clamped to the root, over 255 bytes refused, the root entry sets the root\'s metadata, unknown types refused', () => {
  const root = tree(member({ name: './', type: 'dir', mode: 0o700, uid: 5, mtime: 1_600_000_000 }), file('../../x', 'x'), file('/abs', 'y'));
  assert.ok(at(root, 'x') && at(root, 'abs'));
  assert.equal(root.meta.perm, 0o700);
  assert.equal(root.meta.uid, 5);
  assert.ok(at(tree(file(`d/${'n'.repeat(255)}`, 'x')), `d/${'n'.repeat(255)}`));
  refusal(() => tree(file(`d/${'n'.repeat(256)}`, 'x')), 'LAYER_UNPACK_FAILED', /File name too long/);
  refusal(() => tree(member({ name: 'empty-link', type: 'symlink', mode: 0o777, linkname: '' })), 'LAYER_UNPACK_FAILED', /Cannot create symlink to ''/);
  refusal(() => tree(member({ name: 'long-link', type: 'symlink', mode: 0o777, linkname: 'x'.repeat(4096) })), 'LAYER_UNPACK_FAILED', /File name too long/);
  assert.equal(at(tree(member({ name: 'ok-link', type: 'symlink', mode: 0o777, linkname: 'x'.repeat(4095) })), 'ok-link')?.kind, 'symlink');
  const raw = member({ name: 'weird', type: 'file', mode: 0o644 });
  raw[156] = 'S'.charCodeAt(0);
  raw.write('        ', 148, 'latin1');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += raw[i]!;
  raw.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  refusal(() => tree(raw), 'LAYER_INVALID', /tar type 'S'/);
});

test('an empty layer (no members, only zero blocks) is an empty root', () => {
  assert.equal(tree().children.size, 0);
});

test('a symlink is 0777 whatever mode its header gives, as symlink(2) makes it (and GNU tar shows it)', () => {
  const link = at(tree(member({ name: 'l', type: 'symlink', mode: 0o644, linkname: 'target' })), 'l');
  assert.equal(link?.kind, 'symlink');
  assert.equal(link?.meta.perm, 0o777);
});
