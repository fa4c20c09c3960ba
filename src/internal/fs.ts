/** Small filesystem primitives with the durability rules the store relies on. */
// Only node:fs here, not node:fs/promises: loading that pulls in more of Node at start-up than `berth images` can afford.
import { spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, openSync, rm, rmSync, constants } from 'node:fs';
import { isSystemError } from './errors.js';

/** fsync a directory so that renames and creations inside it survive a power loss. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function mkdirs(dir: string, mode = 0o700): void {
  mkdirSync(dir, { recursive: true, mode });
}

/** Removes a file or tree; a missing path is not an error. */
export function removeTree(path: string): Promise<void> {
  return new Promise((resolve, reject) => rm(path, { recursive: true, force: true, maxRetries: 2 }, (err) => (err ? reject(err) : resolve())));
}

/**
 * Removes a directory tree that may be deeper than PATH_MAX: an unpacked layer can hold
 * directories nested thousands deep (GNU tar creates them relative to each other), which
 * Node's rm cannot remove (it recurses by full path: ENAMETOOLONG, or a stack overflow). Such
 * a tree is handed to GNU rm, which walks by directory descriptor; it never crosses into
 * another file system (a mount left inside stays, and the removal fails instead).
 */
export function removeDeepTreeSync(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
    return;
  } catch (err) {
    if (!(err instanceof RangeError) && !isSystemError(err, 'ENAMETOOLONG')) throw err;
  }
  const r = spawnSync('rm', ['-rf', '--one-file-system', '--', path], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rm -rf ${path} failed: ${(r.stderr ?? '').trim() || r.error?.message || `exit ${r.status}`}`);
}

export function ignoreMissing(err: unknown): void {
  if (!isSystemError(err, 'ENOENT')) throw err;
}
