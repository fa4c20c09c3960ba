/**
 * `IMAGE~N`: the image as it was N layers ago. Git's rules for the suffix: `~` alone means
 * `~1`, and steps add up (`IMAGE~2~1` = `IMAGE~3`). `~` cannot occur in a name, tag, digest
 * or ID, so everything before the first `~` is the image, everything from it the steps.
 */
import { BerthError } from '../internal/errors.js';

export interface RollbackRef {
  /** The image to roll back, as typed (a name, an ID, a layer ID). */
  base: string;
  /** Layers to drop from the top (0 = the image itself). */
  steps: number;
}

const SUFFIX = /^(?:~\d{0,9})+$/;

/** Splits `input` into image and steps; undefined when it has no `~` (a plain reference). */
export function parseRollbackRef(input: string): RollbackRef | undefined {
  const at = input.indexOf('~');
  if (at < 0) return undefined;
  const base = input.slice(0, at);
  const suffix = input.slice(at);
  if (base === '' || !SUFFIX.test(suffix)) {
    throw new BerthError('invalid_argument', 'REFERENCE_INVALID', `Cannot use "${input.slice(0, 200)}": not IMAGE~N`, {
      hint: 'Name the image, then ~N for N layers back (IMAGE~ is IMAGE~1; IMAGE~1~2 is IMAGE~3)',
    });
  }
  let steps = 0;
  for (const part of suffix.split('~').slice(1)) steps += part === '' ? 1 : Number(part);
  return { base, steps };
}
