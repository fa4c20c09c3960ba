/** Keeps docs/errors.md honest: every error code the sources can raise is documented there. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, sourceFiles } from '../support/env.js';

test('every error code raised in src/ is listed in docs/errors.md', () => {
  const codes = new Set<string>();
  for (const file of sourceFiles(join(REPO, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/new BerthError\(\s*'[a-z_]+',\s*'([A-Z0-9_]+)'/g)) codes.add(m[1]!);
    for (const m of text.matchAll(/limitError\('([a-zA-Z]+)'/g)) codes.add(`LIMIT_${m[1]!.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`);
  }
  assert.ok(codes.size > 30, `found only ${codes.size} codes: the scan is broken`);
  const doc = readFileSync(join(REPO, 'docs', 'errors.md'), 'utf8');
  const missing = [...codes].filter((c) => !doc.includes(`\`${c}\``)).sort();
  assert.deepEqual(missing, [], `codes missing from docs/errors.md: ${missing.join(', ')}`);
});

test('the README opens with the set-up command and the test command', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(firstBlock, 'README has no sh block');
  const commands = firstBlock[1]!.split('\n').filter((l) => l.trim() !== '').map((l) => l.replace(/\s+#.*$/, '').trim());
  assert.deepEqual(commands, ['bash scripts/setup.sh', 'npm test']);
  const ci = readFileSync(join(REPO, '.ci', 'run'), 'utf8');
  for (const c of commands) assert.ok(ci.includes(c), `.ci/run does not run "${c}"`);
});
