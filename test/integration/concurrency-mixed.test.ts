/**
 * Four processes, 50 operations each, on one store at once: loads of the same and of different
 * archives, tag and rmi, import, run, commit, export, prune and reads. Every command must
 * succeed without "database is locked" (or any SQLITE_BUSY) reaching the user; afterwards no
 * tag is lost, every expected image is there, and `system check` finds nothing wrong.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, IS_ROOT, requireOrSkip } from '../support/env.js';
import { type RunResult } from '../support/cli.js';
import { IMAGE, buildBusyboxImages, loadBusybox, removeBusyboxImages } from '../support/busybox-image.js';
import { newStoreDir, storeHelpers, tearDownStore } from '../support/container-store.js';

after(removeBusyboxImages);

const OPS_PER_WORKER = 50;
const LOCK_TROUBLE = /database is locked|SQLITE_BUSY|internal error/i;

describe('concurrency, mixed', () => {
  test(`4 processes x ${OPS_PER_WORKER} operations (load, tag, rmi, import, run, commit, export, prune, reads) on one store`, { timeout: 900_000 }, async (t) => {
    if (!requireOrSkip(t, IS_ROOT, 'containers need root')) return;
    const { root, work } = await newStoreDir(tmpdir());
    const s = storeHelpers(root, work);
    const images = await buildBusyboxImages();
    const done: Array<{ what: string; r: RunResult }> = [];
    const step = async (args: string[]): Promise<RunResult> => {
      const r = await s.berth(args);
      done.push({ what: `berth ${args.join(' ')}`, r });
      return r;
    };
    try {
      await loadBusybox(root);
      const workers: Array<() => Promise<void>> = [
        // loads: the same archive again and again, and different ones; tags on what they load
        async () => {
          for (let i = 0; i < OPS_PER_WORKER; i += 2) {
            const archive = [images.all, fixture('docker-save-multi.tar'), fixture('skopeo-oci'), images.main][(i / 2) % 4]!;
            await step(['load', '-q', '-i', archive]);
            await step(['tag', IMAGE, `w1/keep:${i}`]);
          }
        },
        // containers: run, commit, rmi the commit
        async () => {
          for (let i = 0; i < OPS_PER_WORKER; i += 5) {
            await step(['run', '--name', `w2-${i}`, IMAGE, 'sh', '-c', `echo ${i} > /made-${i}`]);
            await step(['commit', `w2-${i}`, `w2/commit:${i}`]);
            const check = await step(['run', '--rm', `w2/commit:${i}`, 'cat', `/made-${i}`]);
            assert.equal(check.stdout, `${i}\n`);
            await step(['rm', `w2-${i}`]);
            await step(['rmi', `w2/commit:${i}`]);
          }
        },
        // import and export, tag churn
        async () => {
          for (let i = 0; i < OPS_PER_WORKER; i += 5) {
            await step(['import', images.baseLayer, `w3/imported:${i}`]);
            await step(['run', '--name', `w3-${i}`, `w3/imported:${i}`, 'true']);
            await step(['export', '-o', join(work, `w3-${i}.tar`), `w3-${i}`]);
            await step(['rm', `w3-${i}`]);
            await step(['rmi', `w3/imported:${i}`]);
          }
        },
        // readers and pruners
        async () => {
          for (let i = 0; i < OPS_PER_WORKER; i += 5) {
            await step(['images']);
            await step(['ps', '-a']);
            await step(['history', IMAGE]);
            await step(['image', 'prune', '-f']);
            await step(['system', 'df']);
          }
        },
      ];
      await Promise.all(workers.map((w) => w()));
      for (const { what, r } of done) {
        assert.doesNotMatch(r.stderr, LOCK_TROUBLE, `${what}: ${r.stderr}`);
        assert.equal(r.code, 0, `${what} exited ${r.code}: ${r.stderr}`);
      }
      assert.ok(done.length >= 4 * OPS_PER_WORKER * 0.9, `${done.length} operations ran`);
      const tags = (await s.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout.split('\n').filter((l) => l !== '');
      for (let i = 0; i < OPS_PER_WORKER; i += 2) assert.ok(tags.includes(`w1/keep:${i}`), `tag w1/keep:${i} lost`);
      assert.ok(!tags.some((tag) => tag.startsWith('w2/') || tag.startsWith('w3/')), 'removed images stay removed');
      for (const tag of ['peer-vis:latest', 'peer-vis-b:1.0', IMAGE]) assert.ok(tags.includes(tag), `${tag} lost`);
      const check = await s.berth(['system', 'check']);
      assert.equal(check.code, 0, check.stdout);
    } finally {
      assert.deepEqual(await tearDownStore(s), []);
    }
  });
});
