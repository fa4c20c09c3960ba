/**
 * Ctrl-C and TERM during a command that writes a file (`save -o`, `export -o`): the signal
 * aborts the command's work instead of killing the process, so the write can remove its
 * temporary file; the command then fails with OUTPUT_INTERRUPTED and exits as a shell reports a
 * command killed by that signal (130 for SIGINT, 143 for SIGTERM).
 */
import { constants } from 'node:os';
import { BerthError } from '../internal/errors.js';

/** OUTPUT_INTERRUPTED, with the exit status of the signal that stopped the write. */
export class InterruptedError extends BerthError {
  readonly exitCode: number;

  constructor(signal: NodeJS.Signals, what: string) {
    super('unavailable', 'OUTPUT_INTERRUPTED', `Cannot write ${what}: interrupted by ${signal}`, {
      hint: 'Nothing was left behind for -o FILE; output to stdout is incomplete',
    });
    this.exitCode = 128 + (constants.signals[signal] ?? 0);
  }
}

/** The error for a write stopped through `signal`, whose reason is the signal's name. */
export function interrupted(signal: AbortSignal, what: string): InterruptedError {
  return new InterruptedError(signal.reason as NodeJS.Signals, what);
}

/** Throws `interrupted()` once `signal` is aborted. */
export function throwIfInterrupted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw interrupted(signal, what);
}

/**
 * Runs `work` with SIGINT and SIGTERM turned into an abort of the signal it is given; the
 * handlers are removed when it settles. `work` must stop, clean up and throw `interrupted()`
 * once the signal is aborted.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const stop = (signal: NodeJS.Signals): void => abort.abort(signal);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await work(abort.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
