import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTable, tabwrite } from './tabwriter.js';
import { FIXTURES, requireOrSkip } from '../../../test/support/env.js';

const sp = (n: number): string => ' '.repeat(n);

test('tabwrite() lays out the Docker images header and a row (minwidth 10, padding 3)', () => {
  const out = tabwrite('REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\nbusybox\tlatest\t5d59d30f19bb\tAbout an hour ago\t1.98MB\n');
  assert.equal(out, [
    'REPOSITORY   TAG       IMAGE ID       CREATED             SIZE',
    'busybox      latest    5d59d30f19bb   About an hour ago   1.98MB',
    '',
  ].join('\n'));
});

test('tabwrite() reproduces a real `docker images` table', () => {
  // Printed by the docker 28.2 CLI; the input uses the same cell texts.
  const rows = [
    ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
    ['berth-bench', 'l3', 'b017a09da963', '7 seconds ago', '251MB'],
    ['berth-bench', 'c50', '5f77fb9d04ce', '8 seconds ago', '251MB'],
    ['berth-bench', 'base', '26484ef47d13', '12 seconds ago', '199MB'],
    ['peer-vis', 'latest', '5d59d30f19bb', 'About an hour ago', '1.98MB'],
    ['peer-vis', 'v3', '5d59d30f19bb', 'About an hour ago', '1.98MB'],
    ['peer-vis-b', '1.0', '28760e165edb', 'About an hour ago', '1.98MB'],
  ];
  const docker = [
    'REPOSITORY    TAG       IMAGE ID       CREATED             SIZE',
    'berth-bench   l3        b017a09da963   7 seconds ago       251MB',
    'berth-bench   c50       5f77fb9d04ce   8 seconds ago       251MB',
    'berth-bench   base      26484ef47d13   12 seconds ago      199MB',
    'peer-vis      latest    5d59d30f19bb   About an hour ago   1.98MB',
    'peer-vis      v3        5d59d30f19bb   About an hour ago   1.98MB',
    'peer-vis-b    1.0       28760e165edb   About an hour ago   1.98MB',
    '',
  ].join('\n');
  assert.equal(tabwrite(`${rows.map((r) => r.join('\t')).join('\n')}\n`), docker);
});

// `docker history peer-vis:l2` as docker 20.10 printed it (../shared/fixtures/expected.json,
// docker["peer-vis:l2"].history_table). The CREATED BY cell of the first row holds two newlines,
// which end the tabwriter's line, so the SIZE and COMMENT cells after it are aligned with the
// next row and not with the header.
const HISTORY_TABLE =
  'IMAGE          CREATED          CREATED BY   SIZE      COMMENT\n' +
  'ca2c569295c5   51 seconds ago   sh -c \n' +
  ' mkdir -p /opt/app &&\n' +
  ' echo "hello fr…   116B             layer2: add app files\n' +
  '23e8b890473d       52 seconds ago             1.98MB    peer visible base import\n';

function historyInput(): string {
  const rows = [
    ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
    ['ca2c569295c5', '51 seconds ago', 'sh -c \n mkdir -p /opt/app &&\n echo "hello fr…', '116B', 'layer2: add app files'],
    ['23e8b890473d', '52 seconds ago', '', '1.98MB', 'peer visible base import'],
  ];
  return `${rows.map((r) => r.join('\t')).join('\n')}\n`;
}

test('tabwrite() matches Docker\'s history table when a CREATED BY cell contains newlines', () => {
  assert.equal(tabwrite(historyInput()), HISTORY_TABLE);
});

test('the history table in this test is the one in the shared fixtures', (t) => {
  const path = join(FIXTURES, 'expected.json');
  if (!requireOrSkip(t, existsSync(path), `no ${path}`)) return;
  const expected = JSON.parse(readFileSync(path, 'utf8')) as { docker: Record<string, { history_table?: string }> };
  assert.equal(expected.docker['peer-vis:l2']?.history_table, HISTORY_TABLE);
});

test('tabwrite() pads empty cells to the minimum width', () => {
  assert.equal(tabwrite('a\t\tc\n'), `a${sp(9)}${sp(10)}c\n`);
});

test('tabwrite() sizes a column by the block of consecutive lines that have a cell in it', () => {
  const out = tabwrite('a\tb\tc\nlonger-cell-text\t\tx\nno tabs here\nq\tr\n');
  assert.equal(out, [
    `a${sp(18)}b${sp(9)}c`,
    `longer-cell-text${sp(3)}${sp(10)}x`,
    'no tabs here',
    `q${sp(9)}r`,
    '',
  ].join('\n'));
});

test('tabwrite() lets a line with fewer cells end a column block', () => {
  // Column 1 is a block of line 0 only: line 1 has no tab-terminated second cell.
  const out = tabwrite('x\tloooooooooooong\tz\nx\tshort\nx\ta\tb\n');
  assert.equal(out, [
    `x${sp(9)}loooooooooooong${sp(3)}z`,
    `x${sp(9)}short`,
    `x${sp(9)}a${sp(9)}b`,
    '',
  ].join('\n'));
});

test('tabwrite() never pads the last cell of a line, but pads a tab-terminated one', () => {
  assert.equal(tabwrite('a\tb\n'), `a${sp(9)}b\n`);
  assert.equal(tabwrite('a\tb\t\n'), `a${sp(9)}b${sp(9)}\n`);
});

test('tabwrite() measures cells in characters, not bytes or UTF-16 units', () => {
  assert.equal(tabwrite('é\tb\n日本\tc\n😀\td\n'), `é${sp(9)}b\n日本${sp(8)}c\n😀${sp(9)}d\n`);
  assert.equal(tabwrite(`${'é'.repeat(12)}\tx\n`), `${'é'.repeat(12)}${sp(3)}x\n`);
});

test('tabwrite() prints a last line without a newline as it is given', () => {
  assert.equal(tabwrite('a\tb\nc\td'), `a${sp(9)}b\nc${sp(9)}d`);
  assert.equal(tabwrite(''), '');
  assert.equal(tabwrite('\n'), '\n');
});

test('tabwrite() takes other minimum widths and paddings', () => {
  assert.equal(tabwrite('a\tbb\nccc\td\n', { minWidth: 0, padding: 1 }), 'a   bb\nccc d\n');
});

test('renderTable() lays out rows exactly as tabwrite() does for the same cells', () => {
  const rows = [
    ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
    ['peer-vis', 'latest', '5d59d30f19bb', '2 hours ago', '1.98MB'],
    ['a-much-longer-repository-name', 'v3', '5d59d30f19bb', 'About a minute ago', '116B'],
    ['名前', 'tag', 'abc', '', '0B'],
    ['x', '', '', '', ''],
  ];
  assert.equal(renderTable(rows), tabwrite(`${rows.map((r) => r.join('\t')).join('\n')}\n`));
  assert.equal(renderTable([]), '');
});
