import { restartContainer } from '../../engine/containers/restart-container.js';
import { flagString, type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';
import { forEachContainer } from './container-each.js';
import { timeoutFlag } from './stop.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Restart one or more containers',
  flags: [{ long: 'time', short: 't', type: 'string', description: "Seconds to wait before killing the container (default: the container's --stop-timeout, else 10)" }],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const timeout = timeoutFlag(flagString(flags, 'time'), ctx.commandPath);
    const store = ctx.store();
    const host = hostFor(ctx, store);
    return await forEachContainer(ctx, host, args, async (record, input) => {
      await restartContainer(host, record, timeout);
      return input;
    });
  },
};
