import { pruneContainers } from '../../engine/containers/remove-container.js';
import { pruneImages } from '../../engine/remove-images.js';
import { humanSize } from '../format/units.js';
import { confirm } from '../confirm.js';
import { flagBool, write, type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';
import { deletedImagesText, PRUNE_FLAGS } from './image-prune.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  description: 'Remove stopped containers and unused images (Berth has no networks, volumes or build cache to prune)',
  flags: PRUNE_FLAGS,
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const all = flagBool(flags, 'all');
    if (!flagBool(flags, 'force')) {
      const images = all ? 'all images without at least one container associated to them' : 'all dangling images';
      if (!(await confirm(ctx, `WARNING! This will remove:\n  - all stopped containers\n  - ${images}\n`))) return 0;
    }
    const store = ctx.store();
    const containers = await pruneContainers(hostFor(ctx, store));
    const images = pruneImages(store, { all });
    let out = '';
    if (containers.length > 0) out += `Deleted Containers:\n${containers.map((id) => `${id}\n`).join('')}\n`;
    out += deletedImagesText(images);
    out += `Total reclaimed space: ${humanSize(images.reclaimed)}\n`;
    await write(ctx.stdout, out);
  },
};
