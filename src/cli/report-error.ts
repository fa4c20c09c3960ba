/** The one place errors become text on stderr and an exit code. */
import { BerthError, codedError, printable } from '../internal/errors.js';
import { InterruptedError } from './interrupt.js';

/** Errors whose hint is the usage text Docker's CLI prints ("See 'berth images --help'."), not a "Hint:" line. */
const BARE_HINT_CODES = new Set(['USAGE', 'USAGE_ARGS', 'UNKNOWN_COMMAND']);

/** Prints an error and returns the exit code: 125 for usage errors, 130/143 for a write stopped by SIGINT/SIGTERM, 1 otherwise. */
export function reportError(err: unknown, debug: boolean): number {
  // A full disk or a refused write is never a bug, wherever it surfaced.
  err = codedError(err, 'complete the command');
  if (err instanceof BerthError) {
    process.stderr.write(`Error: ${printable(err.message)} [${err.code}]\n`);
    if (err.hint !== undefined) process.stderr.write(`${BARE_HINT_CODES.has(err.code) ? '' : 'Hint: '}${err.hint}\n`);
    if (debug) {
      process.stderr.write(`${err.stack ?? ''}\n`);
      let cause = err.cause;
      while (cause !== undefined) {
        process.stderr.write(`Caused by: ${cause instanceof Error ? cause.stack : String(cause)}\n`);
        cause = cause instanceof Error ? cause.cause : undefined;
      }
    }
    if (err instanceof InterruptedError) return err.exitCode;
    return err.kind === 'usage' ? 125 : 1;
  }
  const e = err as Error;
  process.stderr.write(`Error: internal error: ${printable(e?.message ?? String(err))}\nThis is a bug in berth; please report it with the output of --debug.\n`);
  if (debug || e?.stack !== undefined) process.stderr.write(`${e?.stack ?? ''}\n`);
  return 1;
}

