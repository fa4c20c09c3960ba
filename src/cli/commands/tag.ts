import { tagImage } from '../../engine/tag.js';
import { noteWriter, type CommandSpec } from '../command.js';

export const spec: CommandSpec = {
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n\nSOURCE_IMAGE may be IMAGE~N (IMAGE as it was N layers ago) or a layer ID that images --tree\nor history prints (the image as it was at that layer).',
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx, _flags, args) {
    const store = ctx.store();
    tagImage(store, args[0]!, args[1]!, noteWriter(ctx));
  },
};
