/**
 * The hostile-archive suites cover every attack class of support/hostile-classes.ts (the
 * security reference's section 1 and lessons, and the list), and name no other class.
 * Only the case tables are read: nothing is loaded or run here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { casesPerClass, HOSTILE_CLASSES, uncoveredClasses, unknownClasses, type ClassifiedCase } from '../support/hostile-classes.js';
import { REFUSED_LOAD_CASES } from '../support/hostile-load-cases.js';
import { ACCEPTED_LOAD_CASES } from '../support/hostile-load-accepted.js';
import { HOSTILE_IMAGE_CASES } from '../support/hostile-image-cases.js';

const ALL: ClassifiedCase[] = [
  ...REFUSED_LOAD_CASES.map((c) => ({ name: `load refused: ${c.name}`, classes: c.classes })),
  ...ACCEPTED_LOAD_CASES.map((c) => ({ name: `load accepted: ${c.name}`, classes: c.classes })),
  ...HOSTILE_IMAGE_CASES.map((c) => ({ name: `image run: ${c.name}`, classes: c.classes })),
];

test('every attack class has at least one case', () => {
  assert.deepEqual(uncoveredClasses(ALL), []);
});

test('no case names a class that is not in the class list', () => {
  assert.deepEqual(unknownClasses(ALL), []);
});

test('the class list names each class once', () => {
  const ids = HOSTILE_CLASSES.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
});

test('every hostile case names a class (only the baselines of the accepted table name none)', () => {
  const unclassified = ALL.filter((c) => c.classes.length === 0).map((c) => c.name);
  assert.deepEqual(unclassified.filter((n) => !/^load accepted: (baseline: |an OCI archive with a zstd layer$)/.test(n)), []);
});

test('the coverage checks themselves catch a gap and an unknown class', () => {
  const fake: ClassifiedCase[] = [{ name: 'only one', classes: ['CVE-2014-6407', 'CVE-1999-0000'] }];
  assert.ok(uncoveredClasses(fake).includes('CVE-2021-29136'));
  assert.deepEqual(unknownClasses(fake), ['only one: CVE-1999-0000']);
  // The table of counts, for the record of the run.
  const counts = [...casesPerClass(ALL)].map(([id, n]) => `${id} ${n}`);
  process.stdout.write(`# cases per class: ${counts.join(', ')}\n`);
});
