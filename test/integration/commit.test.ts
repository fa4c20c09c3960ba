/**
 * `commit` and `diff` end to end, through the built CLI with runc, conmon and overlayfs (and the
 * vfs driver): the layer a container's changes make (whiteouts, an opaque directory, a hard
 * link, no runtime stubs), the committed image running with those changes, history, inspect,
 * the parent link rmi respects, pausing a running container, --change, and against the real
 * docker: a berth commit runs in docker, `berth diff` equals `docker diff`, and a layer docker
 * committed gives the same tree in berth.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { run } from '../support/cli.js';
import { dockerAvailable, expectedFacts, fixture, requireOrSkip } from '../support/env.js';
import { IMAGE } from '../support/busybox-image.js';
import { runtimeBase, type ContainerStore, containerTestSuite } from '../support/container-store.js';
import { layerTree } from '../support/layer-trees.js';

const { withStore } = containerTestSuite('berth-commit-');

/** Adds a file, changes one, deletes one, replaces a directory, hard-links the new file. */
const CHANGES = [
  'echo added > /added.txt',
  'echo changed >> /etc/issue',
  'rm /opt/gone/file.txt',
  'rm -rf /opt/data && mkdir /opt/data && echo new > /opt/data/new.txt',
  'ln /added.txt /opt/hard',
].join(' && ');

/** What Docker's diff prints for CHANGES on the busybox image (ordered by path, each directory before its contents). */
const EXPECTED_DIFF = [
  'A /added.txt', 'C /etc', 'C /etc/issue', 'C /opt', 'C /opt/data', 'A /opt/data/new.txt', 'D /opt/data/old.txt', 'D /opt/data/sub',
  'C /opt/gone', 'D /opt/gone/file.txt', 'A /opt/hard',
];

/** The layer Docker writes for CHANGES: type, name (and link target). */
const EXPECTED_LAYER = [
  '- added.txt', 'd etc/', '- etc/issue', 'd opt/', 'd opt/data/', '- opt/data/.wh..wh..opq', '- opt/data/new.txt', 'd opt/gone/',
  '- opt/gone/.wh.file.txt', 'h opt/hard link to added.txt',
];

const HEX64 = /^[0-9a-f]{64}$/;

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** The blob file of an image's top layer. */
async function topLayerBlob(s: ContainerStore, image: string): Promise<string> {
  const layers = JSON.parse((await s.ok(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', image])).stdout) as string[];
  return join(s.root, 'v1', 'blobs', 'sha256', layers.at(-1)!.slice('sha256:'.length));
}

/** The top layer of an image as `tar -tv` lists it: type character and name (plus link target). */
async function topLayer(s: ContainerStore, image: string): Promise<string[]> {
  const blob = await topLayerBlob(s, image);
  return lines(execFileSync('tar', ['--numeric-owner', '-tvf', blob], { encoding: 'utf8' }))
    .map((l) => { const f = l.split(/\s+/); return `${f[0]![0]} ${f.slice(5).join(' ')}`; });
}

async function imageId(s: ContainerStore, ref: string): Promise<string> {
  return (await s.ok(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();
}

describe('commit and diff', { concurrency: 3 }, () => {
  test('commit: the changes become one layer (whiteouts, opaque dir, hard link, no runtime stubs); the image runs with them', async (t) => {
    await withStore(t, async (s) => {
      await s.ok(['run', '--name', 'work', IMAGE, 'sh', '-c', CHANGES]);
      assert.deepEqual(lines((await s.ok(['diff', 'work'])).stdout), EXPECTED_DIFF);
      const committed = await s.ok(['commit', '-a', 'Ann <ann@example.com>', '-m', 'the first commit', 'work', 'committed:1']);
      assert.match(committed.stdout, /^sha256:[0-9a-f]{64}\n$/);
      const id = committed.stdout.trim();
      assert.equal(await imageId(s, 'committed:1'), id, 'tagged as asked');
      assert.deepEqual(await topLayer(s, 'committed:1'), EXPECTED_LAYER);
      // the upper dir carries overlay's own attributes (opaque, origin of copied-up files): none reach the layer
      assert.equal(readFileSync(await topLayerBlob(s, 'committed:1')).includes('trusted.overlay'), false);

      const again = (await s.ok(['commit', 'work', 'committed:2'])).stdout.trim();
      assert.notEqual(again, id, 'a new image (created differs)');
      const layersOf = async (ref: string): Promise<string[]> => JSON.parse((await s.ok(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', ref])).stdout);
      assert.deepEqual(await layersOf('committed:2'), await layersOf('committed:1'), 'the same changes give the same layer, byte for byte');

      const parentId = await imageId(s, IMAGE);
      const inspected = JSON.parse((await s.ok(['image', 'inspect', 'committed:1'])).stdout)[0];
      assert.equal(inspected.Parent, parentId);
      assert.deepEqual(inspected.Config.Cmd, ['sh', '-c', CHANGES], "the container's command becomes the image's");
      assert.equal(inspected.Author, 'Ann <ann@example.com>');
      assert.equal(inspected.Comment, 'the first commit');
      assert.equal(inspected.RootFS.Layers.length, 2);
      assert.match(inspected.Container, HEX64);

      const history = lines((await s.ok(['history', '--no-trunc', '--format', 'json', 'committed:1'])).stdout).map((l) => JSON.parse(l));
      assert.equal(history.length, 2);
      assert.equal(history[0].CreatedBy, `sh -c ${CHANGES}`);
      assert.equal(history[0].Comment, 'the first commit');
      assert.equal(history[0].ID, id, 'the new step is the committed image');
      assert.equal(history[1].ID, parentId, 'the step below is the parent image, by its ID');

      const seen = await s.ok(['run', '--rm', 'committed:1', 'sh', '-c',
        'cat /added.txt /etc/issue; ls /opt/data; [ ! -e /opt/gone/file.txt ] && echo gone; [ "$(stat -c %i /added.txt)" = "$(stat -c %i /opt/hard)" ] && echo linked']);
      assert.equal(seen.stdout, 'added\nbusybox test image\nchanged\nnew.txt\ngone\nlinked\n');
    });
  });

  test('names that are not UTF-8 are bytes: diff prints them as they are, commit keeps them, on overlay and vfs', async (t) => {
    await withStore(t, async (s) => {
      // "n\xff" beside "n\xc3\xbf" (the UTF-8 of "ÿ"), and a Latin-1 directory "d\xe9" with a file in it.
      const script = 'printf 1 > "/n$(printf "\\377")"; printf 2 > "/n$(printf "\\303\\277")"; mkdir "/d$(printf "\\351")"; printf 3 > "/d$(printf "\\351")/f"';
      for (const driver of ['overlay', 'vfs']) {
        const name = `bytes-${driver}`;
        await s.ok(['run', '--storage-driver', driver, '--name', name, IMAGE, 'sh', '-c', script]);
        const diff = (await s.ok(['diff', name])).stdoutBytes;
        const expected = Buffer.concat([
          Buffer.from('A /d'), Buffer.from([0xe9]), Buffer.from('\nA /d'), Buffer.from([0xe9]), Buffer.from('/f\n'),
          Buffer.from('A /n'), Buffer.from([0xc3, 0xbf]), Buffer.from('\nA /n'), Buffer.from([0xff]), Buffer.from('\n'),
        ]);
        assert.deepEqual(diff, expected, `${driver}: byte order, the bytes themselves`);
        await s.ok(['commit', name, `bytes/${driver}:1`]);
        const seen = await s.ok(['run', '--rm', `bytes/${driver}:1`, 'sh', '-c', 'cat "/n$(printf "\\377")" "/n$(printf "\\303\\277")" "/d$(printf "\\351")/f"']);
        assert.equal(seen.stdout, '123', `${driver}: the committed layer has all three, distinct`);
        await s.ok(['rm', name]);
      }
    });
  });

  test('rmi refuses the parent of a committed image, as Docker does', async (t) => {
    await withStore(t, async (s) => {
      await s.ok(['run', '--name', 'work', IMAGE, 'touch', '/x']);
      await s.ok(['commit', 'work', 'child:1']);
      await s.ok(['rm', 'work']);
      const parentId = await imageId(s, IMAGE);
      const refused = await s.berth(['rmi', parentId]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`conflict: unable to delete ${parentId.slice(7, 19)} \\(cannot be forced\\) - image has dependent child images`));
      await s.ok(['rmi', 'child:1']);
      assert.equal((await s.berth(['image', 'inspect', parentId])).code, 0, 'removing the child leaves the tagged parent');
    });
  });

  test('vfs: the same diff and the same layer as overlay', async (t) => {
    await withStore(t, async (s) => {
      await s.ok(['run', '--storage-driver', 'vfs', '--name', 'copy', IMAGE, 'sh', '-c', CHANGES]);
      assert.deepEqual(lines((await s.ok(['diff', 'copy'])).stdout), EXPECTED_DIFF);
      await s.ok(['commit', 'copy', 'fromvfs:1']);
      assert.deepEqual(await topLayer(s, 'fromvfs:1'), EXPECTED_LAYER);
      const seen = await s.ok(['run', '--rm', '--storage-driver', 'vfs', 'fromvfs:1', 'sh', '-c', 'ls /opt/data; cat /added.txt; ls /opt/gone | wc -l']);
      assert.equal(seen.stdout, 'new.txt\nadded\n0\n');
    });
  });

  test('a running container: committed paused (the default) and with --pause=false, and it keeps running', async (t) => {
    await withStore(t, async (s) => {
      await s.ok(['run', '-dit', '--name', 'live', IMAGE, 'sh']);
      await s.ok(['exec', 'live', 'sh', '-c', 'echo one > /one.txt && rm /etc/issue']);
      assert.deepEqual(lines((await s.ok(['diff', 'live'])).stdout), ['C /etc', 'D /etc/issue', 'A /one.txt']);
      await s.ok(['commit', 'live', 'live:paused']);
      assert.equal((await s.ok(['container', 'inspect', '-f', '{{.State.Status}}', 'live'])).stdout.trim(), 'running', 'resumed after the commit');
      await s.ok(['exec', 'live', 'sh', '-c', 'echo two > /two.txt']);
      await s.ok(['commit', '--pause=false', 'live', 'live:unpaused']);
      assert.equal((await s.ok(['container', 'inspect', '-f', '{{.State.Status}}', 'live'])).stdout.trim(), 'running');
      assert.equal((await s.ok(['run', '--rm', 'live:paused', 'sh', '-c', 'cat /one.txt; ls /two.txt /etc/issue 2>/dev/null | wc -l'])).stdout, 'one\n0\n');
      assert.equal((await s.ok(['run', '--rm', 'live:unpaused', 'cat', '/one.txt', '/two.txt'])).stdout, 'one\ntwo\n');
      const cmd = JSON.parse((await s.ok(['image', 'inspect', '-f', '{{json .Config}}', 'live:paused'])).stdout);
      assert.deepEqual([cmd.Cmd, cmd.Tty, cmd.OpenStdin], [['sh'], true, true], "the container's -it settings, as Docker records them");
    });
  });

  test('a container left paused by a commit that was killed is resumed by the next command', async (t) => {
    await withStore(t, async (s) => {
      const id = (await s.ok(['run', '-dit', '--name', 'frozen', IMAGE, 'sh'])).stdout.trim();
      const runc = ['--root', join(runtimeBase(s.root), 'runc')];
      // what `commit` leaves when killed between pause and resume: the marker of a berth that is gone, and a frozen container
      writeFileSync(join(s.root, 'v1', 'containers', id, 'paused-by'), '4194303-1');
      execFileSync('runc', [...runc, 'pause', id]);
      const status = (): string => JSON.parse(execFileSync('runc', [...runc, 'state', id], { encoding: 'utf8' })).status;
      assert.equal(status(), 'paused');
      await s.ok(['ps']);
      assert.equal(status(), 'running', 'resumed');
      assert.equal(existsSync(join(s.root, 'v1', 'containers', id, 'paused-by')), false);
      assert.equal((await s.ok(['exec', 'frozen', 'echo', 'alive'])).stdout, 'alive\n');
    });
  });

  test('no changes: no new layer, an empty_layer step; --change edits the new config only', async (t) => {
    await withStore(t, async (s) => {
      await s.ok(['run', '--name', 'idle', IMAGE, 'true']);
      assert.equal((await s.ok(['diff', 'idle'])).stdout, '', 'the runtime\'s mount points are not changes');
      await s.ok(['commit', '-c', 'WORKDIR /opt', '-c', 'ENV MODE=test', '-c', 'CMD ["cat", "data/old.txt"]', 'idle', 'same:1']);
      const info = JSON.parse((await s.ok(['image', 'inspect', 'same:1'])).stdout)[0];
      const parent = JSON.parse((await s.ok(['image', 'inspect', IMAGE])).stdout)[0];
      assert.deepEqual(info.RootFS.Layers, parent.RootFS.Layers, 'no layer for no changes');
      assert.equal(info.Config.WorkingDir, '/opt');
      assert.ok(info.Config.Env.includes('MODE=test'));
      assert.deepEqual(info.ContainerConfig.Cmd, ['true'], 'container_config is what the container ran');
      assert.equal((await s.ok(['run', '--rm', 'same:1'])).stdout, 'old\n');
      const top = JSON.parse(lines((await s.ok(['history', '--format', 'json', 'same:1'])).stdout)[0]!);
      assert.deepEqual([top.CreatedBy, top.Size], ['true', '0B']);
      await s.ok(['create', '--name', 'never', IMAGE]);
      assert.equal((await s.ok(['diff', 'never'])).stdout, '', 'a container never started has no changes');
      await s.ok(['commit', 'never', 'never:1']);
      assert.deepEqual(JSON.parse((await s.ok(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'never:1'])).stdout), parent.RootFS.Layers);
      const bad = await s.berth(['commit', '-c', 'RUN echo', 'idle']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /run is not a valid change command/);
      const missing = await s.berth(['commit', 'nope']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /No such container: nope/);
      const missingDiff = await s.berth(['diff', 'nope']);
      assert.match(missingDiff.stderr, /No such container: nope/);
    });
  });

  test('the mount point of a -v volume and a -w directory are changes, as docker diff shows them', async (t) => {
    await withStore(t, async (s) => {
      const source = join(s.work, 'volume');
      mkdirSync(source);
      await s.ok(['run', '--name', 'mounts', '-w', '/newwd', '-v', `${source}:/vol/inner`, IMAGE, 'sh', '-c', 'echo data > /vol/inner/file']);
      // docker 20.10, same flags: A /newwd, A /vol, A /vol/inner (the volume's content is not the container's)
      assert.deepEqual(lines((await s.ok(['diff', 'mounts'])).stdout), ['A /newwd', 'A /vol', 'A /vol/inner']);
    });
  });

  test('extended attributes (file capabilities, user.*) go into the layer and come back when the image runs', async (t) => {
    await withStore(t, async (s) => {
      const id = (await s.ok(['create', '--name', 'xattrs', IMAGE, 'sh', '-c', 'echo cap > /capfile; echo note > /notefile'])).stdout.trim();
      await s.ok(['start', '-a', 'xattrs']);
      const upper = join(s.root, 'v1', 'containers', id, 'upper');
      // busybox has no setfattr: set them from outside, as setcap and setfattr in the container would
      execFileSync('setfattr', ['-n', 'security.capability', '-v', '0x0100000200200000000000000000000000000000', join(upper, 'capfile')]);
      execFileSync('setfattr', ['-n', 'user.note', '-v', 'hello', join(upper, 'notefile')]);
      await s.ok(['commit', 'xattrs', 'xattrs:1']);
      await s.ok(['run', '--rm', 'xattrs:1', 'true']);
      const layers = join(s.root, 'v1', 'layers');
      const trees = readdirSync(layers).map((d) => layerTree(join(layers, d)));
      const unpacked = trees.find((d) => existsSync(join(d, 'capfile')));
      assert.ok(unpacked !== undefined, 'the committed layer is prepared (unpacked or indexed)');
      const dump = execFileSync('getfattr', ['-d', '-m', '-', '-e', 'hex', join(unpacked, 'capfile'), join(unpacked, 'notefile')], { encoding: 'utf8' });
      assert.match(dump, /security\.capability=0x0100000200200000000000000000000000000000/);
      assert.match(dump, /user\.note=0x68656c6c6f/);
    });
  });

  test('a layer docker committed (the fixture\'s third layer) gives docker\'s tree in berth', async (t) => {
    await withStore(t, async (s) => {
      await s.ok(['load', '-i', fixture('docker-save-3layer.tar')]);
      const facts = expectedFacts().details['docker-save-3layer'].images[0].flattened as Record<string, { type: string; mode: string; uid: number; gid: number; size?: number }>;
      const listing = await s.ok(['run', '--rm', 'peer-vis:latest', 'find', '/', '-xdev', '-exec', 'stat', '-c', '%n|%F|%a|%u|%g|%s', '{}', ';']);
      const seen = new Map<string, string>();
      for (const line of lines(listing.stdout)) {
        const [name, type, mode, uid, gid, size] = line.split('|');
        if (name === '/') continue;
        seen.set(name!.slice(1), `${type === 'regular file' || type === 'regular empty file' ? 'file' : type === 'directory' ? 'dir' : type === 'symbolic link' ? 'symlink' : type} ${mode} ${uid}:${gid}${type!.startsWith('regular') ? ` ${size}` : ''}`);
      }
      // the runtime's mount points (the image has none of them) are Berth's, not the image's
      for (const stub of ['proc', 'sys', 'dev', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf']) seen.delete(stub);
      const want = new Map(Object.entries(facts).map(([path, f]) => [path, `${f.type} ${parseInt(f.mode.slice(2), 8).toString(8)} ${f.uid}:${f.gid}${f.type === 'file' ? ` ${f.size}` : ''}`]));
      assert.deepEqual([...seen.entries()].sort(), [...want.entries()].sort());
      const data = await s.ok(['run', '--rm', 'peer-vis:latest', 'cat', '/opt/app/bin.dat']);
      const binFact = expectedFacts().details['docker-save-3layer'].images[0].flattened['opt/app/bin.dat'];
      assert.equal(`sha256:${createHash('sha256').update(data.stdoutBytes).digest('hex')}`, binFact.sha256);
    });
  });
});

describe('commit and diff against docker', { concurrency: 1 }, () => {
  const HAVE_DOCKER = dockerAvailable();
  const tag = `berth-commit-it-${process.pid}`;

  async function docker(args: readonly string[], stdin?: { file: string }): Promise<string> {
    const r = await run('docker', args, stdin === undefined ? {} : { stdin });
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  test('a berth commit, saved and loaded into docker, runs there with its changes', async (t) => {
    if (!requireOrSkip(t, HAVE_DOCKER, 'no docker daemon')) return;
    await withStore(t, async (s) => {
      await s.ok(['run', '--name', 'work', IMAGE, 'sh', '-c', CHANGES]);
      const id = (await s.ok(['commit', '-m', 'for docker', 'work', `${tag}:committed`])).stdout.trim();
      const archive = join(s.work, 'committed.tar');
      await s.ok(['save', '-o', archive, `${tag}:committed`]);
      await docker(['load', '-i', archive]);
      try {
        assert.equal((await docker(['image', 'inspect', '-f', '{{.Id}}', `${tag}:committed`])).trim(), id, 'same image ID in docker');
        const seen = await docker(['run', '--rm', '--network', 'none', `${tag}:committed`, 'sh', '-c',
          'cat /added.txt /etc/issue; ls /opt/data; [ ! -e /opt/gone/file.txt ] && echo gone']);
        assert.equal(seen, 'added\nbusybox test image\nchanged\nnew.txt\ngone\n');
      } finally {
        await run('docker', ['rmi', `${tag}:committed`]);
      }
    });
  });

  test('berth diff prints what docker diff prints for the same changes on the same image', async (t) => {
    if (!requireOrSkip(t, HAVE_DOCKER, 'no docker daemon')) return;
    await withStore(t, async (s) => {
      await s.ok(['tag', IMAGE, `${tag}:base`]);
      const archive = join(s.work, 'base.tar');
      await s.ok(['save', '-o', archive, `${tag}:base`]);
      await docker(['load', '-i', archive]);
      const name = `${tag}-diff`;
      try {
        await docker(['run', '--name', name, '--network', 'none', `${tag}:base`, 'sh', '-c', CHANGES]);
        // docker's order varies from run to run (it walks a Go map); berth's is fixed: compare as sets, berth's as given
        const theirs = lines(await docker(['diff', name])).sort();
        await s.ok(['run', '--name', 'same', IMAGE, 'sh', '-c', CHANGES]);
        const ours = lines((await s.ok(['diff', 'same'])).stdout);
        assert.deepEqual([...ours].sort(), theirs);
        assert.deepEqual(ours, EXPECTED_DIFF);
      } finally {
        await run('docker', ['rm', '-f', name]);
        await run('docker', ['rmi', `${tag}:base`]);
      }
    });
  });
});
