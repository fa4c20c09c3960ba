/** Small filesystem primitives with the durability rules the store relies on. */
// Only node:fs here, not node:fs/promises: loading that pulls in more of Node at start-up than `berth images` can afford.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, rm, constants } from 'node:fs';
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

/** The names in a directory, or none when it does not exist (yet); any other failure is thrown. */
export function listDirectory(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if (isSystemError(err, 'ENOENT')) return [];
    throw err;
  }
}
