/**
 * Podman interop, against real podman with a private storage root: Berth's archive loads in
 * podman with the same IDs, and podman's docker-archive and oci-archive load in Berth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { berth, removeDir, run, tempDir } from '../support/cli.js';
import { expectedFacts, fixture, hasCommand, IS_ROOT, requireOrSkip } from '../support/env.js';
import { IMAGE, loadBusybox } from '../support/busybox-image.js';
import { runtimeBase } from '../support/container-store.js';

const facts = expectedFacts();
const PEER_VIS = facts.summary['docker-save-multi'].images[0].image_id as string;
const PEER_VIS_B = facts.summary['docker-save-multi'].images[1].image_id as string;

function podman(storage: string, args: string[]): ReturnType<typeof run> {
  return run('podman', ['--root', join(storage, 'root'), '--runroot', join(storage, 'runroot'), '--storage-driver', 'vfs', ...args]);
}

test('podman loads a berth save archive with the same image IDs, and berth loads what podman saves', async (t) => {
  if (!requireOrSkip(t, hasCommand('podman'), 'podman is not installed')) return;
  if (!requireOrSkip(t, IS_ROOT, 'podman storage outside the user namespace needs root')) return;
  const storage = await tempDir();
  const root = await tempDir();
  const root2 = await tempDir();
  try {
    assert.equal((await berth(['load', '-i', fixture('docker-save-multi.tar')], { root })).code, 0);
    const saved = join(storage, 'berth.tar');
    assert.equal((await berth(['save', '-o', saved, 'peer-vis:latest', 'peer-vis-b:1.0'], { root })).code, 0);

    const loaded = await podman(storage, ['load', '-i', saved]);
    assert.equal(loaded.code, 0, loaded.stderr);
    for (const [name, id] of [['peer-vis:latest', PEER_VIS], ['peer-vis-b:1.0', PEER_VIS_B]] as const) {
      const inspected = await podman(storage, ['image', 'inspect', '--format', '{{.Id}}', name]);
      assert.equal(inspected.code, 0, inspected.stderr);
      assert.equal(`sha256:${inspected.stdout.trim()}`, id, name);
    }

    const dockerArchive = join(storage, 'podman-docker.tar');
    const ociArchive = join(storage, 'podman-oci.tar');
    assert.equal((await podman(storage, ['save', '-o', dockerArchive, 'peer-vis:latest'])).code, 0);
    assert.equal((await podman(storage, ['save', '--format', 'oci-archive', '-o', ociArchive, 'peer-vis-b:1.0'])).code, 0);
    const fromDocker = await berth(['load', '-i', dockerArchive], { root: root2 });
    assert.equal(fromDocker.code, 0, fromDocker.stderr);
    assert.equal(fromDocker.stdout, 'Loaded image: localhost/peer-vis:latest\n');
    assert.equal((await berth(['image', 'inspect', '-f', '{{.Id}}', 'localhost/peer-vis:latest'], { root: root2 })).stdout.trim(), PEER_VIS);
    const fromOci = await berth(['load', '-i', ociArchive], { root: root2 });
    assert.equal(fromOci.code, 0, fromOci.stderr);
    assert.equal(fromOci.stdout, 'Loaded image: localhost/peer-vis-b:1.0\n');
    // podman re-serialises the config for oci-archive, so the ID differs from docker's; the layers must not.
    const layers = JSON.parse((await berth(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'localhost/peer-vis-b:1.0'], { root: root2 })).stdout);
    assert.deepEqual(layers, facts.summary['docker-save-multi'].images[1].diff_ids);
  } finally {
    await run('chmod', ['-R', 'u+w', storage]);
    await removeDir(storage);
    await removeDir(root);
    await removeDir(root2);
  }
});

/** "mode owner size name [-> target]" of every member, as GNU tar lists it (numeric owners). */
async function listing(path: string): Promise<string[]> {
  const r = await run('tar', ['--numeric-owner', '-tvf', path]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => {
    const f = l.split(/\s+/);
    return [f[0], f[1], f[2], ...f.slice(5)].join(' ');
  }).sort();
}

test('podman imports a berth export with identical files, ignoring the config header', async (t) => {
  if (!requireOrSkip(t, hasCommand('podman'), 'podman is not installed')) return;
  if (!requireOrSkip(t, IS_ROOT, 'containers and podman storage need root')) return;
  const storage = await tempDir();
  const root = await tempDir();
  try {
    await loadBusybox(root);
    const ran = await berth(['run', '--name', 'changed', IMAGE, 'sh', '-c', 'mkdir -p /srv/data && echo hi > /srv/data/f && ln -s f /srv/data/l && rm /etc/issue'], { root });
    assert.equal(ran.code, 0, ran.stderr);
    const exported = join(storage, 'berth-export.tar');
    assert.equal((await berth(['export', '-o', exported, 'changed'], { root })).code, 0);

    const imported = await podman(storage, ['import', exported, 'localhost/from-berth:1']);
    assert.equal(imported.code, 0, imported.stderr);
    const created = await podman(storage, ['create', '--name', 'again', 'localhost/from-berth:1', 'true']);
    assert.equal(created.code, 0, created.stderr);
    const reexported = join(storage, 'podman-export.tar');
    const out = await podman(storage, ['export', '-o', reexported, 'again']);
    assert.equal(out.code, 0, out.stderr);

    // podman's own container files (its init layer) aside, the trees are the same, and the header is no file.
    const podmanInit = /^\S+ \S+ \S+ (run\/\.containerenv|\.containerenv|etc\/hostname|etc\/hosts|etc\/resolv\.conf|run\/|dev\/|proc\/|sys\/)$/;
    const ours = (await listing(exported)).filter((l) => !podmanInit.test(l));
    const theirs = (await listing(reexported)).filter((l) => !podmanInit.test(l));
    assert.ok(ours.some((l) => l.endsWith(' srv/data/f')) && !ours.some((l) => l.endsWith(' etc/issue')));
    assert.ok(!theirs.some((l) => l.includes('pax_global_header')));
    assert.deepEqual(theirs, ours);
  } finally {
    await berth(['rm', '-f', 'changed'], { root });
    await removeDir(runtimeBase(root));
    await run('chmod', ['-R', 'u+w', storage]);
    await removeDir(storage);
    await removeDir(root);
  }
});
