import { pauseContainer, unpauseContainer } from '../../engine/containers/pause-container.js';
import type { ContainerHost } from '../../engine/containers/container-host.js';
import type { ContainerRecord } from '../../store/containers.js';
import { type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';
import { forEachContainer } from './container-each.js';

/** `pause` and `unpause`: the action on each container named, whose name is printed once done. */
function freezeVerb(description: string, action: (host: ContainerHost, record: ContainerRecord) => Promise<void>): CommandSpec {
  return {
    usage: 'CONTAINER [CONTAINER...]',
    description,
    flags: [],
    args: { min: 1 },
    async run(ctx, _flags, args) {
      const store = ctx.store();
      const host = hostFor(ctx, store);
      return await forEachContainer(ctx, host, args, async (record, input) => {
        await action(host, record);
        return input;
      });
    },
  };
}

export const spec = freezeVerb('Pause all processes within one or more containers', pauseContainer);
export const unpauseSpec = freezeVerb('Unpause all processes within one or more containers', unpauseContainer);
