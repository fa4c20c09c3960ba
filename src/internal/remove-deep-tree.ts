/**
 * Removal of trees that may be deeper than PATH_MAX (unpacked layers), apart from internal/fs.ts
 * so that the commands which never remove one (`images`, on the start-up path) do not load
 * node:child_process.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { isSystemError } from './errors.js';

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
