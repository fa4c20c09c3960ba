import { stopContainer } from '../../engine/containers/stop-container.js';
import { startContainer } from '../../engine/containers/start-container.js';
import { specOf } from '../../engine/containers/container-spec.js';
import { holdForRestart } from '../../engine/containers/container-exit.js';
import { Store } from '../../store/store.js';
import { flagString, write, type CommandSpec } from '../command.js';
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
    const store = Store.open(ctx.root);
    try {
      const host = hostFor(ctx, store);
      return await forEachContainer(host, args, async (record, input) => {
        const hold = specOf(record).autoRemove ? holdForRestart(host, record) : undefined;
        try {
          const stopped = await stopContainer(host, record, timeout);
          await startContainer(host, stopped);
        } finally {
          hold?.release();
        }
        await write(ctx.stdout, `${input}\n`);
      });
    } finally {
      store.close();
    }
  },
};
