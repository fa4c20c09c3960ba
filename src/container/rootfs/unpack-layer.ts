/**
 * Unpacks one layer into its own directory, keyed by chain ID and shared by every container
 * above it. GNU tar does the extraction (it keeps setuid bits, devices, xattrs, hard links
 * and absolute symlinks exactly), always into a fresh, empty temporary directory, which is
 * renamed into place only when tar succeeded and the blob's digest was verified: a
 * half-unpacked layer is never used. GNU tar never applies one layer over another (it is not
 * safe to: CVE-2025-45582); overlayfs stacks the directories instead.
 *
 * A layer the loader found plain (no whiteouts or odd names: see isPlainEntry) is handed to
 * tar as it is stored, hashed in parallel; any other is rewritten on the way (layer-rewrite.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, ignoreCodes, isSystemError } from '../../internal/errors.js';
import { removeDeepTreeSync } from '../../internal/remove-deep-tree.js';
import { hexOf, type Digest } from '../../digest/digest.js';
import { temporaryLayerName, unpackedLayerName } from '../../store/layers-dir.js';
import { rewriteLayer } from './layer-rewrite.js';

export interface LayerSource {
  chainId: Digest;
  diffId: Digest;
  /** The loader found every entry plain: extract the blob as it is. */
  plain: boolean;
  /** Size of the layer tar. */
  tarSize: number;
  /** The stored, uncompressed layer tar. */
  blobPath: string;
  /** Reads the blob, verifying its digest (fails at the end if it does not match). */
  read: () => AsyncIterable<Buffer>;
}

const TAR_FLAGS = ['--numeric-owner', '--same-owner', '--same-permissions', '--xattrs', '--xattrs-include=*', '--delay-directory-restore'];

function unpackFailed(layer: LayerSource, detail: string, cause?: unknown): BerthError {
  return new BerthError('internal', 'LAYER_UNPACK_FAILED', `Cannot unpack layer ${layer.diffId}: ${detail}`, {
    hint: 'Check free space and that GNU tar is installed; the store is unchanged',
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * What tar's complaint says about the cause: the disk (full), or the layer itself (a name
 * too long to create, a link to nothing, a path through a non-directory: what a crafted or
 * damaged layer gives). Either way nothing was kept.
 */
function tarFailed(layer: LayerSource, code: number | null, text: string): BerthError {
  const detail = `tar exited with ${code}: ${text}`;
  if (/No space left on device|Disk quota exceeded/.test(text)) {
    return new BerthError('no_space', 'NO_SPACE', `Cannot unpack layer ${layer.diffId}: no space left on device (${detail})`, {
      hint: 'Free some space (berth image prune removes unused images) and try again; the store is unchanged',
    });
  }
  if (/Cannot (open|hard link|create symlink|mkdir|create directory|mknod)|File name too long|Not a directory|Too many levels of symbolic links/.test(text)) {
    return new BerthError('invalid_archive', 'LAYER_UNPACK_FAILED', `Cannot unpack layer ${layer.diffId}: ${detail}`, {
      hint: 'The layer cannot be unpacked as it is (it was crafted, or is damaged): remove the image (berth rmi) and load a good copy; the store is unchanged',
    });
  }
  return unpackFailed(layer, detail);
}

export function layerDir(layersDir: string, chainId: Digest): string {
  return join(layersDir, unpackedLayerName(chainId));
}

/** Unpacks `layer` into layersDir/<chain hex> unless it is there already. Safe to run in several processes at once. */
export async function unpackLayer(layersDir: string, layer: LayerSource): Promise<void> {
  const target = layerDir(layersDir, layer.chainId);
  if (existsSync(target)) return;
  const tmp = join(layersDir, temporaryLayerName(hexOf(layer.chainId).slice(0, 16)));
  removeDeepTreeSync(tmp);
  mkdirSync(tmp, { mode: 0o755 });
  try {
    if (layer.tarSize > 0) {
      if (layer.plain) {
        // Both must finish before anything is removed: tar may still be writing into tmp. A blob that
        // fails verification is reported as such, even when tar choked on it too.
        const results = await Promise.allSettled([drain(layer.read()), runTar(['-x', '-f', layer.blobPath, '-C', tmp, ...TAR_FLAGS], undefined, layer)]);
        for (const r of results) if (r.status === 'rejected') throw r.reason;
      } else {
        await runTar(['-x', '-f', '-', '-C', tmp, ...TAR_FLAGS], layer.read(), layer);
      }
    }
    try {
      renameSync(tmp, target);
    } catch (err) {
      // Another process unpacked the same layer first: theirs is as good as ours.
      if (!isSystemError(err, 'ENOTEMPTY') && !isSystemError(err, 'EEXIST')) throw err;
      removeDeepTreeSync(tmp);
    }
  } catch (err) {
    removeDeepTreeSync(tmp);
    throw err;
  }
}

async function drain(chunks: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of chunks) {
    // reading is the point: the reader verifies the digest at the end
  }
}

/** Runs GNU tar; with `input`, the layer is rewritten into tar's stdin. */
function runTar(args: string[], input: AsyncIterable<Buffer> | undefined, layer: LayerSource): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    const stderr: Buffer[] = [];
    child.stderr!.on('data', (b: Buffer) => stderr.push(b));
    let feedError: unknown;
    child.on('error', (err) => reject(unpackFailed(layer, `cannot run tar (${(err as Error).message})`, err)));
    child.on('close', (code) => {
      if (feedError !== undefined) return reject(feedError);
      if (code === 0) return resolve();
      const text = Buffer.concat(stderr).toString('utf8').trim().split('\n').slice(0, 5).join('; ');
      reject(tarFailed(layer, code, text));
    });
    if (input !== undefined) {
      const stdin = child.stdin!;
      stdin.on('error', () => undefined); // tar stopped reading: its exit status says why
      const write = (chunk: Buffer): Promise<void> => new Promise((res, rej) => {
        if (stdin.destroyed) return rej(unpackFailed(layer, 'tar stopped reading'));
        if (stdin.write(chunk)) return res();
        const done = (): void => {
          stdin.off('drain', done);
          stdin.off('close', done);
          if (stdin.destroyed) rej(unpackFailed(layer, 'tar stopped reading'));
          else res();
        };
        stdin.once('drain', done);
        stdin.once('close', done);
      });
      rewriteLayer(input, write).then(() => stdin.end(), (err: unknown) => {
        // tar's own failure (it stopped reading) is reported by its exit status instead.
        if (!(err instanceof BerthError && err.code === 'LAYER_UNPACK_FAILED')) feedError = err;
        stdin.destroy();
        child.kill('SIGKILL');
      });
    }
  });
}

let streamingCounter = 0;

/**
 * Unpacks a plain layer while it is still arriving (what `import` uses to save the first run an
 * unpack): GNU tar reads the bytes from a pipe into a fresh temporary directory under
 * layersDir. It is only ever given the bytes of plain members: the first time the caller says
 * the layer is no longer plain, tar is stopped and the directory dropped (the layer is then
 * unpacked at the first run, with the rewrite, as any other). `finish` renames the directory
 * to the layer's chain ID; a failure there is not an error, only a missed shortcut.
 */
export class StreamingUnpack {
  readonly #layersDir: string;
  readonly #tmp: string;
  readonly #child: ReturnType<typeof spawn>;
  readonly #exit: Promise<number | null>;
  #abandoned = false;

  private constructor(layersDir: string, tmp: string) {
    this.#layersDir = layersDir;
    this.#tmp = tmp;
    this.#child = spawn('tar', ['-x', '-f', '-', '-C', tmp, ...TAR_FLAGS], { stdio: ['pipe', 'ignore', 'ignore'] });
    this.#child.stdin!.on('error', () => undefined); // tar stopped reading: its exit status says why
    this.#exit = new Promise((resolve) => {
      this.#child.on('error', () => resolve(null));
      this.#child.on('close', (code) => resolve(code));
    });
  }

  /** Starts tar into a new temporary directory; undefined when that cannot be done. */
  static start(layersDir: string): StreamingUnpack | undefined {
    const tmp = join(layersDir, temporaryLayerName(`import-${++streamingCounter}`));
    try {
      mkdirSync(layersDir, { recursive: true, mode: 0o700 });
      removeDeepTreeSync(tmp);
      mkdirSync(tmp, { mode: 0o755 });
    } catch {
      // Deliberately any failure: this is only a shortcut (the first run unpacks instead), and what
      // stops it here (space, permissions) the import's own writes meet and report as coded errors.
      return undefined;
    }
    return new StreamingUnpack(layersDir, tmp);
  }

  /** Passes on the bytes of a layer that is plain so far; stops at the first that is not. */
  async write(chunk: Buffer, plainSoFar: boolean): Promise<void> {
    if (this.#abandoned) return;
    if (!plainSoFar) {
      this.abort();
      return;
    }
    const stdin = this.#child.stdin!;
    if (stdin.destroyed) {
      this.abort();
      return;
    }
    // Waits until the chunk is handed to the pipe: the caller's buffers are reused.
    await new Promise<void>((resolve) => {
      if (stdin.write(chunk)) return resolve();
      const done = (): void => {
        stdin.off('drain', done);
        stdin.off('close', done);
        resolve();
      };
      stdin.once('drain', done);
      stdin.once('close', done);
    });
  }

  /** Ends the input; when tar succeeded, the directory becomes layersDir/<chain hex>. Returns whether it did. */
  async finish(chainId: Digest): Promise<boolean> {
    if (this.#abandoned) return false;
    this.#child.stdin!.end();
    const code = await this.#exit;
    if (code !== 0) {
      this.abort();
      return false;
    }
    try {
      renameSync(this.#tmp, layerDir(this.#layersDir, chainId));
      return true;
    } catch (err) {
      // Already unpacked (another import or a run of the same layer), or the store went away.
      ignoreCodes(err, 'ENOTEMPTY', 'EEXIST', 'ENOENT');
      this.abort();
      return false;
    }
  }

  /** Stops tar and removes the temporary directory. Safe to call more than once. */
  abort(): void {
    if (!this.#abandoned) {
      this.#abandoned = true;
      this.#child.stdin!.destroy();
      this.#child.kill('SIGKILL');
    }
    void this.#exit.then(() => this.#removeTmp());
  }

  /** Resolves once tar has exited and the temporary directory (if dropped) is gone. */
  async settled(): Promise<void> {
    await this.#exit;
    if (this.#abandoned) this.#removeTmp();
  }

  #removeTmp(): void {
    try {
      removeDeepTreeSync(this.#tmp);
    } catch {
      // Deliberately any failure (best effort): left for the next run's sweep of abandoned unpacks (removeAbandonedUnpacks).
    }
  }
}
