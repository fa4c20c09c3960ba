/**
 * Member names inside an archive, normalised to one spelling: no leading "./" or "/", no "."
 * components, ".." resolved. A name that climbs out of the archive's root is refused: these
 * names are only ever looked up in Berth's own member table, never opened on the host.
 */
import { BerthError } from '../internal/errors.js';
import { limitError, type Limits } from '../internal/limits.js';

export function pathError(name: string, why: string): BerthError {
  return new BerthError('invalid_archive', 'ARCHIVE_PATH_INVALID', `Cannot use archive member "${clip(name)}": ${why}`, {
    hint: 'The archive is damaged or was made to escape its directory; it was not loaded',
  });
}

/** Normalises `name` (relative to `base`, a normalised directory, when given). "" is the root. */
export function normalizeArchivePath(name: string, limits: Pick<Limits, 'pathBytes' | 'pathDepth'>, base = ''): string {
  if (Buffer.byteLength(name) > limits.pathBytes) throw limitError('pathBytes', limits.pathBytes, `member name "${clip(name)}"`);
  if (name.includes('\0')) throw pathError(name, 'it contains a NUL byte');
  const parts: string[] = name.startsWith('/') || base === '' ? [] : base.split('/');
  const input = name.split('/');
  if (input.length > limits.pathDepth) throw limitError('pathDepth', limits.pathDepth, `member name "${clip(name)}"`);
  for (const part of input) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw pathError(name, 'it points outside the archive');
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function clip(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 120 ? `${printable.slice(0, 117)}...` : printable;
}
