/** The shape of a CLI command module and the context it runs in. */
import type { FlagSpec, FlagValues } from './argv.js';
import type { Limits } from '../internal/limits.js';
import { printable } from '../internal/errors.js';
import type { Store } from '../store/store.js';

export interface CommandContext {
  /** Store root (from --root, BERTH_ROOT or the default). */
  root: string;
  limits: Limits;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /** "berth images" and the like, for messages. */
  commandPath: string;
  /** The store at `root`, opened (and created if need be) on first use; main closes it after the command. */
  store(): Store;
  /** The store at `root` if it exists (never created): for the monitor's exit command. */
  existingStore(): Store | undefined;
}

export interface ArgCount {
  min: number;
  max?: number;
}

export interface CommandSpec {
  usage: string;
  description: string;
  flags: FlagSpec[];
  args: ArgCount;
  /** False when flags after the first positional belong to it (docker run IMAGE CMD ...). */
  interspersed?: boolean;
  run(ctx: CommandContext, flags: FlagValues, args: string[]): Promise<number | void>;
}

/** Writes text to a stream and resolves once it is flushed (or the reader went away). */
export function write(stream: NodeJS.WritableStream, text: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (text.length === 0) return resolve();
    const ok = stream.write(text, () => resolve());
    if (!ok) stream.once('drain', () => resolve());
  });
}

/** Where engine notes go: one line each on stderr, as `load` prints its own. */
export function noteWriter(ctx: CommandContext): (note: string) => void {
  return (note) => {
    ctx.stderr.write(`Note: ${printable(note)}\n`);
  };
}

export function flagString(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function flagBool(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}

export function flagList(flags: FlagValues, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : [];
}
