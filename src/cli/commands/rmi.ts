import { isBerthError } from '../../internal/errors.js';
import { removeImage } from '../../engine/remove-images.js';
import { flagBool, write, type CommandSpec } from '../command.js';
import { reportError } from '../report-error.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Remove one or more images',
  flags: [
    { long: 'force', short: 'f', type: 'bool', description: 'Force removal of the image' },
    { long: 'no-prune', type: 'bool', description: 'Do not delete untagged parents' },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const store = ctx.store();
    let failed = false;
    for (const arg of args) {
      try {
        const result = removeImage(store, arg, { force: flagBool(flags, 'force'), noPrune: flagBool(flags, 'no-prune') });
        await write(ctx.stdout, result.records.map((r) => (r.untagged !== undefined ? `Untagged: ${r.untagged}\n` : `Deleted: ${r.deleted}\n`)).join(''));
      } catch (err) {
        if (!isBerthError(err)) throw err;
        failed = true;
        reportError(err, false);
      }
    }
    return failed ? 1 : 0;
  },
};
