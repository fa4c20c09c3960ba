import { BerthError, isBerthError } from '../../internal/errors.js';
import { createContainer } from '../../engine/containers/create-container.js';
import { startContainer } from '../../engine/containers/start-container.js';
import { streamOutput } from '../../engine/containers/container-output.js';
import { killContainer } from '../../engine/containers/stop-container.js';
import { finishContainer } from '../../engine/containers/container-exit.js';
import { Store } from '../../store/store.js';
import { flagBool, write, type CommandSpec } from '../command.js';
import { reportError } from '../report-error.js';
import { CREATE_FLAGS, createOptions, hostFor } from './container-options.js';

/** Docker's exit codes for `run`: 125 Berth failed, 126 the command cannot be invoked, 127 it was not found. */
export function runExitCode(err: unknown): number {
  if (isBerthError(err, 'COMMAND_NOT_FOUND')) return 127;
  if (isBerthError(err, 'COMMAND_NOT_EXECUTABLE')) return 126;
  return 125;
}

export const spec: CommandSpec = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create and run a new container from an image\n\nNetworking is --network none by default (a network namespace of its own, loopback only);\n--network host shares the host\'s. Bridge networking is not available yet.',
  flags: [
    { long: 'detach', short: 'd', type: 'bool', description: 'Run container in background and print container ID' },
    ...CREATE_FLAGS,
  ],
  args: { min: 1 },
  interspersed: false,
  async run(ctx, flags, args) {
    const store = Store.open(ctx.root);
    try {
      const host = hostFor(ctx, store);
      const detach = flagBool(flags, 'detach');
      const options = createOptions(ctx, flags, args[0]!, args.slice(1));
      if (!detach && (options.tty || options.openStdin)) {
        throw new BerthError('unsupported', 'ATTACH_UNSUPPORTED', 'Cannot run attached with -i or -t yet: attaching to a terminal is not implemented', {
          hint: 'Run it detached (berth run -dit IMAGE ...) and use berth exec/logs',
        });
      }
      const created = await createContainer(host, options);
      const started = await startContainer(host, created, detach);
      if (detach) {
        await write(ctx.stdout, `${started.id}\n`);
        return 0;
      }
      // Foreground: stream the output, forward signals, and exit with the container's status.
      const forward = (signal: NodeJS.Signals): void => {
        killContainer(host, started, signal).catch(() => undefined);
      };
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      try {
        const exited = await streamOutput(host, started, {
          follow: true,
          tail: undefined,
          sink: (r) => write(r.stream === 'stdout' ? ctx.stdout : ctx.stderr, r.text),
        });
        const done = exited.state === 'exited' ? exited : await finishContainer(host, exited, exited.exitCode ?? 255, new Date().toISOString());
        return done.exitCode ?? 255;
      } finally {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
      }
    } catch (err) {
      if (!(err instanceof BerthError)) throw err;
      reportError(err, false);
      return err.kind === 'usage' ? 125 : runExitCode(err);
    } finally {
      store.close();
    }
  },
};
