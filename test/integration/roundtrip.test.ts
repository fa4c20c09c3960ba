/**
 * load -> save -> load keeps everything an image is (ID, diff IDs, tags, history), saves are
 * reproducible to the byte, and every way of wrapping an archive (gzip, bzip2, xz, zstd, an OCI
 * layout directory, save --compress) loads back to the same images.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, removeDir, run, tempDir } from '../support/cli.js';
import { REPO, BERTH_BIN, expectedFacts, fixture, hasCommand, requireOrSkip } from '../support/env.js';
import { historyRows, imageRows, inspect, ok, sh, shellQuote, tarMember, tarMembers, tagsOf, type Json } from '../support/images.js';

const facts = expectedFacts();

interface ExpectedImage {
  image_id?: string;
  config_digest?: string;
  repo_tags?: string[];
  diff_ids: string[];
}

const LOADABLE = Object.entries(facts.summary as Record<string, { file: string; kind: string; images: ExpectedImage[] }>).filter(([, s]) => s.kind !== 'docker-export');

const PEER_VIS = 'sha256:5d59d30f19bb602783727906b0fca6934e80385d88675ced20df2ed124476ebd';
const PEER_VIS_B = 'sha256:28760e165edbc64ba3c7055e7a27cfec49429b2cc62428975f65137b0a3da0d0';

function familiar(tag: string): string {
  return tag.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}

const idOf = (image: ExpectedImage): string => (image.image_id ?? image.config_digest)!;

/** What must survive a round trip: the inspect fields that describe the image itself. */
function essence(info: Json): Json {
  return {
    Id: info.Id, RepoTags: [...info.RepoTags].sort(), Parent: info.Parent, Comment: info.Comment, Created: info.Created, Author: info.Author,
    Config: info.Config, Architecture: info.Architecture, Os: info.Os, Size: info.Size, RootFS: info.RootFS,
  };
}

async function describeImages(root: string, ids: readonly string[]): Promise<Json[]> {
  const inspected = JSON.parse((await ok(['image', 'inspect', ...ids], root)).stdout) as Json[];
  assert.equal(inspected.length, ids.length);
  const out: Json[] = [];
  for (const [i, id] of ids.entries()) {
    const history = (await historyRows(root, id)).map(({ CreatedSince: _ignored, ...rest }) => rest);
    out.push({ inspect: essence(inspected[i]), history });
  }
  return out;
}

// Each test has its own stores; running them side by side keeps the file's wall time down.
describe('round trips', { concurrency: 3 }, () => {
  for (const [name, summary] of LOADABLE) {
    test(`${summary.file}: load -> save -> load into a fresh store keeps IDs, diff IDs, tags and history; saves are byte-identical`, async () => {
      const work = await tempDir();
      const first = join(work, 'first');
      const second = join(work, 'second');
      try {
        await ok(['load', '-i', fixture(summary.file)], first);
        const ids = summary.images.map(idOf);
        const before = await describeImages(first, ids);
        before.forEach((d, i) => {
          assert.equal(d.inspect.Id, ids[i], `${name}: image ID`);
          assert.deepEqual(d.inspect.RootFS.Layers, summary.images[i]!.diff_ids, `${name}: diff IDs`);
        });

        // Save every image the way a user names it: by its tags, or by ID when it has none.
        const saveArgs = summary.images.flatMap((image) => ((image.repo_tags ?? []).length > 0 ? image.repo_tags!.map(familiar) : [idOf(image)]));
        const archive = join(work, 'out.tar');
        await ok(['save', '-o', archive, ...saveArgs], first);
        const toStdout = await ok(['save', ...saveArgs], first);
        const bytes = await readFile(archive);
        assert.ok(bytes.equals(toStdout.stdoutBytes), `${name}: saving twice (save -o, then to stdout) gave different bytes`);
        assert.equal(bytes.length % 512, 0, 'a tar is a whole number of blocks');
        assert.equal(((await stat(archive)).mode & 0o777), 0o600, 'save -o writes mode 0600, as docker save -o does');

        const loaded = await ok(['load', '-i', archive], second);
        for (const image of summary.images) {
          const tags = (image.repo_tags ?? []).map(familiar);
          if (tags.length === 0) assert.match(loaded.stdout, new RegExp(`^Loaded image ID: ${idOf(image)}$`, 'm'));
          for (const t of tags) assert.match(loaded.stdout, new RegExp(`^Loaded image: ${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
        }
        assert.deepEqual(await describeImages(second, ids), before, `${name}: the reloaded images differ`);

        // The reloaded store saves the same bytes again: nothing was lost or re-encoded.
        const fromSecond = await ok(['save', ...saveArgs], second);
        assert.ok(bytes.equals(fromSecond.stdoutBytes), `${name}: the reloaded images save to different bytes`);
      } finally {
        await removeDir(work);
      }
    });
  }

  test('save --compress gzip and --compress zstd load back with the same IDs; decompressed they are the plain archive', async (t) => {
    const work = await tempDir();
    const root = join(work, 'store');
    try {
      await ok(['load', '-i', fixture('docker-save-multi.tar')], root);
      const plain = (await ok(['save', 'peer-vis:latest', 'peer-vis-b:1.0'], root)).stdoutBytes;
      const gz = join(work, 'out.tar.gz');
      await ok(['save', '--compress', 'gzip', '-o', gz, 'peer-vis:latest', 'peer-vis-b:1.0'], root);
      const gzBytes = await readFile(gz);
      assert.deepEqual([...gzBytes.subarray(0, 2)], [0x1f, 0x8b], 'gzip magic');
      assert.ok(gzBytes.length < plain.length, 'compressed output is smaller');
      assert.ok((await sh('gzip', ['-dc', gz])).stdoutBytes.equals(plain), 'gunzip gives the plain archive');

      const variants: Array<[string, string]> = [['gzip', gz]];
      if (requireOrSkip(t, hasCommand('zstd'), 'zstd is not installed')) {
        const zst = join(work, 'out.tar.zst');
        const r = await ok(['save', '--compress', 'zstd', 'peer-vis:latest', 'peer-vis-b:1.0'], root);
        assert.deepEqual([...r.stdoutBytes.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], 'zstd magic');
        await writeFile(zst, r.stdoutBytes);
        assert.ok((await sh('zstd', ['-dc', zst])).stdoutBytes.equals(plain), 'unzstd gives the plain archive');
        variants.push(['zstd', zst]);
      }
      for (const [kind, file] of variants) {
        const fresh = join(work, `fresh-${kind}`);
        const loaded = await ok(['load', '-i', file], fresh);
        assert.equal(loaded.stdout, 'Loaded image: peer-vis:latest\nLoaded image: peer-vis-b:1.0\n', kind);
        assert.equal((await inspect(fresh, 'peer-vis:latest')).Id, PEER_VIS, kind);
        assert.equal((await inspect(fresh, 'peer-vis-b:1.0')).Id, PEER_VIS_B, kind);
      }
    } finally {
      await removeDir(work);
    }
  });

  test('the fixture tar wrapped whole in gzip, bzip2, xz and zstd loads with the same IDs (from a file and from stdin)', async (t) => {
    const work = await tempDir();
    try {
      const tools: Array<[string, string[], string]> = [['gzip', ['-c', '-n'], 'gz'], ['bzip2', ['-c'], 'bz2'], ['xz', ['-c', '-T1'], 'xz'], ['zstd', ['-c', '-q'], 'zst']];
      let tested = 0;
      for (const [tool, args, ext] of tools) {
        if (!requireOrSkip(t, hasCommand(tool), `${tool} is not installed`)) continue;
        const file = join(work, `fixture.tar.${ext}`);
        const compressed = await sh(tool, [...args, fixture('docker-save-3layer.tar')]);
        await writeFile(file, compressed.stdoutBytes);
        // Every tool from a file; stdin (no size known, content sniffed from the first bytes) with two of them.
for (const via of ext === 'xz' || ext === 'zst' ? ['file', 'stdin'] as const : ['file'] as const) {
          const root = join(work, `${ext}-${via}`);
          const r = via === 'file' ? await ok(['load', '-i', file], root) : await ok(['load'], root, { stdin: { file } });
          assert.equal(r.stdout, 'Loaded image: peer-vis:latest\nLoaded image: peer-vis:v3\n', `${tool} via ${via}`);
          const info = await ok(['inspect', '-f', '{{.Id}} {{json .RootFS.Layers}}', 'peer-vis:v3'], root);
          assert.equal(info.stdout, `${PEER_VIS} ${JSON.stringify(facts.summary['docker-save-3layer'].images[0].diff_ids)}\n`, `${tool} via ${via}`);
        }
        tested++;
      }
      assert.ok(tested > 0);
    } finally {
      await removeDir(work);
    }
  });

  test('an OCI layout directory (skopeo oci:, umoci) loads with load -i DIR, and the directory is left untouched', async () => {
    const work = await tempDir();
    try {
      const listing = async (dir: string): Promise<string[]> => {
        const out: string[] = [];
        const walk = async (d: string): Promise<void> => {
          for (const e of await readdir(d, { withFileTypes: true })) {
            const p = join(d, e.name);
            const s = await stat(p);
            out.push(`${p} ${e.isDirectory() ? 'dir' : s.size} ${s.mtimeMs} ${s.mode}`);
            if (e.isDirectory()) await walk(p);
          }
        };
        await walk(dir);
        return out.sort();
      };
      for (const [dir, ids] of [
        ['skopeo-oci', ['sha256:5e37de1f59eac35a6ee969877f3649360d57c1a0cf9c84ab6bad5ea63a8c5c32']],
        ['umoci-oci', ['sha256:c9dd057eec8ea308d64d2e8572d925f99329b3731ed0637ea0814b18162068f6', 'sha256:b2ce4180dde5fd1222bc81f4a4c2d9a7f74e09689ea723c1923476e134fbfbd9']],
      ] as const) {
        const root = join(work, dir);
        const before = await listing(fixture(dir));
        const r = await ok(['load', '-i', fixture(dir)], root);
        assert.deepEqual(r.stdout.trim().split('\n').sort(), ids.map((id) => `Loaded image ID: ${id}`).sort(), dir);
        for (const id of ids) assert.equal((await inspect(root, id)).Id, id);
        const rows = await imageRows(root);
        assert.equal(rows.length, ids.length, dir);
        assert.ok(rows.every((row) => row.Digest === '<none>'), `${dir}: loaded untagged, so no RepoDigest to show (Docker's DIGEST column)`);
        assert.deepEqual(await listing(fixture(dir)), before, `${dir}: load changed the input directory`);
      }
    } finally {
      await removeDir(work);
    }
  });

  test('save by image ID writes no tags (RepoTags null, no repositories) and loads untagged', async () => {
    const work = await tempDir();
    try {
      const root = join(work, 'a');
      await ok(['load', '-i', fixture('docker-save-multi.tar')], root);
      const archive = join(work, 'by-id.tar');
      await ok(['save', '-o', archive, PEER_VIS_B.slice(7, 19)], root);
      const members = await tarMembers(archive);
      assert.ok(!members.includes('repositories'), 'no repositories member for an untagged save (as docker save by ID)');
      const manifest = JSON.parse((await tarMember(archive, 'manifest.json')).toString('utf8'));
      assert.equal(manifest.length, 1);
      assert.equal(manifest[0].RepoTags, null);
      const index = JSON.parse((await tarMember(archive, 'index.json')).toString('utf8'));
      assert.equal(index.manifests.length, 1);
      assert.equal(index.manifests[0].annotations, undefined, 'no ref name for an untagged image');

      const fresh = join(work, 'b');
      const r = await ok(['load', '-i', archive], fresh);
      assert.equal(r.stdout, `Loaded image ID: ${PEER_VIS_B}\n`);
      const rows = await imageRows(fresh);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].Repository, '<none>');
      assert.equal(rows[0].Tag, '<none>');
      assert.deepEqual((await inspect(fresh, PEER_VIS_B)).RepoTags, []);
    } finally {
      await removeDir(work);
    }
  });

  test('save REPO (no tag) saves every tag of that repository and nothing of other repositories', async () => {
    const work = await tempDir();
    try {
      const root = join(work, 'a');
      await ok(['load', '-i', fixture('docker-save-3layer.tar')], root);
      await ok(['load', '-i', fixture('docker-save-multi.tar')], root);
      await ok(['tag', 'peer-vis-b:1.0', 'peer-vis:b'], root);
      await ok(['tag', 'peer-vis-b:1.0', 'peer-vis/sub:x'], root);
      const archive = join(work, 'repo.tar');
      await ok(['save', '-o', archive, 'peer-vis'], root);
      const manifest = JSON.parse((await tarMember(archive, 'manifest.json')).toString('utf8')) as Json[];
      assert.deepEqual(manifest.flatMap((m) => m.RepoTags).sort(), ['peer-vis:b', 'peer-vis:latest', 'peer-vis:v3']);
      assert.equal(manifest.length, 2, 'two images, each stored once');

      const fresh = join(work, 'b');
      const r = await ok(['load', '-i', archive], fresh);
      assert.deepEqual(r.stdout.trim().split('\n').sort(), ['Loaded image: peer-vis:b', 'Loaded image: peer-vis:latest', 'Loaded image: peer-vis:v3']);
      assert.deepEqual(tagsOf(await imageRows(fresh)), ['peer-vis:b', 'peer-vis:latest', 'peer-vis:v3']);
      assert.equal((await inspect(fresh, 'peer-vis:b')).Id, PEER_VIS_B);
      assert.equal((await inspect(fresh, 'peer-vis')).Id, PEER_VIS);
    } finally {
      await removeDir(work);
    }
  });

  test('a failed save -o leaves no file behind (neither the target nor a temporary)', async () => {
    const work = await tempDir();
    try {
      const root = join(work, 'store');
      await ok(['load', '-i', fixture('docker-save-multi.tar')], root);
      const out = join(work, 'out');
      await sh('mkdir', [out]);
      const r = await berth(['save', '-o', join(out, 'x.tar'), 'peer-vis:latest', 'nope:1'], { root });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /No such image: nope:1 \[IMAGE_NOT_FOUND\]/);
      assert.deepEqual(await readdir(out), []);
    } finally {
      await removeDir(work);
    }
  });

  test('save -o into a missing directory or onto a directory is a coded error, not a crash, and writes nothing', async () => {
    const work = await tempDir();
    try {
      const root = join(work, 'store');
      await ok(['load', '-i', fixture('docker-save-multi.tar')], root);
      const missing = await berth(['save', '-o', join(work, 'no-such-dir', 'x.tar'), 'peer-vis:latest'], { root });
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(missing.stderr, /\[OUTPUT_PATH_INVALID\]/);
      assert.doesNotMatch(missing.stderr, /internal error/);
      const dir = join(work, 'a-dir');
      await sh('mkdir', [dir]);
      const onDir = await berth(['save', '-o', dir, 'peer-vis:latest'], { root });
      assert.equal(onDir.code, 1, onDir.stderr);
      assert.match(onDir.stderr, /\[OUTPUT_PATH_INVALID\]/);
      assert.doesNotMatch(onDir.stderr, /internal error/);
      assert.deepEqual(await readdir(dir), []);
      assert.deepEqual((await readdir(work)).sort(), ['a-dir', 'store'], 'no temporary file left beside the target');
    } finally {
      await removeDir(work);
    }
  });

  test('save to a closed pipe fails with a coded error, not an internal error', async () => {
    const work = await tempDir();
    try {
      const root = join(work, 'store');
      await ok(['load', '-i', fixture('docker-save-multi.tar')], root);
      const cmd = `${shellQuote(BERTH_BIN)} save peer-vis:latest | head -c 1000 >/dev/null; exit "\${PIPESTATUS[0]}"`;
      const r = await run('bash', ['-c', cmd], { env: { ...process.env as Record<string, string>, BERTH_ROOT: root } });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /\[OUTPUT_CLOSED\]/);
      assert.doesNotMatch(r.stderr, /internal error|EPIPE/);
    } finally {
      await removeDir(work);
    }
  });

  test('save refuses to write a tar to a terminal', async (t) => {
    if (!requireOrSkip(t, hasCommand('script'), 'util-linux script is not installed (needed for a pty)')) return;
    const work = await tempDir();
    try {
      const root = join(work, 'store');
      await ok(['load', '-i', fixture('docker-save-multi.tar')], root);
      const cmd = `${shellQuote(BERTH_BIN)} save peer-vis:latest`;
      const r = await run('script', ['-qec', cmd, '/dev/null'], { cwd: REPO, env: { ...process.env as Record<string, string>, BERTH_ROOT: root } });
      assert.equal(r.code, 1, `exit code through script -e: ${r.stdout}`);
      assert.match(r.stdout, /cowardly refusing to save to a terminal\. Use the -o flag or redirect \[OUTPUT_IS_TERMINAL\]/);
      assert.doesNotMatch(r.stdout, /manifest\.json|blobs\/sha256/, 'no tar bytes reached the terminal');
      assert.ok(r.stdout.length < 1000, 'only the error reached the terminal');
    } finally {
      await removeDir(work);
    }
  });
});
