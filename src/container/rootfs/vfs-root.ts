/**
 * The copying storage driver (`--storage-driver vfs`): where overlayfs cannot be mounted, a
 * container's root is a plain directory holding its own copy of the image. It is built from
 * the unpacked layer directories, base first, with overlay's meaning applied by hand:
 *
 * - a whiteout (character device 0:0) deletes the name below it;
 * - a directory with trusted.overlay.opaque=y hides everything below it;
 * - a directory replaces a non-directory (and the other way round) instead of merging.
 *
 * Before each layer is copied, the target is made to agree with it: every name the layer
 * holds is, in the target, either absent or a real directory where the layer has a directory.
 * So `cp -a --remove-destination` never writes through a symlink the image planted (it removes
 * a non-directory before creating the new file, and only ever descends into real directories).
 * The copy lands in `<root>.partial` and is renamed into place: a half-built root is never used.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, type Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, ignoreCodes } from '../../internal/errors.js';
import { loadNative } from '../../internal/native.js';

const OPAQUE_XATTR = 'trusted.overlay.opaque';

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** What the copy of one layer leaves behind that is overlay's notation, not content. */
interface Markers {
  whiteouts: string[];
  opaqueDirs: string[];
}

/**
 * Makes `target` agree with layer directory `layer` before the copy (see the module comment);
 * `rel` is the directory being compared, '' for the root. Collects the markers to clear after the copy.
 */
function prepareTarget(layer: string, target: string, rel: string, markers: Markers): void {
  const layerDir = join(layer, rel);
  const targetDir = join(target, rel);
  const native = loadNative('build a vfs root filesystem');
  if (rel !== '' && native.getXattr(layerDir, OPAQUE_XATTR)?.toString() === 'y') {
    markers.opaqueDirs.push(rel);
    if (lstatOrUndefined(targetDir)?.isDirectory() === true) {
      for (const name of readdirSync(targetDir)) rmSync(join(targetDir, name), { recursive: true, force: true });
    }
  }
  for (const entry of readdirSync(layerDir, { withFileTypes: true })) {
    const childRel = join(rel, entry.name);
    const below = join(target, childRel);
    if (entry.isCharacterDevice() && isWhiteout(lstatSync(join(layer, childRel)))) {
      markers.whiteouts.push(childRel);
      rmSync(below, { recursive: true, force: true });
      continue;
    }
    const existing = lstatOrUndefined(below);
    if (existing !== undefined && existing.isDirectory() !== entry.isDirectory()) rmSync(below, { recursive: true, force: true });
    if (entry.isDirectory()) prepareTarget(layer, target, childRel, markers);
  }
}

function copyTree(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('cp', ['-a', '--remove-destination', '--no-target-directory', `${from}/.`, to], { stdio: ['ignore', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(Buffer.concat(err).toString('utf8').trim() || `cp exited with ${code}`));
    });
  });
}

/** Builds `root` from the layer directories (base first) unless it exists already. */
export async function buildVfsRoot(layerDirs: readonly string[], root: string): Promise<void> {
  if (existsSync(root)) return;
  const partial = `${root}.partial`;
  rmSync(partial, { recursive: true, force: true });
  try {
    mkdirSync(partial, { mode: 0o755 });
    const native = loadNative('build a vfs root filesystem');
    for (const layer of layerDirs) {
      const markers: Markers = { whiteouts: [], opaqueDirs: [] };
      prepareTarget(layer, partial, '', markers);
      await copyTree(layer, partial);
      for (const rel of markers.whiteouts) {
        const path = join(partial, rel);
        const st = lstatOrUndefined(path);
        if (st !== undefined && isWhiteout(st)) rmSync(path);
      }
      for (const rel of markers.opaqueDirs) native.removeXattr(join(partial, rel), OPAQUE_XATTR);
    }
    renameSync(partial, root);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if (err instanceof BerthError) throw err;
    throw new BerthError('internal', 'ROOTFS_COPY_FAILED', `Cannot build the container's root filesystem: ${(err as Error).message}`, {
      hint: 'Check free space; the vfs driver keeps a full copy of the image per container',
      cause: err,
    });
  }
}

/**
 * The bytes a container wrote to its vfs root, as Docker's naive diff counts them: regular
 * files (hard links once) that no layer holds with the same size and modification time (the
 * copy keeps both, so an untouched file always matches its layer).
 */
export async function vfsChangedSize(layerDirs: readonly string[], root: string): Promise<number> {
  const topFirst = [...layerDirs].reverse();
  const seen = new Set<string>();
  let total = 0;
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(root, rel), { withFileTypes: true });
    } catch (err) {
      // Not made yet, or gone or replaced under a running container; or deeper than PATH_MAX (not counted).
      ignoreCodes(err, 'ENOENT', 'ENOTDIR', 'ENAMETOOLONG');
      return;
    }
    for (const e of entries) {
      const childRel = join(rel, e.name);
      if (e.isDirectory()) {
        await walk(childRel);
        continue;
      }
      if (!e.isFile()) continue;
      const st = await lstat(join(root, childRel)).catch((err: unknown) => ignoreCodes(err, 'ENOENT', 'ENOTDIR', 'ENAMETOOLONG'));
      if (st === undefined) continue;
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      let unchanged = false;
      for (const layer of topFirst) {
        // Not in this layer: no such name, a file or a symlink (looping, too) where the path has a directory.
        const below = await lstat(join(layer, childRel)).catch((err: unknown) => ignoreCodes(err, 'ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG'));
        if (below === undefined) continue;
        unchanged = below.isFile() && below.size === st.size && below.mtimeMs === st.mtimeMs;
        break;
      }
      if (!unchanged) total += st.size;
    }
  };
  await walk('');
  return total;
}
