import { stat } from 'node:fs/promises';
import { BerthError, printable } from '../../internal/errors.js';
import { readFileChunks } from '../../internal/file-chunks.js';
import { fetchUrl, isHttpUrl } from '../../internal/fetch-url.js';
import { importImage } from '../../engine/import.js';
import { hostPlatform } from '../../archive/oci-layout/read-oci-layout.js';
import { parseTagReference } from '../../image/reference.js';
import { parsePlatform } from '../../image/platform.js';
import { createProgress } from '../progress.js';
import { flagList, flagString, write, type CommandSpec } from '../command.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  description:
    'Import the contents from a tarball to create a filesystem image\n\n' +
    'The tar may be plain or gzip/bzip2/xz/zstd-compressed. A tar written by berth export also\n' +
    'restores the container\'s command, environment, working directory and the like.',
  flags: [
    { long: 'change', short: 'c', type: 'list', description: 'Apply Dockerfile instruction to the created image', valueName: 'list' },
    { long: 'message', short: 'm', type: 'string', description: 'Set commit message for imported image', valueName: 'string' },
    { long: 'platform', type: 'string', description: 'Set platform if server is multi-platform capable', valueName: 'string' },
  ],
  args: { min: 1, max: 2 },
  async run(ctx, flags, args) {
    const source = args[0]!;
    // Everything that can be refused is checked before any input is read.
    const tag = args[1] === undefined ? undefined : parseTagReference(args[1]);
    const platformFlag = flagString(flags, 'platform');
    const platform = platformFlag === undefined || platformFlag === '' ? hostPlatform() : parsePlatform(platformFlag, hostPlatform());

    let input: AsyncIterable<Buffer>;
    let total: number | undefined;
    let sourceName = '-';
    let what: string;
    if (source === '-') {
      if (ctx.stdin.isTTY === true) {
        throw new BerthError('invalid_argument', 'IMPORT_STDIN_TTY', 'Cannot import from standard input: it is a terminal', {
          hint: 'Pipe a tar in: berth import - < rootfs.tar',
        });
      }
      input = ctx.stdin as AsyncIterable<Buffer>;
      what = 'standard input';
    } else if (isHttpUrl(source)) {
      const fetched = await fetchUrl(source);
      input = guardBody(fetched.body, source);
      total = fetched.length;
      sourceName = source;
      what = source;
    } else {
      total = await fileSize(source);
      input = readFileChunks(source);
      what = source;
    }

    const progress = createProgress(ctx.stderr, isHttpUrl(source) ? 'Downloading' : 'Importing', total, true);
    const store = ctx.store();
    try {
      const result = await importImage(store, input, {
        changes: flagList(flags, 'change'),
        message: flagString(flags, 'message'),
        sourceName,
        what,
        platform,
        tag,
        limits: ctx.limits,
        // Containers need root; so does unpacking with the files' owners.
        unpack: process.getuid?.() === 0 && process.env.BERTH_IMPORT_UNPACK === "1",
        onProgress: (n) => progress.update(n),
      });
      progress.finish();
      for (const note of result.notes) await write(ctx.stderr, `Note: ${printable(note)}\n`);
      await write(ctx.stdout, `${result.id}\n`);
    } finally {
      progress.finish();
    }
  },
};

async function fileSize(path: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new BerthError('not_found', 'INPUT_NOT_FOUND', `Cannot open "${printable(path)}": ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
  if (info.isDirectory()) {
    throw new BerthError('invalid_argument', 'IMPORT_NOT_TAR', `Cannot import "${printable(path)}": it is a directory`, {
      hint: 'Make a tar of it first: tar -C DIR -c . | berth import - NAME',
    });
  }
  return info.size;
}

/** The response body, with a connection lost mid-way reported as URL_FETCH_FAILED. */
async function* guardBody(body: AsyncIterable<Buffer>, url: string): AsyncGenerator<Buffer> {
  try {
    yield* body;
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw new BerthError('unavailable', 'URL_FETCH_FAILED', `Cannot fetch ${printable(url)}: the download stopped (${printable((err as Error).message)})`, {
      hint: 'Check the URL and that the server is reachable',
      cause: err,
    });
  }
}
