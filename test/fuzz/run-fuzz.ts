/**
 * `npm run fuzz`: runs every fuzz target (or those named in FUZZ_TARGETS, comma-separated) for
 * FUZZ_SECONDS each (default 60), prints executions, corpus and coverage, and exits 1 if any
 * crash was found (the inputs are in .fuzz/crashes/).
 */
import { join } from 'node:path';
import { REPO } from '../support/env.js';
import { CoverageFuzzer } from './coverage-fuzzer.js';

const seconds = Number(process.env.FUZZ_SECONDS ?? 60);
const wanted = (process.env.FUZZ_TARGETS ?? '').split(',').filter((t) => t !== '');
const fuzzer = new CoverageFuzzer((url) => url.includes('/dist/src/'));
await fuzzer.start();
const { TARGETS, cleanUpTargets } = await import('./targets.js');
let crashes = 0;
try {
  for (const target of TARGETS) {
    if (wanted.length > 0 && !wanted.includes(target.name)) continue;
    const r = await fuzzer.fuzz(target, { seconds, crashDir: join(REPO, '.fuzz', 'crashes') });
    crashes += r.crashes.length;
    process.stdout.write(`${r.target.padEnd(14)} ${String(r.executions).padStart(8)} executions in ${r.seconds.toFixed(0)} s (${Math.round(r.executions / r.seconds)}/s), corpus ${r.corpus}, blocks covered so far ${r.blocksCovered}/${r.blocksTotal}\n`);
    for (const c of r.crashes) process.stdout.write(`  CRASH ${c.input}: ${c.error}\n`);
  }
} finally {
  cleanUpTargets();
  await fuzzer.stop();
}
process.exitCode = crashes > 0 ? 1 : 0;
