/**
 * Every archive in the shared fixtures (made by real docker 20.10, skopeo and umoci) loads
 * and yields the facts recorded in expected.json: image IDs, diff IDs, tags, history, sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { berth, removeDir, tempDir } from '../support/cli.js';
import { expectedFacts, fixture } from '../support/env.js';

const facts = expectedFacts();

interface ExpectedImage {
  image_id?: string;
  config_digest?: string;
  repo_tags?: string[];
  ref_name?: string;
  diff_ids: string[];
  history: Array<{ created?: string; created_by?: string; comment?: string; author?: string; empty_layer?: boolean }>;
}

function familiar(tag: string): string {
  return tag.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}

const LOADABLE = Object.entries(facts.summary as Record<string, { file: string; kind: string; images: ExpectedImage[] }>).filter(([, s]) => s.kind !== 'docker-export');

for (const [name, summary] of LOADABLE) {
  test(`load ${summary.file} yields the IDs, diff IDs, tags and history in expected.json`, async () => {
    const root = await tempDir();
    try {
      const loaded = await berth(['load', '-i', fixture(summary.file)], { root });
      assert.equal(loaded.code, 0, loaded.stderr);
      for (const image of summary.images) {
        const id = (image.image_id ?? image.config_digest)!;
        const tags = (image.repo_tags ?? []).map(familiar);
        if (tags.length > 0) for (const t of tags) assert.match(loaded.stdout, new RegExp(`^Loaded image: ${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
        else assert.match(loaded.stdout, new RegExp(`^Loaded image ID: ${id}$`, 'm'));

        const inspected = await berth(['image', 'inspect', id], { root });
        assert.equal(inspected.code, 0, inspected.stderr);
        const [info] = JSON.parse(inspected.stdout);
        assert.equal(info.Id, id, `${name}: image ID`);
        assert.deepEqual(info.RootFS.Layers, image.diff_ids, `${name}: diff IDs`);
        assert.deepEqual([...info.RepoTags].sort(), [...tags].sort(), `${name}: tags`);

        const history = await berth(['history', '--no-trunc', '--format', 'json', id], { root });
        assert.equal(history.code, 0, history.stderr);
        const rows = history.stdout.trim().split('\n').map((l) => JSON.parse(l)).reverse();
        assert.equal(rows.length, image.history.length, `${name}: history rows`);
        rows.forEach((row, i) => {
          assert.equal(row.Comment, image.history[i]!.comment ?? '', `${name}: history comment ${i}`);
          assert.equal(row.CreatedBy, image.history[i]!.created_by ?? '', `${name}: history created_by ${i}`);
          assert.notEqual(row.ID, '<missing>', `${name}: history row ${i} is addressable`);
        });
        assert.equal(rows.at(-1).ID, id, 'the newest history row is the image itself');
      }
    } finally {
      await removeDir(root);
    }
  });
}

test('image sizes match what docker 20.10 reported for the same images', async () => {
  const root = await tempDir();
  try {
    assert.equal((await berth(['load', '-i', fixture('docker-save-multi.tar')], { root })).code, 0);
    for (const ref of ['peer-vis:v3', 'peer-vis-b:1.0']) {
      const r = await berth(['image', 'inspect', '-f', '{{.Size}}', ref.replace('v3', 'latest')], { root });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(Number(r.stdout.trim()), facts.docker[ref].inspect.Size, ref);
    }
  } finally {
    await removeDir(root);
  }
});

test('an OCI ref name without a repository loads untagged and says how to name it', async () => {
  const root = await tempDir();
  try {
    const r = await berth(['load', '-i', fixture('umoci-oci')], { root });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /ref name "base" has no repository/);
    assert.match(r.stderr, /ref name "v2" has no repository/);
    const images = await berth(['images', '--format', 'json'], { root });
    const rows = images.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rows.length, 2);
    assert.ok(rows.every((row) => row.Repository === '<none>' && row.Tag === '<none>'));
  } finally {
    await removeDir(root);
  }
});

test('a docker export tar is refused by load, with a hint to use import', async () => {
  const root = await tempDir();
  try {
    const r = await berth(['load', '-i', fixture('docker-export.tar')], { root });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\[ARCHIVE_FORMAT_UNKNOWN\]/);
    assert.match(r.stderr, /berth import/);
  } finally {
    await removeDir(root);
  }
});
