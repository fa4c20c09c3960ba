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

test('the README stays a front door: under 8.5 KB (the verb reference is docs/cli.md)', () => {
  const bytes = readFileSync(join(REPO, 'README.md')).length;
  assert.ok(bytes > 1024, `README.md is ${bytes} bytes: the read is broken`);
  assert.ok(bytes <= 8704, `README.md is ${bytes} bytes, over 8.5 KB: move detail to docs/`);
});

/** The verbs src/cli/main.ts dispatches: the top-level table and each management command's (hidden ones left out). */
function dispatchedVerbs(): { verbs: string[]; aliases: Array<{ group: string; sub: string }> } {
  const main = readFileSync(join(REPO, 'src', 'cli', 'main.ts'), 'utf8');
  const tables = new Map<string, Array<{ key: string; alias: boolean }>>();
  for (const m of main.matchAll(/^const (\w+): Record<string, Entry> = \{\n([\s\S]*?)\n\};$/gm)) {
    tables.set(m[1]!, [...m[2]!.matchAll(/^ {2}([a-z][a-z-]*): (.*)$/gm)].map((e) => ({ key: e[1]!, alias: e[2]!.startsWith('TOP.') })));
  }
  const groups = [...main.matchAll(/^ {2}(\w+): \{ what: [^,]+, table: (\w+)/gm)].map((m) => ({ group: m[1]!, table: m[2]! }));
  const top = tables.get('TOP') ?? [];
  assert.ok(top.length > 20 && groups.length >= 3, `read ${top.length} commands and ${groups.length} groups from main.ts: the scan is broken`);
  const verbs = top.map((e) => e.key);
  const aliases: Array<{ group: string; sub: string }> = [];
  for (const { group, table } of groups) {
    const entries = tables.get(table);
    assert.ok(entries !== undefined && entries.length > 0, `no table ${table} for "${group}" in main.ts`);
    for (const e of entries) {
      if (e.alias) aliases.push({ group, sub: e.key });
      else verbs.push(`${group} ${e.key}`);
    }
  }
  return { verbs, aliases };
}

test('docs/cli.md has a section for every verb main.ts dispatches, and none for a verb it does not', () => {
  const { verbs, aliases } = dispatchedVerbs();
  const doc = readFileSync(join(REPO, 'docs', 'cli.md'), 'utf8');
  const headings = [...doc.matchAll(/^### (.+)$/gm)].map((m) => m[1]!.trim());
  const missing = verbs.filter((v) => !headings.includes(v));
  assert.deepEqual(missing, [], `verbs without a "### VERB" section in docs/cli.md: ${missing.join(', ')}`);
  // Lower-case headings are verb sections; a verb that is gone must not keep one.
  const stale = headings.filter((h) => /^[a-z]+( [a-z]+)?$/.test(h) && !verbs.includes(h));
  assert.deepEqual(stale, [], `sections for verbs main.ts does not dispatch: ${stale.join(', ')}`);
  // Aliases (berth image ls = berth images) are listed in the management command's line.
  const unlisted = aliases.filter(({ group, sub }) => {
    const list = new RegExp(`\`berth ${group}\` \\(([^)]*)\\)`).exec(doc)?.[1] ?? '';
    return !list.includes(`\`${sub}\``);
  }).map(({ group, sub }) => `${group} ${sub}`);
  assert.deepEqual(unlisted, [], `management subcommands not listed in docs/cli.md: ${unlisted.join(', ')}`);
});
