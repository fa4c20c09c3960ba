import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync, type BigIntStats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTar } from '../../archive/tar/tar-parser.js';
import type { TarHeader } from '../../archive/tar/tar-header.js';
import { deviceNumbers, layerTar, planEntries } from './change-tar.js';
import type { FsNode } from './fs-changes.js';
import { requireOrSkip } from '../../../test/support/env.js';

function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-change-tar-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function stat(path: string): BigIntStats {
  return lstatSync(path, { bigint: true });
}

function node(path: string, rel: string, extra: Partial<FsNode> = {}): FsNode {
  const st = stat(path);
  return { rel, whiteout: false, stat: st, path, opaque: false, xattrs: [], linkTarget: undefined, ...extra };
}

async function entriesOf(nodes: FsNode[]): Promise<Array<{ header: TarHeader; data: string }>> {
  const out: Array<{ header: TarHeader; data: string }> = [];
  await parseTar(layerTar(nodes), {
    entry(header) {
      const item = { header, data: '' };
      out.push(item);
      return { write: (chunk: Buffer) => { item.data += chunk.toString('latin1'); }, end: () => undefined };
    },
  }, { maxMetaBytes: 1 << 20 });
  return out;
}

test('deviceNumbers decodes Linux st_rdev, small and large numbers', () => {
  assert.deepEqual(deviceNumbers(0x0103n), { major: 1, minor: 3 });
  assert.deepEqual(deviceNumbers(0n), { major: 0, minor: 0 });
  // makedev(259, 70000): major's high bits above bit 32, minor's above bit 12
  const major = 259n;
  const minor = 70000n;
  const rdev = ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);
  assert.deepEqual(deviceNumbers(rdev), { major: 259, minor: 70000 });
});

test('a whiteout becomes an empty .wh.<name> file, mode 0600, with the whiteout\'s owner and mtime in seconds', (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'gone'), '');
  utimesSync(join(dir, 'gone'), 1_700_000_000.75, 1_700_000_000.75);
  const [entry, ...rest] = planEntries(node(join(dir, 'gone'), 'etc/passwd', { whiteout: true }), new Map());
  assert.equal(rest.length, 0);
  assert.deepEqual(entry!.fields, { name: Buffer.from('etc/.wh.passwd'), type: 'file', mode: 0o600, size: 0, uid: process.getuid!(), gid: process.getgid!(), mtime: 1_700_000_000, devmajor: 0, devminor: 0 });
  assert.equal(entry!.content, undefined);
  const top = planEntries(node(join(dir, 'gone'), 'passwd', { whiteout: true }), new Map());
  assert.equal(top[0]!.fields.name.toString(), '.wh.passwd', 'a whiteout at the root has no directory part');
});

test('an opaque directory is followed by its .wh..wh..opq marker: the directory\'s permission bits, mtime 0', (t) => {
  const dir = scratch(t);
  mkdirSync(join(dir, 'sub'), { mode: 0o750 });
  execFileSync('chmod', ['2750', join(dir, 'sub')]);
  const entries = planEntries(node(join(dir, 'sub'), 'data/sub', { opaque: true }), new Map());
  assert.deepEqual(entries.map((e) => [e.fields.name.toString(), e.fields.type, e.fields.mode.toString(8), e.fields.mtime]), [
    ['data/sub/', 'dir', '2750', Number(stat(join(dir, 'sub')).mtimeNs / 1_000_000_000n)],
    ['data/sub/.wh..wh..opq', 'file', '750', 0],
  ]);
  assert.equal(planEntries(node(join(dir, 'sub'), 'data/sub'), new Map()).length, 1, 'a plain directory is one entry');
});

test('hard links: the first path is the file, later paths link to it; symlinks keep their target; xattrs become SCHILY records', (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'a'), 'shared\n');
  linkSync(join(dir, 'a'), join(dir, 'b'));
  symlinkSync('../target', join(dir, 'l'));
  const links = new Map<string, string>();
  const first = planEntries(node(join(dir, 'a'), 'x/a', { xattrs: [['user.note', Buffer.from([0, 1, 0xff])]] }), links);
  const second = planEntries(node(join(dir, 'b'), 'x/b'), links);
  assert.equal(first[0]!.fields.type, 'file');
  assert.equal(first[0]!.content?.size, 7);
  assert.deepEqual(first[0]!.fields.xattrs, [['user.note', Buffer.from([0, 1, 0xff])]]);
  assert.deepEqual([second[0]!.fields.type, second[0]!.fields.linkname?.toString(), second[0]!.content], ['hardlink', 'x/a', undefined]);
  const link = planEntries(node(join(dir, 'l'), 'x/l', { linkTarget: '../target' }), links);
  assert.deepEqual([link[0]!.fields.type, link[0]!.fields.linkname?.toString()], ['symlink', '../target']);
});

test('layerTar writes the entries in order with their data, and binary xattr values survive', async (t) => {
  const dir = scratch(t);
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd', 'big'), Buffer.alloc(3 * 1024 * 1024 + 5, 7));
  writeFileSync(join(dir, 'd', 'small'), 'hi\n');
  linkSync(join(dir, 'd', 'small'), join(dir, 'd', 'twin'));
  const value = Buffer.from([0x01, 0x00, 0x00, 0x02, 0xfe]);
  const entries = await entriesOf([
    node(join(dir, 'd'), 'd', { opaque: true }),
    node(join(dir, 'd', 'big'), 'd/big'),
    node(join(dir, 'd', 'small'), 'd/small', { xattrs: [['security.capability', value]] }),
    node(join(dir, 'd', 'twin'), 'd/twin'),
  ]);
  assert.deepEqual(entries.map((e) => `${e.header.type} ${e.header.name} ${e.header.size}`), [
    'dir d/ 0', 'file d/.wh..wh..opq 0', `file d/big ${3 * 1024 * 1024 + 5}`, 'file d/small 3', 'hardlink d/twin 0',
  ]);
  assert.equal(entries[2]!.data, Buffer.alloc(3 * 1024 * 1024 + 5, 7).toString('latin1'));
  assert.equal(entries[3]!.data, 'hi\n');
  assert.equal(Buffer.from(entries[3]!.header.pax!['SCHILY.xattr.security.capability']!, 'latin1').equals(value), true);
  assert.equal(entries[4]!.header.linkname, 'd/small');
});

test('a file replaced or shrunk after it was listed is refused, never read through a symlink', async (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'f'), 'original content\n');
  const listed = node(join(dir, 'f'), 'f');
  rmSync(join(dir, 'f'));
  symlinkSync('/etc/passwd', join(dir, 'f'));
  await assert.rejects(entriesOf([listed]), /changed while it was being read/);
  writeFileSync(join(dir, 'g'), 'original content\n');
  const shrinking = node(join(dir, 'g'), 'g');
  writeFileSync(join(dir, 'g'), 'short');
  await assert.rejects(entriesOf([shrinking]), /changed while it was being read/);
});

test('devices and FIFOs keep their type and numbers', (t) => {
  if (!requireOrSkip(t, process.getuid?.() === 0, 'mknod needs root')) return;
  const dir = scratch(t);
  execFileSync('mknod', [join(dir, 'null'), 'c', '1', '3']);
  execFileSync('mknod', [join(dir, 'blk'), 'b', '7', '200']);
  execFileSync('mkfifo', [join(dir, 'pipe')]);
  const fields = (name: string): unknown => {
    const f = planEntries(node(join(dir, name), name), new Map())[0]!.fields;
    return [f.type, f.devmajor, f.devminor];
  };
  assert.deepEqual(fields('null'), ['chardev', 1, 3]);
  assert.deepEqual(fields('blk'), ['blockdev', 7, 200]);
  assert.deepEqual(fields('pipe'), ['fifo', 0, 0], 'zeros, as Go writes them for every entry');
});
