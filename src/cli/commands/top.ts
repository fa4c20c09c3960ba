import { topContainer } from '../../engine/containers/top-container.js';
import { resolveContainer } from '../../engine/containers/resolve-container.js';
import { write, type CommandSpec } from '../command.js';
import { tabwrite } from '../format/tabwriter.js';
import { hostFor } from './container-options.js';

export const spec: CommandSpec = {
  usage: 'CONTAINER [ps OPTIONS]',
  description: 'Display the running processes of a container',
  flags: [],
  args: { min: 1 },
  interspersed: false,
  async run(ctx, _flags, args) {
    const store = ctx.store();
    const host = hostFor(ctx, store);
    const table = await topContainer(host, resolveContainer(store, args[0]!), args.slice(1));
    // Docker's top table: columns at least 20 wide, 3 spaces apart.
    const text = [table.titles, ...table.processes].map((row) => `${row.join('\t')}\n`).join('');
    await write(ctx.stdout, tabwrite(text, { minWidth: 20, padding: 3 }));
  },
};
