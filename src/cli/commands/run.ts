import { BerthError, codedError, isBerthError } from '../../internal/errors.js';
import { createContainer } from '../../engine/containers/create-container.js';
import { startContainer } from '../../engine/containers/start-container.js';
import { removeContainer } from '../../engine/containers/remove-container.js';
import { parseDetachKeys } from '../../engine/containers/attach-container.js';
import { flagBool, flagString, noteWriter, write, type CommandSpec } from '../command.js';
import { reportError } from '../report-error.js';
import { runAttached } from '../attached-run.js';
import { CREATE_FLAGS, createOptions, hostFor } from './container-options.js';

/** Docker's exit codes for `run`: 125 Berth failed, 126 the command cannot be invoked, 127 it was not found. */
export function runExitCode(err: unknown): number {
  if (isBerthError(err, 'COMMAND_NOT_FOUND')) return 127;
  if (isBerthError(err, 'COMMAND_NOT_EXECUTABLE')) return 126;
  return 125;
}

export function detachKeysFlag(text: string | undefined): Buffer | undefined {
  if (text === undefined) return undefined;
  const keys = parseDetachKeys(text);
  if (keys === undefined) throw new BerthError('usage', 'USAGE', `Invalid detach keys (${text}) provided`, { hint: 'Use a comma-separated list like ctrl-p,ctrl-q or ctrl-a,x' });
  return keys;
}

export const spec: CommandSpec = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create and run a new container from an image\n\nNetworking is --network none by default (a network namespace of its own, loopback only);\n--network host shares the host\'s. Bridge networking is not available yet. Attached with -t,\nCtrl-P Ctrl-Q detaches and leaves the container running.',
  flags: [
    { long: 'detach', short: 'd', type: 'bool', description: 'Run container in background and print container ID' },
    { long: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container (default ctrl-p,ctrl-q)' },
    ...CREATE_FLAGS,
  ],
  args: { min: 1 },
  interspersed: false,
  async run(ctx, flags, args) {
    const store = ctx.store();
    try {
      const host = hostFor(ctx, store);
      const detach = flagBool(flags, 'detach');
      const detachKeys = detachKeysFlag(flagString(flags, 'detach-keys'));
      const options = { ...createOptions(ctx, flags, args[0]!, args.slice(1)), onNote: noteWriter(ctx) };
      const created = await createContainer(host, options);
      try {
        if (detach) {
          const started = await startContainer(host, created);
          await write(ctx.stdout, `${started.id}\n`);
          return 0;
        }
        const result = await runAttached(ctx, host, created, { stdin: options.openStdin, tty: options.tty, detachKeys }, (startOptions) => startContainer(host, created, startOptions));
        return result.exitCode;
      } catch (err) {
        // --rm: a container that could not start goes too (as in Docker: a command that is not
        // found leaves nothing). Not forced: one that did start is left to its own --rm cleanup.
        // Deliberately any failure of the removal (best effort): the start's failure is the one to report.
        if (options.autoRemove) await removeContainer(host, created, false).catch(() => undefined);
        throw err;
      }
    } catch (caught) {
      // A full disk or a refused write is Berth's failure to run the container (125), not a bug.
      const err = codedError(caught, 'run the container');
      if (!(err instanceof BerthError)) throw err;
      reportError(err, false);
      return err.kind === 'usage' ? 125 : runExitCode(err);
    }
  },
};
