/**
 * The filesystem tree an EROFS index describes: inodes with their metadata, directories by
 * name, and regular files whose bytes stay where they are in another file (the layer tar),
 * referred to by offset. Built by layer-tree.ts, written by erofs-writer.ts.
 */

export type InodeKind = 'dir' | 'file' | 'symlink' | 'chardev' | 'blockdev' | 'fifo';

export interface InodeMeta {
  /** Permission bits, setuid, setgid and sticky (no type bits). */
  perm: number;
  uid: number;
  gid: number;
  /** Modification time: whole seconds since the epoch (may be negative) and nanoseconds. */
  mtimeSec: number;
  mtimeNsec: number;
}

/** An extended attribute: its full name ("user.x", "security.capability", ...) and value bytes. */
export interface Xattr {
  name: string;
  value: Buffer;
}

interface InodeBase {
  meta: InodeMeta;
  xattrs: Xattr[];
  /** Directory entries naming this inode (hard links); a directory counts its subdirectories' "..". */
  links: number;
}

export interface DirInode extends InodeBase {
  kind: 'dir';
  /** Children by name; the key is the name's bytes as a latin1 string (one char per byte). */
  children: Map<string, Inode>;
}

export interface FileInode extends InodeBase {
  kind: 'file';
  /** Where the file's bytes start in the data file (a multiple of 512). */
  dataOffset: number;
  size: number;
}

export interface SymlinkInode extends InodeBase {
  kind: 'symlink';
  target: Buffer;
}

export interface DeviceInode extends InodeBase {
  kind: 'chardev' | 'blockdev';
  major: number;
  minor: number;
}

export interface FifoInode extends InodeBase {
  kind: 'fifo';
}

export type Inode = DirInode | FileInode | SymlinkInode | DeviceInode | FifoInode;

export function newDir(meta: InodeMeta): DirInode {
  return { kind: 'dir', meta, xattrs: [], links: 0, children: new Map() };
}

/** Sets (or replaces) an extended attribute. */
export function setXattr(inode: Inode, name: string, value: Buffer): void {
  const i = inode.xattrs.findIndex((x) => x.name === name);
  if (i >= 0) inode.xattrs[i] = { name, value };
  else inode.xattrs.push({ name, value });
}
