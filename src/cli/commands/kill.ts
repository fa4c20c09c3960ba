import { killContainer } from '../../engine/containers/stop-container.js';
import { flagString, type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';
import { forEachContainer } from './container-each.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Kill one or more running containers',
  flags: [{ long: 'signal', short: 's', type: 'string', description: 'Signal to send to the container (default KILL)' }],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const signal = flagString(flags, 'signal') ?? 'KILL';
    const store = ctx.store();
    const host = hostFor(ctx, store);
    return await forEachContainer(ctx, host, args, async (record, input) => {
      await killContainer(host, record, signal);
      return input;
    });
  },
};
