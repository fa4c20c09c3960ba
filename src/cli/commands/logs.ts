import { resolveContainer } from '../../engine/containers/resolve-container.js';
import { streamOutput } from '../../engine/containers/container-output.js';
import { Store } from '../../store/store.js';
import { flagBool, flagString, write, type CommandSpec } from '../command.js';
import { usageError } from '../argv.js';
import { hostFor } from './container-options.js';

/** conmon's "2026-11-28T09:28:54.336673978+00:00" as Docker prints it: "2026-11-28T09:28:54.336673978Z". */
function dockerTime(time: string): string {
  return time.replace(/\+00:00$/, 'Z');
}

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER',
  description: 'Fetch the logs of a container (stdout to stdout, stderr to stderr)',
  flags: [
    { long: 'follow', short: 'f', type: 'bool', description: 'Follow log output' },
    { long: 'tail', short: 'n', type: 'string', description: 'Number of lines to show from the end of the logs (default "all")' },
    { long: 'timestamps', short: 't', type: 'bool', description: 'Show timestamps' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const tailText = flagString(flags, 'tail') ?? 'all';
    if (tailText !== 'all' && !/^\d+$/.test(tailText)) throw usageError(`invalid value for --tail: ${tailText}`, ctx.commandPath);
    const timestamps = flagBool(flags, 'timestamps');
    const store = Store.open(ctx.root);
    try {
      const host = hostFor(ctx, store);
      const record = resolveContainer(store, args[0]!);
      await streamOutput(host, record, {
        follow: flagBool(flags, 'follow'),
        tail: tailText === 'all' ? undefined : Number(tailText),
        sink: (r) => write(r.stream === 'stdout' ? ctx.stdout : ctx.stderr, timestamps ? `${dockerTime(r.time)} ${r.text}` : r.text),
      });
    } finally {
      store.close();
    }
  },
};
