/**
 * What a container changed in its root filesystem, read from disk without mounting anything:
 *
 * - `upperNodes`: the overlay upper directory as it is (what Docker's overlay2 driver commits):
 *   every entry, whiteouts (0:0 character devices) and opaque directories included;
 * - `treeChanges`: the container's tree compared with its image's, as Docker's `diff` (and its
 *   naive, copying drivers) do: A for an added path, C for a changed one (type, mode, owner,
 *   device, security.capability; size and mtime for non-directories), D for a deleted one, and
 *   C for a directory that holds changes. The tree is the overlay upper over the image, or the
 *   vfs driver's full copy.
 *
 * Paths are relative to the root, without a leading slash; every directory's entries come in
 * byte order of their names, a directory before its contents (the order Docker's walk has).
 * Nothing here follows a symlink. The container's tree is walked through directory
 * descriptors (each directory opened with O_NOFOLLOW and checked to be the one listed, its
 * entries reached through /proc/self/fd/N/), so a container that is not paused cannot swap
 * a directory for a symlink and have the walk list or read the host's files; file data is
 * later read by path, and change-tar checks it is the very inode listed here.
 */
import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, readdir, readlink, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../internal/errors.js';
import { loadNative } from '../../internal/native.js';
import { decodeName } from '../../archive/tar/tar-header.js';
import { decodeSortedNames, hostPath, nameBytes, withDirPath } from './byte-names.js';
import { isOpaqueDirAt, isWhiteoutStat, type LowerEntry, type LowerView } from './lower-view.js';

export interface FsNode {
  rel: string;
  /** A deletion: written to a layer as `.wh.<name>`. */
  whiteout: boolean;
  /** The entry's own metadata (for a whiteout: the whiteout's, or its directory's when there is no whiteout file). */
  stat: BigIntStats;
  /** Where it is on disk (content, link target, attributes). */
  path: string;
  /** A directory that hides everything the image had in it (`.wh..wh..opq`). */
  opaque: boolean;
  /** Extended attributes, sorted by name, overlayfs' own left out. */
  xattrs: Array<[string, Buffer]>;
  linkTarget: string | undefined;
}

export type ChangeKind = 'A' | 'C' | 'D';

export interface Change {
  kind: ChangeKind;
  rel: string;
  node: FsNode;
}

const OVERLAY_PREFIX = 'trusted.overlay.';
const CAPABILITY = 'security.capability';

/** A directory of the container's tree, held open: its entries are reached through the descriptor, never by path. */
class HeldDir {
  readonly #fh: FileHandle;

  private constructor(fh: FileHandle) {
    this.#fh = fh;
  }

  /** Opens `path` as a directory without following a symlink; with `listed`, it must be that inode. */
  static async open(path: string | Buffer, listed?: BigIntStats): Promise<HeldDir> {
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (listed !== undefined && (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR')) throw movedUnderfoot(path);
      throw err;
    }
    if (listed !== undefined) {
      const st = await fh.stat({ bigint: true });
      if (st.ino !== listed.ino || st.dev !== listed.dev) {
        await fh.close();
        throw movedUnderfoot(path);
      }
    }
    return new HeldDir(fh);
  }

  /** A path to this very directory (ASCII, so the native calls can take it too). */
  self(): string {
    return `/proc/self/fd/${this.#fh.fd}`;
  }

  /** A path to the entry `name` of this very directory: bytes when the name is not UTF-8. */
  entry(name: string): string | Buffer {
    return hostPath(`/proc/self/fd/${this.#fh.fd}/${name}`);
  }

  close(): Promise<void> {
    return this.#fh.close();
  }
}

function movedUnderfoot(path: string | Buffer): BerthError {
  return new BerthError('failed_precondition', 'CHANGE_FILE_CHANGED', `Cannot read the container's changes: ${path} changed while it was being read`, {
    hint: 'Commit with --pause=true (the default) so the container cannot write meanwhile',
  });
}

/** Names of a directory in byte order (as Go's walk sorts them); names that are not UTF-8 carry their bytes escaped (byte-names.ts). */
export async function sortedNames(dir: string | Buffer): Promise<string[]> {
  return decodeSortedNames(await readdir(dir, { encoding: 'buffer' }));
}

/**
 * The extended attributes at `path`, overlayfs' own left out. The native calls take UTF-8
 * paths: a non-directory whose name is not UTF-8 (a Buffer path here) is read without them.
 */
export function readXattrs(path: string | Buffer): Array<[string, Buffer]> {
  if (typeof path !== 'string') return [];
  const native = loadNative('read extended attributes');
  const out: Array<[string, Buffer]> = [];
  for (const name of native.listXattr(path).sort()) {
    if (name.startsWith(OVERLAY_PREFIX)) continue;
    const value = native.getXattr(path, name);
    if (value !== null) out.push([name, value]);
  }
  return out;
}

/**
 * The node for an entry: `path` is kept (for its data), `via` is where to read it now (defaults
 * to path). A directory whose name is not UTF-8 has its attributes read through a descriptor.
 */
export async function nodeAt(path: string, rel: string, stat: BigIntStats, opaque = false, via: string | Buffer = hostPath(path)): Promise<FsNode> {
  return {
    rel,
    whiteout: false,
    stat,
    path,
    opaque,
    xattrs: stat.isDirectory() ? withDirPath(via, readXattrs) : readXattrs(via),
    linkTarget: stat.isSymbolicLink() ? decodeName(await readlink(via, { encoding: 'buffer' })) : undefined,
  };
}

function join2(rel: string, name: string): string {
  return rel === '' ? name : `${rel}/${name}`;
}

/** The overlay upper directory, entry by entry (sockets are skipped, as Docker skips them). */
export async function* upperNodes(upper: string, skip: ReadonlySet<string>): AsyncGenerator<FsNode> {
  async function* walk(rel: string, held: HeldDir): AsyncGenerator<FsNode> {
    for (const name of await sortedNames(held.self())) {
      const childRel = join2(rel, name);
      if (skip.has(childRel)) continue;
      const path = join(upper, childRel);
      const via = held.entry(name);
      const st = await lstat(via, { bigint: true });
      if (st.isSocket()) continue;
      if (isWhiteoutStat(st)) {
        yield { rel: childRel, whiteout: true, stat: st, path, opaque: false, xattrs: [], linkTarget: undefined };
        continue;
      }
      yield await nodeAt(path, childRel, st, st.isDirectory() && isOpaqueDirAt(via), via);
      if (!st.isDirectory()) continue;
      const child = await HeldDir.open(via, st);
      try {
        yield* walk(childRel, child);
      } finally {
        await child.close();
      }
    }
  }
  const root = await HeldDir.open(upper);
  try {
    yield* walk('', root);
  } finally {
    await root.close();
  }
}

/** Docker's test for a changed entry (moby pkg/archive changes.go statDifferent, plus security.capability). */
export function statDifferent(old: BigIntStats, now: BigIntStats): boolean {
  if (old.mode !== now.mode || old.uid !== now.uid || old.gid !== now.gid || old.rdev !== now.rdev) return true;
  if (now.isDirectory()) return false;
  return old.mtimeNs !== now.mtimeNs || old.size !== now.size;
}

/** A path that is not UTF-8 (a Buffer) cannot be passed to the native call: no capability is read there. */
function capabilityOf(path: string | Buffer): Buffer | null {
  return typeof path === 'string' ? loadNative('read extended attributes').getXattr(path, CAPABILITY) : null;
}

function capabilityDiffers(oldPath: string | Buffer, newPath: string | Buffer): boolean {
  const a = capabilityOf(oldPath);
  const b = capabilityOf(newPath);
  if (a === null || b === null) return a !== b;
  return !a.equals(b);
}

/** The container's side of the comparison. */
export interface ContainerTree {
  /** Directory holding the container's entries: the upper dir (overlay) or the full copy (vfs). */
  root: string;
  /** True when the tree lies over the image (overlay): entries absent from it are the image's, whiteouts delete. */
  layered: boolean;
}

export interface TreeChangeOptions {
  /** Paths (relative) that are not the container's doing: left out with everything below them. */
  skip: ReadonlySet<string>;
  /**
   * For a layer (commit on vfs): a directory the image has that was born after this time (ns
   * since the epoch) was deleted and made anew by the container: it is written as an opaque
   * directory with its whole contents, as overlay records a replaced directory, instead of
   * one whiteout per entry it lost. Unset for `diff`, which lists each deletion as Docker does.
   */
  recreatedAfter?: bigint;
}

/** The changes of `tree` against the image seen through `lower`, in walk order. */
export async function treeChanges(tree: ContainerTree, lower: LowerView, options: TreeChangeOptions): Promise<Change[]> {
  const out: Change[] = [];
  const rootOld = await lower.list('');
  const root = await HeldDir.open(tree.root);
  try {
    await dirChanges(tree, lower, options, '', root, rootOld, !tree.layered, out);
  } finally {
    await root.close();
  }
  return out;
}

/**
 * Appends the changes inside directory `rel` to `out`. `old` holds the image's entries of that
 * directory (undefined when the image has no directory there, or it counts as new); `whole`
 * says the container's listing is the entire directory (vfs, or an opaque or new directory in
 * the upper dir).
 */
async function dirChanges(tree: ContainerTree, lower: LowerView, options: TreeChangeOptions, rel: string, held: HeldDir,
  old: Map<string, LowerEntry> | undefined, whole: boolean, out: Change[]): Promise<void> {
  const dir = join(tree.root, rel);
  const present = new Set<string>();
  const deletions: Array<{ name: string; node: FsNode }> = [];
  const perName: Array<{ name: string; changes: Change[] }> = [];
  for (const name of await sortedNames(held.self())) {
    const childRel = join2(rel, name);
    if (options.skip.has(childRel)) continue;
    const path = join(dir, name);
    const via = held.entry(name);
    const st = await lstat(via, { bigint: true });
    if (st.isSocket()) continue;
    const before = old?.get(name);
    if (isWhiteoutStat(st) && tree.layered) {
      present.add(name);
      if (before !== undefined) deletions.push({ name, node: { rel: childRel, whiteout: true, stat: st, path, opaque: false, xattrs: [], linkTarget: undefined } });
      continue;
    }
    present.add(name);
    const changes: Change[] = [];
    let self: Change | undefined;
    if (before === undefined) self = { kind: 'A', rel: childRel, node: await nodeAt(path, childRel, st, false, via) };
    else if (statDifferent(before.stat, st) || capabilityDiffers(hostPath(before.path), via)) self = { kind: 'C', rel: childRel, node: await nodeAt(path, childRel, st, false, via) };
    if (self !== undefined) changes.push(self);
    if (st.isDirectory()) {
      const beforeIsDir = before !== undefined && before.stat.isDirectory();
      // made by the container where the image has a directory (born after its start) or a non-directory (overlay marks both opaque)
      const recreated = before !== undefined && options.recreatedAfter !== undefined && (!beforeIsDir || st.birthtimeNs > options.recreatedAfter);
      const childOld = beforeIsDir && !recreated ? await lower.list(childRel) : undefined;
      const childWhole = whole || !beforeIsDir || (tree.layered && isOpaqueDirAt(via));
      const inner: Change[] = [];
      const child = await HeldDir.open(via, st);
      try {
        await dirChanges(tree, lower, options, childRel, child, childOld, childWhole, inner);
      } finally {
        await child.close();
      }
      lower.forget(childRel);
      if (self === undefined && (inner.length > 0 || recreated)) {
        self = { kind: 'C', rel: childRel, node: await nodeAt(path, childRel, st, false, via) };
        changes.push(self);
      }
      if (self !== undefined && recreated) self.node.opaque = true;
      changes.push(...inner);
    }
    perName.push({ name, changes });
  }
  if (whole && old !== undefined) {
    const gone = [...old.keys()].filter((name) => !present.has(name));
    // stat, not lstat: /proc/self/fd/N is a link to the directory itself
    const dirStat = gone.length > 0 ? await stat(held.self(), { bigint: true }) : undefined;
    for (const name of gone) {
      deletions.push({ name, node: { rel: join2(rel, name), whiteout: true, stat: dirStat!, path: join(dir, name), opaque: false, xattrs: [], linkTarget: undefined } });
    }
  }
  for (const d of deletions) perName.push({ name: d.name, changes: [{ kind: 'D', rel: d.node.rel, node: d.node }] });
  perName.sort((a, b) => Buffer.compare(nameBytes(a.name), nameBytes(b.name)));
  for (const p of perName) out.push(...p.changes);
}

/** Docker's `diff` lines: "A /path", "C /path", "D /path"; names that are not UTF-8 as their bytes. */
export function renderChanges(changes: readonly Change[]): Buffer {
  return Buffer.concat(changes.map((c) => nameBytes(`${c.kind} /${c.rel}\n`)));
}
