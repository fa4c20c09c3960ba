/**
 * Identifies a live process across PID reuse: the pid plus its start time from /proc.
 * Used to tell an abandoned ingest directory (its writer was killed) from a busy one.
 */
import { readFileSync } from 'node:fs';
import { ignoreCodes } from './errors.js';

/** Fields 3 and on of /proc/<pid>/stat (state first), or undefined if the process does not exist. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch (err) {
    // No such process (ESRCH: it exited while being read); another user's under hidepid (EPERM, EACCES).
    return ignoreCodes(err, 'ENOENT', 'ESRCH', 'EPERM', 'EACCES');
  }
}

/** Start time of a process in clock ticks since boot, or undefined if it does not exist. */
export function processStartTime(pid: number): string | undefined {
  return statFields(pid)?.[19]; // field 22 overall: starttime
}

let own: string | undefined;

/** "<pid>-<starttime>" of this process. */
export function ownIdentity(): string {
  own ??= `${process.pid}-${processStartTime(process.pid) ?? '0'}`;
  return own;
}

/**
 * True if the "<pid>-<starttime>" identity names a process that is still running. A zombie
 * (killed, not yet reaped: its parent died and init does not reap, as in some sandboxes) has
 * exited and is not alive.
 */
export function isIdentityAlive(identity: string): boolean {
  const match = /^(\d+)-(\d+)/.exec(identity);
  if (match === null) return false;
  const fields = statFields(Number(match[1]));
  return fields !== undefined && fields[19] === match[2] && fields[0] !== 'Z' && fields[0] !== 'X';
}

/** True if the file at `path` holds the identity of a process still running (false when there is no such file). */
export function isFileOwnerAlive(path: string): boolean {
  try {
    return isIdentityAlive(readFileSync(path, 'utf8').trim());
  } catch (err) {
    ignoreCodes(err, 'ENOENT');
    return false;
  }
}
