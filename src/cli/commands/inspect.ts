import { isBerthError } from '../../internal/errors.js';
import { inspectImage } from '../../engine/inspect-image.js';
import { resolveImage } from '../../engine/resolve-image.js';
import { Store } from '../../store/store.js';
import { renderTemplate } from '../format/template.js';
import { flagString, write, type CommandSpec } from '../command.js';
import { reportError } from '../report-error.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Display detailed information on one or more images',
  flags: [
    { long: 'format', short: 'f', type: 'string', description: 'Format output using a template ({{.Id}}, {{json .Config}}) or "json"' },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const format = flagString(flags, 'format');
    const store = Store.open(ctx.root);
    let failed = false;
    try {
      const results: Record<string, unknown>[] = [];
      for (const arg of args) {
        try {
          const { id } = resolveImage(store, arg);
          results.push(await inspectImage(store, id));
        } catch (err) {
          if (!isBerthError(err)) throw err;
          failed = true;
          reportError(err, false);
        }
      }
      if (format === undefined || format === 'json') {
        if (results.length > 0 || !failed) await write(ctx.stdout, `${JSON.stringify(results, null, 4)}\n`);
      } else {
        await write(ctx.stdout, results.map((r) => `${renderTemplate(format, r)}\n`).join(''));
      }
    } finally {
      store.close();
    }
    return failed ? 1 : 0;
  },
};
