/**
 * Dependencies point one way: cli -> engine -> store / archive -> image -> digest / internal.
 * Format code never touches the store, the store knows no formats (it knows image configs,
 * references and the manifest it records a digest of), and only the CLI prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO, sourceFiles } from '../support/env.js';

const SRC = join(REPO, 'src');

/** Top-level module of a file under src/ ("archive", "store", ...). */
function moduleOf(file: string): string {
  return relative(SRC, file).split('/')[0]!;
}

/** Which modules each module may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  internal: [],
  digest: ['internal'],
  image: ['internal', 'digest'],
  archive: ['internal', 'digest', 'image'],
  store: ['internal', 'digest', 'image'],
  container: ['internal', 'digest', 'image', 'archive', 'store'],
  engine: ['internal', 'digest', 'image', 'archive', 'store', 'container'],
  cli: ['internal', 'digest', 'image', 'archive', 'engine', 'store'],
};

test('imports between top-level modules follow the allowed directions', () => {
  const violations: string[] = [];
  const files = sourceFiles(SRC);
  assert.ok(files.length > 40, 'the scan found too few files');
  for (const file of files) {
    const from = moduleOf(file);
    const allowed = ALLOWED[from];
    assert.ok(allowed !== undefined, `unknown top-level module ${from}`);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!);
      const to = moduleOf(target);
      if (to !== from && !allowed.includes(to)) violations.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
    }
  }
  assert.deepEqual(violations, []);
});

test('only the CLI writes to stdout/stderr or exits the process', () => {
  const offenders = sourceFiles(SRC)
    .filter((f) => moduleOf(f) !== 'cli')
    .filter((f) => /process\.(stdout|stderr)\.write|process\.exit\(|console\.(log|error)/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(SRC, f));
  assert.deepEqual(offenders, []);
});
