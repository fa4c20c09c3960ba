import { hexOf } from '../../digest/digest.js';
import { imageHistory } from '../../engine/history.js';
import { resolveImage } from '../../engine/resolve-image.js';
import { ellipsis, humanSize, timeAgo } from '../format/units.js';
import { tabwrite } from '../format/tabwriter.js';
import { flagBool, flagString, noteWriter, write, type CommandSpec } from '../command.js';
import { usageError } from '../argv.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] IMAGE',
  description: 'Show the history of an image\n\nWhere Docker prints <missing>, Berth names each step: a local image that is exactly that\nstack of layers when one exists, otherwise the stack\'s chain ID.',
  flags: [
    { long: 'format', type: 'string', description: 'Format output: "table" (default) or "json" (one JSON object per line)' },
    { long: 'human', short: 'H', type: 'bool', default: true, description: 'Print sizes and dates in human readable format' },
    { long: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { long: 'quiet', short: 'q', type: 'bool', description: 'Only show image IDs' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const format = flagString(flags, 'format') ?? 'table';
    if (format !== 'table' && format !== 'json') throw usageError(`unsupported format "${format}": use "table" or "json"`, ctx.commandPath);
    const store = ctx.store();
    const { id } = resolveImage(store, args[0]!, { onNote: noteWriter(ctx) });
    const rows = await imageHistory(store, id);
    const noTrunc = flagBool(flags, 'no-trunc');
    const human = flagBool(flags, 'human');
    const now = Date.now();
    const shown = (r: (typeof rows)[number]): string => (r.id === undefined ? '<missing>' : noTrunc ? r.id : hexOf(r.id).slice(0, 12));
    if (flagBool(flags, 'quiet')) {
      await write(ctx.stdout, rows.map((r) => `${shown(r)}\n`).join(''));
      return;
    }
    const createdAt = (ms: number): string => (ms <= 0 ? '' : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z'));
    if (format === 'json') {
      const lines = rows.map((r) => JSON.stringify({
        Comment: r.comment,
        CreatedAt: createdAt(r.createdMs),
        CreatedBy: r.createdBy,
        CreatedSince: timeAgo(r.createdMs, now),
        ID: r.id === undefined ? '<missing>' : r.id,
        Size: humanSize(r.size),
      }));
      await write(ctx.stdout, lines.map((l) => `${l}\n`).join(''));
      return;
    }
    const lines = ['IMAGE\tCREATED\tCREATED BY\tSIZE\tCOMMENT'];
    for (const r of rows) {
      let createdBy = r.createdBy.replace(/\t/g, ' ');
      if (!noTrunc) createdBy = ellipsis(createdBy, 45);
      lines.push([shown(r), human ? timeAgo(r.createdMs, now) : createdAt(r.createdMs), createdBy, human ? humanSize(r.size) : String(r.size), r.comment].join('\t'));
    }
    await write(ctx.stdout, tabwrite(`${lines.join('\n')}\n`));
  },
};
