/**
 * The config of an image rolled back by some layers: pure functions from the config it is cut
 * from (and, when an archive recorded one, the legacy per-layer config of the new top layer)
 * to the new config's bytes. The bytes are Berth's own serialisation, deterministic (top-level
 * keys sorted, as Docker writes configs), and composable: cutting by 1 twice gives the same
 * bytes as cutting by 2 once, given the same legacy configs.
 */
import type { HistoryEntry } from './config.js';

/** The fields of a legacy docker-archive `<layer>/json` that describe the image at that layer. */
export const LEGACY_FIELDS = ['author', 'comment', 'config', 'container', 'container_config', 'created', 'docker_version'] as const;

export type LegacyConfig = Partial<Record<(typeof LEGACY_FIELDS)[number], unknown>>;

/** What Docker >= 1.10 writes as `created` in the json of every layer but the top one. */
const EPOCH = /^1970-01-01T00:00:00(?:\.0+)?Z$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The usable part of a legacy layer json, or undefined when it holds no image config. Docker
 * 1.10 and later write, for every layer below the top one, only an id, the parent's id, an
 * epoch `created` and an empty `container_config`: no `config`, so nothing to roll back to.
 */
export function legacyLayerConfig(value: unknown): LegacyConfig | undefined {
  if (!isObject(value) || !isObject(value.config)) return undefined;
  const out: LegacyConfig = {};
  for (const field of LEGACY_FIELDS) {
    const v = value[field];
    if (v === undefined || v === null) continue;
    if (field === 'config' || field === 'container_config') {
      if (!isObject(v)) return undefined;
    } else if (typeof v !== 'string') {
      return undefined;
    }
    if (field === 'created' && EPOCH.test(v as string)) continue;
    out[field] = v;
  }
  return out;
}

/**
 * The history entries of the image cut to its first `layers` layers: the entries of the
 * dropped layers go, and so do empty_layer entries above the new top layer. A history that
 * describes fewer layers than the image had is kept whole when the cut is above what it
 * describes.
 */
export function cutHistory(history: readonly HistoryEntry[], layers: number): HistoryEntry[] {
  let seen = 0;
  for (let i = 0; i < history.length; i++) {
    if (history[i]!.empty_layer === true) continue;
    if (++seen === layers) return history.slice(0, i + 1);
  }
  return history.slice();
}

/**
 * New config bytes: `base` (a parsed config object, not modified) with rootfs.diff_ids and
 * history cut to `layers`, `created` taken from the last history entry kept, then the legacy
 * fields replaced by `legacy`'s when given (a field it lacks is removed, so the result does
 * not depend on what the base had there).
 */
export function rollbackConfigBytes(base: Record<string, unknown>, layers: number, legacy?: LegacyConfig): Buffer {
  const out: Record<string, unknown> = { ...base };
  const rootfs = base.rootfs as { diff_ids: unknown[] };
  out.rootfs = { ...rootfs, diff_ids: rootfs.diff_ids.slice(0, layers) };
  if (Array.isArray(base.history)) {
    const history = cutHistory(base.history as HistoryEntry[], layers);
    out.history = history;
    const created = history.at(-1)?.created;
    if (typeof created === 'string' && created !== '') out.created = created;
  }
  if (legacy !== undefined) {
    for (const field of LEGACY_FIELDS) {
      if (field === 'created') continue;
      if (legacy[field] === undefined) delete out[field];
      else out[field] = legacy[field];
    }
    if (typeof legacy.created === 'string') out.created = legacy.created;
  }
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(out).sort()) sorted[key] = out[key];
  return Buffer.from(JSON.stringify(sorted));
}
