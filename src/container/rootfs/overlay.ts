/**
 * overlayfs mounts for container root filesystems. Lower directories are passed relative to
 * the layers directory (mount runs there), which keeps the option string short: the kernel
 * limits mount options to one page, about 60 layers at 65 bytes each.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { removeDeepTreeSync } from '../../internal/remove-deep-tree.js';
import { readMountTable } from './mount-table.js';
import { BerthError } from '../../internal/errors.js';

export interface OverlayMount {
  /** Directory the lower-directory names are relative to. */
  layersDir: string;
  /** Lower directories, base layer first (names inside layersDir). */
  lowerDirs: string[];
  upperDir: string;
  workDir: string;
  target: string;
  /**
   * Mount with overlayfs's `volatile` option (kernel 5.10+; without it the mount is made
   * without): syncfs and fsync inside the container are skipped, and so is the flush of the
   * whole upper filesystem that unmounting overlayfs otherwise does (after a first run, that
   * writes back the layer just unpacked: a quarter of a second for 200 MB). For containers that
   * do not outlive their process (`--rm`), as Podman and CRI-O do: a crash may lose their writes.
   */
  volatile?: boolean;
  /**
   * Mount with `xino=on`: where the lower layers are on other file systems than the upper one
   * (indexed layers), overlayfs then gives a copied-up file the inode number of its origin with
   * the layer in the high bits, the same for all its names: hard links made in the container stay
   * visible as one inode (export finds them), as they are when every layer is on one file system.
   */
  xino?: boolean;
}

const OPTIONS_LIMIT = 4000;

function run(command: string, args: string[], cwd?: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
    const err: Buffer[] = [];
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr: Buffer.concat(err).toString('utf8').trim() }));
  });
}

export async function mountOverlay(m: OverlayMount): Promise<void> {
  // overlayfs lists lower directories top first.
  const lower = [...m.lowerDirs].reverse().join(':');
  const options = `lowerdir=${lower},upperdir=${m.upperDir},workdir=${m.workDir}${m.xino === true ? ',xino=on' : ''}`;
  if (options.length + ',volatile'.length > OPTIONS_LIMIT) {
    throw new BerthError('unsupported', 'ROOTFS_TOO_MANY_LAYERS', `Cannot mount the root filesystem: ${m.lowerDirs.length} layers do not fit in one overlay mount`, {
      hint: 'Use --storage-driver vfs for this image',
    });
  }
  // A volatile mount leaves work/incompat/volatile behind, and overlayfs refuses to mount over it
  // again: it is only scratch space once nothing is mounted (a restarted --rm container).
  if (existsSync(join(m.workDir, 'work', 'incompat', 'volatile'))) removeDeepTreeSync(join(m.workDir, 'work'));
  let r = m.volatile === true ? await run('mount', ['-t', 'overlay', 'overlay', '-o', `${options},volatile`, m.target], m.layersDir) : undefined;
  if (r === undefined || r.code !== 0) r = await run('mount', ['-t', 'overlay', 'overlay', '-o', options, m.target], m.layersDir);
  if (r.code !== 0) {
    throw new BerthError('unavailable', 'ROOTFS_MOUNT_FAILED', `Cannot mount the root filesystem: ${r.stderr || `mount exited with ${r.code}`}`, {
      hint: 'overlayfs needs root and a kernel with overlay support; --storage-driver vfs works without it',
    });
  }
}

/** True if something is mounted at `path` (per /proc/self/mountinfo). */
export function isMounted(path: string): boolean {
  return readMountTable().some((m) => m.mountPoint === path);
}

/** Unmounts `path` if mounted (lazily if busy). */
export async function unmount(path: string): Promise<void> {
  if (!isMounted(path)) return;
  const r = await run('umount', [path]);
  if (r.code === 0) return;
  const lazy = await run('umount', ['-l', path]);
  if (lazy.code !== 0 && isMounted(path)) {
    throw new BerthError('unavailable', 'ROOTFS_UNMOUNT_FAILED', `Cannot unmount ${path}: ${lazy.stderr || r.stderr}`);
  }
}
