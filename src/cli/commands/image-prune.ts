import { confirm } from '../confirm.js';
import { pruneImages } from '../../engine/remove-images.js';
import { Store } from '../../store/store.js';
import { humanSize } from '../format/units.js';
import { flagBool, write, type CommandSpec } from '../command.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  description: 'Remove unused images, and free the blobs only they used',
  flags: [
    { long: 'all', short: 'a', type: 'bool', description: 'Remove all unused images, not just dangling ones' },
    { long: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const all = flagBool(flags, 'all');
    if (!flagBool(flags, 'force')) {
      const warning = all
        ? 'WARNING! This will remove all images without at least one container associated to them.'
        : 'WARNING! This will remove all dangling images.';
      if (!(await confirm(ctx, warning))) return 0;
    }
    const store = Store.open(ctx.root);
    try {
      const result = pruneImages(store, { all });
      let out = '';
      if (result.records.length > 0) {
        out += 'Deleted Images:\n';
        for (const r of result.records) out += r.untagged !== undefined ? `untagged: ${r.untagged}\n` : `deleted: ${r.deleted}\n`;
        out += '\n';
      }
      out += `Total reclaimed space: ${humanSize(result.reclaimed)}\n`;
      await write(ctx.stdout, out);
    } finally {
      store.close();
    }
  },
};
