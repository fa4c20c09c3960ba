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
  /** True if a member exists at `path` (links followed). */
  has(path: string): Promise<boolean>;
  /** The ingested member at `path`; ARCHIVE_ENTRY_MISSING if there is none. */
  file(path: string, what: string): Promise<IngestedMember>;
  /** Every file member ingested so far. */
  members(): Iterable<IngestedMember>;
  /** Waits for every ingested file to be on disk. */
  durable(): Promise<void>;
}

export function missingMember(path: string, what: string, description: string): BerthError {
  return new BerthError('invalid_archive', 'ARCHIVE_ENTRY_MISSING', `Cannot load ${what}: "${path}" is not in the ${description}`, {
    hint: 'The archive is incomplete or damaged',
  });
}

/** Reads a member as JSON, refusing documents over the JSON size limit. Syntax errors get `code`. */
export async function readJsonMember(source: ArchiveSource, path: string, what: string, code: string): Promise<{ value: unknown; bytes: Buffer; member: IngestedMember }> {
  const member = await source.file(path, what);
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

/** The stored bytes of a small member (a JSON document), bounded by the JSON size limit. */
export async function readCapped(member: IngestedMember, limits: Limits, what: string): Promise<Buffer> {
  if (member.stored.size > limits.jsonBytes) throw limitError('jsonBytes', limits.jsonBytes, `${what} ("${member.path}", ${member.stored.size} bytes)`);
  await member.stored.durable;
  return readFile(member.stored.path);
}
