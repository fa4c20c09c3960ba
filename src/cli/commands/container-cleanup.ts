/** Internal: conmon runs this when a detached container exits (record the exit, unmount, --rm). */
import { isAttachedElsewhere } from '../../engine/containers/attach-container.js';
import { getContainer } from '../../store/containers.js';
import { refreshContainer } from '../../engine/containers/container-exit.js';
import type { CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';

export const spec: CommandSpec = {
  usage: 'CONTAINER',
  description: 'Record a container\'s exit and release its resources (run by the container monitor)',
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, _flags, args) {
    // The store may be gone by now (a test or a user removed it): never re-create it from here.
    const store = ctx.existingStore();
    if (store === undefined) return;
    const record = getContainer(store, args[0]!);
    if (record === undefined) return;
    const host = hostFor(ctx, store);
    // A berth attached to the container finishes it itself (it needs the exit status first).
    if (isAttachedElsewhere(host, record)) return;
    await refreshContainer(host, record);
  },
};
