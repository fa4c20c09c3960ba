import { hexOf } from '../../digest/digest.js';
import { listImages, type ImageSummary } from '../../engine/list-images.js';
import { goTime, humanSize, timeAgo } from '../format/units.js';
import { renderTable } from '../format/tabwriter.js';
import { parseListFormat, renderListTemplate } from '../format/list-format.js';
import { flagBool, flagString, write, type CommandSpec } from '../command.js';

/** Column names of `images --format 'table ...'`, as Docker heads them. */
const IMAGES_HEADERS: Record<string, string> = {
  Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', ID: 'IMAGE ID', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT',
  Size: 'SIZE', VirtualSize: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Containers: 'CONTAINERS',
};

export const spec: CommandSpec = {
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  description: 'List images',
  flags: [
    { long: 'all', short: 'a', type: 'bool', description: 'Show all images (default hides intermediate images)' },
    { long: 'digests', type: 'bool', description: 'Show digests' },
    { long: 'format', type: 'string', description: 'Format output: "table" (default), "json" (one JSON object per line), "table TEMPLATE" or a Go template such as \'{{.Repository}}:{{.Tag}}\'' },
    { long: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { long: 'quiet', short: 'q', type: 'bool', description: 'Only show image IDs' },
    { long: 'tree', type: 'bool', description: 'Show every layer as a tree keyed by chain ID, with its size, virtual size and tags' },
  ],
  args: { min: 0, max: 1 },
  async run(ctx, flags, args) {
    const format = parseListFormat(flagString(flags, 'format'));
    const store = ctx.store();
    if (flagBool(flags, 'tree')) {
      const { renderTree } = await import('./images-tree.js');
      await write(ctx.stdout, renderTree(store, { noTrunc: flagBool(flags, 'no-trunc'), ...(args[0] === undefined ? {} : { filter: args[0] }) }));
      return;
    }
    const rows = listImages(store, { all: flagBool(flags, 'all'), ...(args[0] === undefined ? {} : { filter: args[0] }) });
    const noTrunc = flagBool(flags, 'no-trunc');
    const id = (d: string): string => (noTrunc ? d : hexOf(d as never).slice(0, 12));
    if (flagBool(flags, 'quiet')) {
      await write(ctx.stdout, rows.map((r) => `${id(r.image.id)}\n`).join(''));
      return;
    }
    const now = Date.now();
    if (format.kind !== 'table') {
      const objects = rows.map(({ image, repository, tag }) => ({
        Containers: 'N/A',
        CreatedAt: goTime(image.createdMs),
        CreatedSince: timeAgo(image.createdMs, now),
        Digest: image.digest ?? '<none>',
        ID: id(image.id),
        Repository: repository ?? '<none>',
        SharedSize: 'N/A',
        Size: humanSize(image.size),
        Tag: tag ?? '<none>',
        UniqueSize: 'N/A',
        VirtualSize: humanSize(image.size, 4),
      }));
      await write(ctx.stdout, format.kind === 'json' ? objects.map((o) => `${JSON.stringify(o)}\n`).join('') : renderListTemplate(format, objects, IMAGES_HEADERS));
      return;
    }
    const digests = flagBool(flags, 'digests');
    const table: string[][] = [['REPOSITORY', 'TAG', ...(digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE']];
    // ID, age and size are per image; many rows (tags) share them. Indexed loops: see listImages.
    let last: ImageSummary | undefined;
    let shortId = '';
    let created = '';
    let size = '';
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (row.image !== last) {
        last = row.image;
        shortId = id(last.id);
        created = timeAgo(last.createdMs, now);
        size = humanSize(last.size);
      }
      table.push(digests
        ? [row.repository ?? '<none>', row.tag ?? '<none>', last.digest ?? '<none>', shortId, created, size]
        : [row.repository ?? '<none>', row.tag ?? '<none>', shortId, created, size]);
    }
    await write(ctx.stdout, renderTable(table));
  },
};
