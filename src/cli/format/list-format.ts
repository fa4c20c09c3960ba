/**
 * `--format` for listings (`ps`, `images`), as Docker reads it: "table" (the default table),
 * "json" (one object per line), "table TEMPLATE" (a table whose columns are the template's
 * tab-separated actions, headed by each field's column name) or any other Go template (one
 * rendered line per row). `\t` and `\n` written literally in the flag mean tab and newline.
 */
import { renderTemplate } from './template.js';
import { tabwrite } from './tabwriter.js';

export type ListFormat =
  | { kind: 'table' }
  | { kind: 'json' }
  | { kind: 'template'; template: string; table: boolean };

export function parseListFormat(value: string | undefined): ListFormat {
  if (value === undefined || value === '' || value === 'table') return { kind: 'table' };
  if (value === 'json') return { kind: 'json' };
  const unescaped = value.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  if (unescaped.startsWith('table ')) return { kind: 'template', template: unescaped.slice('table '.length), table: true };
  return { kind: 'template', template: unescaped, table: false };
}

/** Renders rows (the objects `--format json` prints) through a template format; `headers` names each field's column. */
export function renderListTemplate(format: { template: string; table: boolean }, rows: readonly object[], headers: Readonly<Record<string, string>>): string {
  const lines = rows.map((row) => `${renderTemplate(format.template, row)}\n`);
  if (!format.table) return lines.join('');
  const header = format.template.replace(/\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/g, (_m, field: string) => headers[field] ?? field.toUpperCase());
  return tabwrite(`${header}\n${lines.join('')}`);
}
