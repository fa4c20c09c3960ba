/**
 * A few megabytes the store keeps aside for the day its disk fills up. SQLite needs room to
 * write even a DELETE (its WAL grows), so on a full disk `rm` and `rmi` would fail like
 * everything else, and nothing could free space. The reserve is a plain file; a store opened
 * with less free space than that is given it back first, so the command has room to work (a
 * removal always does; others then fail with NO_SPACE further on, cleanly). It is put back when
 * a later open finds plenty of free space again.
 */
import { closeSync, openSync, renameSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const RESERVE_FILE = 'space-reserve';
/** What the reserve holds. */
const RESERVE_BYTES = 4 << 20;
/** Free space below which the reserve is given back. */
const RELEASE_BELOW = RESERVE_BYTES;
/** Free space above which a missing reserve is made again. */
const RESTORE_ABOVE = 4 * RESERVE_BYTES;

function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** Releases or restores the reserve in the store's version directory, as free space says. Never fails the caller. */
export function balanceSpaceReserve(base: string): void {
  const file = join(base, RESERVE_FILE);
  let present: boolean;
  try {
    present = statSync(file).size === RESERVE_BYTES;
  } catch {
    present = false;
  }
  const free = freeBytes(base);
  if (free === undefined) return;
  if (present && free < RELEASE_BELOW) {
    rmSync(file, { force: true });
  } else if (!present && free > RESTORE_ABOVE) {
    writeReserve(file);
  }
}

/** Real blocks, not a sparse file: written out (posix_fallocate is not in Node), then renamed in place. */
function writeReserve(file: string): void {
  const aside = `${file}.${process.pid}`;
  try {
    const fd = openSync(aside, 'w', 0o600);
    try {
      const block = Buffer.alloc(1 << 20);
      for (let written = 0; written < RESERVE_BYTES; written += block.length) writeSync(fd, block);
    } finally {
      closeSync(fd);
    }
    // A rename, so that a reader never counts a half-written reserve as whole.
    renameSync(aside, file);
  } catch {
    rmSync(aside, { force: true });
  }
}

/** True when the file system holding `dir` has (next to) no space left. */
export function diskIsFull(dir: string): boolean {
  const free = freeBytes(dir);
  return free !== undefined && free < 64 << 10;
}
