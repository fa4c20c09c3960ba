import { confirm } from '../confirm.js';
import { pruneContainers } from '../../engine/containers/remove-container.js';
import { flagBool, write, type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  description: 'Remove all stopped containers',
  flags: [{ long: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' }],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    if (!flagBool(flags, 'force')) {
      if (!(await confirm(ctx, 'WARNING! This will remove all stopped containers.'))) return 0;
    }
    const store = ctx.store();
    const removed = await pruneContainers(hostFor(ctx, store));
    let out = '';
    if (removed.length > 0) out += `Deleted Containers:\n${removed.map((id) => `${id}\n`).join('')}\n`;
    out += 'Total reclaimed space: 0B\n';
    await write(ctx.stdout, out);
  },
};
