/**
 * The fuzz targets in the suite: about a minute in all (FUZZ_TEST_SECONDS per target, default
 * 12), under V8 coverage guidance. No input may crash a reader (anything but a coded
 * BerthError), and each target must really run: thousands of executions that grow a corpus
 * and cover code. Inputs that once crashed a target (test/fuzz/regressions/<target>/) are
 * replayed first. `npm run fuzz` runs longer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isBerthError } from '../../src/internal/errors.js';
import { REPO } from '../support/env.js';
import { CoverageFuzzer, type FuzzTarget } from './coverage-fuzzer.js';

const SECONDS = Number(process.env.FUZZ_TEST_SECONDS ?? 12);
const REGRESSIONS = join(REPO, 'test', 'fuzz', 'regressions');
const fuzzer = new CoverageFuzzer((url) => url.includes('/dist/src/'));
let targets: readonly FuzzTarget[] = [];
let cleanUp: () => void = () => undefined;

before(async () => {
  await fuzzer.start();
  // Loaded after coverage starts, so their code is counted from the first run.
  const mod = await import('./targets.js');
  targets = mod.TARGETS;
  cleanUp = mod.cleanUpTargets;
});

after(async () => {
  cleanUp();
  await fuzzer.stop();
});

describe('fuzzing the archive readers', () => {
  test('every target has seeds, and the regression inputs no longer crash', async () => {
    assert.deepEqual(targets.map((t) => t.name), ['tar-parser', 'layer-scanner', 'layer-rewrite', 'archive', 'image-json']);
    for (const target of targets) {
      const seeds = await target.seeds();
      assert.ok(seeds.length > 0, target.name);
      const dir = join(REGRESSIONS, target.name);
      const inputs = [...seeds, ...(existsSync(dir) ? readdirSync(dir).map((n) => readFileSync(join(dir, n))) : [])];
      for (const input of inputs) {
        await target.run(input).catch((err: unknown) => {
          if (!isBerthError(err)) throw err;
        });
      }
    }
  });

  test(`${SECONDS} s per target under coverage guidance: no crash`, { timeout: (SECONDS * 5 + 60) * 1000 }, async (t) => {
    for (const target of targets) {
      const r = await fuzzer.fuzz(target, { seconds: SECONDS, crashDir: join(REPO, '.fuzz', 'crashes') });
      t.diagnostic(`${r.target}: ${r.executions} executions, corpus ${r.corpus} (${r.seedCorpus} seeds), blocks covered so far ${r.blocksCovered}/${r.blocksTotal}`);
      assert.deepEqual(r.crashes, [], `${target.name} crashed; the inputs are saved for a regression test`);
      assert.ok(r.executions >= Math.min(100, SECONDS * 5), `${target.name} ran only ${r.executions} times`);
      assert.ok(r.corpus > r.seedCorpus, `${target.name}: no mutation reached new code`);
    }
  });
});
