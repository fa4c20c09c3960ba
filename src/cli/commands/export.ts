import { BerthError } from '../../internal/errors.js';
import { exportContainer } from '../../engine/containers/export-container.js';
import { resolveContainer } from '../../engine/containers/resolve-container.js';
import { writeChunksToFile, writeChunksToStream } from '../chunk-output.js';
import { interruptible } from '../interrupt.js';
import { flagString, type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER',
  description: "Export a container's filesystem as a tar archive (streamed to STDOUT by default)\n\nThe container may be running or stopped. Volumes and bind mounts are not exported (what lies\nunder their mount points is). The first entry records the container's config for berth import;\nother tools skip it. Exporting the same container twice gives the same bytes.",
  flags: [
    { long: 'output', short: 'o', type: 'string', description: 'Write to a file, instead of STDOUT' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const output = flagString(flags, 'output');
    if ((output === undefined || output === '-') && ctx.stdout.isTTY === true) {
      throw new BerthError('invalid_argument', 'OUTPUT_IS_TERMINAL', 'cowardly refusing to save to a terminal. Use the -o flag or redirect', {
        hint: 'berth export -o rootfs.tar CONTAINER, or berth export CONTAINER > rootfs.tar',
      });
    }
    const store = ctx.store();
    const host = hostFor(ctx, store);
    const record = resolveContainer(store, args[0]!);
    const stream = exportContainer(host, record);
    // Ctrl-C or a TERM stops the export between two chunks: the temporary file is removed and
    // the container's files are released (the private mount goes with its helper anyway).
    await interruptible(async (signal) => {
      if (output === undefined || output === '-') await writeChunksToStream(ctx.stdout, stream, signal);
      else await writeChunksToFile(output, stream, 0o600, signal);
    });
  },
};
