import { waitContainer } from '../../engine/containers/stop-container.js';
import { type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';
import { forEachContainer } from './container-each.js';

export const spec: CommandSpec = {
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Block until one or more containers stop, then print their exit codes',
  flags: [],
  args: { min: 1 },
  async run(ctx, _flags, args) {
    const store = ctx.store();
    const host = hostFor(ctx, store);
    return await forEachContainer(ctx, host, args, async (record) => {
      const exited = await waitContainer(host, record);
      return String(exited.exitCode ?? 0);
    });
  },
};
