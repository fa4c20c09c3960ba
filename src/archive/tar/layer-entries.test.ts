import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entryTypeOf, type TarEntryType, type TarHeader } from './tar-header.js';
import { clampLayerPath, isOverlayXattrRecord, isPlainEntry, OPAQUE_MARKER, whiteoutOf } from './layer-entries.js';

const TYPEFLAG: Record<Exclude<TarEntryType, 'other'>, string> = {
  file: '0', hardlink: '1', symlink: '2', chardev: '3', blockdev: '4', dir: '5', fifo: '6',
};

function header(name: string, type: TarEntryType, more: Partial<TarHeader> = {}): TarHeader {
  return {
    name, type, typeflag: type === 'other' ? 'S' : TYPEFLAG[type], mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, size: 0, mtime: 0,
    linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0, pax: undefined, offset: 0, ...more,
  };
}

test('clampLayerPath() drops leading "..", as Docker\'s chrooted unpack does', () => {
  assert.equal(clampLayerPath('../x'), 'x');
  assert.equal(clampLayerPath('../../../etc/passwd'), 'etc/passwd');
  assert.equal(clampLayerPath('a/../../b'), 'b');
});

test('clampLayerPath() removes the leading slash and never climbs above the root', () => {
  assert.equal(clampLayerPath('/a/../../b'), 'b');
  assert.equal(clampLayerPath('/etc/passwd'), 'etc/passwd');
  assert.equal(clampLayerPath('/..'), '');
});

test('clampLayerPath() drops "." and empty components', () => {
  assert.equal(clampLayerPath('a/./b//c'), 'a/b/c');
  assert.equal(clampLayerPath('./a/b/'), 'a/b');
  assert.equal(clampLayerPath('a/b/../c'), 'a/c');
});

test('clampLayerPath() gives "" for the root itself', () => {
  for (const root of ['', '/', './', '.', '//', '..', 'a/..']) assert.equal(clampLayerPath(root), '', JSON.stringify(root));
});

test('whiteoutOf() recognises a whiteout at the top and in a directory', () => {
  assert.deepEqual(whiteoutOf('.wh.x'), { dir: '', name: 'x', opaque: false });
  assert.deepEqual(whiteoutOf('dir/.wh.x'), { dir: 'dir', name: 'x', opaque: false });
  assert.deepEqual(whiteoutOf('a/b/.wh..hidden'), { dir: 'a/b', name: '.hidden', opaque: false });
});

test('whiteoutOf() recognises the opaque marker', () => {
  assert.equal(OPAQUE_MARKER, '.wh..wh..opq');
  assert.deepEqual(whiteoutOf('.wh..wh..opq'), { dir: '', opaque: true });
  assert.deepEqual(whiteoutOf('usr/share/.wh..wh..opq'), { dir: 'usr/share', opaque: true });
});

test('whiteoutOf() says undefined for names that are not whiteouts', () => {
  for (const name of ['x', 'dir/x', '.wh', 'wh.x', 'a.wh.x', 'dir/a.wh.x', '.wh.dir/x', 'x.wh.', '']) {
    assert.equal(whiteoutOf(name), undefined, name);
  }
});

test('whiteoutOf() reports an empty name for a bare ".wh." (the caller must refuse it)', () => {
  assert.deepEqual(whiteoutOf('dir/.wh.'), { dir: 'dir', name: '', opaque: false });
});

test('isOverlayXattrRecord() matches trusted.overlay.* xattrs in the SCHILY and LIBARCHIVE forms', () => {
  assert.equal(isOverlayXattrRecord('SCHILY.xattr.trusted.overlay.opaque'), true);
  assert.equal(isOverlayXattrRecord('SCHILY.xattr.trusted.overlay.redirect'), true);
  assert.equal(isOverlayXattrRecord('LIBARCHIVE.xattr.trusted.overlay.origin'), true);
});

test('isOverlayXattrRecord() leaves other records alone', () => {
  for (const key of ['SCHILY.xattr.security.capability', 'SCHILY.xattr.user.x', 'SCHILY.xattr.trusted.overlayfoo', 'SCHILY.xattr.trusted.other',
    'mtime', 'path', 'trusted.overlay.opaque', 'XSCHILY.xattr.trusted.overlay.opaque']) {
    assert.equal(isOverlayXattrRecord(key), false, key);
  }
});

test('isPlainEntry() accepts ordinary files, directories, links and devices', () => {
  assert.equal(isPlainEntry(header('etc/', 'dir')), true);
  assert.equal(isPlainEntry(header('etc/passwd', 'file', { size: 10 })), true);
  assert.equal(isPlainEntry(header('./etc/group', 'file')), true);
  assert.equal(isPlainEntry(header('bin/sh', 'symlink', { linkname: '/bin/busybox' })), true, 'absolute symlink targets are fine');
  assert.equal(isPlainEntry(header('bin/up', 'symlink', { linkname: '../../../x' })), true, 'climbing symlink targets are fine');
  assert.equal(isPlainEntry(header('bin/ls', 'hardlink', { linkname: 'bin/busybox' })), true);
  assert.equal(isPlainEntry(header('dev/null', 'chardev', { devmajor: 1, devminor: 3 })), true);
  assert.equal(isPlainEntry(header('run/fifo', 'fifo')), true);
});

test('isPlainEntry() refuses whiteouts and opaque markers', () => {
  assert.equal(isPlainEntry(header('.wh.x', 'file')), false);
  assert.equal(isPlainEntry(header('dir/.wh.x', 'file')), false);
  assert.equal(isPlainEntry(header('dir/.wh..wh..opq', 'file')), false);
  assert.equal(isPlainEntry(header('./dir/.wh.x', 'file')), false);
});

test('isPlainEntry() refuses names with ".." or a leading slash', () => {
  assert.equal(isPlainEntry(header('../x', 'file')), false);
  assert.equal(isPlainEntry(header('a/../b', 'file')), false);
  assert.equal(isPlainEntry(header('/etc/passwd', 'file')), false);
  assert.equal(isPlainEntry(header('a..b/..c', 'file')), true, '".." only as a whole component');
});

test('isPlainEntry() refuses hard links with a ".." or absolute target, or none', () => {
  assert.equal(isPlainEntry(header('x', 'hardlink', { linkname: '../etc/shadow' })), false);
  assert.equal(isPlainEntry(header('x', 'hardlink', { linkname: 'a/../../b' })), false);
  assert.equal(isPlainEntry(header('x', 'hardlink', { linkname: '/etc/shadow' })), false);
  assert.equal(isPlainEntry(header('x', 'hardlink', { linkname: '' })), false);
  assert.equal(isPlainEntry(header('x', 'hardlink', { linkname: 'x' })), false, 'a link to itself');
  assert.equal(isPlainEntry(header('./x', 'hardlink', { linkname: 'x' })), false, 'a link to itself, spelled otherwise');
});

test('isPlainEntry() refuses an entry whose PAX records carry an overlay xattr', () => {
  assert.equal(isPlainEntry(header('d/', 'dir', { pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } })), false);
  assert.equal(isPlainEntry(header('f', 'file', { pax: { 'LIBARCHIVE.xattr.trusted.overlay.origin': 'AAAA' } })), false);
  assert.equal(isPlainEntry(header('f', 'file', { pax: { 'SCHILY.xattr.security.capability': 'x', mtime: '1.5' } })), true);
});

test('isPlainEntry() refuses the \'other\' tar types', () => {
  for (const flag of ['S', 'D', 'V', 'M', 'N', 'Z']) {
    assert.equal(entryTypeOf(flag), 'other', flag);
    assert.equal(isPlainEntry(header('f', 'other', { typeflag: flag })), false, flag);
  }
});

test('isPlainEntry() accepts a "./" directory entry but not a root entry of another type', () => {
  assert.equal(isPlainEntry(header('./', 'dir')), true);
  assert.equal(isPlainEntry(header('.', 'dir')), true);
  assert.equal(isPlainEntry(header('./', 'file')), false);
  assert.equal(isPlainEntry(header('.', 'symlink', { linkname: '/' })), false);
  assert.equal(isPlainEntry(header('.', 'hardlink', { linkname: 'x' })), false);
});
