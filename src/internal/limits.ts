/**
 * Bounds on what an archive may make Berth do. Each limit has a default, an environment
 * variable that raises it, and a name used in the LIMIT_* error that reports it.
 */
import { BerthError } from './errors.js';

export interface Limits {
  /** Largest JSON document read from an archive (manifest.json, index.json, configs). */
  jsonBytes: number;
  /** Deepest nesting of arrays and objects in such a document. */
  jsonDepth: number;
  /** Most tags one archive may carry. */
  tags: number;
  /** Most images one archive may carry. */
  images: number;
  /** Most members in the outer archive. */
  entries: number;
  /** Longest member name, in bytes. */
  pathBytes: number;
  /** Deepest member name, in components. */
  pathDepth: number;
  /** Largest PAX extended header or GNU long name record. */
  paxBytes: number;
  /** Largest decompressed/compressed ratio once past `ratioFloorBytes` of output. */
  decompressionRatio: number;
  /** Output a compressed stream may produce before the ratio is enforced. */
  ratioFloorBytes: number;
  /** Deepest nesting of OCI indexes. */
  indexDepth: number;
}

interface LimitSpec {
  key: keyof Limits;
  env: string;
  fallback: number;
  what: string;
}

const SPECS: readonly LimitSpec[] = [
  { key: 'jsonBytes', env: 'BERTH_MAX_JSON_BYTES', fallback: 16 * 1024 * 1024, what: 'JSON document size' },
  // Real image JSON nests under 10 levels; a config nested thousands deep would load and then
  // overflow the stack of every later JSON.stringify (inspect).
  { key: 'jsonDepth', env: 'BERTH_MAX_JSON_DEPTH', fallback: 256, what: 'JSON nesting depth' },
  { key: 'tags', env: 'BERTH_MAX_TAGS', fallback: 100_000, what: 'number of tags in one archive' },
  { key: 'images', env: 'BERTH_MAX_IMAGES', fallback: 100_000, what: 'number of images in one archive' },
  { key: 'entries', env: 'BERTH_MAX_ENTRIES', fallback: 1_000_000, what: 'number of archive members' },
  { key: 'pathBytes', env: 'BERTH_MAX_PATH_BYTES', fallback: 4096, what: 'member name length' },
  { key: 'pathDepth', env: 'BERTH_MAX_PATH_DEPTH', fallback: 1024, what: 'member name depth' },
  { key: 'paxBytes', env: 'BERTH_MAX_PAX_BYTES', fallback: 1024 * 1024, what: 'PAX header size' },
  { key: 'decompressionRatio', env: 'BERTH_MAX_RATIO', fallback: 200, what: 'decompression ratio' },
  { key: 'ratioFloorBytes', env: 'BERTH_RATIO_FLOOR_BYTES', fallback: 64 * 1024 * 1024, what: 'output allowed before the ratio applies' },
  { key: 'indexDepth', env: 'BERTH_MAX_INDEX_DEPTH', fallback: 8, what: 'OCI index nesting depth' },
];

/** Defaults, overridden by the BERTH_MAX_* environment variables that hold positive integers. */
export function limitsFromEnv(env: NodeJS.ProcessEnv): Limits {
  const out = {} as Limits;
  for (const spec of SPECS) {
    const raw = env[spec.env];
    const parsed = raw === undefined ? NaN : Number(raw);
    out[spec.key] = Number.isSafeInteger(parsed) && parsed > 0 ? parsed : spec.fallback;
  }
  return out;
}

export const DEFAULT_LIMITS: Readonly<Limits> = limitsFromEnv({});

/** The coded error for a crossed limit: names the limit and how to raise it. */
export function limitError(key: keyof Limits, value: number, detail: string): BerthError {
  const spec = SPECS.find((s) => s.key === key);
  if (spec === undefined) throw new Error(`unknown limit ${key}`);
  return new BerthError('limit', `LIMIT_${toSnake(key)}`, `Cannot continue: ${detail} exceeds the ${spec.what} limit (${value})`, {
    hint: `If the input is trusted, raise the limit with ${spec.env}=<number>`,
  });
}

function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}
