import { waitContainer } from '../../engine/containers/stop-container.js';
import { Store } from '../../store/store.js';
import { write, type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';
import { forEachContainer } from './container-each.js';

export const spec: CommandSpec = {
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Block until one or more containers stop, then print their exit codes',
  flags: [],
  args: { min: 1 },
  async run(ctx, _flags, args) {
    const store = Store.open(ctx.root);
    try {
      const host = hostFor(ctx, store);
      return await forEachContainer(host, args, async (record) => {
        const exited = await waitContainer(host, record);
        await write(ctx.stdout, `${exited.exitCode ?? 0}\n`);
      });
    } finally {
      store.close();
    }
  },
};
