import { unpauseContainer } from '../../engine/containers/pause-container.js';
import { Store } from '../../store/store.js';
import { write, type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';
import { forEachContainer } from './container-each.js';

export const spec: CommandSpec = {
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Unpause all processes within one or more containers',
  flags: [],
  args: { min: 1 },
  async run(ctx, _flags, args) {
    const store = Store.open(ctx.root);
    try {
      const host = hostFor(ctx, store);
      return await forEachContainer(host, args, async (record, input) => {
        await unpauseContainer(host, record);
        await write(ctx.stdout, `${input}\n`);
      });
    } finally {
      store.close();
    }
  },
};
