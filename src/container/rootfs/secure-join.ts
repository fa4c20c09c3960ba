/**
 * Resolves a path inside a container's root filesystem the way the container would: symbolic
 * links are followed within the root (an absolute target starts again at the root) and ".."
 * never climbs above it. The result is a host path under `root`, safe to open for reading
 * files the image provides (/etc/passwd may well be a link to /etc/shadow on the host).
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, isSystemError } from '../../internal/errors.js';

const MAX_LINKS = 255;

export function secureJoin(root: string, path: string): string {
  const pending = path.split('/').filter((p) => p !== '' && p !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(root, ...resolved, part);
    let isLink = false;
    try {
      isLink = lstatSync(candidate).isSymbolicLink();
    } catch (err) {
      if (!isSystemError(err, 'ENOENT') && !isSystemError(err, 'ENOTDIR')) throw err;
    }
    if (!isLink) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_LINKS) {
      throw new BerthError('invalid_argument', 'ROOTFS_PATH_INVALID', `Cannot resolve "${path}" in the container: too many levels of symbolic links`);
    }
    const target = readlinkSync(candidate);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
  }
  return join(root, ...resolved);
}
