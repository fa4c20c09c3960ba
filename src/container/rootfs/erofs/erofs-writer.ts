/**
 * Writes an EROFS image that holds only metadata: inodes, directories, symlink targets and
 * extended attributes. Regular files are chunk-based and point into a second device, the
 * uncompressed layer tar, at the offsets where their bytes already are. Mounted with
 * `device=<tar>`, the image shows the layer's tree without a byte of file data copied.
 *
 * Layout (512-byte blocks, the tar's own alignment):
 *   0..1023     unused (boot area)
 *   1024..1151  superblock
 *   1152..1279  device table: one slot, the tar (its tag: the tar's sha256, in hex)
 *   1536..      metadata area: inodes, 32-byte aligned, the root first
 *   after it    directory blocks and long symlink targets, block aligned
 *
 * The on-disk structures follow the kernel's erofs_fs.h: extended (64-byte) inodes, inline
 * xattrs, chunk indexes with a device id, dirents sorted by name within and across blocks.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { DirInode, Inode, Xattr } from './erofs-tree.js';

const BLOCK_BITS = 9;
export const EROFS_BLOCK = 1 << BLOCK_BITS;
const SUPER_OFFSET = 1024;
const MAGIC = 0xe0f5e1e2;
const INCOMPAT_CHUNKED_FILE = 0x4;
const INCOMPAT_DEVICE_TABLE = 0x8;
const DEVICE_SLOT_SIZE = 128;
const DEVICE_TABLE_OFFSET = SUPER_OFFSET + 128;
const META_BLKADDR = 3;
const META_START = META_BLKADDR * EROFS_BLOCK;
const INODE_SIZE = 64;
const DIRENT_SIZE = 12;
/** Largest chunk: 1 GiB (chunk bits are relative to the block size). */
const MAX_CHUNK_BITS = 30 - BLOCK_BITS;

const LAYOUT_FLAT_PLAIN = 0;
const LAYOUT_FLAT_INLINE = 2;
const LAYOUT_CHUNK_BASED = 4;
const CHUNK_FORMAT_INDEXES = 0x20;

const S_IFMT: Record<Inode['kind'], number> = {
  dir: 0o040000, file: 0o100000, symlink: 0o120000, chardev: 0o020000, blockdev: 0o060000, fifo: 0o010000,
};
const FILE_TYPE: Record<Inode['kind'], number> = { file: 1, dir: 2, chardev: 3, blockdev: 4, fifo: 5, symlink: 7 };

/** xattr name prefixes EROFS stores as an index (longest first where one contains another). */
const XATTR_PREFIXES: Array<[string, number]> = [
  ['system.posix_acl_access', 2],
  ['system.posix_acl_default', 3],
  ['user.', 1],
  ['trusted.', 4],
  ['security.', 6],
];

/** True if EROFS can store an xattr of this name (a known prefix, a suffix that fits one byte). */
export function isStorableXattr(name: string): boolean {
  return encodeXattrName(name) !== undefined;
}

function encodeXattrName(name: string): { index: number; suffix: Buffer } | undefined {
  for (const [prefix, index] of XATTR_PREFIXES) {
    if (!name.startsWith(prefix)) continue;
    const suffix = Buffer.from(name.slice(prefix.length), 'latin1');
    if (index === 2 || index === 3) return suffix.length === 0 ? { index, suffix } : undefined;
    if (suffix.length === 0 || suffix.length > 255) return undefined;
    return { index, suffix };
  }
  return undefined;
}

const align = (n: number, to: number): number => Math.ceil(n / to) * to;
const NO_XATTRS = Buffer.alloc(0);

/** The inline xattr body: a 12-byte header, then entries (4-byte aligned). Empty when there are none. */
function xattrBody(xattrs: Xattr[]): Buffer {
  if (xattrs.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [Buffer.alloc(12)];
  for (const x of xattrs) {
    const name = encodeXattrName(x.name);
    if (name === undefined) throw new Error(`xattr ${x.name} cannot be stored in EROFS`);
    const entry = Buffer.alloc(align(4 + name.suffix.length + x.value.length, 4));
    entry.writeUInt8(name.suffix.length, 0);
    entry.writeUInt8(name.index, 1);
    entry.writeUInt16LE(x.value.length, 2);
    name.suffix.copy(entry, 4);
    x.value.copy(entry, 4 + name.suffix.length);
    parts.push(entry);
  }
  return Buffer.concat(parts);
}

interface Placed {
  inode: Inode;
  nid: number;
  ino: number;
  layout: number;
  xattrs: Buffer;
  /** Where the bytes after the inode and its xattrs (chunk indexes, inline target) start, and how many. */
  tailAt: number;
  tailLength: number;
  /** A symlink target that did not fit inline. */
  data: Buffer | undefined;
  /** First block of the out-of-line data (directory blocks or the target); 0 when there is none. */
  dataBlock: number;
  /** A directory's entries, sorted, with "." and "..", and how many go in each block. */
  dir?: { entries: Dirent[]; perBlock: number[] };
  size: number;
  nlink: number;
}

interface Dirent {
  /** The name's bytes as a latin1 string. */
  name: string;
  nid: number;
  type: number;
}

/**
 * How many dirents go in each 512-byte block (per block: the dirents, then their names), and
 * the directory's size (the last block only as far as it is used).
 */
function dirLayout(entries: readonly Dirent[]): { perBlock: number[]; size: number } {
  const perBlock: number[] = [];
  let i = 0;
  let size = 0;
  while (i < entries.length) {
    let n = 0;
    let used = 0;
    while (i + n < entries.length && used + DIRENT_SIZE + entries[i + n]!.name.length <= EROFS_BLOCK) {
      used += DIRENT_SIZE + entries[i + n]!.name.length;
      n++;
    }
    if (n === 0) throw new Error('directory entry name too long');
    perBlock.push(n);
    i += n;
    size = i === entries.length ? size + used : size + EROFS_BLOCK;
  }
  return { perBlock, size };
}

function writeDirBlocks(image: Buffer, at: number, entries: readonly Dirent[], perBlock: readonly number[]): void {
  let i = 0;
  for (const n of perBlock) {
    let nameOff = n * DIRENT_SIZE;
    for (let k = 0; k < n; k++) {
      const e = entries[i + k]!;
      const d = at + k * DIRENT_SIZE;
      writeU64(image, e.nid, d);
      image.writeUInt16LE(nameOff, d + 8);
      image[d + 10] = e.type;
      image.write(e.name, at + nameOff, 'latin1');
      nameOff += e.name.length;
    }
    i += n;
    at += EROFS_BLOCK;
  }
}

/** A non-negative safe integer as a little-endian u64 (no BigInt on the way). */
function writeU64(b: Buffer, value: number, at: number): void {
  b.writeUInt32LE(value % 0x100000000, at);
  b.writeUInt32LE(Math.floor(value / 0x100000000), at + 4);
}

/** Chunk size (as bits over the block size) and count for a file: as few chunks as the 1 GiB cap allows. */
function chunksOf(size: number): { bits: number; count: number } {
  let bits = 0;
  while (bits < MAX_CHUNK_BITS && EROFS_BLOCK * 2 ** bits < size) bits++;
  return { bits, count: Math.ceil(size / (EROFS_BLOCK * 2 ** bits)) };
}

/** The chunk indexes of a file whose bytes are contiguous at `dataOffset` of device 1 (the tar). */
function writeChunkIndexes(image: Buffer, at: number, size: number, dataOffset: number): void {
  const { bits, count } = chunksOf(size);
  const chunk = EROFS_BLOCK * 2 ** bits;
  if (dataOffset % EROFS_BLOCK !== 0 || (dataOffset + size) / EROFS_BLOCK > 0xffffffff) throw new Error(`file data at ${dataOffset} cannot be addressed`);
  for (let k = 0; k < count; k++) {
    image.writeUInt16LE(0, at + k * 8); // advise
    image.writeUInt16LE(1, at + k * 8 + 2); // device 1: the first extra device
    image.writeUInt32LE((dataOffset + k * chunk) / EROFS_BLOCK, at + k * 8 + 4);
  }
}

function encodeDev(major: number, minor: number): number {
  return ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0;
}

/** Every inode reachable from root, each once (hard links share one), root first, parents before children. */
function collect(root: DirInode): Inode[] {
  const seen = new Set<Inode>([root]);
  const order: Inode[] = [root];
  for (let i = 0; i < order.length; i++) {
    const inode = order[i]!;
    if (inode.kind !== 'dir') continue;
    for (const child of inode.children.values()) {
      if (seen.has(child)) continue;
      seen.add(child);
      order.push(child);
    }
  }
  return order;
}

export interface ErofsImageFacts {
  inodes: number;
  bytes: number;
}

/** The device the files point into: its size, and the tag that names it (at most 64 bytes). */
export interface DataDevice {
  size: number;
  tag: string;
}

/** The tag of the data device of an image written by writeErofsImage (its first 2 KiB suffice). */
export function readDeviceTag(head: Buffer): string {
  const tag = head.subarray(DEVICE_TABLE_OFFSET, DEVICE_TABLE_OFFSET + 64);
  const end = tag.indexOf(0);
  return tag.toString('latin1', 0, end < 0 ? 64 : end);
}

/**
 * Writes the image of `root` to `path` (created, must not exist). Memory: the metadata only,
 * never file data.
 */
export function writeErofsImage(path: string, root: DirInode, device: DataDevice): ErofsImageFacts {
  const inodes = collect(root);
  const placed = new Map<Inode, Placed>();
  const parentOf = new Map<DirInode, DirInode>([[root, root]]);
  for (const inode of inodes) {
    if (inode.kind !== 'dir') continue;
    for (const child of inode.children.values()) if (child.kind === 'dir' && !parentOf.has(child)) parentOf.set(child, inode);
  }

  // Pass 1: sizes and positions of the inode records.
  let pos = META_START;
  let ino = 1;
  for (const inode of inodes) {
    const xattrs = inode.xattrs.length === 0 ? NO_XATTRS : xattrBody([...inode.xattrs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
    let layout = LAYOUT_FLAT_PLAIN;
    let tailLength = 0;
    let data: Buffer | undefined;
    let size = 0;
    let tailAlign = 1;
    if (inode.kind === 'file') {
      size = inode.size;
      if (size > 0) {
        layout = LAYOUT_CHUNK_BASED;
        tailLength = chunksOf(size).count * 8;
        tailAlign = 8;
      }
    } else if (inode.kind === 'symlink') {
      size = inode.target.length;
      if (INODE_SIZE + xattrs.length + size <= EROFS_BLOCK) {
        layout = LAYOUT_FLAT_INLINE;
        tailLength = size;
      } else {
        data = inode.target;
      }
    }
    // Inline data may not cross a block boundary: such an inode starts a new block.
    const tailStart = (at: number): number => align(at + INODE_SIZE + xattrs.length, tailAlign);
    if (layout === LAYOUT_FLAT_INLINE && Math.floor(tailStart(pos) / EROFS_BLOCK) !== Math.floor((tailStart(pos) + tailLength - 1) / EROFS_BLOCK)) {
      pos = align(pos, EROFS_BLOCK);
    }
    const nid = (pos - META_START) / 32;
    placed.set(inode, { inode, nid, ino: ino++, layout, xattrs, tailAt: tailStart(pos), tailLength, data, dataBlock: 0, size, nlink: Math.max(1, inode.links) });
    pos = align(tailStart(pos) + tailLength, 32);
  }
  if (placed.get(root)!.nid > 0xffff) throw new Error('root inode out of range');

  // Pass 2: directory contents (they need every nid) and blocks for out-of-line data.
  let block = Math.ceil(pos / EROFS_BLOCK);
  for (const inode of inodes) {
    const p = placed.get(inode)!;
    let blocks = 0;
    if (inode.kind === 'dir') {
      const entries: Dirent[] = [
        { name: '.', nid: p.nid, type: FILE_TYPE.dir },
        { name: '..', nid: placed.get(parentOf.get(inode)!)!.nid, type: FILE_TYPE.dir },
      ];
      let subdirs = 0;
      for (const [name, child] of inode.children) {
        entries.push({ name, nid: placed.get(child)!.nid, type: FILE_TYPE[child.kind] });
        if (child.kind === 'dir') subdirs++;
      }
      // Names are latin1 strings of their bytes: string order is byte order, a prefix first.
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const layout = dirLayout(entries);
      p.dir = { entries, perBlock: layout.perBlock };
      p.size = layout.size;
      p.nlink = 2 + subdirs;
      blocks = layout.perBlock.length;
    } else if (p.data !== undefined) {
      blocks = Math.ceil(p.data.length / EROFS_BLOCK);
    }
    if (blocks > 0) {
      p.dataBlock = block;
      block += blocks;
    }
  }
  const totalBlocks = block;

  // Pass 3: the image, built in memory (metadata only: about 160 bytes per inode) and written at once.
  const image = Buffer.alloc(totalBlocks * EROFS_BLOCK);
  image.writeUInt32LE(MAGIC, SUPER_OFFSET);
  image.writeUInt8(BLOCK_BITS, SUPER_OFFSET + 12);
  image.writeUInt16LE(placed.get(root)!.nid, SUPER_OFFSET + 14);
  image.writeBigUInt64LE(BigInt(inodes.length), SUPER_OFFSET + 16);
  image.writeUInt32LE(totalBlocks, SUPER_OFFSET + 36);
  image.writeUInt32LE(META_BLKADDR, SUPER_OFFSET + 40);
  image.write('berth-layer', SUPER_OFFSET + 64, 'latin1');
  image.writeUInt32LE(INCOMPAT_CHUNKED_FILE | INCOMPAT_DEVICE_TABLE, SUPER_OFFSET + 80);
  image.writeUInt16LE(1, SUPER_OFFSET + 86); // extra devices
  image.writeUInt16LE(DEVICE_TABLE_OFFSET / DEVICE_SLOT_SIZE, SUPER_OFFSET + 88);
  if (Buffer.byteLength(device.tag, 'latin1') > 64) throw new Error('device tag longer than 64 bytes');
  image.write(device.tag, DEVICE_TABLE_OFFSET, 'latin1');
  image.writeUInt32LE(Math.ceil(device.size / EROFS_BLOCK), DEVICE_TABLE_OFFSET + 64);
  for (const inode of inodes) {
    const p = placed.get(inode)!;
    const at = META_START + p.nid * 32;
    writeInode(image, at, p);
    p.xattrs.copy(image, at + INODE_SIZE);
    if (inode.kind === 'file' && p.layout === LAYOUT_CHUNK_BASED) writeChunkIndexes(image, p.tailAt, inode.size, inode.dataOffset);
    else if (inode.kind === 'symlink' && p.layout === LAYOUT_FLAT_INLINE) inode.target.copy(image, p.tailAt);
    if (p.dir !== undefined) writeDirBlocks(image, p.dataBlock * EROFS_BLOCK, p.dir.entries, p.dir.perBlock);
    else if (p.data !== undefined) p.data.copy(image, p.dataBlock * EROFS_BLOCK);
  }
  const fd = openSync(path, 'wx', 0o600);
  try {
    let off = 0;
    while (off < image.length) off += writeSync(fd, image, off, image.length - off);
  } finally {
    closeSync(fd);
  }
  return { inodes: inodes.length, bytes: image.length };
}

function writeInode(b: Buffer, at: number, p: Placed): void {
  const inode = p.inode;
  b.writeUInt16LE(1 | (p.layout << 1), at); // extended inode, data layout
  b.writeUInt16LE(p.xattrs.length === 0 ? 0 : 1 + (p.xattrs.length - 12) / 4, at + 2);
  b.writeUInt16LE(S_IFMT[inode.kind] | (inode.meta.perm & 0o7777), at + 4);
  writeU64(b, p.size, at + 8);
  if (inode.kind === 'file' && p.layout === LAYOUT_CHUNK_BASED) {
    b.writeUInt16LE(CHUNK_FORMAT_INDEXES | chunksOf(inode.size).bits, at + 16);
  } else if (inode.kind === 'chardev' || inode.kind === 'blockdev') {
    b.writeUInt32LE(encodeDev(inode.major, inode.minor), at + 16);
  } else if (p.dataBlock > 0) {
    b.writeUInt32LE(p.dataBlock, at + 16);
  }
  b.writeUInt32LE(p.ino >>> 0, at + 20);
  b.writeUInt32LE(inode.meta.uid >>> 0, at + 24);
  b.writeUInt32LE(inode.meta.gid >>> 0, at + 28);
  const sec = inode.meta.mtimeSec;
  if (sec >= 0) writeU64(b, sec, at + 32);
  else b.writeBigInt64LE(BigInt(sec), at + 32);
  b.writeUInt32LE(inode.meta.mtimeNsec >>> 0, at + 40);
  b.writeUInt32LE(p.nlink, at + 44);
}

