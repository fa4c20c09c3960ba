/**
 * Walks a root filesystem in the order `docker export` writes it: depth first, each directory
 * before its contents, the names of a directory sorted bytewise (Go's filepath.Walk). Names are
 * bytes, as the filesystem has them.
 *
 * Every name is reached through a descriptor of its directory (`/proc/self/fd/N/name`), each
 * directory opened with O_NOFOLLOW: a running container that swaps a directory for a symlink
 * while it is walked cannot lead the walk (or the reads) out of its root.
 */
import { closeSync, constants, lstatSync, openSync, readdirSync, type Stats } from 'node:fs';

export interface WalkEntry {
  /** Path relative to the root, without a trailing "/". */
  name: Buffer;
  /** A path that reaches this entry (through its directory's descriptor) while the walk is at it. */
  path: Buffer;
  stat: Stats;
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const SLASH = Buffer.from('/');

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}

/** The entries under `root` (not the root itself). Vanished entries (a running container) are skipped. */
export function* walkRoot(root: string): Generator<WalkEntry> {
  const fd = openSync(root, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    yield* walkDir(fd, Buffer.alloc(0));
  } finally {
    closeSync(fd);
  }
}

function* walkDir(dirFd: number, prefix: Buffer): Generator<WalkEntry> {
  const base = Buffer.from(`/proc/self/fd/${dirFd}/`);
  let names: Buffer[];
  try {
    names = readdirSync(base, { encoding: 'buffer' });
  } catch (err) {
    if (isGone(err)) return;
    throw err;
  }
  names.sort(Buffer.compare);
  for (const child of names) {
    const path = Buffer.concat([base, child]);
    let stat: Stats;
    try {
      stat = lstatSync(path);
    } catch (err) {
      if (isGone(err)) continue;
      throw err;
    }
    const name = prefix.length === 0 ? child : Buffer.concat([prefix, SLASH, child]);
    yield { name, path, stat };
    if (!stat.isDirectory()) continue;
    let childFd: number;
    try {
      childFd = openSync(path, DIR_FLAGS);
    } catch (err) {
      if (isGone(err)) continue;
      throw err;
    }
    try {
      yield* walkDir(childFd, name);
    } finally {
      closeSync(childFd);
    }
  }
}
