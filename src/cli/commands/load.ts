import { stat } from 'node:fs/promises';
import { BerthError, printable } from '../../internal/errors.js';
import { readFileChunks } from '../../internal/file-chunks.js';
import { inputKindOf, loadImages, type LoadInput } from '../../engine/load.js';
import { createProgress } from '../progress.js';
import { flagBool, flagString, write, type CommandSpec } from '../command.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  description: 'Load images from a tar archive or STDIN\n\nReads docker save (any Docker version), podman save, skopeo and berth save archives, OCI\nimage layouts and the dir: layout of skopeo and podman (podman save --format docker-dir), as a\ntar or a directory given with -i, plain or gzip/bzip2/xz/zstd-compressed.',
  flags: [
    { long: 'input', short: 'i', type: 'string', description: 'Read from tar archive file or layout directory (OCI, dir:), instead of STDIN', valueName: 'string' },
    { long: 'quiet', short: 'q', type: 'bool', description: 'Suppress the load output' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const inputPath = flagString(flags, 'input');
    let input: LoadInput;
    let total: number | undefined;
    if (inputPath === undefined || inputPath === '-') {
      if (ctx.stdin.isTTY === true) {
        throw new BerthError('invalid_argument', 'LOAD_STDIN_TTY', 'requested load from stdin, but stdin is empty', { hint: 'Use -i FILE, or pipe an archive in: berth load < image.tar' });
      }
      input = { kind: 'stream', stream: ctx.stdin as AsyncIterable<Buffer> };
    } else if ((await inputKindOf(inputPath)) === 'directory') {
      input = { kind: 'directory', path: inputPath };
    } else {
      total = (await stat(inputPath)).size;
      input = { kind: 'stream', stream: readFileChunks(inputPath) };
    }
    const progress = createProgress(ctx.stderr, 'Loading', total, !flagBool(flags, 'quiet'));
    const store = ctx.store();
    try {
      const result = await loadImages(store, input, { limits: ctx.limits, onProgress: (n) => progress.update(n) });
      progress.finish();
      for (const note of result.notes) await write(ctx.stderr, `Note: ${printable(note)}\n`);
      await write(ctx.stdout, result.lines.map((l) => `${l}\n`).join(''));
    } finally {
      progress.finish();
    }
  },
};
