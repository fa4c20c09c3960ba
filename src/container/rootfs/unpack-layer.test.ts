import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../../internal/errors.js';
import { BLOCK, padding } from '../../archive/tar/tar-header.js';
import { encodeTextHeader, type TextHeaderFields } from '../../archive/tar/encode-header.js';
import { sha256Of } from '../../digest/sha256.js';
import { hexOf } from '../../digest/digest.js';
import { readVerified } from '../../store/content/read-blob.js';
import { layerDir, unpackLayer, type LayerSource } from './unpack-layer.js';
import { requireOrSkip } from '../../../test/support/env.js';

function member(fields: TextHeaderFields, data: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([encodeTextHeader({ ...fields, size: fields.size ?? data.length }), data, Buffer.alloc(padding(data.length))]);
}

function tar(...members: Buffer[]): Buffer {
  return Buffer.concat([...members, Buffer.alloc(2 * BLOCK)]);
}

const PLAIN = tar(
  member({ name: 'etc/', type: 'dir', mode: 0o755 }),
  member({ name: 'etc/hostname', type: 'file', mode: 0o644, uid: 1000, gid: 1000 }, Buffer.from('plain\n')),
  member({ name: 'etc/alias', type: 'hardlink', mode: 0o644, linkname: 'etc/hostname' }),
  member({ name: 'bin/', type: 'dir', mode: 0o755 }),
  member({ name: 'bin/sh', type: 'symlink', mode: 0o777, linkname: '/bin/busybox' }),
);

const NON_PLAIN = tar(
  member({ name: 'etc/', type: 'dir', mode: 0o755 }),
  member({ name: 'etc/.wh.hostname', type: 'file', mode: 0o644 }),
  member({ name: 'usr/.wh..wh..opq', type: 'file', mode: 0o644 }),
  member({ name: '../../etc/new', type: 'file', mode: 0o600 }, Buffer.from('clamped\n')),
);

/** A layers directory, and a layer source whose blob holds `bytes`; `digest` is what the reader checks against. */
function setup(t: TestContext, bytes: Buffer, plain: boolean, digest = sha256Of(bytes)): { layersDir: string; layer: LayerSource; reads: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-unpack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const layersDir = join(dir, 'layers');
  execFileSync('mkdir', [layersDir]);
  const blobPath = join(dir, 'blob');
  writeFileSync(blobPath, bytes);
  let reads = 0;
  const layer: LayerSource = {
    chainId: sha256Of(`chain of ${sha256Of(bytes)}`),
    diffId: sha256Of(bytes),
    plain,
    tarSize: bytes.length,
    blobPath,
    read: () => {
      reads++;
      return readVerified(blobPath, digest, bytes.length);
    },
  };
  return { layersDir, layer, reads: () => reads };
}

function leftovers(layersDir: string): string[] {
  return readdirSync(layersDir);
}

function rootOnly(t: TestContext): boolean {
  return requireOrSkip(t, process.getuid?.() === 0, 'needs root');
}

async function assertFailsCleanly(layersDir: string, layer: LayerSource, code: string): Promise<void> {
  await assert.rejects(unpackLayer(layersDir, layer), (err: unknown) => {
    assert.ok(err instanceof BerthError, String(err));
    assert.equal(err.code, code);
    return true;
  });
  assert.deepEqual(leftovers(layersDir), [], 'no layer directory and no .tmp-* remain');
}

test('unpackLayer() extracts a plain layer into layersDir/<chain hex>', async (t) => {
  if (!rootOnly(t)) return;
  const { layersDir, layer, reads } = setup(t, PLAIN, true);
  await unpackLayer(layersDir, layer);
  const dir = layerDir(layersDir, layer.chainId);
  assert.equal(dir, join(layersDir, hexOf(layer.chainId)));
  assert.deepEqual(leftovers(layersDir), [hexOf(layer.chainId)]);
  assert.equal(readFileSync(join(dir, 'etc/hostname'), 'utf8'), 'plain\n');
  const st = lstatSync(join(dir, 'etc/hostname'));
  assert.deepEqual([st.uid, st.gid, st.nlink], [1000, 1000, 2]);
  assert.equal(lstatSync(join(dir, 'etc/alias')).ino, st.ino);
  assert.equal(execFileSync('readlink', [join(dir, 'bin/sh')], { encoding: 'utf8' }), '/bin/busybox\n');
  assert.equal(reads(), 1, 'the blob was read (and so verified)');
});

test('unpackLayer() rewrites a non-plain layer: whiteouts become devices, names are clamped', async (t) => {
  if (!rootOnly(t)) return;
  const { layersDir, layer } = setup(t, NON_PLAIN, false);
  await unpackLayer(layersDir, layer);
  const dir = layerDir(layersDir, layer.chainId);
  assert.deepEqual(leftovers(layersDir), [hexOf(layer.chainId)]);
  const wh = lstatSync(join(dir, 'etc/hostname'));
  assert.equal(wh.isCharacterDevice(), true);
  assert.equal(wh.rdev, 0);
  assert.equal(execFileSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', join(dir, 'usr')], { encoding: 'utf8' }), 'y');
  assert.equal(readFileSync(join(dir, 'etc/new'), 'utf8'), 'clamped\n');
  assert.equal(existsSync(join(dir, 'etc/.wh.hostname')), false);
});

test('unpackLayer() of an empty layer (0 bytes) makes an empty directory', async (t) => {
  if (!rootOnly(t)) return;
  const { layersDir, layer } = setup(t, Buffer.alloc(0), false);
  await unpackLayer(layersDir, layer);
  assert.deepEqual(readdirSync(layerDir(layersDir, layer.chainId)), []);
  assert.deepEqual(leftovers(layersDir), [hexOf(layer.chainId)]);
});

test('unpackLayer() of a tar with no members, plain or not, makes an empty directory', async (t) => {
  if (!rootOnly(t)) return;
  for (const plain of [true, false]) {
    const { layersDir, layer } = setup(t, Buffer.alloc(1024), plain);
    await unpackLayer(layersDir, layer);
    assert.deepEqual(readdirSync(layerDir(layersDir, layer.chainId)), [], `plain: ${plain}`);
    assert.deepEqual(leftovers(layersDir), [hexOf(layer.chainId)], `plain: ${plain}`);
  }
});

test('unpackLayer() a second time leaves the unpacked layer alone and reads nothing', async (t) => {
  if (!rootOnly(t)) return;
  for (const [bytes, plain] of [[PLAIN, true], [NON_PLAIN, false], [Buffer.alloc(0), true]] as const) {
    const { layersDir, layer, reads } = setup(t, bytes, plain);
    await unpackLayer(layersDir, layer);
    const dir = layerDir(layersDir, layer.chainId);
    const ino = lstatSync(dir).ino;
    writeFileSync(join(dir, 'marker'), 'still here');
    await unpackLayer(layersDir, layer);
    assert.equal(lstatSync(dir).ino, ino, `plain: ${plain}, ${bytes.length} bytes: same directory`);
    assert.equal(readFileSync(join(dir, 'marker'), 'utf8'), 'still here');
    assert.equal(reads(), bytes.length === 0 ? 0 : 1, 'the blob was not read again');
    assert.deepEqual(leftovers(layersDir), [hexOf(layer.chainId)]);
  }
});

test('unpackLayer() refuses a layer with an invalid whiteout and leaves nothing behind', async (t) => {
  if (!rootOnly(t)) return;
  const bad = tar(
    member({ name: 'etc/', type: 'dir', mode: 0o755 }),
    member({ name: 'etc/file', type: 'file', mode: 0o644 }, Buffer.alloc(100_000, 1)),
    member({ name: 'etc/.wh..', type: 'file', mode: 0o644 }),
  );
  const { layersDir, layer } = setup(t, bad, false);
  await assertFailsCleanly(layersDir, layer, 'LAYER_INVALID');
});

test('unpackLayer() of a plain layer whose blob fails verification leaves nothing behind', async (t) => {
  if (!rootOnly(t)) return;
  const { layersDir, layer } = setup(t, PLAIN, true, sha256Of('something else'));
  await assertFailsCleanly(layersDir, layer, 'BLOB_CORRUPT');
});

test('unpackLayer() of a non-plain layer whose blob fails verification leaves nothing behind', async (t) => {
  if (!rootOnly(t)) return;
  const { layersDir, layer } = setup(t, NON_PLAIN, false, sha256Of('something else'));
  await assertFailsCleanly(layersDir, layer, 'BLOB_CORRUPT');
});

test('unpackLayer() verifies the whole blob even when the tar ends long before it (GNU tar pads to its record size)', async (t) => {
  if (!rootOnly(t)) return;
  // The end-of-archive is in the first 1 MiB chunk, the blob goes on with zeros.
  const pad = (bytes: Buffer): Buffer => Buffer.concat([bytes, Buffer.alloc(3 * 1024 * 1024 - bytes.length)]);
  for (const [bytes, plain] of [[pad(NON_PLAIN), false], [pad(PLAIN), true]] as const) {
    const { layersDir, layer } = setup(t, bytes, plain, sha256Of('something else'));
    await assertFailsCleanly(layersDir, layer, 'BLOB_CORRUPT');
  }
});

test('unpackLayer() of a plain layer reports BLOB_CORRUPT, not a tar failure, when tar chokes on the damaged blob', async (t) => {
  if (!rootOnly(t)) return;
  const damaged = Buffer.from(PLAIN);
  damaged[BLOCK + 10] = 0x7f; // the second header's name: its checksum no longer matches
  const { layersDir, layer } = setup(t, damaged, true, sha256Of(PLAIN));
  await assertFailsCleanly(layersDir, layer, 'BLOB_CORRUPT');
});

test('unpackLayer() fails when `read` throws at its end, after yielding the complete tar', async (t) => {
  if (!rootOnly(t)) return;
  for (const plain of [false, true]) {
    const { layersDir, layer } = setup(t, PLAIN, plain);
    let finished = false;
    layer.read = async function* () {
      yield PLAIN.subarray(0, 700);
      yield PLAIN.subarray(700);
      yield Buffer.alloc(10240); // record padding after the end-of-archive
      finished = true;
      throw new BerthError('corrupt', 'BLOB_CORRUPT', 'Cannot read blob: its content does not match');
    };
    await assertFailsCleanly(layersDir, layer, 'BLOB_CORRUPT');
    assert.equal(finished, true, `plain: ${plain}: the reader was read to its end`);
  }
});

test('unpackLayer() fails with BLOB_MISSING when the reader finds no blob, and leaves nothing behind', async (t) => {
  if (!rootOnly(t)) return;
  const { layersDir, layer } = setup(t, NON_PLAIN, false);
  rmSync(layer.blobPath);
  await assertFailsCleanly(layersDir, layer, 'BLOB_MISSING');
});
