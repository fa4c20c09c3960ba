import type { Store } from '../../store/store.js';
import { BerthError } from '../../internal/errors.js';
import { createCompressor } from '../../archive/compression/compression.js';
import { planSave, saveStream } from '../../engine/save.js';
import { createProgress } from '../progress.js';
import { writeFileAtomic, writeToStream } from '../output-file.js';
import { flagString, noteWriter, type CommandContext, type CommandSpec } from '../command.js';
import { interruptible } from '../interrupt.js';
import { usageError } from '../argv.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Save one or more images to a tar archive (streamed to STDOUT by default)\n\nThe archive holds an OCI image layout plus Docker\'s manifest.json and repositories: it loads\nin Docker (20.10 and 25+), Podman, skopeo (docker-archive: and oci-archive:) and Berth.\nSaving the same images twice gives the same bytes.',
  flags: [
    { long: 'output', short: 'o', type: 'string', description: 'Write to a file, instead of STDOUT' },
    { long: 'compress', type: 'string', description: 'Compress the whole archive: gzip or zstd', valueName: 'string' },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const output = flagString(flags, 'output');
    const compress = flagString(flags, 'compress');
    if (compress !== undefined && compress !== 'gzip' && compress !== 'zstd') throw usageError(`invalid --compress "${compress}": use gzip or zstd`, ctx.commandPath);
    if (output === undefined && ctx.stdout.isTTY === true) {
      throw new BerthError('invalid_argument', 'OUTPUT_IS_TERMINAL', 'cowardly refusing to save to a terminal. Use the -o flag or redirect', {
        hint: 'berth save -o image.tar IMAGE, or berth save IMAGE > image.tar',
      });
    }
    const store = ctx.store();
    // Ctrl-C or a TERM stops the save: the temporary file of -o is removed (exit 130 or 143).
    await interruptible((signal) => saveTo(ctx, store, args, { output, compress, signal }));
  },
};

interface SaveTarget {
  output: string | undefined;
  compress: 'gzip' | 'zstd' | undefined;
  signal: AbortSignal;
}

async function saveTo(ctx: CommandContext, store: Store, args: string[], target: SaveTarget): Promise<void> {
  const { output, compress, signal } = target;
  const plan = planSave(store, args, noteWriter(ctx));
  const { stream, archiveBytes } = saveStream(store, plan);
  const progress = createProgress(ctx.stderr, 'Saving', archiveBytes, true);
  let done = 0;
  const counted = (async function* () {
    for await (const chunk of stream) {
      done += chunk.length;
      progress.update(done);
      yield chunk;
    }
  })();
  const compressor = compress === undefined ? undefined : createCompressor(compress);
  try {
    if (output === undefined || output === '-') await writeToStream(ctx.stdout, counted, compressor, signal);
    else await writeFileAtomic(output, counted, compressor, 0o600, signal);
  } finally {
    progress.finish();
  }
}
