/**
 * No argument of a berth command and no NODE_* variable of the caller's is ever read by Node
 * itself (bin/berth). Node 20 scans its whole command line for --env-file, so `berth run
 * --env-file F` once loaded F into Berth's own process, and NODE_OPTIONS from F ran code as
 * root. Every option name this Node knows is tried in a berth command line, in both spellings,
 * with a value that would run a canary script or load an env file that runs it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, removeDir, run, tempDir, type RunResult } from '../support/cli.js';
import { BERTH_BIN, REPO } from '../support/env.js';
import { containerTestSuite } from '../support/container-store.js';
import { IMAGE } from '../support/busybox-image.js';

/** Every option name Node prints in its help or accepts in NODE_OPTIONS. */
function nodeOptionNames(): string[] {
  const names = new Set<string>();
  const help = execFileSync(process.execPath, ['--help'], { encoding: 'utf8' });
  for (const m of help.matchAll(/^\s+(-[a-zA-Z])?(?:, )?(--[a-z0-9][a-z0-9-]*)?/gm)) {
    if (m[1] !== undefined) names.add(m[1]);
    if (m[2] !== undefined) names.add(m[2]);
  }
  for (const flag of process.allowedNodeEnvironmentFlags) names.add(flag);
  return [...names].sort();
}

/** The options Node passes on to V8 (several hundred: tried all at once). */
function v8OptionNames(): string[] {
  const v8 = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
  return [...v8.matchAll(/^\s+(--[a-z0-9][a-z0-9_-]*)/gm)].map((m) => m[1]!);
}

interface Canary {
  dir: string;
  /** A script that, if Node ever runs it, leaves a file in `marks`. */
  script: string;
  /** An env file whose NODE_OPTIONS would make Node run the script. */
  envFile: string;
  marks: string;
}

async function makeCanary(dir: string): Promise<Canary> {
  const marks = join(dir, 'marks');
  await mkdir(marks);
  const script = join(dir, 'canary.cjs');
  await writeFile(script, `require('node:fs').writeFileSync(${JSON.stringify(marks)} + '/' + process.pid, process.argv.join(' '));\n`);
  const envFile = join(dir, 'node.env');
  await writeFile(envFile, `NODE_OPTIONS=--require ${script}\nBERTH_CANARY=loaded\n`);
  return { dir, script, envFile, marks };
}

function ranCanary(c: Canary): string[] {
  return readdirSync(c.marks);
}

/** Runs `count` jobs at most `width` at a time. */
async function inBatches<T>(items: readonly T[], width: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await job(items[next++]!);
  }));
}

function assertBerthRefused(r: RunResult, what: string): void {
  assert.doesNotMatch(r.stderr, /^node:|Node\.js v\d/m, `${what}: Node printed an error of its own:\n${r.stderr}`);
  assert.notEqual(r.code, 9, `${what}: exit 9 is Node's invalid-argument exit`);
  // Berth either knows the flag (--help, --version) and answers, or refuses it as Docker does.
  if (r.code !== 0) {
    assert.equal(r.code, 125, `${what}: exited ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, /unknown (shorthand )?flag|invalid argument .* for "-{1,2}[a-z-]+" flag|flag needs an argument/, `${what}: ${r.stderr}`);
  }
}

describe('the launcher keeps Node away from berth arguments and the caller\'s NODE_* variables', () => {
  const names = nodeOptionNames();

  test('Node knows a few hundred options, --env-file and --require among them', () => {
    assert.ok(names.length > 150, `only ${names.length} option names found: the scan of node --help is broken`);
    for (const n of ['--env-file', '--require', '--import', '--experimental-loader', '-r', '-e', '--inspect']) assert.ok(names.includes(n), `${n} not found`);
  });

  test('every Node option, after the verb and before it, in both spellings, is berth\'s to refuse', async () => {
    const work = await tempDir();
    try {
      const c = await makeCanary(work);
      const root = join(work, 'store');
      const failures: string[] = [];
      await inBatches(names, 6, async (name) => {
        const values = [c.envFile, c.script];
        const forms = values.flatMap((v) => [`${name}=${v}`, name, v]);
        for (const args of [['images', ...forms], [...forms.slice(0, 1), 'images']]) {
          const r = await berth(args, { root });
          try {
            assertBerthRefused(r, `berth ${args.join(' ')}`);
          } catch (err) {
            failures.push((err as Error).message);
          }
        }
      });
      assert.deepEqual(failures, []);
      assert.deepEqual(ranCanary(c), [], 'the canary ran inside berth');
    } finally {
      await removeDir(work);
    }
  });

  test('all of them and every V8 option on one command line at once', async () => {
    const work = await tempDir();
    try {
      const c = await makeCanary(work);
      const v8 = v8OptionNames();
      assert.ok(v8.length > 300, `only ${v8.length} V8 options found: the scan of node --v8-options is broken`);
      const all = [...names, ...v8].flatMap((n) => [`${n}=${c.envFile}`, n, c.script]);
      const r = await berth(['images', ...all], { root: join(work, 'store') });
      assertBerthRefused(r, 'berth images <every Node and V8 option>');
      assert.deepEqual(ranCanary(c), []);
    } finally {
      await removeDir(work);
    }
  });

  test('the caller\'s NODE_* and OpenSSL variables do not reach Berth\'s own process', async () => {
    const work = await tempDir();
    try {
      const c = await makeCanary(work);
      const coverage = join(work, 'coverage');
      await mkdir(coverage);
      const env = {
        NODE_OPTIONS: `--require ${c.script}`,
        NODE_PATH: work,
        NODE_EXTRA_CA_CERTS: join(work, 'missing-ca.pem'),
        NODE_REDIRECT_WARNINGS: join(work, 'warnings.txt'),
        NODE_DEBUG: 'module,fs,child_process',
        NODE_DEBUG_NATIVE: 'fs',
        NODE_V8_COVERAGE: coverage,
        NODE_ICU_DATA: join(work, 'missing-icu'),
        NODE_PENDING_DEPRECATION: '1',
        OPENSSL_CONF: join(work, 'missing-openssl.cnf'),
      };
      const r = await berth(['images'], { root: join(work, 'store'), env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '', 'Node printed nothing of its own (no warning about the CA file, no debug output)');
      assert.match(r.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID/);
      assert.deepEqual(ranCanary(c), []);
      assert.deepEqual(readdirSync(coverage), [], 'no V8 coverage was written');
      assert.equal(existsSync(env.NODE_REDIRECT_WARNINGS), false);
    } finally {
      await removeDir(work);
    }
  });

  test('the loader refuses to be started by node directly', async () => {
    const r = await run(process.execPath, [join(REPO, 'bin', 'berth.cjs'), 'images']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /start Berth with bin\/berth/);
    assert.equal(r.stdout, '');
  });

  test('bin/berth works through a symlink, as npm link and /usr/local/bin/berth make it', async () => {
    const work = await tempDir();
    try {
      await mkdir(join(work, 'bin'));
      const { symlink } = await import('node:fs/promises');
      await symlink(BERTH_BIN, join(work, 'bin', 'berth'));
      const r = await run(join(work, 'bin', 'berth'), ['version'], { env: { ...process.env as Record<string, string>, BERTH_ROOT: join(work, 'store') } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Berth version /);
    } finally {
      await removeDir(work);
    }
  });
});

describe('run --env-file gives the file to the container, never to Node', () => {
  const { withStore } = containerTestSuite('berth-launcher-');

  test('an env file with NODE_OPTIONS reaches the container and runs nothing in berth', (t) => withStore(t, async (s) => {
    const c = await makeCanary(s.work);
    for (const args of [['--env-file', c.envFile], [`--env-file=${c.envFile}`]]) {
      const r = await s.ok(['run', '--rm', ...args, IMAGE, 'env']);
      assert.match(r.stdout, new RegExp(`^NODE_OPTIONS=--require ${c.script}$`, 'm'));
      assert.match(r.stdout, /^BERTH_CANARY=loaded$/m);
    }
    assert.deepEqual(ranCanary(c), []);
    const missing = await s.berth(['run', '--rm', '--env-file', join(s.work, 'nonexistent'), IMAGE, 'true']);
    assert.equal(missing.code, 125, missing.stderr);
    assert.doesNotMatch(missing.stderr, /^node:/m);
    assert.match(missing.stderr, /nonexistent/);
  }));
});

