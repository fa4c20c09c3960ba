import { BerthError } from '../../internal/errors.js';
import { resolveContainer } from '../../engine/containers/resolve-container.js';
import { startContainer } from '../../engine/containers/start-container.js';
import { streamOutput } from '../../engine/containers/container-output.js';
import { Store } from '../../store/store.js';
import { flagBool, write, type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';
import { forEachContainer } from './container-each.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Start one or more stopped containers',
  flags: [
    { long: 'attach', short: 'a', type: 'bool', description: "Attach STDOUT/STDERR and forward signals" },
    { long: 'interactive', short: 'i', type: 'bool', description: "Attach container's STDIN" },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const store = Store.open(ctx.root);
    try {
      const host = hostFor(ctx, store);
      if (flagBool(flags, 'interactive')) {
        throw new BerthError('unsupported', 'ATTACH_UNSUPPORTED', 'Cannot attach STDIN yet: attaching is not implemented', { hint: 'Use berth start CONTAINER, then berth logs -f' });
      }
      if (flagBool(flags, 'attach')) {
        if (args.length > 1) throw new BerthError('invalid_argument', 'USAGE_ARGS', 'you cannot start and attach multiple containers at once');
        const started = await startContainer(host, resolveContainer(store, args[0]!), false);
        const exited = await streamOutput(host, started, { follow: true, tail: undefined, sink: (r) => write(r.stream === 'stdout' ? ctx.stdout : ctx.stderr, r.text) });
        return exited.exitCode ?? 0;
      }
      return await forEachContainer(host, args, async (record, input) => {
        await startContainer(host, record, true);
        await write(ctx.stdout, `${input}\n`);
      });
    } finally {
      store.close();
    }
  },
};
