/**
 * `berth system df` (Docker's columns and counting) and `berth system prune [-a] [-f]`, over a
 * store with images and containers. Containers need root (skipped locally otherwise).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { IS_ROOT, requireOrSkip } from '../support/env.js';
import { IMAGE, IMAGE_NO_CMD, IMAGE_TWO_LAYERS, loadBusybox, removeBusyboxImages } from '../support/busybox-image.js';
import { newStoreDir, storeHelpers, tearDownStore } from '../support/container-store.js';

after(removeBusyboxImages);

interface DfRow { Type: string; TotalCount: string; Active: string; Size: string; Reclaimable: string }

describe('system df and system prune', () => {
  test('df counts images, containers and their sizes as Docker does; prune removes stopped containers and unused images', async (t) => {
    if (!requireOrSkip(t, IS_ROOT, 'containers need root')) return;
    const { root, work } = await newStoreDir(tmpdir());
    const s = storeHelpers(root, work);
    try {
      await loadBusybox(s.root);
      const df = async (): Promise<Record<string, DfRow>> => {
        const r = await s.ok(['system', 'df', '--format', 'json']);
        return Object.fromEntries(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as DfRow).map((row) => [row.Type, row]));
      };
      const empty = await df();
      assert.equal(empty.Images!.TotalCount, '3');
      assert.equal(empty.Images!.Active, '0');
      assert.match(empty.Images!.Reclaimable, /\(100%\)$/);
      assert.equal(empty.Containers!.TotalCount, '0');
      assert.deepEqual(Object.keys(empty), ['Images', 'Containers', 'Local Volumes', 'Build Cache']);

      await s.ok(['run', '--name', 'stopped', IMAGE, 'sh', '-c', 'head -c 300000 /dev/zero > /blob']);
      await s.ok(['run', '-d', '--name', 'running', IMAGE, 'sleep', '300']);
      const used = await df();
      assert.equal(used.Containers!.TotalCount, '2');
      assert.equal(used.Containers!.Active, '1');
      assert.match(used.Containers!.Size, /^30\d(\.\d+)?kB$/, 'the stopped container wrote 300 kB');
      assert.match(used.Containers!.Reclaimable, /^30\d(\.\d+)?kB \(\d+%\)$/);
      assert.equal(used.Images!.Active, '1');
      assert.doesNotMatch(used.Images!.Reclaimable, /\(100%\)$/, 'the image in use is not reclaimable');

      const table = await s.ok(['system', 'df']);
      assert.match(table.stdout, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+3\s+1\s/);

      // Declining the prompt changes nothing.
      const declined = await s.ok(['system', 'prune'], { stdin: Buffer.from('n\n') });
      assert.match(declined.stdout, /WARNING! This will remove:\n {2}- all stopped containers\n {2}- all dangling images\n/);
      assert.equal((await df()).Containers!.TotalCount, '2');

      const pruned = await s.ok(['system', 'prune', '-a', '-f']);
      assert.match(pruned.stdout, /^Deleted Containers:\n[0-9a-f]{64}\n\nDeleted Images:\n/);
      assert.match(pruned.stdout, new RegExp(`untagged: ${IMAGE_NO_CMD.replace(/[.]/g, '\\.')}`));
      assert.match(pruned.stdout, new RegExp(`untagged: ${IMAGE_TWO_LAYERS.replace(/[.]/g, '\\.')}`));
      assert.doesNotMatch(pruned.stdout, new RegExp(`untagged: ${IMAGE}\\n`), 'the running container keeps its image');
      assert.match(pruned.stdout, /Total reclaimed space: \S+\n$/);
      const ps = await s.ok(['ps', '-a', '--format', '{{.Names}}']);
      assert.equal(ps.stdout, 'running\n');
      const images = await s.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']);
      assert.equal(images.stdout, `${IMAGE}\n`);
      assert.equal((await s.berth(['system', 'check'])).code, 0, 'prune leaves a consistent store');
    } finally {
      assert.deepEqual(await tearDownStore(s), []);
    }
  });
});
