import { BerthError } from '../../internal/errors.js';
import { resolveContainer } from '../../engine/containers/resolve-container.js';
import { execInContainer } from '../../engine/containers/exec-container.js';
import { flagBool, flagList, flagString, type CommandSpec } from '../command.js';
import { reportError } from '../report-error.js';
import { hostFor, readEnvFile } from './container-options.js';
import { runExitCode } from './run.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  description: 'Execute a command in a running container',
  flags: [
    { long: 'detach', short: 'd', type: 'bool', description: 'Detached mode: run command in the background' },
    { long: 'env', short: 'e', type: 'list', description: 'Set environment variables' },
    { long: 'env-file', type: 'list', description: 'Read in a file of environment variables' },
    { long: 'interactive', short: 'i', type: 'bool', description: 'Keep STDIN open even if not attached' },
    { long: 'tty', short: 't', type: 'bool', description: 'Allocate a pseudo-TTY' },
    { long: 'user', short: 'u', type: 'string', description: 'Username or UID (format: <name|uid>[:<group|gid>])' },
    { long: 'workdir', short: 'w', type: 'string', description: 'Working directory inside the container' },
  ],
  args: { min: 2 },
  interspersed: false,
  async run(ctx, flags, args) {
    const store = ctx.store();
    try {
      const tty = flagBool(flags, 'tty');
      const stdin = flagBool(flags, 'interactive');
      if (tty && stdin && ctx.stdin.isTTY !== true) throw new BerthError('invalid_argument', 'INPUT_NOT_TTY', 'the input device is not a TTY', { hint: 'Drop -t, or run from a terminal' });
      const host = hostFor(ctx, store);
      const env = [...flagList(flags, 'env-file').flatMap((f) => readEnvFile(f, ctx.env)), ...flagList(flags, 'env')]
        .map((e) => (e.includes('=') || ctx.env[e] === undefined ? e : `${e}=${ctx.env[e]}`));
      return await execInContainer(host, resolveContainer(store, args[0]!), {
        args: args.slice(1), env, workdir: flagString(flags, 'workdir'), user: flagString(flags, 'user'), tty, stdin, detach: flagBool(flags, 'detach'), stderr: ctx.stderr,
      });
    } catch (err) {
      if (!(err instanceof BerthError)) throw err;
      reportError(err, false);
      return err.kind === 'usage' ? 125 : err.code === 'COMMAND_NOT_FOUND' || err.code === 'COMMAND_NOT_EXECUTABLE' ? runExitCode(err) : 1;
    }
  },
};
