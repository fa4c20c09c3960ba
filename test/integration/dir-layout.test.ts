/**
 * The dir: layout of containers/image (manifest.json holding one image manifest, a version file,
 * blobs named by their hex digest), made by the real tools from an image Berth saved: skopeo
 * `dir:` from a docker-archive and from an OCI layout, with and without --dest-compress, and
 * `podman save --format docker-dir`, with and without --compress. Each loads in Berth (from the
 * directory, and one as a tar stream) with the source's image ID, diff IDs and history, untagged
 * with a note, as podman loads it.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, removeDir, run, tempDir } from '../support/cli.js';
import { fixture, hasCommand, IS_ROOT, requireOrSkip } from '../support/env.js';
import { historyRows, inspect, jsonLines, ok, type Json } from '../support/images.js';

const IMAGE = 'peer-vis:latest';

let work = '';
let source = '';
/** The Berth archive the layouts are made from, and the same as an OCI layout directory. */
let archive = '';
let ociDir = '';
let sourceId = '';
let sourceLayers: string[] = [];
let sourceHistory: Json[] = [];

before(async () => {
  work = await tempDir('berth-dir-layout-');
  source = join(work, 'source');
  await ok(['load', '-q', '-i', fixture('docker-save-multi.tar')], source);
  archive = join(work, 'berth.tar');
  await ok(['save', '-o', archive, IMAGE], source);
  ociDir = join(work, 'oci');
  await mkdir(ociDir);
  const untar = await run('tar', ['-C', ociDir, '-xf', archive]);
  assert.equal(untar.code, 0, untar.stderr);
  const info = await inspect(source, IMAGE);
  sourceId = info.Id;
  sourceLayers = info.RootFS.Layers;
  sourceHistory = withoutIds(await historyRows(source, IMAGE));
});

after(async () => {
  if (work !== '') await removeDir(work);
});

/** History rows without the IMAGE column, which names local images (they differ between stores). */
function withoutIds(rows: Json[]): Json[] {
  return rows.map(({ ID: _id, ...rest }) => rest);
}

function podman(storage: string, args: string[]): ReturnType<typeof run> {
  return run('podman', ['--root', join(storage, 'root'), '--runroot', join(storage, 'runroot'), '--storage-driver', 'vfs', ...args]);
}

function startsWithGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    readSync(fd, head, 0, 2, 0);
    return head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Checks that `dir` is a dir: layout as described, and returns its manifest. */
async function checkLayout(dir: string, mediaType: string, compressed: boolean): Promise<Json> {
  assert.equal(await readFile(join(dir, 'version'), 'utf8'), 'Directory Transport Version: 1.1\n');
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.mediaType, mediaType);
  assert.equal(manifest.config.digest, sourceId, 'the config blob is the source\'s, unchanged');
  const layers = manifest.layers as Json[];
  assert.equal(layers.length, sourceLayers.length);
  for (const layer of layers) assert.equal(startsWithGzip(join(dir, (layer.digest as string).slice(7))), compressed, `layer ${layer.digest} ${compressed ? 'is' : 'is not'} gzip`);
  assert.equal(layers.some((l) => l.digest !== sourceLayers[layers.indexOf(l)]), compressed, 'compressed blobs are named by their own digest');
  return manifest;
}

/** Loads `dir` (or its tar, on stdin) into a fresh store and checks it is the source image, untagged. */
async function loadAndCompare(dir: string, via: 'dir' | 'stdin' = 'dir'): Promise<void> {
  const root = join(work, `store-${Math.random().toString(16).slice(2)}`);
  let r;
  if (via === 'dir') {
    r = await berth(['load', '-i', dir], { root });
  } else {
    const tarred = join(work, `${Math.random().toString(16).slice(2)}.tar`);
    const made = await run('tar', ['-C', dir, '-cf', tarred, '.']);
    assert.equal(made.code, 0, made.stderr);
    r = await berth(['load'], { root, stdin: { file: tarred } });
  }
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Loaded image ID: ${sourceId}\n`);
  assert.equal(r.stderr, `Note: a dir: layout has no image name, so image ${sourceId} was loaded untagged; name it with: berth tag ${sourceId.slice(7, 19)} NAME:TAG\n`);
  const info = await inspect(root, sourceId);
  assert.deepEqual([info.Id, info.RepoTags, info.RootFS.Layers], [sourceId, [], sourceLayers]);
  assert.deepEqual(withoutIds(await historyRows(root, sourceId)), sourceHistory);
  const rows = jsonLines((await ok(['images', '--format', 'json'], root)).stdout);
  assert.deepEqual(rows.map((row) => [row.Repository, row.Tag]), [['<none>', '<none>']]);
  const check = await berth(['system', 'check'], { root });
  assert.equal(check.code, 0, check.stdout + check.stderr);
}

function haveSkopeo(t: TestContext): boolean {
  return requireOrSkip(t, hasCommand('skopeo'), 'skopeo is not installed');
}

describe('berth load reads the dir: layout of skopeo and podman', { concurrency: 2 }, () => {
  for (const [from, compress] of [['docker-archive', false], ['docker-archive', true], ['oci', false], ['oci', true]] as const) {
    test(`skopeo copy ${compress ? '--dest-compress ' : ''}${from}: ... dir:`, async (t) => {
      if (!haveSkopeo(t)) return;
      const dir = join(work, `skopeo-${from}-${compress ? 'gzip' : 'plain'}`);
      const src = from === 'oci' ? `oci:${ociDir}:latest` : `docker-archive:${archive}`;
      const copied = await run('skopeo', ['copy', '-q', ...(compress ? ['--dest-compress'] : []), src, `dir:${dir}`]);
      assert.equal(copied.code, 0, copied.stderr);
      // skopeo keeps the source's manifest type: Docker schema 2 from a docker-archive, OCI from an OCI layout.
      const type = from === 'oci' ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json';
      await checkLayout(dir, type, compress);
      await loadAndCompare(dir);
      if (from === 'docker-archive' && compress) await loadAndCompare(dir, 'stdin');
    });
  }

  for (const compress of [false, true]) {
    test(`podman save --format docker-dir${compress ? ' --compress' : ''}, and podman load of it (untagged too)`, async (t) => {
      if (!requireOrSkip(t, hasCommand('podman'), 'podman is not installed')) return;
      if (!requireOrSkip(t, IS_ROOT, 'podman storage outside the user namespace needs root')) return;
      const storage = await tempDir('bpd-'); // podman refuses a runroot path of over 50 characters
      const dir = join(storage, 'dir');
      try {
        const loaded = await podman(storage, ['load', '-i', archive]);
        assert.equal(loaded.code, 0, loaded.stderr);
        const saved = await podman(storage, ['save', '--format', 'docker-dir', ...(compress ? ['--compress'] : []), '-o', dir, IMAGE]);
        assert.equal(saved.code, 0, saved.stderr);
        await checkLayout(dir, 'application/vnd.docker.distribution.manifest.v2+json', compress);
        await loadAndCompare(dir);
        // What podman itself makes of such a directory: the image, with no name.
        const other = join(storage, 'other');
        const again = await podman(other, ['load', '-i', dir]);
        assert.equal(again.code, 0, again.stderr);
        assert.equal(again.stdout, `Loaded image: ${sourceId}\n`);
      } finally {
        await run('chmod', ['-R', 'u+w', storage]);
        await removeDir(storage);
      }
    });
  }
});
