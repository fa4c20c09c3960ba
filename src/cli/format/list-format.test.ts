import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListFormat, renderListTemplate } from './list-format.js';

test('parseListFormat tells the four kinds apart and unescapes \\t', () => {
  assert.deepEqual(parseListFormat(undefined), { kind: 'table' });
  assert.deepEqual(parseListFormat('table'), { kind: 'table' });
  assert.deepEqual(parseListFormat('json'), { kind: 'json' });
  assert.deepEqual(parseListFormat('table {{.ID}}\\t{{.Names}}'), { kind: 'template', template: '{{.ID}}\t{{.Names}}', table: true });
  assert.deepEqual(parseListFormat('{{.Names}}'), { kind: 'template', template: '{{.Names}}', table: false });
});

test('a plain template prints one line per row', () => {
  const out = renderListTemplate({ template: '{{.Names}}: {{.Status}}', table: false }, [{ Names: 'a', Status: 'Up' }, { Names: 'b', Status: 'Exited (0)' }], {});
  assert.equal(out, 'a: Up\nb: Exited (0)\n');
});

test('a table template gets a header from the column names and aligned columns', () => {
  const out = renderListTemplate({ template: '{{.ID}}\t{{.Names}}', table: true }, [{ ID: '0123456789ab', Names: 'web' }], { ID: 'CONTAINER ID', Names: 'NAMES' });
  assert.equal(out, 'CONTAINER ID   NAMES\n0123456789ab   web\n');
});
