/**
 * Hostile archives for `berth load`, table-driven. Every case starts from a store that already
 * holds a good image (peer-vis:latest and peer-vis:v3 from docker-save-3layer.tar), runs
 * `berth load` on one crafted input, and checks that it is refused with exit code 1, the
 * expected [CODE], a message that says what is wrong, and a store left exactly as it was
 * (same files, same rows, nothing left in v1/ingest or v1/trash). A second table holds inputs
 * that look odd (or hostile, with the danger neutralised) but are legitimate and must load,
 * leaving the good image untouched.
 *
 * Canaries on the host: a directory under /tmp and one beside the stores (made once), and per
 * case a mode-0400 file beside the case's store and an empty working directory berth runs in.
 * After every case they must be exactly as they were, with nothing new beside them.
 *
 * The cases are in test/support/hostile-load-cases.ts and hostile-load-accepted.ts; every
 * archive is built in memory by test/support/tar-builder.ts; no binary fixture is added.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { berth, removeDir, run, storeSnapshot, tempDir, type RunResult } from '../support/cli.js';
import { BERTH_BIN, fixture, requireOrSkip } from '../support/env.js';
import { canaryTag, makeCanaryDir, makeCanaryFile, tmpNamesWith, treeFacts } from '../support/host-canaries.js';
import { hasTool, type Category, type Input, type LoadCanaries } from '../support/hostile-load-builders.js';
import { REFUSED_LOAD_CASES } from '../support/hostile-load-cases.js';
import { ACCEPTED_LOAD_CASES } from '../support/hostile-load-accepted.js';
import { buildTar, paxRecords } from '../support/tar-builder.js';

const GOOD_ID = 'sha256:5d59d30f19bb602783727906b0fca6934e80385d88675ced20df2ed124476ebd';
const GOOD_TAGS = ['peer-vis:latest', 'peer-vis:v3'];

// ---------------------------------------------------------------------------------------------
// The runner

let work: string;
let template: string;
/** storeSnapshot of the template; each case's store starts as an exact copy of it. */
let templateSnapshot: string[];
let canaries: LoadCanaries;
/** The canary directory beside the case directories (and so beside every store). */
let localCanaryDir: string;

before(async () => {
  work = await tempDir('berth-hostile-');
  template = join(work, 'template');
  const tag = canaryTag();
  canaries = { tag, tmpDir: `/tmp/berth-load-canary-${tag}`, victim: 'victim' };
  localCanaryDir = join(work, 'canary');
  await makeCanaryDir(canaries.tmpDir);
  await makeCanaryDir(localCanaryDir);
  const r = await berth(['load', '-q', '-i', fixture('docker-save-3layer.tar')], { root: template });
  assert.equal(r.code, 0, r.stderr);
  for (const tag of GOOD_TAGS) assert.match(r.stdout, new RegExp(`^Loaded image: ${tag}$`, 'm'));
  await assertGoodImage(template);
  templateSnapshot = await storeSnapshot(template);
});

after(async () => {
  process.stderr.write(`# test process cpu ${JSON.stringify(process.cpuUsage())} rss ${process.memoryUsage().rss}\n`);
  if (work !== undefined) await removeDir(work);
  if (canaries !== undefined) for (const name of tmpNamesWith(canaries.tag)) await rm(join('/tmp', name), { recursive: true, force: true });
});

interface CaseDirs {
  /** The case's directory: root/ (the store), scratch/, cwd/, the victim file, input.tar. */
  dir: string;
  root: string;
  /** Where berth runs: must stay empty. */
  cwd: string;
  before: string[];
}

/** A fresh copy of the store holding the good image, a scratch directory, berth's working directory and the victim file beside them. */
async function freshStore(): Promise<CaseDirs> {
  const dir = await mkdtemp(join(work, 'case-'));
  const root = join(dir, 'root');
  await cp(template, root, { recursive: true });
  await mkdir(join(dir, 'scratch'));
  await mkdir(join(dir, 'cwd'));
  await makeCanaryFile(join(dir, canaries.victim), 'victim\n');
  return { dir, root, cwd: join(dir, 'cwd'), before: templateSnapshot };
}

/**
 * What a load could change on the host outside its store: the canary directories, the case's
 * victim file and working directory, and the names beside them. A case's scratch directory and
 * the other cases' directories (they run concurrently) are left out.
 */
function hostFacts(c: CaseDirs): Record<string, unknown> {
  return {
    tmpDir: treeFacts(canaries.tmpDir),
    localDir: treeFacts(localCanaryDir),
    tmpNames: tmpNamesWith(canaries.tag),
    workNames: readdirSync(work).filter((n) => !n.startsWith('case-')).sort(),
    caseNames: readdirSync(c.dir).sort(),
    victim: treeFacts(join(c.dir, canaries.victim)),
    cwd: treeFacts(c.cwd),
  };
}

/** Writes a buffer input to input.tar beside the store (unless it goes to stdin) and returns berth's arguments. */
async function loadArgs(dir: string, input: Input, via: 'file' | 'stdin'): Promise<{ args: string[]; stdin?: Buffer }> {
  if (!Buffer.isBuffer(input)) return { args: ['load', '-i', 'dir' in input ? input.dir : input.path] };
  if (via === 'stdin') return { args: ['load'], stdin: input };
  const file = join(dir, 'input.tar');
  await writeFile(file, input);
  return { args: ['load', '-i', file] };
}

async function runLoad(c: CaseDirs, load: { args: string[]; stdin?: Buffer }, env: Record<string, string> = {}, addressSpaceKb?: number): Promise<RunResult> {
  const options = { root: c.root, cwd: c.cwd, env, timeoutMs: 30_000, ...(load.stdin === undefined ? {} : { stdin: load.stdin }) };
  return addressSpaceKb === undefined
    ? berth(load.args, options)
    : run('sh', ['-c', `ulimit -v ${addressSpaceKb} && exec "$0" "$@"`, BERTH_BIN, ...load.args], {
      ...options,
      env: { ...(process.env as Record<string, string>), ...env, BERTH_ROOT: c.root },
    });
}

async function assertNoLeftovers(root: string): Promise<void> {
  assert.deepEqual(await readdir(join(root, 'v1', 'ingest')), [], 'v1/ingest must be empty');
  assert.deepEqual(await readdir(join(root, 'v1', 'trash')), [], 'v1/trash must be empty');
}

async function assertGoodImage(root: string): Promise<void> {
  const r = await berth(['images', '--no-trunc', '--format', 'json', 'peer-vis'], { root });
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { Repository: string; Tag: string; ID: string });
  assert.deepEqual(rows.map((row) => `${row.Repository}:${row.Tag} ${row.ID}`).sort(), GOOD_TAGS.map((t) => `${t} ${GOOD_ID}`).sort());
}

/** Stderr holds only whole lines of the expected kinds: no raw control characters, no forged lines. */
function assertCleanStderr(stderr: string, allowed: RegExp, detail: string): void {
  assert.doesNotMatch(stderr, /[\u0000-\u0009\u000b-\u001f\u007f]/, `raw control characters on stderr\n${detail}`);
  for (const line of stderr.split('\n').filter((l) => l !== '')) assert.match(line, allowed, `unexpected stderr line\n${detail}`);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// One outer suite so that both tables and the single tests overlap (each case is mostly a child process).
describe('berth load and hostile archives', { concurrency: true }, () => {
  describe('berth load refuses hostile archives and leaves the store and the host exactly as they were', { concurrency: 3 }, () => {
    for (const c of REFUSED_LOAD_CASES) {
      test(`[${c.category}] ${c.name}`, async (t) => {
        if (c.needs !== undefined && !(await hasTool(c.needs))) {
          requireOrSkip(t, false, `${c.needs} is not installed`);
          return;
        }
        const dirs = await freshStore();
        try {
          const input = await c.input(join(dirs.dir, 'scratch'), canaries);
          const load = await loadArgs(dirs.dir, input, c.via ?? 'file');
          const host = hostFacts(dirs);
          const r = await runLoad(dirs, load, c.env, c.addressSpaceKb);
          const detail = `stderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
          assert.equal(r.code, 1, `exit code\n${detail}`);
          assert.doesNotMatch(r.stderr, /internal error|This is a bug/, detail);
          const printed = /^Error: .* \[([A-Z0-9_]+)\]$/m.exec(r.stderr)?.[1];
          const expected = typeof c.code === 'string' ? [c.code] : c.code;
          assert.ok(printed !== undefined && expected.includes(printed), `expected [${expected.join('] or [')}], got [${printed}]\n${detail}`);
          assert.match(r.stderr, new RegExp(`^Error: Cannot .+ \\[${escape(printed)}\\]\\nHint: \\S.*\\n$`), `one error line and one hint line\n${detail}`);
          assert.match(r.stderr, c.message, detail);
          assertCleanStderr(r.stderr, /^(Error|Hint): /, detail);
          assert.equal(r.stdout, '', 'nothing is reported as loaded');
          assert.deepEqual(await storeSnapshot(dirs.root), dirs.before, 'the store is unchanged');
          await assertNoLeftovers(dirs.root);
          assert.deepEqual(hostFacts(dirs), host, 'the canaries on the host are untouched');
        } finally {
          await removeDir(dirs.dir);
        }
      });
    }
  });

  describe('berth load accepts odd but legitimate archives, leaves the good image alone and the host untouched', { concurrency: 2 }, () => {
    for (const c of ACCEPTED_LOAD_CASES) {
      test(c.name, async (t) => {
        if (c.needs !== undefined && !(await hasTool(c.needs))) {
          requireOrSkip(t, false, `${c.needs} is not installed`);
          return;
        }
        const dirs = await freshStore();
        try {
          const input = await c.input(join(dirs.dir, 'scratch'), canaries);
          const load = await loadArgs(dirs.dir, input, c.via ?? 'file');
          const host = hostFacts(dirs);
          const r = await runLoad(dirs, load, c.env);
          const detail = `stderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 2000)}`;
          assert.equal(r.code, 0, detail);
          const lines = r.stdout.split('\n').filter((l) => l !== '');
          if (c.tags.length === 0) assert.ok(lines.includes(`Loaded image ID: ${c.id}`), detail);
          const printed = new Set(lines);
          for (const tag of c.tags) assert.ok(printed.has(`Loaded image: ${tag}`), `"Loaded image: ${tag}" is printed\n${detail}`);
          assert.equal(lines.length, Math.max(1, c.tags.length), `only the archive's images are reported\n${detail}`);
          assertCleanStderr(r.stderr, /^Note: /, detail);
          if (c.stderr !== undefined) assert.match(r.stderr, c.stderr, detail);
          // Every file and row of the store before the load is still there, unchanged (the good
          // image's tags included); the new image's rows and blobs come on top.
          const after = await storeSnapshot(dirs.root);
          const afterSet = new Set(after);
          for (const line of dirs.before) assert.ok(afterSet.has(line), `still in the store: ${line}`);
          assert.ok(after.some((line) => line.startsWith('images ') && line.includes(`"id":"${c.id}"`)), `image ${c.id} is stored`);
          await assertNoLeftovers(dirs.root);
          await c.check?.(dirs.root, r);
          assert.deepEqual(hostFacts(dirs), host, 'the canaries on the host are untouched');
        } finally {
          await removeDir(dirs.dir);
        }
      });
    }
  });

  test('every hostile case category from the issue is covered', () => {
    const counts = new Map<Category, number>();
    for (const c of REFUSED_LOAD_CASES) counts.set(c.category, (counts.get(c.category) ?? 0) + 1);
    for (const category of ['format', 'paths', 'digests', 'streams', 'bombs', 'limits', 'memory'] as const) {
      assert.ok((counts.get(category) ?? 0) > 0, `no case for ${category}`);
    }
    assert.equal(new Set(REFUSED_LOAD_CASES.map((c) => c.name)).size, REFUSED_LOAD_CASES.length, 'case names are unique');
    assert.equal(new Set(ACCEPTED_LOAD_CASES.map((c) => c.name)).size, ACCEPTED_LOAD_CASES.length, 'accepted case names are unique');
    // Keep the builder honest: the raw tar it writes is what the cases assume.
    const built = buildTar([{ name: 'a', data: 'abc' }]);
    assert.equal(built.bytes.length, 512 * 4);
    assert.equal(built.members[0]!.dataOffset, 512);
    assert.equal(paxRecords({ path: 'x' }).toString(), '9 path=x\n');
  });
});
