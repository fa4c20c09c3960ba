/**
 * The index, mounted by the kernel, against the tar path (layer-rewrite.ts, then GNU tar) on
 * the same layers: every entry's type, mode, owner, size, mtime, link target, device number,
 * link count, xattrs and bytes must be the same. Needs root (mount, device nodes, owners).
 * (layer-semantics.test.ts does the same for every hostile layer.)
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCK, padding } from '../../../archive/tar/tar-header.js';
import { encodeTextHeader, type TextHeaderFields } from '../../../archive/tar/encode-header.js';
import { sha256Of } from '../../../digest/sha256.js';
import { readVerified } from '../../../store/content/read-blob.js';
import { loadNative } from '../../../internal/native.js';
import { layerDir, unpackLayer } from '../unpack-layer.js';
import { buildLayerIndex, erofsUsable, indexPath, isIndexUnsupported, markIndexUnusable, mountLayerIndex } from './layer-index.js';
import { INDEX_UNUSABLE_MARKER } from '../../../store/layers-dir.js';
import { BerthError } from '../../../internal/errors.js';
import { requireOrSkip } from '../../../../test/support/env.js';
import { treeListing as listing } from '../../../../test/support/layer-trees.js';

const IS_ROOT = process.getuid?.() === 0;

function member(fields: TextHeaderFields, data: Buffer = Buffer.alloc(0), pax: Record<string, string> = {}): Buffer {
  return Buffer.concat([encodeTextHeader({ ...fields, size: fields.size ?? data.length }, pax), data, Buffer.alloc(padding(data.length))]);
}

const T = 1_650_000_000;
const d = (name: string, mode = 0o755, extra: Partial<TextHeaderFields> = {}): Buffer => member({ name, type: 'dir', mode, mtime: T, ...extra });
const f = (name: string, data: Buffer | string, mode = 0o644, extra: Partial<TextHeaderFields> = {}, pax: Record<string, string> = {}): Buffer =>
  member({ name, type: 'file', mode, mtime: T + 1, ...extra }, typeof data === 'string' ? Buffer.from(data) : data, pax);
const l = (name: string, linkname: string): Buffer => member({ name, type: 'symlink', mode: 0o777, mtime: T + 2, linkname });

/** Everything a layer can hold that both paths must show alike. */
function kitchenSink(): Buffer {
  const members = [
    d('./', 0o755),
    d('etc/'), f('etc/hostname', 'host\n'), f('etc/empty', ''),
    f('etc/one', 'x'), f('etc/511', randomBytes(511)), f('etc/512', randomBytes(512)), f('etc/513', randomBytes(513)),
    f('etc/big', randomBytes(3 * 1024 * 1024 + 7)),
    member({ name: 'etc/alias', type: 'hardlink', mode: 0o644, linkname: 'etc/hostname' }),
    member({ name: 'etc/alias2', type: 'hardlink', mode: 0o644, linkname: './etc/hostname' }),
    d('bin/'), f('bin/busybox', randomBytes(2000), 0o755), l('bin/sh', '/bin/busybox'), l('bin/rel', 'busybox'),
    l('long-link', `/${'t'.repeat(480)}`), l('mid-link', `../${'m'.repeat(300)}`),
    f('suid', 'suid', 0o4755), f('sgid', 'sgid', 0o2755), d('tmp/', 0o1777),
    f('owned', 'owned', 0o640, { uid: 70000, gid: 123456 }),
    f('nanos', 'nanos', 0o644, {}, { mtime: '1650000000.123456789' }),
    member({ name: 'dev/', type: 'dir', mode: 0o755, mtime: T }),
    member({ name: 'dev/null', type: 'chardev', mode: 0o666, devmajor: 1, devminor: 3, mtime: T }),
    member({ name: 'dev/big', type: 'chardev', mode: 0o600, devmajor: 259, devminor: 70000, mtime: T }),
    member({ name: 'dev/sda', type: 'blockdev', mode: 0o660, devmajor: 8, devminor: 0, mtime: T }),
    member({ name: 'dev/fifo', type: 'fifo', mode: 0o644, mtime: T }),
    f('xattrs', 'x', 0o644, {}, { 'SCHILY.xattr.user.note': 'hello', 'SCHILY.xattr.security.capability': '\u0001\u0000\u0000\u0002\u0000\u0020\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000', 'SCHILY.xattr.trusted.overlay.origin': 'x' }),
    d('xdir/', 0o755, {}), f('xdir/in', 'in', 0o644, {}, { 'SCHILY.xattr.user.big': 'v'.repeat(3000) }),
    d('many/'),
    ...Array.from({ length: 300 }, (_, i) => f(`many/entry-${String(i).padStart(3, '0')}-${'x'.repeat(i % 40)}`, `${i}`)),
    f(`many/${'n'.repeat(255)}`, 'long name'),
    f('latin/caf\udce9', 'not utf-8'),
    d('usr/'), d('usr/lib/'), l('lib', 'usr/lib'), f('lib/through-link', 'through'),
    f('implicit/deep/file', 'parents made'),
    f('replaced', 'first'), f('replaced', 'second'),
    d('redo/', 0o700), f('redo/keep', 'keep'), d('redo/', 0o750, { uid: 9 }),
    f('old/.wh.gone', ''), d('opq/'), f('opq/.wh..wh..opq', ''), f('opq/new', 'new'),
    f('../../clamped', 'clamped'),
  ];
  return Buffer.concat([...members, Buffer.alloc(2 * BLOCK)]);
}

function setup(t: TestContext, bytes: Buffer): { layersDir: string; blobPath: string; chainId: ReturnType<typeof sha256Of>; diffId: ReturnType<typeof sha256Of> } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-index-'));
  const layersDir = join(dir, 'layers');
  mkdirSync(layersDir);
  const blobPath = join(dir, 'blob');
  writeFileSync(blobPath, bytes);
  const diffId = sha256Of(bytes);
  const mounts: string[] = [];
  t.after(() => {
    for (const m of mounts) {
      try {
        loadNative('unmount').umount(m, 2);
      } catch {
        // not mounted
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  (t as unknown as { mounts: string[] }).mounts = mounts;
  return { layersDir, blobPath, chainId: sha256Of(`chain ${diffId}`), diffId };
}

async function indexedTree(t: TestContext, bytes: Buffer): Promise<string> {
  const s = setup(t, bytes);
  const verify = async (): Promise<void> => {
    for await (const _ of readVerified(s.blobPath, s.diffId, bytes.length)) { /* hashing */ }
  };
  assert.equal(await buildLayerIndex(s.layersDir, { chainId: s.chainId, diffId: s.diffId, blobPath: s.blobPath, verify }), true, 'the layer can be indexed');
  assert.deepEqual(readdirSync(s.layersDir), [`${s.chainId.slice(7)}.erofs`], 'only the index, no temporary file');
  const at = join(s.layersDir, '..', 'mnt');
  mkdirSync(at);
  mountLayerIndex(indexPath(s.layersDir, s.chainId), s.blobPath, at);
  (t as unknown as { mounts: string[] }).mounts.push(at);
  return at;
}

async function unpackedTree(t: TestContext, bytes: Buffer): Promise<string> {
  const s = setup(t, bytes);
  await unpackLayer(s.layersDir, {
    chainId: s.chainId, diffId: s.diffId, plain: false, tarSize: bytes.length, blobPath: s.blobPath,
    read: () => readVerified(s.blobPath, s.diffId, bytes.length),
  });
  return layerDir(s.layersDir, s.chainId);
}

function canIndex(t: TestContext): boolean {
  if (!requireOrSkip(t, IS_ROOT, 'mounting needs root')) return false;
  return requireOrSkip(t, erofsUsable(tmpdir()), 'the kernel has no EROFS with file-backed mounts (Linux 6.12+)');
}

test('an indexed layer, mounted, shows exactly what the tar path unpacks', async (t) => {
  if (!canIndex(t)) return;
  const bytes = kitchenSink();
  const indexed = listing(await indexedTree(t, bytes));
  const unpacked = listing(await unpackedTree(t, bytes));
  assert.ok(indexed.length > 330, `every entry is listed (${indexed.length})`);
  assert.deepEqual(indexed, unpacked);
  // Spot checks that the comparison is about something.
  assert.ok(indexed.some((line) => line.startsWith('etc/alias file 5 ') && line.includes('links=3')));
  assert.ok(indexed.some((line) => line.startsWith('old/gone chr 0 mode=0 ')));
  assert.ok(indexed.some((line) => line.startsWith('opq dir ') && line.includes('trusted.overlay.opaque=79')));
  assert.ok(indexed.some((line) => line.startsWith('usr/lib/through-link file ')));
  assert.ok(!indexed.some((line) => line.includes('trusted.overlay.origin')));
});

test('the sizes around the tar block and the chunk boundaries read back whole', async (t) => {
  if (!canIndex(t)) return;
  const files = [0, 1, 511, 512, 513, 4095, 4096, 4097, 65536 + 1, 1024 * 1024 - 1].map((n) => ({ name: `f${n}`, data: randomBytes(n) }));
  const bytes = Buffer.concat([...files.map((x) => f(x.name, x.data)), Buffer.alloc(2 * BLOCK)]);
  const root = await indexedTree(t, bytes);
  for (const x of files) assert.ok(readFileSync(join(root, x.name)).equals(x.data), `${x.name} reads back whole`);
});

test('a file over 1 GiB is mapped in several chunks, each at its place in the tar', async (t) => {
  if (!canIndex(t)) return;
  // A sparse tar: one member of 1 GiB + 5 KiB whose bytes are holes but for marks near the chunk boundary.
  const size = 2 ** 30 + 5 * 1024;
  const header = encodeTextHeader({ name: 'huge', type: 'file', mode: 0o644, size });
  const s = setup(t, Buffer.alloc(0));
  const fd = openSync(s.blobPath, 'w');
  const marks: Array<[number, string]> = [[0, 'first'], [2 ** 30 - 5, 'edge!'], [2 ** 30, 'second chunk'], [size - 4, 'last']];
  try {
    writeSync(fd, header, 0, header.length, 0);
    for (const [offset, text] of marks) writeSync(fd, Buffer.from(text), 0, text.length, header.length + offset);
    ftruncateSync(fd, header.length + size + padding(size) + 2 * BLOCK);
  } finally {
    closeSync(fd);
  }
  const verify = async (): Promise<void> => undefined; // the digest check is covered above; hashing 1 GiB is not the point here
  assert.equal(await buildLayerIndex(s.layersDir, { chainId: s.chainId, diffId: s.diffId, blobPath: s.blobPath, verify }), true);
  const at = join(s.layersDir, '..', 'mnt');
  mkdirSync(at);
  mountLayerIndex(indexPath(s.layersDir, s.chainId), s.blobPath, at);
  (t as unknown as { mounts: string[] }).mounts.push(at);
  assert.equal(lstatSync(join(at, 'huge')).size, size);
  const read = openSync(join(at, 'huge'), 'r');
  try {
    for (const [offset, text] of marks) {
      const got = Buffer.alloc(text.length);
      readSync(read, got, 0, got.length, offset);
      assert.equal(got.toString(), text, `the bytes at ${offset}`);
    }
  } finally {
    closeSync(read);
  }
});

test('a blob that does not match its digest leaves no index', async (t) => {
  if (!canIndex(t)) return;
  const bytes = kitchenSink();
  const s = setup(t, bytes);
  const corrupt = Buffer.from(bytes);
  const at = corrupt.length - 3 * BLOCK;
  corrupt.writeUInt8(corrupt[at]! ^ 0xff, at);
  writeFileSync(s.blobPath, corrupt);
  const verify = async (): Promise<void> => {
    for await (const _ of readVerified(s.blobPath, s.diffId, bytes.length)) { /* hashing */ }
  };
  await assert.rejects(buildLayerIndex(s.layersDir, { chainId: s.chainId, diffId: s.diffId, blobPath: s.blobPath, verify }), /BLOB_CORRUPT|does not match/);
  assert.deepEqual(readdirSync(s.layersDir), []);
  rmdirSync(s.layersDir);
});

test('a kernel that refused to mount an index is recorded: the store unpacks on it, and indexes again on another kernel', (t) => {
  if (!requireOrSkip(t, erofsUsable(tmpdir()), 'the kernel has no EROFS with file-backed mounts (Linux 6.12+)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'berth-index-marker-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const refused = new BerthError('unavailable', 'LAYER_MOUNT_FAILED', 'Cannot mount', { cause: Object.assign(new Error('mount: Block device required'), { code: 'ENOTBLK' }) });
  assert.equal(isIndexUnsupported(refused), true);
  assert.equal(isIndexUnsupported(new BerthError('unavailable', 'LAYER_MOUNT_FAILED', 'x', { cause: Object.assign(new Error('busy'), { code: 'EBUSY' }) })), false, 'not every failure means the kernel cannot');
  assert.equal(erofsUsable(dir), true);
  markIndexUnusable(dir, refused.message);
  assert.equal(erofsUsable(dir), false, 'this kernel: unpack');
  writeFileSync(join(dir, INDEX_UNUSABLE_MARKER), '0.0.1-another-kernel\nwhy\n');
  assert.equal(erofsUsable(dir), true, 'another kernel: try again');
});
