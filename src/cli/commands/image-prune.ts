import { confirm } from '../confirm.js';
import { pruneImages } from '../../engine/remove-images.js';
import { humanSize } from '../format/units.js';
import type { FlagSpec } from '../argv.js';
import { flagBool, write, type CommandSpec } from '../command.js';

/** The flags `image prune` and `system prune` share. */
export const PRUNE_FLAGS: FlagSpec[] = [
  { long: 'all', short: 'a', type: 'bool', description: 'Remove all unused images, not just dangling ones' },
  { long: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
];

/** Docker's "Deleted Images:" block (empty when nothing was removed). */
export function deletedImagesText(result: ReturnType<typeof pruneImages>): string {
  if (result.records.length === 0) return '';
  return `Deleted Images:\n${result.records.map((r) => (r.untagged !== undefined ? `untagged: ${r.untagged}\n` : `deleted: ${r.deleted}\n`)).join('')}\n`;
}

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  description: 'Remove unused images, and free the blobs only they used',
  flags: PRUNE_FLAGS,
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const all = flagBool(flags, 'all');
    if (!flagBool(flags, 'force')) {
      const warning = all
        ? 'WARNING! This will remove all images without at least one container associated to them.'
        : 'WARNING! This will remove all dangling images.';
      if (!(await confirm(ctx, warning))) return 0;
    }
    const store = ctx.store();
    const result = pruneImages(store, { all });
    await write(ctx.stdout, `${deletedImagesText(result)}Total reclaimed space: ${humanSize(result.reclaimed)}\n`);
  },
};
