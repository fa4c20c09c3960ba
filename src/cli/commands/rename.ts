import { renameContainer } from '../../engine/containers/rename-container.js';
import { resolveContainer } from '../../engine/containers/resolve-container.js';
import type { CommandSpec } from '../command.js';

export const spec: CommandSpec = {
  usage: 'CONTAINER NEW_NAME',
  description: 'Rename a container',
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx, _flags, args) {
    const store = ctx.store();
    renameContainer(store, resolveContainer(store, args[0]!), args[1]!);
  },
};
