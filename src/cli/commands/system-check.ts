import { checkStore, type Finding } from '../../engine/system/check-store.js';
import { humanSize } from '../format/units.js';
import { createProgress } from '../progress.js';
import { flagBool, flagString, write, type CommandSpec } from '../command.js';
import { lookingHostFor } from './container-options.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  description: 'Verify every blob, reference, unpacked layer, container and mount of the store',
  flags: [
    { long: 'repair', type: 'bool', description: 'Remove what is unreachable or half-written (never what is complete)' },
    { long: 'format', type: 'string', description: 'Format output: "text" (default) or "json"' },
    { long: 'quiet', short: 'q', type: 'bool', description: 'No progress bar' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const repair = flagBool(flags, 'repair');
    const json = flagString(flags, 'format') === 'json';
    const store = ctx.store();
    const progress = createProgress(ctx.stderr, 'Verifying', undefined, !flagBool(flags, 'quiet'));
    const report = await checkStore(lookingHostFor(ctx, store), { repair, onProgress: (n) => progress.update(n) });
    progress.finish();
    const repaired = new Set<Finding>(report.repaired);
    const left = report.findings.filter((f) => !repaired.has(f));
    if (json) {
      await write(ctx.stdout, `${JSON.stringify({ ...report.counts, problems: left, repaired: report.repaired })}\n`);
      return left.length === 0 ? 0 : 1;
    }
    const c = report.counts;
    let out = `Checked ${c.blobs} blobs (${humanSize(c.blobBytes)}, every byte hashed), ${c.images} images, ${c.tags} tags, ${c.layers} layers, ${c.containers} containers\n`;
    for (const f of report.findings) {
      out += `${repaired.has(f) ? 'repaired' : 'problem '} ${f.code} ${f.subject}: ${f.message}\n`;
    }
    if (left.length === 0) {
      out += report.repaired.length === 0 ? 'No problems found\n' : `All ${report.repaired.length} problems repaired\n`;
    } else {
      const fixable = left.filter((f) => f.repairable).length;
      out += `${left.length} problem${left.length === 1 ? '' : 's'} found`;
      if (fixable > 0 && !repair) out += ` (${fixable} can be repaired with berth system check --repair)`;
      out += '\n';
      if (left.some((f) => !f.repairable)) out += 'Hint: a damaged image cannot be repaired in place: remove it (berth rmi -f IMAGE) and load or pull it again; a container without its files: berth rm -f CONTAINER\n';
    }
    await write(ctx.stdout, out);
    return left.length === 0 ? 0 : 1;
  },
};
