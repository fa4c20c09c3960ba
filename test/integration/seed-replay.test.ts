/**
 * The guide Berth grew from, end to end: examples/seed-replay.sh replays it (export, import,
 * commit, save, load, images --tree, rollback by layer ID, the `[ -d /home/test ]` check,
 * `run -dit`) and checks each claim. Against Berth every claim must hold; against real docker
 * the claims Docker supports must give the same answers, and the ones it does not (the layer
 * tree, rollback without the intermediate image, keeping the command through import) must be
 * reported as unsupported, as the guide says.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { removeDir, run, tempDir } from '../support/cli.js';
import { dockerAvailable, IS_ROOT, REPO, requireOrSkip } from '../support/env.js';

const SCRIPT = join(REPO, 'examples', 'seed-replay.sh');

interface Claim { text: string; result: 'ok' | 'FAIL' | 'unsupported'; detail: string }

function claims(stdout: string): Claim[] {
  const out: Claim[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(.*?)\s+(ok|FAIL|unsupported)(?: \((.*)\))?$/.exec(line);
    if (m !== null) out.push({ text: m[1]!.trim(), result: m[2] as Claim['result'], detail: m[3] ?? '' });
  }
  return out;
}

/** The claims of the guide that Docker cannot answer, which Berth does. */
const BERTH_ONLY = [
  'images --tree shows the layers with their tags',
  'tag <LAYER ID> rolls back one layer',
  'import keeps the start command (the guide says it is lost)',
];

describe('the guide, replayed', () => {
  test('with berth: every claim holds', async (t) => {
    if (!requireOrSkip(t, IS_ROOT, 'containers need root')) return;
    const work = await tempDir();
    try {
      const r = await run('bash', [SCRIPT, 'berth'], { env: { ...process.env as Record<string, string>, BERTH_ROOT: join(work, 'store') }, timeoutMs: 300_000 });
      const found = claims(r.stdout);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.ok(found.length >= 15, `expected every claim to be reported:\n${r.stdout}`);
      assert.deepEqual(found.filter((c) => c.result !== 'ok'), [], r.stdout);
      for (const text of ['exported-imported image has one layer', 'saved-loaded image keeps every layer', 'tag <LAYER ID> rolls back one layer',
        'run IMPORTED [ -d /home/test ] finds the directory', 'run -dit IMPORTED /bin/sh stays up', 'import keeps the start command (the guide says it is lost)']) {
        assert.ok(found.some((c) => c.text === text && c.result === 'ok'), `claim "${text}" missing:\n${r.stdout}`);
      }
    } finally {
      await removeDir(work);
    }
  });

  test('with docker: the same answers where Docker supports the claim', async (t) => {
    if (!requireOrSkip(t, IS_ROOT && dockerAvailable(), 'needs root and a docker daemon')) return;
    const r = await run('bash', [SCRIPT, 'docker'], { timeoutMs: 300_000 });
    const found = claims(r.stdout);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(found.length >= 12, r.stdout);
    for (const c of found) {
      if (BERTH_ONLY.some((text) => c.text.startsWith(text.split(' (')[0]!))) {
        assert.equal(c.result, 'unsupported', `docker was not expected to support "${c.text}":\n${r.stdout}`);
      } else {
        assert.equal(c.result, 'ok', `docker disagrees on "${c.text}":\n${r.stdout}`);
      }
    }
  });
});
