import { createContainer } from '../../engine/containers/create-container.js';
import { noteWriter, write, type CommandSpec } from '../command.js';
import { CREATE_FLAGS, createOptions, hostFor } from './container-options.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create a new container (start it with berth start)',
  flags: CREATE_FLAGS,
  args: { min: 1 },
  interspersed: false,
  async run(ctx, flags, args) {
    const store = ctx.store();
    const created = await createContainer(hostFor(ctx, store), { ...createOptions(ctx, flags, args[0]!, args.slice(1)), onNote: noteWriter(ctx) });
    await write(ctx.stdout, `${created.id}\n`);
  },
};
