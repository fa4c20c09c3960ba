/**
 * A flipped byte in a stored blob. Every reader verifies as it reads, so the damage is caught
 * by `save` (no output file is left, and a save to stdout is cut short: what it wrote does not
 * load anywhere), by `history`/`inspect` (config), by `run` (layer, before it is unpacked), and
 * by `system check`, each time with an error that names the blob.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { berth, removeDir, tempDir } from '../support/cli.js';
import { fixture, IS_ROOT, requireOrSkip } from '../support/env.js';
import { IMAGE, buildBusyboxImages, loadBusybox, removeBusyboxImages } from '../support/busybox-image.js';

after(removeBusyboxImages);

const PEER_VIS_ID = '5d59d30f19bb602783727906b0fca6934e80385d88675ced20df2ed124476ebd';
const PEER_VIS_LAYER = '7603dc84775345655b454cc166d377f27b446b7507e93ef30d6ce672418d9b0a';

function flipByte(path: string, at: number): void {
  const bytes = readFileSync(path);
  bytes[at] = bytes[at]! ^ 0x20;
  writeFileSync(path, bytes);
}

async function loaded(): Promise<{ work: string; root: string }> {
  const work = await tempDir();
  const root = join(work, 'store');
  assert.equal((await berth(['load', '-q', '-i', fixture('docker-save-multi.tar')], { root })).code, 0);
  return { work, root };
}

describe('a corrupt blob is caught', () => {
  test('by save: -o leaves no file; to stdout the archive is cut short and does not load', async () => {
    const { work, root } = await loaded();
    try {
      flipByte(join(root, 'v1', 'blobs', 'sha256', PEER_VIS_LAYER), 700);
      const out = join(work, 'out.tar');
      const r = await berth(['save', '-o', out, 'peer-vis:latest'], { root });
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`\\[BLOB_CORRUPT\\]`));
      assert.match(r.stderr, new RegExp(PEER_VIS_LAYER.slice(0, 12)));
      assert.ok(!existsSync(out));
      assert.deepEqual(readdirSync(work).filter((n) => n.includes('.berth-')), [], 'no temp file either');

      const piped = await berth(['save', 'peer-vis:latest'], { root });
      assert.equal(piped.code, 1);
      assert.match(piped.stderr, /BLOB_CORRUPT/);
      const partial = join(work, 'partial.tar');
      writeFileSync(partial, piped.stdoutBytes);
      const reload = await berth(['load', '-i', partial], { root: join(work, 'other-store') });
      assert.notEqual(reload.code, 0, 'what a failed save wrote must not load as an image');
    } finally {
      await removeDir(work);
    }
  });

  test('by history and inspect (a config) and by system check', async () => {
    const { work, root } = await loaded();
    try {
      flipByte(join(root, 'v1', 'blobs', 'sha256', PEER_VIS_ID), 40);
      for (const args of [['history', 'peer-vis:latest'], ['image', 'inspect', 'peer-vis:latest']]) {
        const r = await berth(args, { root });
        assert.equal(r.code, 1, args.join(' '));
        assert.match(r.stderr, /BLOB_CORRUPT/);
        assert.match(r.stderr, new RegExp(PEER_VIS_ID.slice(0, 12)));
      }
      const check = await berth(['system', 'check'], { root });
      assert.equal(check.code, 1);
      assert.match(check.stdout, new RegExp(`BLOB_CORRUPT sha256:${PEER_VIS_ID}`));
      // the other image is unaffected
      assert.equal((await berth(['history', 'peer-vis-b:1.0'], { root })).code, 0);
    } finally {
      await removeDir(work);
    }
  });

  test('by run, before the layer is used: exit 125, nothing unpacked', async (t) => {
    if (!requireOrSkip(t, IS_ROOT, 'containers need root')) return;
    const work = await tempDir();
    const root = join(work, 'store');
    try {
      await loadBusybox(root);
      const images = await buildBusyboxImages();
      const layer = join(root, 'v1', 'blobs', 'sha256', images.baseDiffId.slice(7));
      flipByte(layer, 4096);
      const r = await berth(['run', '--rm', IMAGE, 'true'], { root });
      assert.equal(r.code, 125);
      assert.match(r.stderr, /BLOB_CORRUPT/);
      assert.match(r.stderr, new RegExp(images.baseDiffId.slice(7, 19)));
      const layers = join(root, 'v1', 'layers');
      assert.deepEqual(existsSync(layers) ? readdirSync(layers) : [], [], 'no unpacked or half-unpacked layer');
      const check = await berth(['system', 'check'], { root });
      assert.match(check.stdout, new RegExp(`BLOB_CORRUPT ${images.baseDiffId}`));
    } finally {
      await removeDir(work);
    }
  });
});
