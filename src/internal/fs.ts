/** Small filesystem primitives with the durability rules the store relies on. */
import { closeSync, fsyncSync, mkdirSync, openSync, constants } from 'node:fs';
import { rm } from 'node:fs/promises';
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
export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true, maxRetries: 2 });
}

export function ignoreMissing(err: unknown): void {
  if (!isSystemError(err, 'ENOENT')) throw err;
}
