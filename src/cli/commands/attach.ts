import { BerthError } from '../../internal/errors.js';
import { resolveContainer } from '../../engine/containers/resolve-container.js';
import { specOf } from '../../engine/containers/container-spec.js';
import { refreshContainer } from '../../engine/containers/container-exit.js';
import { isPaused } from '../../engine/containers/pause-container.js';
import { flagBool, flagString, type CommandSpec } from '../command.js';
import { runAttached } from '../attached-run.js';
import { hostFor } from './container-options.js';
import { detachKeysFlag } from './run.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER',
  description: 'Attach local standard input, output, and error streams to a running container\n\nCtrl-P Ctrl-Q detaches (for a container with a terminal) and leaves it running.',
  flags: [
    { long: 'no-stdin', type: 'bool', description: 'Do not attach STDIN' },
    { long: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container (default ctrl-p,ctrl-q)' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const store = ctx.store();
    const host = hostFor(ctx, store);
    const record = await refreshContainer(host, resolveContainer(store, args[0]!));
    if (record.state !== 'running') {
      throw new BerthError('conflict', 'CONTAINER_NOT_RUNNING', 'You cannot attach to a stopped container, start it first');
    }
    if (isPaused(host, record)) throw new BerthError('conflict', 'CONTAINER_PAUSED', 'You cannot attach to a paused container, unpause it first');
    const spec = specOf(record);
    const result = await runAttached(ctx, host, record, {
      stdin: spec.openStdin && !flagBool(flags, 'no-stdin'),
      tty: spec.tty,
      detachKeys: detachKeysFlag(flagString(flags, 'detach-keys')),
    });
    return result.exitCode;
  },
};
