/**
 * What the format readers (docker-archive, OCI layout) see of an archive: members by path,
 * already ingested and verified by digest, plus capped JSON reads. Two implementations: a tar
 * stream read in one pass (tar-source.ts) and an OCI layout directory (dir-source.ts).
 */
import { readFile } from 'node:fs/promises';
import { BerthError } from '../../internal/errors.js';
import { limitError, type Limits } from '../../internal/limits.js';
import type { IngestedMember } from './member-ingest.js';

export interface ArchiveSource {
  /** For messages: "archive" or "OCI layout directory DIR". */
  readonly description: string;
  readonly limits: Limits;
  /**
   * True if a member exists at `path` (links followed). A link there that leads out of the
   * archive or loops is an ARCHIVE_PATH_INVALID error, not an absent member.
   */
  has(path: string): Promise<boolean>;
  /**
   * The ingested member at `path`; ARCHIVE_ENTRY_MISSING if there is none. `expect` is what the
   * caller knows of it beforehand (a descriptor's size, the JSON size limit): a directory source
   * checks it before reading, since a sparse file can claim terabytes at no cost.
   */
  file(path: string, what: string, expect?: MemberExpectation): Promise<IngestedMember>;
  /** Every file member ingested so far. */
  members(): Iterable<IngestedMember>;
  /** Waits for every ingested file to be on disk. */
  durable(): Promise<void>;
}

export interface MemberExpectation {
  /** The exact size the member must have (SIZE_MISMATCH otherwise). */
  size?: number;
  /** The JSON size limit applies (LIMIT_JSON_BYTES over it). */
  json?: boolean;
}

export function missingMember(path: string, what: string, description: string): BerthError {
  return new BerthError('invalid_archive', 'ARCHIVE_ENTRY_MISSING', `Cannot load ${what}: "${path}" is not in the ${description}`, {
    hint: 'The archive is incomplete or damaged',
  });
}

/** Reads a member as JSON, refusing documents over the JSON size limit. Syntax errors get `code`. */
export async function readJsonMember(source: ArchiveSource, path: string, what: string, code: string): Promise<{ value: unknown; bytes: Buffer; member: IngestedMember }> {
  const member = await source.file(path, what, { json: true });
  const bytes = await readCapped(member, source.limits, what);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new BerthError('invalid_archive', code, `Cannot parse ${what} ("${path}"): ${(err as Error).message}`, {
      hint: 'The archive is damaged or was not written by an image tool',
    });
  }
  return { value, bytes, member };
}

/** The stored bytes of a small member (a JSON document), bounded by the JSON size and depth limits. */
export async function readCapped(member: IngestedMember, limits: Limits, what: string): Promise<Buffer> {
  if (member.stored.size > limits.jsonBytes) throw limitError('jsonBytes', limits.jsonBytes, `${what} ("${member.path}", ${member.stored.size} bytes)`);
  await member.stored.durable;
  const bytes = await readFile(member.stored.path);
  if (jsonDepth(bytes, limits.jsonDepth) > limits.jsonDepth) throw limitError('jsonDepth', limits.jsonDepth, `the nesting of ${what} ("${member.path}")`);
  return bytes;
}

/** Nesting depth of JSON text (brackets outside strings), counted up to just past `max`. */
function jsonDepth(bytes: Buffer, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return depth;
}
