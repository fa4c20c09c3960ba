import { resolveContainer } from '../../engine/containers/resolve-container.js';
import { containerChanges, renderChanges } from '../../engine/containers/container-changes.js';
import { write, type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';

export const spec: CommandSpec = {
  usage: 'CONTAINER',
  description: "Inspect changes to files or directories on a container's filesystem\n\nA: added, C: changed, D: deleted, as Docker prints them; a directory holding changes shows as\nchanged. Paths are in order, each directory before its contents.",
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, _flags, args) {
    const store = ctx.store();
    const host = hostFor(ctx, store);
    const record = resolveContainer(store, args[0]!);
    await write(ctx.stdout, renderChanges(await containerChanges(host, record)));
  },
};
