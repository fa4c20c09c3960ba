/**
 * Compression formats: sniffing by magic bytes, streaming decompression with a guard against
 * decompression bombs, and streaming compression for `save --compress`.
 *
 * gzip is decompressed in-process (node:zlib is faster than spawning here); bzip2, xz and
 * zstd use Debian's command-line tools, which Node 20 lacks in-process. Compression prefers
 * pigz (parallel gzip) and zstd -T0 where installed.
 */
import { createGunzip, createGzip, constants as zlibConstants } from 'node:zlib';
import type { Duplex } from 'node:stream';
import { BerthError } from '../../internal/errors.js';
import { limitError, type Limits } from '../../internal/limits.js';
import { findExecutable, spawnFilter } from '../../internal/spawn-filter.js';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

/** Recognises a compressed stream from its first bytes (at least 6 are needed for xz). */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.length >= 6 && head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0x00) return 'xz';
  if (head.length >= 4 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68 && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  return 'none';
}

const TOOLS: Record<Exclude<Compression, 'none' | 'gzip'>, { command: string; args: string[]; pkg: string }> = {
  bzip2: { command: 'bzip2', args: ['-dc'], pkg: 'bzip2' },
  xz: { command: 'xz', args: ['-dc', '-T0'], pkg: 'xz-utils' },
  zstd: { command: 'zstd', args: ['-dc', '-q', '--no-progress'], pkg: 'zstd' },
};

/** A Duplex that decompresses `kind`. Failures surface as DECOMPRESS_FAILED stream errors. */
export function createDecompressor(kind: Exclude<Compression, 'none'>, what: string): Duplex {
  if (kind === 'gzip') {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    return gunzip;
  }
  const tool = TOOLS[kind];
  const path = findExecutable(tool.command);
  if (path === undefined) {
    throw new BerthError('unavailable', 'DECOMPRESSOR_MISSING', `Cannot decompress ${what}: it is ${kind}-compressed and "${tool.command}" is not installed`, {
      hint: `Install it with: apt-get install ${tool.pkg}`,
    });
  }
  return spawnFilter(path, tool.args, (stderr) => decompressFailed(what, kind, stderr));
}

export function decompressFailed(what: string, kind: string, detail: string): BerthError {
  return new BerthError('invalid_archive', 'DECOMPRESS_FAILED', `Cannot decompress ${what} (${kind}): ${detail}`, {
    hint: 'The data is damaged or not what its header claims',
  });
}

/** Maps zlib's errors (which carry errno-like codes) to DECOMPRESS_FAILED; others pass through. */
export function asDecompressError(err: unknown, what: string, kind: string): unknown {
  if (err instanceof BerthError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) return decompressFailed(what, kind, e.message);
  if (e?.code === 'ERR_STREAM_PREMATURE_CLOSE') return decompressFailed(what, kind, 'unexpected end of data');
  // A tool that rejects its input exits without reading the rest: the next write gets EPIPE,
  // which can reach the stream before the tool's exit status does.
  if (e?.code === 'EPIPE') return decompressFailed(what, kind, `the ${kind} decompressor stopped reading its input`);
  return err;
}

/** Counts bytes in and out of a decompressor and stops a stream whose output outgrows its input. */
export class RatioGuard {
  compressedBytes = 0;
  outputBytes = 0;
  readonly #limits: Limits;
  readonly #what: string;

  constructor(limits: Limits, what: string) {
    this.#limits = limits;
    this.#what = what;
  }

  input(n: number): void {
    this.compressedBytes += n;
  }

  /** Throws LIMIT_DECOMPRESSION_RATIO when the output has grown past the allowed ratio. */
  output(n: number): void {
    this.outputBytes += n;
    if (this.outputBytes > this.#limits.ratioFloorBytes && this.outputBytes > this.#limits.decompressionRatio * Math.max(1, this.compressedBytes)) {
      throw limitError('decompressionRatio', this.#limits.decompressionRatio,
        `${this.#what} decompresses to more than ${this.#limits.decompressionRatio}x its size (${this.outputBytes} bytes from ${this.compressedBytes})`);
    }
  }
}

/** A Duplex that compresses with gzip (pigz when installed) or zstd (the zstd tool). */
export function createCompressor(kind: 'gzip' | 'zstd'): Duplex {
  if (kind === 'gzip') {
    const pigz = findExecutable('pigz');
    if (pigz !== undefined) return spawnFilter(pigz, ['-c', '-n', '-6'], (stderr) => new BerthError('internal', 'COMPRESS_FAILED', `Cannot compress with pigz: ${stderr}`));
    return createGzip({ level: 6, chunkSize: 256 * 1024, strategy: zlibConstants.Z_DEFAULT_STRATEGY });
  }
  const zstd = findExecutable('zstd');
  if (zstd === undefined) {
    throw new BerthError('unavailable', 'COMPRESSOR_MISSING', 'Cannot compress with zstd: "zstd" is not installed', { hint: 'Install it with: apt-get install zstd' });
  }
  return spawnFilter(zstd, ['-c', '-q', '--no-progress', '-3', '-T0'], (stderr) => new BerthError('internal', 'COMPRESS_FAILED', `Cannot compress with zstd: ${stderr}`));
}
