/**
 * Hard links in a tree being archived: the first name of an inode met in walk order is written
 * as a regular file, every later name as a hard link to it. An inode is forgotten once all its
 * links have been met, so memory follows the links still pending, not the tree.
 */
export class HardlinkTracker {
  private readonly pending = new Map<string, { name: Buffer; remaining: number }>();

  /**
   * For a non-directory with `nlink` links: undefined if this is the first name met (it is
   * remembered), else the name it must link to.
   */
  linkTarget(dev: number | bigint, ino: number | bigint, nlink: number, name: Buffer): Buffer | undefined {
    if (nlink < 2) return undefined;
    const key = `${dev}:${ino}`;
    const first = this.pending.get(key);
    if (first === undefined) {
      this.pending.set(key, { name, remaining: nlink - 1 });
      return undefined;
    }
    first.remaining--;
    if (first.remaining <= 0) this.pending.delete(key);
    return first.name;
  }

  /** Inodes with links not met yet (for tests and diagnostics). */
  get size(): number {
    return this.pending.size;
  }
}
