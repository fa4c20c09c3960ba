import { isBerthError } from '../../internal/errors.js';
import { freeSpaceForRemoval, removeContainer } from '../../engine/containers/remove-container.js';
import { resolveContainer } from '../../engine/containers/resolve-container.js';
import { flagBool, type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';
import { forEachContainer } from './container-each.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Remove one or more containers',
  flags: [
    { long: 'force', short: 'f', type: 'bool', description: 'Force the removal of a running container (uses SIGKILL)' },
    // Docker's -v; in Berth a container's anonymous volumes always go with it (there are no volume commands to find them by).
    { long: 'volumes', short: 'v', type: 'bool', description: 'Remove anonymous volumes associated with the container (Berth always does)' },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const store = ctx.store();
    const host = hostFor(ctx, store);
    // Names that resolve to nothing are reported by forEachContainer, in their place.
    const named = args.flatMap((a) => {
      try {
        return [resolveContainer(store, a)];
      } catch (err) {
        if (!isBerthError(err)) throw err;
        return [];
      }
    });
    await freeSpaceForRemoval(host, named, flagBool(flags, 'force'));
    return await forEachContainer(ctx, host, args, async (record, input) => {
      await removeContainer(host, record, flagBool(flags, 'force'));
      return input;
    });
  },
};
