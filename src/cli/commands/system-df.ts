import { diskUsage } from '../../engine/system/disk-usage.js';
import { humanSize } from '../format/units.js';
import { renderTable } from '../format/tabwriter.js';
import { flagString, write, type CommandSpec } from '../command.js';
import { lookingHostFor } from './container-options.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  description: 'Show Berth disk usage',
  flags: [{ long: 'format', type: 'string', description: 'Format output: "table" (default) or "json" (one JSON object per line)' }],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const store = ctx.store();
    const rows = await diskUsage(lookingHostFor(ctx, store));
    const reclaimable = (r: (typeof rows)[number]): string =>
      r.size > 0 ? `${humanSize(r.reclaimable)} (${Math.floor((r.reclaimable * 100) / r.size)}%)` : humanSize(r.reclaimable);
    if (flagString(flags, 'format') === 'json') {
      await write(ctx.stdout, rows.map((r) => `${JSON.stringify({ Active: String(r.active), Reclaimable: reclaimable(r), Size: humanSize(r.size), TotalCount: String(r.total), Type: r.type })}\n`).join(''));
      return;
    }
    await write(ctx.stdout, renderTable([['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], ...rows.map((r) => [r.type, String(r.total), String(r.active), humanSize(r.size), reclaimable(r)])]));
  },
};
