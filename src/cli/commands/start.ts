import { BerthError } from '../../internal/errors.js';
import { resolveContainer } from '../../engine/containers/resolve-container.js';
import { startContainer } from '../../engine/containers/start-container.js';
import { specOf } from '../../engine/containers/container-spec.js';
import { flagBool, flagString, type CommandSpec } from '../command.js';
import { runAttached } from '../attached-run.js';
import { hostFor } from './container-options.js';
import { forEachContainer } from './container-each.js';
import { detachKeysFlag } from './run.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Start one or more stopped containers',
  flags: [
    { long: 'attach', short: 'a', type: 'bool', description: 'Attach STDOUT/STDERR and forward signals' },
    { long: 'interactive', short: 'i', type: 'bool', description: "Attach container's STDIN" },
    { long: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container (default ctrl-p,ctrl-q)' },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const store = ctx.store();
    const host = hostFor(ctx, store);
    const attach = flagBool(flags, 'attach');
    const interactive = flagBool(flags, 'interactive');
    if (attach || interactive) {
      if (args.length > 1) throw new BerthError('invalid_argument', 'USAGE_ARGS', 'you cannot start and attach multiple containers at once');
      const record = resolveContainer(store, args[0]!);
      const spec = specOf(record);
      const result = await runAttached(ctx, host, record, { stdin: interactive && spec.openStdin, tty: spec.tty, detachKeys: detachKeysFlag(flagString(flags, 'detach-keys')) },
        (startOptions) => startContainer(host, record, startOptions));
      return result.exitCode;
    }
    return await forEachContainer(ctx, host, args, async (record, input) => {
      await startContainer(host, record);
      return input;
    });
  },
};
