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
    const value = evaluate(action, data);
    if (value === null || value === undefined) {
      // Go prints a nil slice or map field by its type: [] or map[], not <nil>.
      const field = /\.([A-Za-z0-9_]+)$/.exec(action)?.[1];
      if (field !== undefined && NIL_LISTS.has(field)) return '[]';
      if (field !== undefined && NIL_MAPS.has(field)) return 'map[]';
    }
    return show(value);
  });
}

/** Fields of Docker's image JSON that are slices or maps in Go, so nil prints as [] or map[]. */
const NIL_LISTS = new Set(['Cmd', 'Entrypoint', 'Env', 'Shell', 'OnBuild', 'RepoTags', 'RepoDigests', 'Layers', 'Test']);
const NIL_MAPS = new Set(['Labels', 'Volumes', 'ExposedPorts', 'Data']);

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
