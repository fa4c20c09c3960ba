/**
 * kill -9 at random points. Each trial copies a prepared store, starts one berth command on it,
 * kills it after a random delay (anywhere from before it opened the store to after it
 * finished), and then asks:
 *   - does `system check` find nothing but leftovers (no image without its blobs, no damaged
 *     blob, no broken reference)? An image is listed only if all its blobs are there and whole;
 *   - does `system check --repair` clear those leftovers (exit 0)?
 *   - does the next command work, and leave a store that checks clean?
 *   - for `save -o`: is the output either absent or a complete archive that loads?
 *
 * BERTH_CRASH_TRIALS sets the trials per command (default 15): 6 image commands and, as root,
 * run and commit (half as many each), 104 trials in CI.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { berth, removeDir, run, tempDir } from '../support/cli.js';
import { BERTH_BIN, IS_ROOT, requireOrSkip } from '../support/env.js';
import { DockerArchive, layerTar } from '../support/tar-builder.js';
import { IMAGE, loadBusybox, removeBusyboxImages } from '../support/busybox-image.js';
import { mountsUnder, processesMentioning, runtimeBase, until } from '../support/container-store.js';

const TRIALS = Number(process.env.BERTH_CRASH_TRIALS ?? 15);

interface Finding { code: string; subject: string; repairable: boolean }

let work = '';
let archive = '';
let other = '';
let rootfsTar = '';
const templates: Record<string, string> = {};

/** A ~12 MB two-layer image (big enough that a kill lands inside the work) and a small one. */
before(async () => {
  work = await tempDir('berth-crash-');
  const filler = (n: number): string => randomBytes(n / 2).toString('hex');
  archive = join(work, 'big.tar');
  await writeFile(archive, new DockerArchive({ tags: ['crash/big:1'], layers: [layerTar({ 'a.bin': filler(6 << 20) }), layerTar({ 'b.bin': filler(6 << 20), 'c.txt': 'c\n' })] }).tar());
  rootfsTar = join(work, 'rootfs.tar');
  await writeFile(rootfsTar, layerTar({ 'a.bin': filler(8 << 20), 'etc/motd': 'imported\n' }));
  other = join(work, 'other.tar');
  await writeFile(other, new DockerArchive({ tags: ['crash/other:1'], salt: 'other' }).tar());
  // Template stores, copied for each trial.
  const make = async (name: string, ...archives: string[]): Promise<void> => {
    const root = join(work, `template-${name}`);
    for (const a of archives) assert.equal((await berth(['load', '-q', '-i', a], { root })).code, 0);
    templates[name] = root;
  };
  await make('other', other);
  await make('both', other, archive);
});

after(async () => {
  await removeDir(work);
  await removeBusyboxImages();
});

async function copyStore(template: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  const r = await run('cp', ['-a', template, to]);
  assert.equal(r.code, 0, r.stderr);
}

/** Runs berth with `args` on `root` and SIGKILLs it after `delayMs` (if it is still running). */
function killAfter(root: string, args: readonly string[], delayMs: number): Promise<{ killed: boolean; code: number | null; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(BERTH_BIN, [...args], { env: { ...process.env, BERTH_ROOT: root }, stdio: 'ignore' });
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.exitCode === null && child.signalCode === null;
      child.kill('SIGKILL');
    }, delayMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ killed, code, elapsedMs: Date.now() - started });
    });
  });
}

async function timeOf(root: string, args: readonly string[]): Promise<number> {
  const started = Date.now();
  const r = await berth(args, { root });
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return Date.now() - started;
}

async function checkFindings(root: string, repair: boolean): Promise<{ code: number | null; problems: Finding[] }> {
  const r = await berth(['system', 'check', '--format', 'json', ...(repair ? ['--repair'] : [])], { root });
  assert.ok(r.stdout.startsWith('{'), `system check printed no report (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, problems: (JSON.parse(r.stdout) as { problems: Finding[] }).problems };
}

/**
 * The first two questions, in one call: --repair fixes leftovers only, so whatever it reports
 * as left is damage beyond leftovers (an image without its blobs, a broken reference).
 */
async function assertRecoverable(root: string, what: string): Promise<void> {
  const repaired = await checkFindings(root, true);
  assert.deepEqual(repaired.problems, [], `${what}: damage beyond leftovers`);
  assert.equal(repaired.code, 0, what);
}

interface Op {
  name: string;
  template: string;
  args: (trialDir: string) => string[];
  /** After recovery: the next command works, and what the store shows is consistent. */
  next: (root: string, trialDir: string) => Promise<void>;
}

async function tagsIn(root: string): Promise<string[]> {
  const images = await berth(['images', '--format', '{{.Repository}}:{{.Tag}}'], { root });
  assert.equal(images.code, 0, images.stderr);
  return images.stdout.split('\n').filter((l) => l !== '').sort();
}

/** Loads both archives again: they load, and both images are listed. */
const nextLoad = async (root: string): Promise<void> => {
  for (const a of [archive, other]) {
    const r = await berth(['load', '-q', '-i', a], { root });
    assert.equal(r.code, 0, r.stderr);
  }
  const tags = await tagsIn(root);
  assert.ok(tags.includes('crash/big:1') && tags.includes('crash/other:1'), tags.join(' '));
};

const OPS: Op[] = [
  { name: 'load', template: 'other', args: () => ['load', '-q', '-i', archive], next: nextLoad },
  {
    name: 'save -o',
    template: 'both',
    args: (dir) => ['save', '-o', join(dir, 'out.tar'), 'crash/big:1'],
    next: async (root, dir) => {
      const out = join(dir, 'out.tar');
      if (existsSync(out)) {
        // whatever is there under the name is complete: it loads, with the right image
        const r = await berth(['load', '-q', '-i', out], { root: join(dir, 'check-store') });
        assert.equal(r.code, 0, `a partial save output was left under its name: ${r.stderr}`);
      }
      const partial = readdirSync(dir).filter((n) => n.includes('.berth-'));
      assert.ok(partial.length <= 1, `at most the killed save's own temp file: ${partial.join(', ')}`);
      const r = await berth(['save', '-o', join(dir, 'again.tar'), 'crash/big:1'], { root });
      assert.equal(r.code, 0, r.stderr);
    },
  },
  {
    name: 'rmi',
    template: 'both',
    args: () => ['rmi', 'crash/big:1'],
    next: async (root) => {
      const tags = await tagsIn(root);
      assert.ok(['crash/other:1', 'crash/big:1 crash/other:1'].includes(tags.join(' ')), `either removed or not: ${tags.join(' ')}`);
      await nextLoad(root);
    },
  },
  {
    name: 'image prune -a',
    template: 'both',
    args: () => ['image', 'prune', '-a', '-f'],
    next: async (root) => {
      const tags = await tagsIn(root);
      assert.ok(tags.length === 0 || tags.join(' ') === 'crash/big:1 crash/other:1' || tags.length === 1, `prune removes whole images: ${tags.join(' ')}`);
      await nextLoad(root);
    },
  },
  {
    name: 'import',
    template: 'other',
    args: () => ['import', rootfsTar, 'crash/imported:1'],
    next: async (root) => {
      const tags = await tagsIn(root);
      assert.ok(['crash/other:1', 'crash/imported:1 crash/other:1'].includes(tags.join(' ')), `imported or not: ${tags.join(' ')}`);
      const r = await berth(['import', rootfsTar, 'crash/imported:2'], { root });
      assert.equal(r.code, 0, r.stderr);
      assert.ok((await tagsIn(root)).includes('crash/imported:2'));
    },
  },
  {
    name: 'tag',
    template: 'both',
    args: () => ['tag', 'crash/big:1', 'crash/big:2'],
    next: async (root) => {
      const before = await tagsIn(root);
      assert.ok(['crash/big:1 crash/other:1', 'crash/big:1 crash/big:2 crash/other:1'].includes(before.join(' ')), `the tag is there or not: ${before.join(' ')}`);
      const r = await berth(['tag', 'crash/big:1', 'crash/big:3'], { root });
      assert.equal(r.code, 0, r.stderr);
      assert.ok((await tagsIn(root)).includes('crash/big:3'));
      await nextLoad(root);
    },
  },
];

describe(`kill -9 at random points (${TRIALS} trials per command)`, () => {
  for (const op of OPS) {
    test(`berth ${op.name}`, async () => {
      const calibrate = join(work, `calibrate-${op.name.replace(/\W/g, '')}`);
      await copyStore(templates[op.template]!, join(calibrate, 'store'));
      // The shorter of two runs: a first run may pay for a cold cache.
      const first = await timeOf(join(calibrate, 'store'), op.args(calibrate));
      await removeDir(calibrate);
      await copyStore(templates[op.template]!, join(calibrate, 'store'));
      let duration = Math.min(first, await timeOf(join(calibrate, 'store'), op.args(calibrate)));
      await removeDir(calibrate);
      let killedInside = 0;
      for (let i = 0; i < TRIALS; i++) {
        const dir = join(work, `trial-${op.name.replace(/\W/g, '')}-${i}`);
        const root = join(dir, 'store');
        await copyStore(templates[op.template]!, root);
        // Spread the kills over the whole run, a little past its usual end.
        const delay = Math.floor(((i + Math.random()) / TRIALS) * duration * 1.1);
        const { killed, elapsedMs } = await killAfter(root, op.args(dir), delay);
        if (killed) killedInside++;
        // A command that finished before its kill shows how long it really takes now (the
        // machine's speed varies): later delays are spread over that.
        else duration = Math.max(50, Math.min(duration, elapsedMs));
        const what = `${op.name}, trial ${i}, killed after ${delay} ms`;
        await assertRecoverable(root, what);
        await op.next(root, dir);
        const final = await checkFindings(root, false);
        assert.deepEqual(final.problems, [], `${what}: store after the next command`);
        await removeDir(dir);
      }
      // Most kills must have landed while the command was working, or the test proves little.
      assert.ok(killedInside >= TRIALS * 0.5, `only ${killedInside} of ${TRIALS} kills hit a running command (it took ${duration} ms)`);
    });
  }

  test('berth run', async (t) => {
    if (!requireOrSkip(t, IS_ROOT, 'containers need root')) return;
    const template = join(work, 'template-busybox');
    await loadBusybox(template);
    const trials = Math.max(5, Math.floor(TRIALS / 2));
    for (let i = 0; i < trials; i++) {
      const dir = join(work, `trial-run-${i}`);
      const root = join(dir, 'store');
      await copyStore(template, root);
      const args = ['run', ...(i % 2 === 0 ? ['--rm'] : []), '--name', `crash${i}`, IMAGE, 'sh', '-c', 'echo hi > /f; sleep 0.2'];
      const delay = Math.floor(((i + Math.random()) / trials) * 1500);
      await killAfter(root, args, delay);
      const what = `run, trial ${i}, killed after ${delay} ms`;
      // What ps shows is true: wait for whatever the kill left running to finish, then clean up.
      await until(`${what}: the container's processes to end`, async () => {
        const ps = await berth(['ps', '-q'], { root });
        return ps.stdout.trim() === '';
      }, 20_000);
      await assertRecoverable(root, what);
      const rm = await berth(['container', 'prune', '-f'], { root });
      assert.equal(rm.code, 0, rm.stderr);
      const again = await berth(['run', '--rm', IMAGE, 'true'], { root });
      assert.equal(again.code, 0, `${what}: the next run: ${again.stderr}`);
      await until(`${what}: cleanup processes to exit`, () => processesMentioning(root).length === 0, 20_000);
      assert.deepEqual((await checkFindings(root, false)).problems, [], `${what}: store after the next run`);
      assert.deepEqual(mountsUnder(dir), [], `${what}: nothing left mounted`);
      await removeDir(runtimeBase(root));
      await removeDir(dir);
    }
  });

  test('berth commit', async (t) => {
    if (!requireOrSkip(t, IS_ROOT, 'containers need root')) return;
    const template = join(work, 'template-commit');
    await loadBusybox(template);
    const made = await berth(['run', '--name', 'changed', IMAGE, 'sh', '-c', 'head -c 8000000 /dev/urandom > /big && rm /etc/issue'], { root: template });
    assert.equal(made.code, 0, made.stderr);
    const calibrate = join(work, 'calibrate-commit');
    await copyStore(template, join(calibrate, 'store'));
    const duration = await timeOf(join(calibrate, 'store'), ['commit', 'changed', 'crash/committed:1']);
    await removeDir(calibrate);
    const trials = Math.max(5, Math.floor(TRIALS / 2));
    for (let i = 0; i < trials; i++) {
      const dir = join(work, `trial-commit-${i}`);
      const root = join(dir, 'store');
      await copyStore(template, root);
      const delay = Math.floor(((i + Math.random()) / trials) * duration * 1.1);
      await killAfter(root, ['commit', 'changed', 'crash/committed:1'], delay);
      const what = `commit, trial ${i}, killed after ${delay} ms`;
      await assertRecoverable(root, what);
      // The container is as it was (a kill during the pause-free commit of a stopped container changes nothing in it).
      const again = await berth(['commit', 'changed', 'crash/committed:2'], { root });
      assert.equal(again.code, 0, `${what}: the next commit: ${again.stderr}`);
      const run = await berth(['run', '--rm', 'crash/committed:2', 'sh', '-c', '[ -f /big ] && [ ! -e /etc/issue ] && echo ok'], { root });
      assert.equal(run.stdout, 'ok\n', `${what}: ${run.stderr}`);
      await until(`${what}: cleanup processes to exit`, () => processesMentioning(root).length === 0, 20_000);
      assert.deepEqual((await checkFindings(root, false)).problems, [], `${what}: store after the next commit`);
      await berth(['rm', '-f', 'changed'], { root });
      assert.deepEqual(mountsUnder(dir), [], `${what}: nothing left mounted`);
      await removeDir(runtimeBase(root));
      await removeDir(dir);
    }
    await berth(['rm', '-f', 'changed'], { root: template });
    await removeDir(runtimeBase(template));
  });
});
