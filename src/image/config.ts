/**
 * The image config (Docker image spec v1.2 / OCI config): validated just enough to be used,
 * never re-serialised. The raw bytes stay the source of truth; the image ID is their digest.
 */
import { BerthError } from '../internal/errors.js';
import { isDigest, type Digest } from '../digest/digest.js';
import { sha256Of } from '../digest/sha256.js';

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  comment?: string;
  container?: string;
  docker_version?: string;
  config?: Record<string, unknown> | null;
  container_config?: Record<string, unknown> | null;
  history?: HistoryEntry[];
  rootfs: { type: string; diff_ids: Digest[] };
}

export interface ParsedConfig {
  id: Digest;
  bytes: Buffer;
  config: ImageConfig;
}

function invalid(what: string, why: string): BerthError {
  return new BerthError('invalid_archive', 'CONFIG_INVALID', `Cannot use image config ${what}: ${why}`, {
    hint: 'The archive holds a damaged or non-image config',
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const STRING_FIELDS = ['architecture', 'os', 'variant', 'created', 'author', 'comment', 'container', 'docker_version'] as const;

/** Parses and checks config bytes; `what` names the config in errors. */
export function parseConfig(bytes: Buffer, what: string): ParsedConfig {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw invalid(what, `not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(value)) throw invalid(what, 'not a JSON object');
  for (const field of STRING_FIELDS) {
    if (value[field] !== undefined && value[field] !== null && typeof value[field] !== 'string') throw invalid(what, `"${field}" is not a string`);
  }
  const rootfs = value.rootfs;
  if (!isObject(rootfs)) throw invalid(what, 'it has no "rootfs"');
  if (rootfs.type !== 'layers') throw invalid(what, `rootfs type "${String(rootfs.type)}" is not "layers"`);
  const diffIds = rootfs.diff_ids ?? [];
  if (!Array.isArray(diffIds)) throw invalid(what, 'rootfs.diff_ids is not a list');
  for (const d of diffIds) if (!isDigest(d)) throw invalid(what, `diff ID "${String(d).slice(0, 80)}" is not a sha256 digest`);
  if (value.history !== undefined && value.history !== null) {
    if (!Array.isArray(value.history)) throw invalid(what, '"history" is not a list');
    for (const h of value.history) {
      if (!isObject(h)) throw invalid(what, 'a history entry is not an object');
      for (const f of ['created', 'created_by', 'author', 'comment'] as const) {
        if (h[f] !== undefined && h[f] !== null && typeof h[f] !== 'string') throw invalid(what, `history "${f}" is not a string`);
      }
      if (h.empty_layer !== undefined && h.empty_layer !== null && typeof h.empty_layer !== 'boolean') throw invalid(what, 'history "empty_layer" is not a boolean');
    }
  }
  for (const f of ['config', 'container_config'] as const) {
    if (value[f] !== undefined && value[f] !== null && !isObject(value[f])) throw invalid(what, `"${f}" is not an object`);
  }
  return { id: sha256Of(bytes), bytes, config: value as unknown as ImageConfig };
}

/** Milliseconds since the epoch of an RFC 3339 time, or 0 when absent or unparseable. */
export function createdMs(created: string | undefined): number {
  if (created === undefined) return 0;
  const ms = Date.parse(created);
  return Number.isFinite(ms) ? ms : 0;
}

/** The history entries that correspond to layers, in order (empty_layer entries skipped). */
export function layerHistory(config: ImageConfig): Array<HistoryEntry | undefined> {
  const layers = config.rootfs.diff_ids.length;
  const out: Array<HistoryEntry | undefined> = [];
  for (const h of config.history ?? []) if (h.empty_layer !== true) out.push(h);
  while (out.length < layers) out.push(undefined);
  return out.slice(0, layers);
}
