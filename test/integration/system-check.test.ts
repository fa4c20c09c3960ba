/**
 * `berth system check [--repair]`: a healthy store passes; each kind of leftover a killed
 * process can leave is found and repaired; damage to what is complete (a flipped byte in a
 * blob, a missing blob) is found, named, and never "repaired" away.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { berth, removeDir, run, storeSnapshot, tempDir } from '../support/cli.js';
import { fixture, IS_ROOT, requireOrSkip } from '../support/env.js';

const PEER_VIS_LAYER = '7603dc84775345655b454cc166d377f27b446b7507e93ef30d6ce672418d9b0a';

interface Report { problems: Array<{ code: string; subject: string; repairable: boolean; message: string }>; repaired: Array<{ code: string; subject: string }>; blobs: number; images: number }

async function check(root: string, ...extra: string[]): Promise<{ code: number | null; report: Report }> {
  const r = await berth(['system', 'check', '--format', 'json', ...extra], { root });
  assert.equal(r.stderr, '', 'no progress or noise on stderr when it is not a TTY');
  return { code: r.code, report: JSON.parse(r.stdout) as Report };
}

async function loadedStore(): Promise<{ work: string; root: string }> {
  const work = await tempDir();
  const root = join(work, 'store');
  const r = await berth(['load', '-i', fixture('docker-save-multi.tar')], { root });
  assert.equal(r.code, 0, r.stderr);
  return { work, root };
}

describe('system check', () => {
  test('a healthy store: every blob hashed, no problems, exit 0; the text form says so', async () => {
    const { work, root } = await loadedStore();
    try {
      const { code, report } = await check(root);
      assert.equal(code, 0);
      assert.deepEqual(report.problems, []);
      assert.equal(report.images, 2);
      assert.equal(report.blobs, 6);
      const text = await berth(['system', 'check'], { root });
      assert.equal(text.code, 0);
      assert.match(text.stdout, /^Checked 6 blobs .* 2 images, 2 tags, 4 layers, 0 containers\nNo problems found\n$/);
    } finally {
      await removeDir(work);
    }
  });

  test('leftovers of killed processes are found, and --repair removes exactly them', async () => {
    const { work, root } = await loadedStore();
    try {
      const v1 = join(root, 'v1');
      // (the parents exist in any store that has run a container)
      mkdirSync(join(v1, 'layers'), { recursive: true });
      mkdirSync(join(v1, 'containers'), { recursive: true });
      const before = await storeSnapshot(root);
      // A dead process's ingest dir and half-unpacked layer, a blob file moved in but never committed,
      // a trashed blob, a container directory without a record.
      mkdirSync(join(v1, 'ingest', '999999-12345', 'sub'), { recursive: true });
      writeFileSync(join(v1, 'ingest', '999999-12345', 'sub', 'blob'), 'partial');
      mkdirSync(join(v1, 'layers', '.tmp-999999-12345-0123456789abcdef', 'etc'), { recursive: true });
      const stray = 'b'.repeat(64);
      writeFileSync(join(v1, 'blobs', 'sha256', stray), 'never committed');
      mkdirSync(join(v1, 'containers', 'c'.repeat(64), 'upper'), { recursive: true });
      const { code, report } = await check(root);
      assert.equal(code, 1);
      assert.deepEqual(report.problems.map((p) => p.code).sort(), ['BLOB_STRAY', 'CONTAINER_DIR_LEFTOVER', 'INGEST_LEFTOVER', 'UNPACK_LEFTOVER']);
      assert.ok(report.problems.every((p) => p.repairable));
      assert.ok(report.problems.some((p) => p.code === 'BLOB_STRAY' && p.subject === stray));

      const text = await berth(['system', 'check'], { root });
      assert.equal(text.code, 1);
      assert.match(text.stdout, /4 problems found \(4 can be repaired with berth system check --repair\)/);

      const repaired = await check(root, '--repair');
      assert.equal(repaired.code, 0, JSON.stringify(repaired.report));
      assert.equal(repaired.report.repaired.length, 4);
      assert.deepEqual(repaired.report.problems, []);
      assert.deepEqual(await storeSnapshot(root), before, 'the store is exactly as before the leftovers, images untouched');
      assert.equal((await check(root)).code, 0);
      // and it still works
      const images = await berth(['images', '--format', '{{.Repository}}:{{.Tag}}'], { root });
      assert.deepEqual(images.stdout.trim().split('\n').sort(), ['peer-vis-b:1.0', 'peer-vis:latest']);
    } finally {
      await removeDir(work);
    }
  });

  test('a flipped byte in a layer blob is named with the images using it, and --repair leaves it alone', async () => {
    const { work, root } = await loadedStore();
    try {
      const path = join(root, 'v1', 'blobs', 'sha256', PEER_VIS_LAYER);
      const bytes = readFileSync(path);
      bytes[600] = bytes[600]! ^ 0x01;
      writeFileSync(path, bytes);
      for (const extra of [[], ['--repair']]) {
        const { code, report } = await check(root, ...extra);
        assert.equal(code, 1);
        assert.equal(report.problems.length, 1);
        const [p] = report.problems;
        assert.equal(p!.code, 'BLOB_CORRUPT');
        assert.equal(p!.subject, `sha256:${PEER_VIS_LAYER}`);
        assert.equal(p!.repairable, false);
        assert.match(p!.message, /peer-vis:latest/);
        assert.match(p!.message, /peer-vis-b:1\.0/);
      }
      assert.equal(readFileSync(path).length, bytes.length, 'the damaged blob is still there for the user to decide');
      const text = await berth(['system', 'check'], { root });
      assert.match(text.stdout, /Hint: .*berth rmi -f IMAGE/);
    } finally {
      await removeDir(work);
    }
  });

  test('a missing blob and an unreferenced blob record', async () => {
    const { work, root } = await loadedStore();
    try {
      const require = createRequire(import.meta.url);
      const Database = require('better-sqlite3') as typeof import('better-sqlite3');
      const db = new Database(join(root, 'v1', 'metadata.db'));
      const orphan = 'd'.repeat(64);
      writeFileSync(join(root, 'v1', 'blobs', 'sha256', orphan), 'x');
      db.prepare('INSERT INTO blobs(digest, size, kind, added_at) VALUES (?, 1, ?, 0)').run(`sha256:${orphan}`, 'config');
      db.close();
      const first = await check(root);
      // 'x' does not hash to ddd…: the record is both unreferenced and damaged
      assert.deepEqual(first.report.problems.map((p) => p.code).sort(), ['BLOB_CORRUPT', 'BLOB_UNREFERENCED']);
      const repaired = await check(root, '--repair');
      assert.deepEqual(repaired.report.repaired.map((p) => p.code), ['BLOB_UNREFERENCED']);
      // the corrupt finding was about the same blob, which is now gone: a second check is clean
      assert.equal((await check(root)).code, 0);

      await run('rm', [join(root, 'v1', 'blobs', 'sha256', PEER_VIS_LAYER)]);
      const missing = await check(root, '--repair');
      assert.equal(missing.code, 1);
      assert.ok(missing.report.problems.some((p) => p.code === 'BLOB_MISSING' && p.subject === `sha256:${PEER_VIS_LAYER}` && !p.repairable));
    } finally {
      await removeDir(work);
    }
  });

  test('a mount below the store that no container owns is unmounted by --repair', async (t) => {
    if (!requireOrSkip(t, IS_ROOT, 'mounting needs root')) return;
    const { work, root } = await loadedStore();
    const target = join(root, 'v1', 'containers', 'e'.repeat(64), 'rootfs');
    try {
      mkdirSync(target, { recursive: true });
      const m = await run('mount', ['-t', 'tmpfs', 'tmpfs', target]);
      assert.equal(m.code, 0, m.stderr);
      const { report } = await check(root);
      assert.deepEqual(report.problems.map((p) => p.code).sort(), ['CONTAINER_DIR_LEFTOVER', 'MOUNT_LEFTOVER']);
      const repaired = await check(root, '--repair');
      assert.equal(repaired.code, 0, JSON.stringify(repaired.report));
      assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(target));
    } finally {
      await run('umount', [target]);
      await removeDir(work);
    }
  });

  test('a layer view left mounted by a killed berth is unmounted and removed by --repair; one of a live berth is left alone', async (t) => {
    if (!requireOrSkip(t, IS_ROOT, 'mounting needs root')) return;
    const { work, root } = await loadedStore();
    const layers = join(root, 'v1', 'layers');
    // A view is an index mounted on layers/.view-<pid>-<start>-N; what is mounted does not matter here.
    const dead = join(layers, '.view-999999-12345-1');
    const live = join(layers, `.view-${process.pid}-${readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]}-1`);
    try {
      for (const dir of [dead, live]) {
        mkdirSync(dir, { recursive: true });
        const m = await run('mount', ['-t', 'tmpfs', 'tmpfs', dir]);
        assert.equal(m.code, 0, m.stderr);
      }
      const { report } = await check(root);
      assert.deepEqual(report.problems.map((p) => `${p.code} ${p.subject.replace(root, '<root>')}`).sort(),
        ['MOUNT_LEFTOVER <root>/v1/layers/.view-999999-12345-1', 'UNPACK_LEFTOVER layers/.view-999999-12345-1']);
      const repaired = await check(root, '--repair');
      assert.equal(repaired.code, 0, JSON.stringify(repaired.report));
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
      assert.ok(!mounts.includes(dead), 'the dead berth\'s view is unmounted');
      assert.ok(mounts.includes(live), 'the live berth\'s view stays');
      assert.deepEqual(readdirSync(layers), [live.slice(layers.length + 1)]);
    } finally {
      for (const dir of [dead, live]) await run('umount', [dir]);
      await removeDir(work);
    }
  });
});
