/**
 * Private stores for container tests, and the checks that a test left nothing behind: no
 * container, no mount under the store, no monitor or cleanup process still using it, no
 * runtime directory under /run/berth.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { mountPointsUnder } from '../../src/container/rootfs/mount-table.js';
import { after, before, type TestContext } from 'node:test';
import { berth, removeDir, tempDir, type RunOptions, type RunResult } from './cli.js';
import { IS_ROOT, requireOrSkip } from './env.js';
import { buildBusyboxImages, loadBusybox, removeBusyboxImages } from './busybox-image.js';
import { closeLayerTrees } from './layer-trees.js';

export interface ContainerStore {
  root: string;
  /** A scratch directory beside the store (bind-mount sources, env files). */
  work: string;
  berth: (args: readonly string[], options?: Omit<RunOptions, 'root'>) => Promise<RunResult>;
  /** berth, asserting exit 0. */
  ok: (args: readonly string[], options?: Omit<RunOptions, 'root'>) => Promise<RunResult>;
}

/** /run/berth/<hash>: where the store's runtime state lives (container/container-paths.ts). */
export function runtimeBase(root: string): string {
  return join('/run/berth', createHash('sha256').update(resolve(root)).digest('hex').slice(0, 12));
}

/** Mount points (from /proc/self/mountinfo) at or under `dir`. */
export function mountsUnder(dir: string): string[] {
  return mountPointsUnder(resolve(dir));
}

/** Pids of processes whose command line mentions `text` (conmon names the bundle, the cleanup command --root). */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue; // a zombie uses nothing
      if (cmdline.includes(text)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

export function storeHelpers(root: string, work: string): ContainerStore {
  const run = (args: readonly string[], options: Omit<RunOptions, 'root'> = {}): Promise<RunResult> => berth(args, { ...options, root });
  return {
    root,
    work,
    berth: run,
    ok: async (args, options) => {
      const r = await run(args, options);
      assert.equal(r.code, 0, `berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r;
    },
  };
}

/** A fresh directory for one test's store, under `parent`. */
export async function newStoreDir(parent: string): Promise<{ root: string; work: string }> {
  const work = await mkdtemp(join(parent, 't-'));
  return { root: join(work, 'store'), work };
}

/**
 * Removes every container of the store (rm -f), waits for their monitors and cleanup commands
 * to finish, removes the store's runtime directory and the test's directory; then asserts that
 * nothing is mounted under it. Returns the problems found (empty when clean) so that a failing
 * test's own error is not hidden.
 */
export async function tearDownStore(s: ContainerStore): Promise<string[]> {
  const problems: string[] = [];
  closeLayerTrees(s.work);
  const ids = await s.berth(['ps', '-aq', '--no-trunc']);
  const list = ids.stdout.split('\n').filter((l) => l !== '');
  if (list.length > 0) {
    const rm = await s.berth(['rm', '-f', ...list]);
    if (rm.code !== 0) problems.push(`rm -f exited ${rm.code}: ${rm.stderr}`);
  }
  try {
    await until('the store\'s monitors and cleanup commands to exit', () => processesMentioning(s.root).length === 0, 15_000);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const mounts = mountsUnder(s.work);
  if (mounts.length > 0) problems.push(`left mounted: ${mounts.join(', ')}`);
  await removeDir(runtimeBase(s.root));
  if (mounts.length === 0) await removeDir(s.work);
  return problems;
}

/**
 * The set-up most container test files share: a test directory (created before, removed after,
 * which must have nothing mounted under it), the busybox images, and `withStore`, which runs a
 * test as root on a private store holding them (`prepare` may add more) and fails the test if
 * it leaves a container, mount, monitor or runtime directory behind.
 */
export function containerTestSuite(prefix: string): {
  withStore: (t: TestContext, fn: (s: ContainerStore) => Promise<void>) => Promise<void>;
  baseDir: () => string;
} {
  let base = '';
  before(async () => {
    base = await tempDir(prefix);
    if (IS_ROOT) await buildBusyboxImages();
  });
  after(async () => {
    try {
      assert.deepEqual(mountsUnder(base), [], 'nothing is left mounted under the test directory');
    } finally {
      if (mountsUnder(base).length === 0) await removeDir(base);
      await removeBusyboxImages();
    }
  });
  return {
    baseDir: () => base,
    async withStore(t, fn) {
      if (!requireOrSkip(t, IS_ROOT, 'containers need root')) return;
      const { root, work } = await newStoreDir(base);
      await loadBusybox(root);
      const s = storeHelpers(root, work);
      let failure: unknown;
      try {
        await fn(s);
      } catch (err) {
        failure = err;
      }
      const problems = await tearDownStore(s);
      if (failure !== undefined) throw failure;
      assert.deepEqual(problems, [], 'the test left a clean store behind');
    },
  };
}
