/**
 * A store on a small tmpfs: a `load` or `import` that does not fit fails with NO_SPACE ("no space left"),
 * leaves no partial blob or temp file, and the store keeps working (a load that fits succeeds
 * and `system check` finds nothing). `save -o` to a full filesystem leaves no partial output.
 * A container that fills the store's own disk: every command works or says NO_SPACE, and
 * removing containers works (the store's space reserve, store/space-reserve.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { berth, removeDir, run, storeSnapshot, tempDir, type RunResult } from '../support/cli.js';
import { IMAGE, loadBusybox, removeBusyboxImages } from '../support/busybox-image.js';
import { processesMentioning, runtimeBase, until } from '../support/container-store.js';
import { IS_ROOT } from '../support/env.js';
import { DockerArchive, layerTar } from '../support/tar-builder.js';

const IN_CI = process.env.CI === 'true';
let work = '';
let mnt = '';
let mounted = false;

before(async () => {
  work = await tempDir('berth-full-');
  mnt = join(work, 'small');
  mkdirSync(mnt);
  if (!IS_ROOT) return;
  const r = await run('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt]);
  mounted = r.code === 0;
  if (!mounted && IN_CI) throw new Error(`cannot mount a tmpfs under CI: ${r.stderr}`);
});

after(async () => {
  if (mounted) await run('umount', [mnt]);
  await removeDir(work);
  await removeBusyboxImages();
});

/** A layer of incompressible data, so the bytes really take space. */
async function archiveOf(path: string, tag: string, megabytes: number): Promise<void> {
  const data = randomBytes((megabytes << 20) / 2).toString('hex');
  await writeFile(path, new DockerArchive({ tags: [tag], salt: tag, layers: [layerTar({ 'data.bin': data })] }).tar());
}

describe('disk full', () => {
  test('a load that does not fit fails with NO_SPACE, leaves nothing behind, and the store keeps working', async (t) => {
    if (!mounted) {
      if (IN_CI) throw new Error('prerequisite missing under CI: a tmpfs mount');
      t.skip('needs root to mount a small tmpfs');
      return;
    }
    const root = join(mnt, 'store');
    const small = join(work, 'small.tar');
    const big = join(work, 'big.tar');
    await archiveOf(small, 'full/small:1', 1);
    await archiveOf(big, 'full/big:1', 30);
    assert.equal((await berth(['load', '-q', '-i', small], { root })).code, 0);
    const before = await storeSnapshot(root);

    const r = await berth(['load', '-i', big], { root });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /NO_SPACE/);
    assert.match(r.stderr, /no space left/i);
    assert.deepEqual(await storeSnapshot(root), before, 'no partial blob, no temp file, no row');
    assert.deepEqual(readdirSync(join(root, 'v1', 'ingest')), []);

    // the same for import
    const layer = join(work, 'big-layer.tar');
    await writeFile(layer, layerTar({ 'data.bin': randomBytes(15 << 20).toString('hex') }));
    const imp = await berth(['import', layer, 'full/imported:1'], { root });
    assert.equal(imp.code, 1, imp.stderr);
    assert.match(imp.stderr, /NO_SPACE/);
    // (as root, import makes the empty layers/ directory it unpacks into; nothing is left in it)
    assert.deepEqual((await storeSnapshot(root)).filter((l) => l !== 'v1/layers/'), before, 'import: no partial blob, no temp file, no unpacked layer, no row');

    // still works: what fits loads, and the store checks clean
    const other = join(work, 'other.tar');
    await archiveOf(other, 'full/other:1', 1);
    const again = await berth(['load', '-q', '-i', other], { root });
    assert.equal(again.code, 0, again.stderr);
    const check = await berth(['system', 'check'], { root });
    assert.equal(check.code, 0, check.stdout);
    const images = await berth(['images', '--format', '{{.Repository}}:{{.Tag}}'], { root });
    assert.deepEqual(images.stdout.trim().split('\n').sort(), ['full/other:1', 'full/small:1']);
  });

  test('save -o onto a full filesystem fails with NO_SPACE and leaves no partial file', async (t) => {
    if (!mounted) {
      if (IN_CI) throw new Error('prerequisite missing under CI: a tmpfs mount');
      t.skip('needs root to mount a small tmpfs');
      return;
    }
    const root = join(work, 'store-save');
    const mid = join(work, 'mid.tar');
    await archiveOf(mid, 'full/mid:1', 30);
    assert.equal((await berth(['load', '-q', '-i', mid], { root })).code, 0);
    const outDir = join(mnt, 'out');
    mkdirSync(outDir);
    const r = await berth(['save', '-o', join(outDir, 'mid.tar'), 'full/mid:1'], { root });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /NO_SPACE/);
    assert.deepEqual(readdirSync(outDir), [], 'no partial output, no temp file');
  });
});

describe('disk full with containers', () => {
  test('a container that fills the store\'s disk: every command works or says NO_SPACE, --rm leaves nothing, rm -f works', async (t) => {
    if (!IS_ROOT) {
      if (IN_CI) throw new Error('prerequisite missing under CI: root');
      t.skip('needs root for containers and a tmpfs');
      return;
    }
    const disk = join(work, 'containers-disk');
    mkdirSync(disk);
    const m = await run('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', disk]);
    assert.equal(m.code, 0, m.stderr);
    const root = join(disk, 'store');
    try {
      await loadBusybox(root);
      const filled = await berth(['run', '-d', '--name', 'filler', IMAGE, 'sh', '-c', 'cat /dev/zero > /fill; sleep 1000'], { root });
      assert.equal(filled.code, 0, filled.stderr);
      // Full once its write failed (what it says goes to its log, read here without opening the store).
      const filledUp = (name: string) => (): boolean => {
        if (statfsSync(disk).bavail === 0) return true;
        const dirs = readdirSync(join(root, 'v1', 'containers')).map((d) => join(root, 'v1', 'containers', d));
        const dir = dirs.find((d) => existsSync(join(d, 'config.json')) && readFileSync(join(d, 'config.json'), 'utf8').includes(`> /${name};`));
        return dir !== undefined && existsSync(join(dir, 'ctr.log')) && /No space left/.test(readFileSync(join(dir, 'ctr.log'), 'utf8'));
      };
      await until('the filler to fill the disk', filledUp('fill'), 120_000);
      const tried: string[] = [];
      const attempt = async (args: string[]): Promise<RunResult> => {
        const r = await berth(args, { root });
        tried.push(`${args.join(' ')} -> ${r.code}`);
        assert.doesNotMatch(r.stderr, /internal error|This is a bug/, `${args.join(' ')}: ${r.stderr}`);
        if (r.code !== 0) assert.match(r.stderr, /NO_SPACE/, `${args.join(' ')}: ${r.stderr}`);
        return r;
      };
      await attempt(['run', '--name', 'plain', IMAGE, 'true']);
      await attempt(['run', '--rm', '--name', 'removed', IMAGE, 'true']);
      // A second filler takes what the store's reserve gave back: now nothing is left at all.
      const second = await attempt(['run', '-d', '--name', 'filler2', IMAGE, 'sh', '-c', 'while :; do cat /dev/zero >> /fill2; sleep 0.2; done']);
      if (second.code === 0) await until('the disk to be full again', filledUp('fill2'), 120_000);
      await attempt(['run', '--rm', '--name', 'removed2', IMAGE, 'true']);
      await attempt(['create', '--name', 'created', IMAGE, 'true']);
      await attempt(['images']);
      const ps = await attempt(['ps', '-a', '--format', '{{.Names}}']);
      const names = ps.stdout.split('\n').filter((n) => n !== '');
      assert.ok(!names.includes('removed') && !names.includes('removed2'), `--rm left its container: ${names.join(', ')}`);
      // Removing works on the full disk, and frees it.
      const rm = await berth(['rm', '-f', ...names], { root });
      assert.equal(rm.code, 0, `rm -f on a full disk: ${rm.stderr}\n(tried: ${tried.join('; ')})`);
      assert.equal((await berth(['ps', '-aq'], { root })).stdout, '');
      await until('the cleanup to finish', () => processesMentioning(root).length === 0, 20_000);
      const check = await berth(['system', 'check'], { root });
      assert.equal(check.code, 0, check.stdout + check.stderr);
      const again = await berth(['run', '--rm', IMAGE, 'true'], { root });
      assert.equal(again.code, 0, again.stderr);
      t.diagnostic(tried.join('; '));
    } finally {
      await berth(['rm', '-f', 'filler', 'filler2'], { root });
      await until('the monitors to exit', () => processesMentioning(root).length === 0, 20_000).catch(() => undefined);
      await removeDir(runtimeBase(root));
      await run('umount', ['-l', disk]);
    }
  });
});
