/**
 * Coded errors: the contract between every module and the CLI.
 *
 * A `BerthError` is a failure a user can cause or fix (bad input, missing image, full disk).
 * It carries a stable `code` (documented in docs/errors.md, asserted by tests), a `kind`
 * that decides the exit status, a message in the grammar "Cannot <action>: <state>", and an
 * optional hint. Anything else that is thrown is a bug and is printed with its stack.
 */

export type ErrorKind =
  | 'not_found'
  | 'already_exists'
  | 'invalid_argument'
  | 'invalid_archive'
  | 'failed_precondition'
  | 'conflict'
  | 'limit'
  | 'unavailable'
  | 'permission_denied'
  | 'unsupported'
  | 'no_space'
  | 'corrupt'
  | 'usage'
  | 'internal';

export interface BerthErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class BerthError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;

  constructor(kind: ErrorKind, code: string, message: string, options: BerthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BerthError';
    this.kind = kind;
    this.code = code;
    this.hint = options.hint;
  }
}

/**
 * Text for one line of a terminal: control characters (newlines, escape sequences) and bidi
 * overrides are shown escaped. Messages quote archive content (tags, paths, media types), and
 * a crafted archive must not be able to forge output lines or drive the terminal.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** True for a BerthError with the given code (or any BerthError when no code is given). */
export function isBerthError(err: unknown, code?: string): err is BerthError {
  return err instanceof BerthError && (code === undefined || err.code === code);
}

/** True for a Node system error with the given errno code (ENOENT, EEXIST, ...). */
export function isSystemError(err: unknown, code: string): err is NodeJS.ErrnoException {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}

/**
 * For a catch that expects some failures only: returns undefined when `err` is a system error
 * with one of `codes`, and rethrows anything else (another errno, a BerthError, a bug's TypeError).
 *   `} catch (err) { ignoreCodes(err, 'ENOENT'); return []; }`
 *   `await lstat(path).catch((err: unknown) => ignoreCodes(err, 'ENOENT'))`
 */
export function ignoreCodes(err: unknown, ...codes: [string, ...string[]]): undefined {
  if (!(err instanceof BerthError) && codes.some((code) => isSystemError(err, code))) return undefined;
  throw err;
}

/** Turns out-of-space and permission failures from the OS into coded errors; rethrows the rest. */
export function translateSystemError(err: unknown, action: string): never {
  // SQLite says SQLITE_FULL where the file system said ENOSPC.
  if (isSystemError(err, 'ENOSPC') || isSystemError(err, 'EDQUOT') || isSystemError(err, 'SQLITE_FULL')) {
    throw new BerthError('no_space', 'NO_SPACE', `Cannot ${action}: no space left on device`, {
      hint: 'Free some space (berth image prune removes unused images) and try again',
      cause: err,
    });
  }
  if (isSystemError(err, 'EACCES') || isSystemError(err, 'EPERM') || isSystemError(err, 'EROFS')) {
    const e = err as NodeJS.ErrnoException;
    throw new BerthError('permission_denied', 'PERMISSION_DENIED', `Cannot ${action}: ${e.code} on ${e.path ?? 'a file'}`, {
      hint: 'Run as root, or use --root DIR to choose a store you can write',
      cause: err,
    });
  }
  throw err;
}

/** The coded error a system error stands for (no space, permission denied), or the error itself. */
export function codedError(err: unknown, action: string): unknown {
  if (err instanceof BerthError) return err;
  try {
    translateSystemError(err, action);
  } catch (translated) {
    return translated;
  }
}
