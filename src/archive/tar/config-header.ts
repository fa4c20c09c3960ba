/**
 * The image config that `berth export` records in its tar and `berth import` restores: the
 * tar's first entry is a PAX global header whose single `comment` record holds
 * `berth.image-config.v1 ` followed by the container's Docker Config as compact JSON. Other
 * tools skip global headers (and `comment` records), so the tar stays an ordinary one.
 *
 * Reading looks at the first entry only and never fails: anything unexpected is a note.
 */
import { open } from 'node:fs/promises';
import { BLOCK, decodeHeader, isTarHeader, padding, parsePaxRecords } from './tar-header.js';
import { paxRecord, ustarBlock } from './encode-header.js';
import { isBerthError } from '../../internal/errors.js';

export const CONFIG_HEADER_PREFIX = 'berth.image-config.v1 ';
export const CONFIG_HEADER_NAME = 'pax_global_header';
export const CONFIG_HEADER_MAX_JSON = 1024 * 1024;

/** The fields of a recorded config that import restores. */
export const RESTORED_FIELDS = [
  'Cmd', 'Entrypoint', 'Env', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'Labels', 'StopSignal', 'Healthcheck', 'OnBuild', 'Shell',
] as const;

export interface ConfigHeaderResult {
  /** The restored fields (only those of the right type), when the first entry is Berth's header. */
  config: Record<string, unknown> | undefined;
  /** Why a global header was ignored, or which fields were dropped. */
  notes: string[];
}

/**
 * The header (typeflag `g`, named `pax_global_header`, mode 0666, owner 0:0, mtime 0, no user or
 * group name) and its padded records, to be written before a tar's first member.
 */
export function encodeConfigHeader(config: Record<string, unknown>): Buffer {
  const body = paxRecord('comment', Buffer.from(`${CONFIG_HEADER_PREFIX}${JSON.stringify(config)}`, 'utf8'));
  const header = ustarBlock({ name: Buffer.from(CONFIG_HEADER_NAME), typeflag: 'g', mode: 0o666, size: body.length, mtime: 0, devmajor: 0, devminor: 0 });
  return Buffer.concat([header, body, Buffer.alloc(padding(body.length))]);
}

const isStringList = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSet = (v: unknown): boolean => isObject(v) && Object.values(v).every((x) => isObject(x) && Object.keys(x).length === 0);
const isHealthcheck = (v: unknown): boolean =>
  isObject(v) &&
  (v.Test === undefined || v.Test === null || isStringList(v.Test)) &&
  ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'].every((k) => v[k] === undefined || (typeof v[k] === 'number' && Number.isSafeInteger(v[k]) && (v[k] as number) >= 0));

const FIELD_CHECKS: Record<(typeof RESTORED_FIELDS)[number], (v: unknown) => boolean> = {
  Cmd: isStringList,
  Entrypoint: isStringList,
  Env: isStringList,
  OnBuild: isStringList,
  Shell: isStringList,
  WorkingDir: (v) => typeof v === 'string',
  User: (v) => typeof v === 'string',
  StopSignal: (v) => typeof v === 'string',
  ExposedPorts: isSet,
  Volumes: isSet,
  Labels: (v) => isObject(v) && Object.values(v).every((s) => typeof s === 'string'),
  Healthcheck: isHealthcheck,
};

/** Picks the restored fields out of a parsed config; null values are kept as "unset". */
export function restoredFields(value: Record<string, unknown>): { config: Record<string, unknown>; dropped: string[] } {
  const config: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const field of RESTORED_FIELDS) {
    const v = value[field];
    if (v === undefined || v === null) continue;
    if (FIELD_CHECKS[field](v)) config[field] = v;
    else dropped.push(field);
  }
  return { config, dropped };
}

/**
 * Looks at the start of a tar: `head` holds its first bytes (the header block and, when they
 * fit, its records).
 */
export function parseConfigHeader(head: Buffer): ConfigHeaderResult {
  const none: ConfigHeaderResult = { config: undefined, notes: [] };
  if (head.length < BLOCK) return none;
  const block = head.subarray(0, BLOCK);
  if (!isTarHeader(block) || block[156] !== 0x67 /* g */) return none;
  let records: Record<string, string>;
  try {
    const header = decodeHeader(block, 0, undefined, undefined, undefined);
    if (BLOCK + header.size > head.length) return { config: undefined, notes: ['the tar starts with a global header too large to be a Berth config header; ignored'] };
    records = parsePaxRecords(head.subarray(BLOCK, BLOCK + header.size), 0);
  } catch (err) {
    if (!isBerthError(err)) throw err;
    return { config: undefined, notes: [`the tar's global header is malformed (${err.message}); ignored`] };
  }
  const comment = records.comment;
  if (comment === undefined || !comment.startsWith(CONFIG_HEADER_PREFIX)) {
    return { config: undefined, notes: ['the tar starts with a global header that is not a Berth config header; ignored'] };
  }
  const json = comment.slice(CONFIG_HEADER_PREFIX.length);
  if (Buffer.byteLength(json) > CONFIG_HEADER_MAX_JSON) return { config: undefined, notes: ['the config header is larger than 1 MiB; ignored'] };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return { config: undefined, notes: [`the config header is not valid JSON (${err.message}); ignored`] };
  }
  if (!isObject(value)) return { config: undefined, notes: ['the config header is not a JSON object; ignored'] };
  const { config, dropped } = restoredFields(value);
  return { config, notes: dropped.length === 0 ? [] : [`the config header's ${dropped.join(', ')} ${dropped.length === 1 ? 'has' : 'have'} the wrong type; ignored`] };
}

/** Room for the header block, the largest accepted record and its framing. */
const HEAD_BYTES = BLOCK + CONFIG_HEADER_MAX_JSON + 4096;

/** Reads the start of the tar at `path` and parses its config header, if any. */
export async function readConfigHeader(path: string): Promise<ConfigHeaderResult> {
  const fh = await open(path, 'r');
  try {
    const first = Buffer.alloc(BLOCK);
    const { bytesRead } = await fh.read(first, 0, BLOCK, 0);
    if (bytesRead < BLOCK || first[156] !== 0x67) return { config: undefined, notes: [] };
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead: total } = await fh.read(head, 0, HEAD_BYTES, 0);
    return parseConfigHeader(head.subarray(0, total));
  } finally {
    await fh.close();
  }
}
