/**
 * Berth's archives against the real tools: the docker daemon loads what `berth save` writes
 * (same image IDs and tags, and the images run), Berth loads what `docker save` writes, and
 * skopeo reads Berth's archive both as docker-archive: and as oci-archive:.
 *
 * Docker images are created under unique names (berth-it-<random>/...) and only those names
 * are removed afterwards: an image that existed before the test only loses the extra tag.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { removeDir, run, tempDir } from '../support/cli.js';
import { dockerAvailable, fixture, hasCommand, requireOrSkip } from '../support/env.js';
import { craftDockerArchive, derivedImage, extractPeerVis, historyRows, imageRows, inspect, ok, sh, tagsOf, type Json } from '../support/images.js';

const PEER_VIS = 'sha256:5d59d30f19bb602783727906b0fca6934e80385d88675ced20df2ed124476ebd';
const PEER_VIS_B = 'sha256:28760e165edbc64ba3c7055e7a27cfec49429b2cc62428975f65137b0a3da0d0';
const PEER_VIS_DIFF_IDS = [
  'sha256:7603dc84775345655b454cc166d377f27b446b7507e93ef30d6ce672418d9b0a',
  'sha256:f096d1d5e140630554330208dba043787d22d70ffd885df10658aee529e42c40',
  'sha256:f35fd6a541ce0bba0fb01bc70e1119d0afc88e0184e3f8d6f686a732338ad814',
];

const HAVE_DOCKER = dockerAvailable();

async function docker(args: readonly string[]): Promise<{ stdout: string; stderr: string; stdoutBytes: Buffer }> {
  return sh('docker', args);
}

/** A Berth store with peer-vis:latest, peer-vis-b:1.0 and one image docker cannot already have, all under unique names. */
async function uniqueImages(work: string): Promise<{ root: string; names: { vis: string; visB: string; unique: string }; uniqueId: string; uniqueDiffIds: string[]; marker: string }> {
  const suffix = randomBytes(5).toString('hex');
  const root = join(work, 'store');
  const names = { vis: `berth-it-${suffix}/peer-vis:latest`, visB: `berth-it-${suffix}/peer-vis-b:1.0`, unique: `berth-it-${suffix}/unique:1` };
  await ok(['load', '-i', fixture('docker-save-multi.tar')], root);
  await ok(['tag', 'peer-vis:latest', names.vis], root);
  await ok(['tag', 'peer-vis-b:1.0', names.visB], root);
  // An image with a layer of its own: docker must really read that layer from Berth's archive.
  const marker = `berth-it ${suffix}`;
  const parts = await extractPeerVis(work);
  const derived = await derivedImage(work, parts, { 'berth-it.txt': `${marker}\n` }, `berth-it ${suffix}`);
  const crafted = join(work, 'unique.tar');
  const [uniqueId] = await craftDockerArchive(work, crafted, [{ ...derived, tags: [names.unique] }]);
  await ok(['load', '-i', crafted], root);
  await ok(['rmi', 'peer-vis:latest', 'peer-vis-b:1.0'], root);
  return { root, names, uniqueId: uniqueId!, uniqueDiffIds: derived.diffIds, marker };
}

/** Removes exactly the given tags from docker (an image also tagged otherwise is only untagged). */
async function dockerUntag(tags: readonly string[]): Promise<void> {
  for (const tag of tags) await run('docker', ['rmi', tag]);
}

describe('docker', () => {
  test('docker load reads berth save: same image IDs, tags and diff IDs, and the images run', async (t) => {
    if (!requireOrSkip(t, HAVE_DOCKER, 'no docker daemon')) return;
    const work = await tempDir();
    let created: string[] = [];
    try {
      const { root, names, uniqueId, uniqueDiffIds, marker } = await uniqueImages(work);
      const archive = join(work, 'berth.tar');
      await ok(['save', '-o', archive, names.vis, names.visB, names.unique], root);
      created = [names.vis, names.visB, names.unique];
      const loaded = await docker(['load', '-i', archive]);
      assert.deepEqual(loaded.stdout.trim().split('\n').filter((l) => l.startsWith('Loaded image')).sort(), created.map((n) => `Loaded image: ${n}`).sort());

      const expected: Array<[string, string, string[]]> = [[names.vis, PEER_VIS, PEER_VIS_DIFF_IDS], [names.visB, PEER_VIS_B, [PEER_VIS_DIFF_IDS[0]!, 'sha256:8d02f06b3f15c39eb26c6913864e6f09d243f3b75bfcaed9f204175060429cbd']], [names.unique, uniqueId, uniqueDiffIds]];
      for (const [name, id, diffIds] of expected) {
        const info = JSON.parse((await docker(['image', 'inspect', name])).stdout)[0] as Json;
        assert.equal(info.Id, id, `${name}: docker's image ID`);
        assert.ok((info.RepoTags as string[]).includes(name), `${name}: tag in docker`);
        assert.deepEqual(info.RootFS.Layers, diffIds, `${name}: diff IDs in docker`);
        assert.equal((await docker(['image', 'inspect', '-f', '{{.Id}}', name])).stdout.trim(), id);
        // Docker and Berth agree on the size (the sum of the layers' content).
        assert.equal(info.Size, (await inspect(root, name)).Size, `${name}: size`);
      }
      const version = await docker(['run', '--rm', '--network', 'none', names.vis, 'cat', '/etc/version']);
      assert.equal(version.stdout, 'v3\n');
      const own = await docker(['run', '--rm', '--network', 'none', names.unique, 'cat', '/berth-it.txt', '/opt/app/file.txt']);
      assert.equal(own.stdout, `${marker}\nhello from layer 2\n`, 'the layer only Berth had is in the container');
      const b = await docker(['run', '--rm', '--network', 'none', names.visB, 'cat', '/b.txt']);
      assert.equal(b.stdout, 'image b\n');
    } finally {
      await dockerUntag(created);
      await removeDir(work);
    }
  });

  test('berth load reads docker save: same image IDs, tags, diff IDs and history', async (t) => {
    if (!requireOrSkip(t, HAVE_DOCKER, 'no docker daemon')) return;
    const work = await tempDir();
    let created: string[] = [];
    try {
      const { root, names, uniqueId, uniqueDiffIds } = await uniqueImages(work);
      const archive = join(work, 'berth.tar');
      await ok(['save', '-o', archive, names.vis, names.visB, names.unique], root);
      created = [names.vis, names.visB, names.unique];
      await docker(['load', '-i', archive]);

      const fromDocker = join(work, 'docker.tar');
      await docker(['save', '-o', fromDocker, names.vis, names.visB, names.unique]);
      const fresh = join(work, 'fresh');
      const loaded = await ok(['load', '-i', fromDocker], fresh);
      assert.deepEqual(loaded.stdout.trim().split('\n').sort(), created.map((n) => `Loaded image: ${n}`).sort());
      assert.deepEqual(tagsOf(await imageRows(fresh)), [...created].sort());
      for (const [name, id] of [[names.vis, PEER_VIS], [names.visB, PEER_VIS_B], [names.unique, uniqueId]] as const) {
        const mine = await inspect(root, name);
        const theirs = await inspect(fresh, name);
        assert.equal(theirs.Id, id, `${name}: image ID after docker save`);
        assert.deepEqual(theirs.RootFS, mine.RootFS, `${name}: diff IDs`);
        assert.deepEqual(theirs.Config, mine.Config, `${name}: config`);
        assert.equal(theirs.Size, mine.Size, `${name}: size`);
        const history = async (r: string): Promise<Json[]> => (await historyRows(r, name)).map(({ CreatedSince: _ignored, ...rest }) => rest);
        assert.deepEqual(await history(fresh), await history(root), `${name}: history`);
      }
      assert.deepEqual((await inspect(fresh, names.unique)).RootFS.Layers, uniqueDiffIds);
      // docker save of the same images, fed to berth through stdin, is idempotent.
      const again = await ok(['load'], fresh, { stdin: { file: fromDocker } });
      assert.equal(again.stdout, loaded.stdout);
    } finally {
      await dockerUntag(created);
      await removeDir(work);
    }
  });
});

describe('skopeo', () => {
  test('skopeo reads berth save as docker-archive: and as oci-archive:, with the same layers and config', async (t) => {
    if (!requireOrSkip(t, hasCommand('skopeo'), 'skopeo is not installed')) return;
    const work = await tempDir();
    try {
      const root = join(work, 'store');
      await ok(['load', '-i', fixture('docker-save-multi.tar')], root);
      const archive = join(work, 'berth.tar');
      await ok(['save', '-o', archive, 'peer-vis:latest', 'peer-vis-b:1.0'], root);

      const refs: Array<[string, string, string[]]> = [
        [`docker-archive:${archive}:peer-vis:latest`, PEER_VIS, PEER_VIS_DIFF_IDS],
        [`docker-archive:${archive}:peer-vis-b:1.0`, PEER_VIS_B, [PEER_VIS_DIFF_IDS[0]!, 'sha256:8d02f06b3f15c39eb26c6913864e6f09d243f3b75bfcaed9f204175060429cbd']],
        [`oci-archive:${archive}:latest`, PEER_VIS, PEER_VIS_DIFF_IDS],
        [`oci-archive:${archive}:1.0`, PEER_VIS_B, [PEER_VIS_DIFF_IDS[0]!, 'sha256:8d02f06b3f15c39eb26c6913864e6f09d243f3b75bfcaed9f204175060429cbd']],
      ];
      for (const [ref, id, diffIds] of refs) {
        const info = JSON.parse((await sh('skopeo', ['inspect', ref])).stdout) as Json;
        assert.deepEqual(info.Layers, diffIds, `${ref}: layers (Berth stores them uncompressed, so layer digests are the diff IDs)`);
        const rawConfig = (await sh('skopeo', ['inspect', '--config', '--raw', ref])).stdoutBytes;
        const { createHash } = await import('node:crypto');
        assert.equal(`sha256:${createHash('sha256').update(rawConfig).digest('hex')}`, id, `${ref}: config bytes hash to the image ID`);
        assert.deepEqual(JSON.parse(rawConfig.toString('utf8')).rootfs.diff_ids, diffIds, `${ref}: config diff IDs`);
      }
    } finally {
      await removeDir(work);
    }
  });

  test('skopeo copy oci-archive:(berth save) -> oci:DIR, and berth load -i DIR gives back the same image', async (t) => {
    if (!requireOrSkip(t, hasCommand('skopeo'), 'skopeo is not installed')) return;
    const work = await tempDir();
    try {
      const root = join(work, 'store');
      await ok(['load', '-i', fixture('docker-save-multi.tar')], root);
      const archive = join(work, 'berth.tar');
      await ok(['save', '-o', archive, 'peer-vis:latest', 'peer-vis-b:1.0'], root);
      const dir = join(work, 'layout');
      await sh('skopeo', ['copy', '--quiet', `oci-archive:${archive}:latest`, `oci:${dir}:latest`]);
      const fresh = join(work, 'fresh');
      const r = await ok(['load', '-i', dir], fresh);
      assert.equal(r.stdout, `Loaded image ID: ${PEER_VIS}\n`, 'an OCI ref name without a repository loads untagged');
      assert.match(r.stderr, /ref name "latest" has no repository/);
      const info = await inspect(fresh, PEER_VIS);
      assert.deepEqual(info.RootFS.Layers, PEER_VIS_DIFF_IDS);
      assert.deepEqual(info.Config, (await inspect(root, 'peer-vis:latest')).Config);

      // And through skopeo's docker-archive writer, tags included.
      const dockerArchive = join(work, 'skopeo-docker.tar');
      await sh('skopeo', ['copy', '--quiet', `docker-archive:${archive}:peer-vis-b:1.0`, `docker-archive:${dockerArchive}:peer-vis-b:copied`]);
      const fresh2 = join(work, 'fresh2');
      const r2 = await ok(['load', '-i', dockerArchive], fresh2);
      assert.equal(r2.stdout, 'Loaded image: peer-vis-b:copied\n');
      assert.equal((await inspect(fresh2, 'peer-vis-b:copied')).Id, PEER_VIS_B);
    } finally {
      await removeDir(work);
    }
  });
});
