/**
 * Layer rollback end to end: `IMAGE~N` and the layer IDs `images --tree` and `history` print,
 * wherever an image is named (tag, inspect, history, save, rmi, run), on the docker 20.10
 * fixtures and on crafted archives that record configs (legacy per-layer json, a Parent).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, removeDir, run, tempDir, type RunResult } from '../support/cli.js';
import { dockerAvailable, expectedFacts, fixture, requireOrSkip } from '../support/env.js';
import { chainIds, historyRows, imageRows, inspect, ok, sh, type Json } from '../support/images.js';
import { DockerArchive, json, layerTar, tar, type TarEntry } from '../support/tar-builder.js';
import { IMAGE_TWO_LAYERS } from '../support/busybox-image.js';
import { containerTestSuite } from '../support/container-store.js';

const facts = expectedFacts();
const PEER_VIS = 'sha256:5d59d30f19bb602783727906b0fca6934e80385d88675ced20df2ed124476ebd';
const VIS = facts.summary['docker-save-3layer'].images[0];
const DIFF_IDS: string[] = VIS.diff_ids;
const CHAINS = chainIds(DIFF_IDS);
const NO_CONFIG_NOTE = /^Note: .*no config is recorded for that layer/m;

async function withStore(fixtures: readonly string[], fn: (root: string, work: string) => Promise<void>): Promise<void> {
  const work = await tempDir('berth-rollback-');
  const root = join(work, 'store');
  try {
    for (const f of fixtures) await ok(['load', '-q', '-i', f.startsWith('/') ? f : fixture(f)], root);
    await fn(root, work);
  } finally {
    await removeDir(work);
  }
}

function failsWith(r: RunResult, code: string): void {
  assert.equal(r.code, 1, `exit status 1 expected, got ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`\\[${code}\\]`));
}

async function imageCount(root: string): Promise<number> {
  return new Set((await ok(['images', '-a', '-q', '--no-trunc'], root)).stdout.split('\n').filter((l) => l !== '')).size;
}

/** The short layer IDs of `images --tree`, with the tags drawn at each. */
async function treeNodes(root: string): Promise<Array<{ id: string; tags: string }>> {
  const out = (await ok(['images', '--tree'], root)).stdout;
  return out.split('\n').filter((l) => l !== '').map((l) => {
    const m = /([0-9a-f]{12}) Size: .*?(?:Tags: (.*))?$/.exec(l);
    assert.ok(m !== null, `tree line: ${l}`);
    return { id: m[1]!, tags: m[2] ?? '' };
  });
}

/** A 3-layer legacy docker-archive whose middle layer's json records the config the image had then. */
function legacyArchive(salt: string): { bytes: Buffer; id: string; layerConfigCmd: string[] } {
  const archive = new DockerArchive({
    tags: [`legacy/app:${salt}`],
    layers: [layerTar({ 'base.txt': `base ${salt}\n` }), layerTar({ 'mid.txt': `mid ${salt}\n` }), layerTar({ 'top.txt': `top ${salt}\n` })],
  });
  const layerConfigCmd = ['/bin/echo', 'as it was at layer 2'];
  const midDir = archive.layerPaths[1]!.replace(/\/layer\.tar$/, '');
  archive.replace(`${midDir}/json`, json({
    id: midDir,
    parent: archive.layerPaths[0]!.replace(/\/layer\.tar$/, ''),
    created: '2023-06-01T00:00:00Z',
    author: 'legacy author',
    config: { Cmd: layerConfigCmd, Env: ['PATH=/bin', 'STAGE=2'] },
    container_config: { Cmd: ['/bin/sh', '-c', 'build layer 2'] },
    os: 'linux',
  }));
  return { bytes: archive.tar(), id: archive.imageId, layerConfigCmd };
}

describe('rollback', { concurrency: 4 }, () => {
  test('tag IMAGE~1: the first n-1 diff IDs, history cut, the current config and a note, the tag at the right node of --tree', async () => {
    await withStore(['docker-save-3layer.tar'], async (root) => {
      const r = await ok(['tag', 'peer-vis:latest~1', 'pv:one'], root);
      assert.match(r.stderr, NO_CONFIG_NOTE, 'the docker 20.10 archive records no config below the top layer: a note says so');
      assert.equal(r.stdout, '');
      const info = await inspect(root, 'pv:one');
      const original = await inspect(root, 'peer-vis:latest');
      assert.notEqual(info.Id, PEER_VIS);
      assert.deepEqual(info.RootFS.Layers, DIFF_IDS.slice(0, 2));
      assert.deepEqual(info.Config, original.Config, 'the current config, since the one it had then is not known');
      assert.equal(info.Created, VIS.history[1].created, 'dated by its new top history entry');
      assert.deepEqual(info.RepoTags, ['pv:one']);
      const history = await historyRows(root, 'pv:one');
      assert.deepEqual(history.map((h: Json) => h.Comment), ['layer2: add app files', 'peer visible base import']);
      assert.equal(history[0].ID, info.Id);
      assert.equal(history[1].ID, CHAINS[0]);

      const nodes = await treeNodes(root);
      assert.deepEqual(nodes.map((n) => n.id), CHAINS.map((c) => c.slice(7, 19)));
      assert.deepEqual(nodes.map((n) => n.tags), ['', 'pv:one', 'peer-vis:latest, peer-vis:v3']);
      // The size of a rolled-back image is that of its layers.
      const rows = await imageRows(root, ['pv']);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].ID, info.Id.slice(7, 19));
    });
  });

  test('~0 is the image; ~ is ~1; steps add up; repeated rollbacks give the same ID', async () => {
    await withStore(['docker-save-3layer.tar'], async (root) => {
      assert.equal((await inspect(root, 'peer-vis~0')).Id, PEER_VIS);
      const one = (await inspect(root, 'peer-vis~1')).Id;
      assert.equal((await inspect(root, 'peer-vis~')).Id, one);
      assert.equal((await inspect(root, `${PEER_VIS.slice(7, 19)}~1`)).Id, one, 'an ID prefix rolls back too');
      const two = (await inspect(root, 'peer-vis~2')).Id;
      assert.equal((await inspect(root, 'peer-vis~1~1')).Id, two);
      assert.equal((await inspect(root, 'peer-vis~~')).Id, two);
      assert.equal((await inspect(root, `${one}~1`)).Id, two, 'rolling back a rolled-back image is the same as rolling back further');
      assert.deepEqual((await inspect(root, 'peer-vis~2')).RootFS.Layers, DIFF_IDS.slice(0, 1));
      const count = await imageCount(root);
      await ok(['tag', 'peer-vis~2', 'pv:base'], root);
      await ok(['tag', 'peer-vis:v3~2', 'pv:base2'], root);
      assert.equal(await imageCount(root), count, 'the same rollback again stores nothing new');
      assert.equal((await inspect(root, 'pv:base')).Id, two);
      assert.equal((await inspect(root, 'pv:base2')).Id, two);

      // In another store, from another copy of the image, the same ID: it depends only on the image.
      await withStore(['docker-save-3layer.tar.gz'], async (other) => {
        assert.equal((await inspect(other, 'peer-vis:v3~2')).Id, two);
      });
    });
  });

  test('empty_layer entries above the new top layer go with the layers (umoci\'s "umoci config" step)', async () => {
    await withStore(['umoci-oci'], async (root) => {
      const v2 = 'sha256:b2ce4180dde5fd1222bc81f4a4c2d9a7f74e09689ea723c1923476e134fbfbd9';
      assert.deepEqual((await historyRows(root, v2)).map((h: Json) => h.CreatedBy), ['umoci repack', 'umoci config', 'umoci repack']);
      const rolled = await historyRows(root, `${v2}~1`);
      assert.deepEqual(rolled.map((h: Json) => h.CreatedBy), ['umoci repack']);
      const info = await inspect(root, `${v2.slice(7, 19)}~1`);
      assert.equal(info.Id, rolled[0].ID);
      assert.equal(info.RootFS.Layers.length, 1);
      assert.deepEqual(info.Config, (await inspect(root, v2)).Config, 'an OCI layout records no older config: the current one');
    });
  });

  test('~N beyond the base and malformed suffixes are errors that change nothing', async () => {
    await withStore(['docker-save-3layer.tar'], async (root) => {
      const count = await imageCount(root);
      const far = await berth(['tag', 'peer-vis~3', 'x:1'], { root });
      failsWith(far, 'ROLLBACK_OUT_OF_RANGE');
      assert.match(far.stderr, /it has 3/);
      assert.match(far.stderr, /Hint: .*~2 is the base layer/);
      failsWith(await berth(['history', 'peer-vis~99'], { root }), 'ROLLBACK_OUT_OF_RANGE');
      failsWith(await berth(['tag', 'peer-vis~1~2', 'x:1'], { root }), 'ROLLBACK_OUT_OF_RANGE');
      failsWith(await berth(['tag', 'peer-vis~x', 'x:1'], { root }), 'REFERENCE_INVALID');
      failsWith(await berth(['tag', '~1', 'x:1'], { root }), 'REFERENCE_INVALID');
      failsWith(await berth(['tag', 'nothing-here~1', 'x:1'], { root }), 'IMAGE_NOT_FOUND');
      failsWith(await berth(['tag', 'peer-vis~1', 'x~1:1'], { root }), 'REFERENCE_INVALID');
      assert.equal(await imageCount(root), count);
      assert.equal((await imageRows(root, ['x'])).length, 0);
    });
  });

  test('the layer IDs images --tree and history print work with tag, inspect and history', async () => {
    await withStore(['docker-save-multi.tar'], async (root) => {
      const nodes = await treeNodes(root);
      const middle = CHAINS[1]!.slice(7, 19);
      assert.ok(nodes.some((n) => n.id === middle && n.tags === ''), 'the middle layer has no image yet');
      // The seed's form: tag a layer ID.
      const tagged = await ok(['tag', middle, 'pv:mid'], root);
      assert.match(tagged.stderr, NO_CONFIG_NOTE);
      const mid = await inspect(root, 'pv:mid');
      assert.deepEqual(mid.RootFS.Layers, DIFF_IDS.slice(0, 2));
      assert.equal(mid.Id, (await inspect(root, 'peer-vis~1')).Id, 'the layer ID names the same image as peer-vis~1');
      assert.equal((await inspect(root, middle)).Id, mid.Id, 'now the image whose top layer it is');
      assert.equal((await historyRows(root, middle))[0].ID, mid.Id);

      // history names the rows; a full chain ID (history --no-trunc) resolves as well.
      const rows = await historyRows(root, 'peer-vis:latest');
      assert.deepEqual(rows.map((r: Json) => r.ID), [PEER_VIS, mid.Id, CHAINS[0]]);
      const base = await ok(['tag', rows[2].ID, 'pv:base'], root);
      assert.match(base.stderr, /Note: layer 7603dc847753 is in 3 images/, 'the base layer is shared: the note says which image was rolled back');
      const baseInfo = await inspect(root, 'pv:base');
      assert.deepEqual(baseInfo.RootFS.Layers, DIFF_IDS.slice(0, 1));
      assert.equal((await historyRows(root, CHAINS[0]!.slice(7)))[0].ID, baseInfo.Id);
      assert.deepEqual((await inspect(root, CHAINS[0]!.slice(7, 15))).RootFS.Layers, DIFF_IDS.slice(0, 1), 'a shorter prefix too');
      const tree = await treeNodes(root);
      assert.equal(tree.find((n) => n.id === CHAINS[0]!.slice(7, 19))!.tags, 'pv:base');
      assert.equal(tree.find((n) => n.id === middle)!.tags, 'pv:mid');
      failsWith(await berth(['inspect', 'ffffffffffff'], { root }), 'OBJECT_NOT_FOUND');
    });
  });

  test('a config recorded in the legacy per-layer json is the config rolled back to', async () => {
    await withStore([], async (root, work) => {
      const salt = randomBytes(4).toString('hex');
      const legacy = legacyArchive(salt);
      const file = join(work, 'legacy.tar');
      await writeFile(file, legacy.bytes);
      await ok(['load', '-i', file], root);
      const r = await ok(['tag', `legacy/app:${salt}~1`, 'legacy/app:mid'], root);
      assert.doesNotMatch(r.stderr, /Note:/, 'the config is known: no note');
      const info = await inspect(root, 'legacy/app:mid');
      assert.deepEqual(info.Config.Cmd, legacy.layerConfigCmd);
      assert.deepEqual(info.Config.Env, ['PATH=/bin', 'STAGE=2']);
      assert.equal(info.Author, 'legacy author');
      assert.equal(info.Created, '2023-06-01T00:00:00Z');
      assert.deepEqual(info.ContainerConfig?.Cmd, ['/bin/sh', '-c', 'build layer 2']);
      assert.equal(info.RootFS.Layers.length, 2);
      assert.deepEqual((await historyRows(root, 'legacy/app:mid')).map((h: Json) => h.CreatedBy), ['layer 2', 'layer 1']);
      // Below it the archive recorded nothing (the base's json is only an id): current config and a note.
      const down = await ok(['tag', `legacy/app:${salt}~2`, 'legacy/app:base'], root);
      assert.match(down.stderr, NO_CONFIG_NOTE);
      assert.deepEqual((await inspect(root, 'legacy/app:base')).Config.Cmd, ['/bin/sh']);
      assert.equal((await inspect(root, `legacy/app:${salt}~1~0`)).Id, info.Id);
      assert.equal((await inspect(root, `legacy/app:${salt}~~`)).Id, (await inspect(root, 'legacy/app:base')).Id);
      // Rolling back the rolled-back image cuts its own config (the recorded one), not the original's.
      const midDown = await ok(['inspect', '-f', '{{json .Config.Cmd}} {{json .RootFS.Layers}}', 'legacy/app:mid~1'], root);
      assert.equal(midDown.stdout, `${JSON.stringify(legacy.layerConfigCmd)} ${JSON.stringify(info.RootFS.Layers.slice(0, 1))}\n`);
      assert.match(midDown.stderr, NO_CONFIG_NOTE);
    });
  });

  test('a legacy json that is malformed, not an object, or a link out of the archive is ignored, as Docker ignores it', async () => {
    await withStore([], async (root, work) => {
      const variants: Array<[string, (a: DockerArchive, dir: string) => void]> = [
        ['not json', (a, dir) => a.replace(`${dir}/json`, '{"config": {"Cmd": [')],
        ['a list', (a, dir) => a.replace(`${dir}/json`, '[{"config": {"Cmd": ["x"]}}]')],
        ['mistyped', (a, dir) => a.replace(`${dir}/json`, json({ config: { Cmd: ['x'] }, author: 42 }))],
        ['link out', (a, dir) => {
          a.remove(`${dir}/json`);
          a.entries.push({ name: `${dir}/json`, type: 'symlink', linkname: '../../../../etc/passwd' });
        }],
      ];
      for (const [what, spoil] of variants) {
        const salt = randomBytes(4).toString('hex');
        const archive = new DockerArchive({ tags: [`odd/json:${salt}`], layers: [layerTar({ 'a.txt': `a ${salt}\n` }), layerTar({ 'b.txt': `b ${salt}\n` })] });
        spoil(archive, archive.layerPaths[0]!.replace(/\/layer\.tar$/, ''));
        const file = join(work, `${salt}.tar`);
        await writeFile(file, archive.tar());
        await ok(['load', '-i', file], root);
        const r = await ok(['inspect', '-f', '{{json .Config.Cmd}}', `odd/json:${salt}~1`], root);
        assert.equal(r.stdout, '["/bin/sh"]\n', what);
        assert.match(r.stderr, NO_CONFIG_NOTE, what);
      }
    });
  });

  test('a parent recorded in the store is the image rolled back to', async () => {
    await withStore([], async (root, work) => {
      const salt = randomBytes(4).toString('hex');
      const layers = [layerTar({ 'a.txt': `a ${salt}\n` }), layerTar({ 'b.txt': `b ${salt}\n` }), layerTar({ 'c.txt': `c ${salt}\n` })];
      const parent = new DockerArchive({ tags: [`fam/parent:${salt}`], layers: layers.slice(0, 2) });
      const child = new DockerArchive({ tags: [`fam/child:${salt}`], layers });
      const entries = new Map<string, TarEntry>();
      for (const e of [...parent.entries, ...child.entries]) entries.set(e.name, e);
      const manifest = [parent.item, { ...child.item, Parent: parent.imageId }];
      const file = join(work, 'family.tar');
      await writeFile(file, tar([...entries.values(), { name: 'manifest.json', data: json(manifest) }]));
      await ok(['load', '-i', file], root);
      assert.equal((await inspect(root, `fam/child:${salt}`)).Parent, parent.imageId);
      const count = await imageCount(root);
      const r = await ok(['tag', `fam/child:${salt}~1`, 'fam/rolled:1'], root);
      assert.doesNotMatch(r.stderr, /Note:/);
      assert.equal((await inspect(root, 'fam/rolled:1')).Id, parent.imageId, 'the committed parent itself');
      assert.equal(await imageCount(root), count, 'nothing new is stored');
      // Below the parent: cut from the parent's config (the nearest known one), parent set to nothing known.
      const base = await inspect(root, `fam/child:${salt}~2`);
      assert.equal(base.Id, (await inspect(root, `fam/parent:${salt}~1`)).Id);
    });
  });

  test('save of a rolled-back image loads back with the same ID and diff IDs, in berth and in docker', async (t) => {
    await withStore(['docker-save-3layer.tar'], async (root, work) => {
      const suffix = randomBytes(5).toString('hex');
      const name = `berth-rollback-${suffix}/pv:one`;
      await ok(['tag', 'peer-vis~1', name], root);
      const id = (await inspect(root, name)).Id;
      const archive = join(work, 'rolled.tar');
      await ok(['save', '-o', archive, name], root);
      const fresh = join(work, 'fresh');
      const loaded = await ok(['load', '-i', archive], fresh);
      assert.equal(loaded.stdout, `Loaded image: ${name}\n`);
      const again = await inspect(fresh, name);
      assert.equal(again.Id, id);
      assert.deepEqual(again.RootFS.Layers, DIFF_IDS.slice(0, 2));
      // By ~N directly, without a tag: loads untagged.
      const byRef = join(work, 'byref.tar');
      await ok(['save', '-o', byRef, 'peer-vis~2'], root);
      const untagged = await ok(['load', '-i', byRef], join(work, 'fresh2'));
      assert.equal(untagged.stdout, `Loaded image ID: ${(await inspect(root, 'peer-vis~2')).Id}\n`);

      if (!requireOrSkip(t, dockerAvailable(), 'no docker daemon')) return;
      try {
        await sh('docker', ['load', '-i', archive]);
        const theirs = JSON.parse((await sh('docker', ['image', 'inspect', name])).stdout)[0] as Json;
        assert.equal(theirs.Id, id, 'docker computes the same image ID');
        assert.deepEqual(theirs.RootFS.Layers, DIFF_IDS.slice(0, 2));
        const file = await sh('docker', ['run', '--rm', '--network', 'none', name, 'cat', '/opt/app/file.txt']);
        assert.equal(file.stdout, 'hello from layer 2\n');
        const version = await run('docker', ['run', '--rm', '--network', 'none', name, 'cat', '/etc/version']);
        assert.notEqual(version.code, 0, '/etc/version came with the top layer, which is gone');
      } finally {
        await run('docker', ['rmi', name]);
      }
    });
  });

  test('rmi never creates the image it deletes; a rolled-back image nobody tagged is dangling', async () => {
    await withStore(['docker-save-3layer.tar'], async (root) => {
      const count = await imageCount(root);
      failsWith(await berth(['rmi', 'peer-vis~1'], { root }), 'IMAGE_NOT_FOUND');
      assert.equal(await imageCount(root), count);
      const id = (await inspect(root, 'peer-vis~1')).Id; // stores it, untagged
      assert.equal(await imageCount(root), count + 1);
      const removed = await ok(['rmi', 'peer-vis~1'], root);
      assert.equal(removed.stdout, `Deleted: ${id}\n`);
      await ok(['tag', 'peer-vis~2', 'pv:base'], root);
      await ok(['inspect', 'peer-vis~1'], root);
      const pruned = await ok(['image', 'prune', '-f'], root);
      assert.match(pruned.stdout, new RegExp(`deleted: ${id}`));
      assert.equal(await imageCount(root), count + 1, 'the tagged rollback stays');
      const original = await inspect(root, 'peer-vis:latest');
      assert.deepEqual(original.RootFS.Layers, DIFF_IDS, 'the image rolled back from is untouched');
      // The rolled-back image stands on its own: removing the original frees only its top layer.
      const removedOriginal = await ok(['rmi', 'peer-vis:latest', 'peer-vis:v3'], root);
      assert.match(removedOriginal.stdout, new RegExp(`Deleted: ${PEER_VIS}`));
      const base = await inspect(root, 'pv:base');
      assert.deepEqual(base.RootFS.Layers, DIFF_IDS.slice(0, 1));
      await ok(['system', 'check'], root);
      const archive = join(root, '..', 'base.tar');
      await ok(['save', '-o', archive, 'pv:base'], root);
      await ok(['load', '-i', archive], join(root, '..', 'again'));
      assert.equal((await inspect(join(root, '..', 'again'), 'pv:base')).Id, base.Id);
    });
  });
});

describe('rollback: run', () => {
  const { withStore: withContainerStore } = containerTestSuite('berth-rollback-run-');

  test('run IMAGE~1 runs the earlier filesystem', async (t) => {
    await withContainerStore(t, async (s) => {
      const now = await s.berth(['run', '--rm', IMAGE_TWO_LAYERS, 'sh', '-c', 'cat /opt/added.txt; ls /etc/issue']);
      assert.equal(now.code, 1, 'the top layer deleted /etc/issue');
      assert.match(now.stdout, /^added\n/);
      const then = await s.berth(['run', '--rm', `${IMAGE_TWO_LAYERS}~1`, 'sh', '-c', 'cat /etc/issue /opt/data/old.txt; test ! -e /opt/added.txt && echo no-added']);
      assert.equal(then.code, 0, then.stderr);
      assert.equal(then.stdout, 'busybox test image\nold\nno-added\n');
      assert.match(then.stderr, /Note: .*no config is recorded/);
      const ps = await s.ok(['create', '--name', 'rolled', `${IMAGE_TWO_LAYERS}~1`, 'true']);
      assert.match(ps.stdout, /^[0-9a-f]{64}\n$/);
      const rolled = (await s.ok(['inspect', '-f', '{{.Id}}', `${IMAGE_TWO_LAYERS}~1`])).stdout.trim();
      assert.equal((await s.ok(['container', 'inspect', '-f', '{{.Image}}', 'rolled'])).stdout.trim(), rolled);
    });
  });
});
