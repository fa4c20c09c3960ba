import { stopContainer } from '../../engine/containers/stop-container.js';
import { flagString, type CommandSpec } from '../command.js';
import { usageError } from '../argv.js';
import { hostFor } from './container-options.js';
import { forEachContainer } from './container-each.js';

/** -t in seconds; undefined when not given (the container's --stop-timeout, else 10 s). */
export function timeoutFlag(value: string | undefined, command: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw usageError(`invalid argument "${value}" for "-t, --time" flag: strconv.ParseInt: parsing "${value}": invalid syntax`, command);
  return Math.max(0, Number(value));
}

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Stop one or more running containers (the stop signal, then SIGKILL after the timeout)',
  flags: [{ long: 'time', short: 't', type: 'string', description: "Seconds to wait before killing the container (default: the container's --stop-timeout, else 10)" }],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const timeout = timeoutFlag(flagString(flags, 'time'), ctx.commandPath);
    const store = ctx.store();
    const host = hostFor(ctx, store);
    return await forEachContainer(ctx, host, args, async (record, input) => {
      await stopContainer(host, record, timeout);
      return input;
    });
  },
};
