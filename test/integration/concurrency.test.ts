/**
 * Several berth processes on one store at once: loads of the same archive, loads of archives
 * that share layers, and a mix of tag/load/rmi/prune/read commands. Every command must succeed
 * (no "database is locked"), nothing may be lost, and the store must stay consistent: one file
 * per blob row and one row per file, each file matching its digest, no ingest or trash leftovers.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, removeDir, storeRows, tempDir, type RunResult } from '../support/cli.js';
import { fixture } from '../support/env.js';
import { blobNames, imageRows, ingestEntries, inspect, ok, sha256File, tagsOf } from '../support/images.js';

const PEER_VIS = 'sha256:5d59d30f19bb602783727906b0fca6934e80385d88675ced20df2ed124476ebd';
const PEER_VIS_B = 'sha256:28760e165edbc64ba3c7055e7a27cfec49429b2cc62428975f65137b0a3da0d0';
const SKOPEO_OCI = 'sha256:5e37de1f59eac35a6ee969877f3649360d57c1a0cf9c84ab6bad5ea63a8c5c32';

const LOCK_TROUBLE = /database is locked|SQLITE_BUSY|internal error/i;

function assertClean(r: RunResult, what: string): void {
  assert.doesNotMatch(r.stderr, LOCK_TROUBLE, `${what}: ${r.stderr}`);
  assert.equal(r.code, 0, `${what} exited ${r.code}: ${r.stderr}`);
}

/** Rows and files agree, every file is what its name says, and nothing is left in ingest/ or trash/. */
async function assertConsistent(root: string): Promise<void> {
  const rows = storeRows(root);
  const blobRows = rows.filter((r) => r.startsWith('blobs ')).map((r) => JSON.parse(r.slice(6)) as { digest: string; size: number; kind: string });
  const files = await blobNames(root);
  assert.deepEqual(blobRows.map((b) => b.digest.slice(7)).sort(), files, 'one blob row per file and one file per row');
  for (const b of blobRows) {
    const path = join(root, 'v1', 'blobs', 'sha256', b.digest.slice(7));
    assert.equal((await stat(path)).size, b.size, `${b.digest}: size`);
    assert.equal(await sha256File(path), b.digest, `${b.digest}: content`);
  }
  const digests = new Set(blobRows.map((b) => b.digest));
  for (const r of rows) {
    const [table, json] = [r.slice(0, r.indexOf(' ')), JSON.parse(r.slice(r.indexOf(' ') + 1))];
    if (table === 'images') assert.ok(digests.has(json.id), `image ${json.id} has its config blob`);
    if (table === 'layers' || table === 'image_layers') assert.ok(digests.has(json.diff_id), `${table}: layer ${json.diff_id} has its blob`);
  }
  assert.deepEqual(await ingestEntries(root), [], 'ingest/ is empty');
  assert.deepEqual(await readdir(join(root, 'v1', 'trash')), [], 'trash/ is empty');
}

describe('concurrent processes on one store', { concurrency: 2 }, () => {
  test('two loads of the same archive at once (on a store neither created yet) both succeed and store each blob once', async () => {
    const work = await tempDir();
    try {
      for (let round = 0; round < 3; round++) {
        const root = join(work, `store-${round}`);
        const results = await Promise.all([0, 1].map(() => berth(['load', '-i', fixture('docker-save-multi.tar')], { root })));
        results.forEach((r, i) => {
          assertClean(r, `load ${i} (round ${round})`);
          assert.equal(r.stdout, 'Loaded image: peer-vis:latest\nLoaded image: peer-vis-b:1.0\n');
        });
        assert.deepEqual(tagsOf(await imageRows(root)), ['peer-vis-b:1.0', 'peer-vis:latest']);
        // 2 configs + the shared base + 2 layers of peer-vis + 1 of peer-vis-b.
        assert.equal((await blobNames(root)).length, 6);
        await assertConsistent(root);
      }
    } finally {
      await removeDir(work);
    }
  });

  test('loads of different archives that share layers, at once, lose nothing', async () => {
    const work = await tempDir();
    try {
      const pairs: Array<[string[], string[], string[]]> = [
        // docker archive + skopeo's OCI archive of the same layers (different config, gzip layers)
        [['docker-save-3layer.tar', 'skopeo-oci-archive.tar'], ['peer-vis:latest', 'peer-vis:v3'], [PEER_VIS, SKOPEO_OCI]],
        // two images sharing the base + an OCI layout directory sharing all three layers
        [['docker-save-multi.tar', 'skopeo-oci', 'docker-save-3layer.tar.gz'], ['peer-vis-b:1.0', 'peer-vis:latest', 'peer-vis:v3'], [PEER_VIS, PEER_VIS_B, SKOPEO_OCI]],
      ];
      for (const [i, [archives, tags, ids]] of pairs.entries()) {
        const root = join(work, `store-${i}`);
        const results = await Promise.all(archives.map((a) => berth(['load', '-i', fixture(a)], { root })));
        results.forEach((r, j) => assertClean(r, `load ${archives[j]}`));
        assert.deepEqual(tagsOf(await imageRows(root)), tags);
        for (const id of ids) assert.equal((await inspect(root, id)).Id, id);
        const layers = new Set<string>();
        for (const id of ids) for (const l of (await inspect(root, id)).RootFS.Layers as string[]) layers.add(l);
        assert.equal((await blobNames(root)).length, ids.length + layers.size, 'each config and each layer stored once');
        await assertConsistent(root);
      }
    } finally {
      await removeDir(work);
    }
  });

  test('4 processes doing tag, load, rmi, prune and reads at once never see "database is locked"', async () => {
    const work = await tempDir();
    const root = join(work, 'store');
    try {
      await ok(['load', '-q', '-i', fixture('docker-save-multi.tar')], root);
      const rounds = 4;
      const all: Array<{ what: string; r: RunResult }> = [];
      const step = async (args: string[]): Promise<RunResult> => {
        const r = await berth(args, { root });
        all.push({ what: args.join(' '), r });
        return r;
      };
      const workers = [
        async (): Promise<void> => {
          for (let i = 0; i < rounds; i++) {
            await step(['tag', 'peer-vis:latest', `w1/a:${i}`]);
            const r = await step(['rmi', `w1/a:${i}`]);
            assert.equal(r.stdout, `Untagged: w1/a:${i}\n`);
          }
        },
        async (): Promise<void> => {
          for (let i = 0; i < rounds; i++) {
            await step(['load', '-i', fixture(i % 2 === 0 ? 'docker-save-3layer.tar' : 'skopeo-oci')]);
          }
        },
        async (): Promise<void> => {
          for (let i = 0; i < rounds; i++) {
            await step(['tag', 'peer-vis-b:1.0', `w3/b:${i}`]);
            await step(['tag', `w3/b:${i}`, `w3/c:${i}`]);
            const r = await step(['rmi', `w3/b:${i}`, `w3/c:${i}`]);
            assert.equal(r.stdout, `Untagged: w3/b:${i}\nUntagged: w3/c:${i}\n`);
          }
        },
        async (): Promise<void> => {
          for (let i = 0; i < rounds; i++) {
            await step(['images']);
            await step(['history', 'peer-vis:latest']);
            await step(['image', 'inspect', 'peer-vis-b:1.0']);
            await step(['image', 'prune', '-f']);
          }
        },
      ];
      await Promise.all(workers.map((w) => w()));
      for (const { what, r } of all) assertClean(r, what);
      assert.ok(all.length >= rounds * 9);
      const tags = tagsOf(await imageRows(root));
      assert.deepEqual(tags.filter((t) => t.startsWith('w')), [], 'every temporary tag was removed');
      assert.deepEqual(tags, ['peer-vis-b:1.0', 'peer-vis:latest', 'peer-vis:v3']);
      await assertConsistent(root);
    } finally {
      await removeDir(work);
    }
  });
});
