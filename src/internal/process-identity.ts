/**
 * Identifies a live process across PID reuse: the pid plus its start time from /proc.
 * Used to tell an abandoned ingest directory (its writer was killed) from a busy one.
 */
import { readFileSync } from 'node:fs';

/** Start time of a process in clock ticks since boot, or undefined if it does not exist. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19]; // field 22 overall: starttime
  } catch {
    return undefined;
  }
}

let own: string | undefined;

/** "<pid>-<starttime>" of this process. */
export function ownIdentity(): string {
  own ??= `${process.pid}-${processStartTime(process.pid) ?? '0'}`;
  return own;
}

/** True if the "<pid>-<starttime>" identity names a process that is still running. */
export function isIdentityAlive(identity: string): boolean {
  const match = /^(\d+)-(\d+)/.exec(identity);
  if (match === null) return false;
  const pid = Number(match[1]);
  return processStartTime(pid) === match[2];
}
