/**
 * A small subset of Go templates for `inspect --format`: text with {{.Field.Sub}},
 * {{json .Field}} and {{index .Map "key"}} actions, which covers the common scripting uses
 * (`-f '{{.Id}}'`, `-f '{{json .Config.Cmd}}'`).
 */
import { BerthError } from '../../internal/errors.js';

export function renderTemplate(template: string, data: unknown): string {
  return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_m, action: string) => {
    const json = /^json\s+(.+)$/.exec(action);
    if (json !== null) return JSON.stringify(evaluate(json[1]!.trim(), data) ?? null);
    return show(evaluate(action, data));
  });
}

function evaluate(expr: string, data: unknown): unknown {
  const index = /^index\s+(\S+)\s+"([^"]*)"$/.exec(expr);
  if (index !== null) {
    const base = evaluate(index[1]!, data);
    // Docker indexes map[string]string values (Labels): a missing key, or a nil map, gives "".
    if (base === null) return '';
    return typeof base === 'object' ? (base as Record<string, unknown>)[index[2]!] ?? '' : undefined;
  }
  if (expr === '.') return data;
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(expr)) {
    throw new BerthError('invalid_argument', 'TEMPLATE_INVALID', `Cannot parse template action "{{${expr}}}": only .Field paths, json and index are supported`);
  }
  let value: unknown = data;
  for (const key of expr.slice(1).split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Go's default printing: maps as map[k:v], lists as [a b], nil as <nil>. */
function show(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(show).join(' ')}]`;
  if (typeof value === 'object') return `map[${Object.keys(value as object).sort().map((k) => `${k}:${show((value as Record<string, unknown>)[k])}`).join(' ')}]`;
  return String(value);
}
