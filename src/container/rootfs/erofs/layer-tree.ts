/**
 * Reads a layer tar's headers (never its file data: the reader seeks past it) and builds the
 * tree the layer unpacks to, with the same meaning the tar path gives it (layer-rewrite.ts,
 * then GNU tar into an empty directory):
 * - names are clamped to the layer's root as Docker's chrooted unpack does;
 * - `.wh.NAME` becomes a 0/0 character device, `.wh..wh..opq` the opaque xattr of its directory;
 * - overlayfs xattrs carried by the layer are dropped;
 * - a later member replaces an earlier one; a directory over a directory updates it;
 * - parent directories missing from the tar are made (0755, root, the build time);
 * - a path through a symlink follows it only when GNU tar would have made it at once
 *   (relative, without ".."): through any other (tar defers those) it is refused, as
 *   through a file; so is a non-directory over a non-empty directory and a hard link to
 *   nothing or to a directory.
 * What EROFS cannot show the same way (sparse files, xattrs outside the known prefixes)
 * raises LayerTreeUnsupported: the caller unpacks that layer with tar instead.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { BerthError } from '../../../internal/errors.js';
import { BLOCK, decodeHeader, decodeName, encodeText, isZeroBlock, padding, parsePaxRecords, type TarHeader } from '../../../archive/tar/tar-header.js';
import { clampLayerPath, isOverlayXattrRecord, whiteoutOf } from '../../../archive/tar/layer-entries.js';
import { newDir, setXattr, type DirInode, type Inode, type InodeMeta } from './erofs-tree.js';
import { isStorableXattr } from './erofs-writer.js';

const MAX_META = 1024 * 1024;
const WINDOW = 16 * 1024;
const MAX_SYMLINK_HOPS = 40;
const XATTR_RECORD = 'SCHILY.xattr.';

/** The layer is valid but needs the tar path (what EROFS cannot express as GNU tar would unpack it). */
export class LayerTreeUnsupported extends Error {}

function refused(layer: string, why: string): BerthError {
  return new BerthError('invalid_archive', 'LAYER_UNPACK_FAILED', `Cannot unpack layer ${layer}: ${why}`, {
    hint: 'The layer cannot be unpacked as it is (it was crafted, or is damaged): remove the image (berth rmi) and load a good copy; the store is unchanged',
  });
}

function invalid(layer: string, why: string): BerthError {
  return new BerthError('invalid_archive', 'LAYER_INVALID', `Cannot unpack layer ${layer}: ${why}`, {
    hint: 'The image is damaged or was crafted; remove it (berth rmi) and load a good copy',
  });
}

export interface LayerTreeEntry {
  header: TarHeader;
  /** Offset of the member's data in the tar. */
  dataOffset: number;
}

/** The members of the tar at `fd` (size `size`), headers only, as TarParser reads them. */
export function* tarMembers(fd: number, size: number): Generator<LayerTreeEntry> {
  // Headers are read through a window: most members are small, so one read brings several.
  const window = Buffer.alloc(WINDOW);
  let windowStart = -1;
  let windowEnd = -1;
  let offset = 0;
  let pax: Record<string, string> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  let sawHeader = false;
  const truncated = (at: number): BerthError =>
    new BerthError('invalid_archive', 'ARCHIVE_TRUNCATED', `Cannot read archive: it ends in the middle of a member (offset ${at})`);
  const readInto = (buf: Buffer, at: number): number => {
    let got = 0;
    while (got < buf.length && at + got < size) {
      const n = readSync(fd, buf, got, buf.length - got, at + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  };
  /** `length` bytes at `at` (a view valid until the next call). */
  const bytesAt = (at: number, length: number): Buffer => {
    if (at + length > size) throw truncated(size);
    if (length > WINDOW) {
      const buf = Buffer.alloc(length);
      if (readInto(buf, at) < length) throw truncated(at);
      return buf;
    }
    if (at < windowStart || at + length > windowEnd) {
      windowStart = at;
      windowEnd = at + readInto(window, at);
      if (at + length > windowEnd) throw truncated(windowEnd);
    }
    return window.subarray(at - windowStart, at - windowStart + length);
  };
  while (offset < size) {
    const block = bytesAt(offset, BLOCK);
    if (isZeroBlock(block)) {
      if (!sawHeader) throw new BerthError('invalid_archive', 'ARCHIVE_EMPTY', 'Cannot read archive: it holds no members');
      return;
    }
    sawHeader = true;
    const typeflag = String.fromCharCode(block[156]!);
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      const h = decodeHeader(block, offset, undefined, undefined, undefined);
      if (h.size > MAX_META) throw new BerthError('limit', 'LIMIT_PAX_BYTES', `Cannot read tar metadata record at offset ${offset}: ${h.size} bytes exceeds the PAX header size limit (${MAX_META})`);
      const body = Buffer.from(bytesAt(offset + BLOCK, h.size));
      if (typeflag === 'x') pax = { ...(pax ?? {}), ...parsePaxRecords(body, offset) };
      else if (typeflag === 'L') longName = decodeName(trimNul(body));
      else if (typeflag === 'K') longLink = decodeName(trimNul(body));
      offset += BLOCK + h.size + padding(h.size);
      continue;
    }
    const header = decodeHeader(block, offset, pax, longName, longLink);
    pax = undefined;
    longName = undefined;
    longLink = undefined;
    if (header.type !== 'file' && header.type !== 'other') header.size = 0;
    const dataOffset = offset + BLOCK;
    if (dataOffset + header.size > size) throw new BerthError('invalid_archive', 'ARCHIVE_TRUNCATED', `Cannot read archive: it ends in the middle of a member (offset ${size})`);
    yield { header, dataOffset };
    offset = dataOffset + header.size + padding(header.size);
  }
  if (!sawHeader) throw new BerthError('invalid_archive', 'ARCHIVE_EMPTY', 'Cannot read archive: the input is empty');
}

function trimNul(body: Buffer): Buffer {
  const nul = body.indexOf(0);
  return nul < 0 ? body : body.subarray(0, nul);
}

/** A PAX mtime ("-?S[.F]") to whole seconds and nanoseconds, exactly (a double would round the nanoseconds). */
function paxTime(text: string): { sec: number; nsec: number } | undefined {
  const m = /^(-?)(\d{1,16})(?:\.(\d{1,9}))?$/.exec(text);
  if (m === null) return undefined;
  let sec = Number(m[2]);
  let nsec = Number((m[3] ?? '').padEnd(9, '0'));
  if (m[1] === '-') {
    sec = -sec;
    if (nsec > 0) {
      sec -= 1;
      nsec = 1_000_000_000 - nsec;
    }
  }
  return { sec, nsec };
}

function metaOf(h: TarHeader): InodeMeta {
  const exact = h.pax?.mtime === undefined ? undefined : paxTime(h.pax.mtime);
  const sec = exact?.sec ?? Math.floor(h.mtime);
  const nsec = exact?.nsec ?? 0;
  return { perm: h.mode & 0o7777, uid: h.uid, gid: h.gid, mtimeSec: sec, mtimeNsec: nsec };
}

/** Name components as latin1 keys of their bytes. */
function components(path: string): string[] {
  return path === '' ? [] : encodeText(path).toString('latin1').split('/');
}

/** Linux's limit for one name (GNU tar fails on a longer one: "File name too long"). */
const NAME_MAX = 255;
/** Linux's limit for a symlink target (PATH_MAX, its terminating NUL included). */
const PATH_MAX = 4096;
/** Linux's limit for an xattr value. */
const MAX_XATTR_VALUE = 65536 - 1;

/** GNU tar makes a symlink at once only when it is relative and has no ".."; it defers the others. */
function isImmediateSymlink(target: Buffer): boolean {
  if (target.length === 0 || target[0] === 0x2f) return false;
  return !target.toString('latin1').split('/').includes('..');
}

export class LayerTreeBuilder {
  readonly root: DirInode;
  readonly #implicitMeta: InodeMeta;
  readonly #layer: string;

  /** `layer` names the layer in errors (its diff ID). */
  constructor(layer: string, buildTime: number) {
    this.#layer = layer;
    this.#implicitMeta = { perm: 0o755, uid: 0, gid: 0, mtimeSec: buildTime, mtimeNsec: 0 };
    this.root = newDir({ ...this.#implicitMeta });
    this.root.links = 1;
  }

  add(entry: LayerTreeEntry): void {
    const h = entry.header;
    if (h.type === 'other') throw invalid(this.#layer, `member "${h.name.slice(0, 200)}" has tar type '${h.typeflag}', which Berth does not unpack`);
    if (h.pax !== undefined && Object.keys(h.pax).some((k) => k.startsWith('GNU.sparse.'))) throw new LayerTreeUnsupported('sparse file');
    const path = clampLayerPath(h.name);
    const wo = path === '' ? undefined : whiteoutOf(path);
    if (wo !== undefined) {
      if (wo.opaque) {
        // At the root it is ignored, as the tar path ignores it: the root keeps Berth's own metadata.
        if (wo.dir !== '') setXattr(this.#mkdirs(components(wo.dir)), 'trusted.overlay.opaque', Buffer.from('y'));
        return;
      }
      if (wo.name === '' || wo.name === '.' || wo.name === '..') throw invalid(this.#layer, `"${path}" is not a valid whiteout`);
      const parts = components(wo.dir === '' ? wo.name : `${wo.dir}/${wo.name}`);
      this.#place(parts, { kind: 'chardev', major: 0, minor: 0, meta: { ...metaOf(h), perm: 0 }, xattrs: [], links: 0 }, path);
      return;
    }
    const xattrs: Array<[string, Buffer]> = [];
    for (const [key, value] of Object.entries(h.pax ?? {})) {
      if (!key.startsWith(XATTR_RECORD) || isOverlayXattrRecord(key)) continue;
      const name = key.slice(XATTR_RECORD.length);
      const bytes = encodeText(value);
      if (!isStorableXattr(name) || bytes.length > MAX_XATTR_VALUE) throw new LayerTreeUnsupported(`xattr ${name}`);
      xattrs.push([name, bytes]);
    }
    if (path === '') {
      if (h.type !== 'dir') return; // the rewrite drops a root that is not a directory
      this.root.meta = metaOf(h);
      for (const [name, value] of xattrs) setXattr(this.root, name, value);
      return;
    }
    const parts = components(path);
    if (h.type === 'hardlink') {
      const target = clampLayerPath(h.linkname);
      if (target === '' || target === path) return; // a link to the root or to itself cannot be made
      const targetParts = components(target);
      const dir = this.#walk(targetParts.slice(0, -1), target, false);
      const inode = dir?.children.get(targetParts[targetParts.length - 1]!);
      if (inode === undefined) throw refused(this.#layer, `hard link "${path}" points to "${target}", which is not in the layer before it`);
      if (inode.kind === 'dir') throw refused(this.#layer, `hard link "${path}" points to the directory "${target}"`);
      this.#place(parts, inode, path);
      return;
    }
    let inode: Inode;
    const meta = metaOf(h);
    switch (h.type) {
      case 'dir':
        inode = newDir(meta);
        break;
      case 'file':
        inode = { kind: 'file', meta, xattrs: [], links: 0, dataOffset: entry.dataOffset, size: h.size };
        break;
      case 'symlink': {
        const target = encodeText(h.linkname);
        // symlink(2) makes neither (ENOENT, ENAMETOOLONG): GNU tar fails on them.
        if (target.length === 0) throw refused(this.#layer, `"${path}": Cannot create symlink to '': No such file or directory`);
        if (target.length >= PATH_MAX) throw refused(this.#layer, `"${path}": Cannot create symlink: File name too long`);
        // symlink(2) makes every symlink 0777, whatever mode the header gives.
        inode = { kind: 'symlink', meta: { ...meta, perm: 0o777 }, xattrs: [], links: 0, target };
        break;
      }
      case 'chardev':
      case 'blockdev':
        inode = { kind: h.type, meta, xattrs: [], links: 0, major: h.devmajor, minor: h.devminor };
        break;
      case 'fifo':
        inode = { kind: 'fifo', meta, xattrs: [], links: 0 };
        break;
    }
    for (const [name, value] of xattrs) setXattr(inode, name, value);
    this.#place(parts, inode, path);
  }

  /** Puts `inode` at `parts`, replacing what is there as GNU tar would. */
  #place(parts: string[], inode: Inode, path: string): void {
    if (parts.some((p) => p.length > NAME_MAX)) throw refused(this.#layer, `"${path.slice(0, 200)}": File name too long`);
    const dir = this.#walk(parts.slice(0, -1), path, true)!;
    const name = parts[parts.length - 1]!;
    const existing = dir.children.get(name);
    if (existing === inode) return;
    if (existing !== undefined) {
      if (existing.kind === 'dir') {
        if (inode.kind === 'dir') {
          // A directory over a directory keeps its contents and takes the new metadata.
          existing.meta = inode.meta;
          for (const x of inode.xattrs) setXattr(existing, x.name, x.value);
          return;
        }
        if (existing.children.size > 0) throw refused(this.#layer, `"${path}" replaces a directory that is not empty`);
      }
      existing.links--;
    }
    inode.links++;
    dir.children.set(name, inode);
  }

  /** Makes the directories of `parts` that are missing (no symlinks followed). */
  #mkdirs(parts: string[]): DirInode {
    return this.#walk(parts, parts.join('/'), true)!;
  }

  /**
   * The directory at `parts`: missing ones made when `create` (else undefined), symlinks that
   * GNU tar makes at once followed, anything else refused. Names are clamped (no "..") and
   * the symlinks followed are relative without "..", so every step stays below the root.
   */
  #walk(parts: string[], path: string, create: boolean): DirInode | undefined {
    return this.#walkFrom(this.root, parts, path, create, { n: 0 });
  }

  #walkFrom(start: DirInode, parts: string[], path: string, create: boolean, hops: { n: number }): DirInode | undefined {
    let dir = start;
    for (const part of parts) {
      if (part === '' || part === '.') continue;
      let next = dir.children.get(part);
      if (next === undefined) {
        if (!create) return undefined;
        next = newDir({ ...this.#implicitMeta });
        next.links = 1;
        dir.children.set(part, next);
      }
      if (next.kind === 'symlink') {
        if (!isImmediateSymlink(next.target)) throw refused(this.#layer, `"${path}" goes through the symlink "${part}", which points out of its directory`);
        if (++hops.n > MAX_SYMLINK_HOPS) throw refused(this.#layer, `"${path}" goes through too many levels of symbolic links`);
        const resolved = this.#walkFrom(dir, next.target.toString('latin1').split('/'), path, false, hops);
        if (resolved === undefined) throw refused(this.#layer, `"${path}" goes through the symlink "${part}", which points to nothing or to a file`);
        dir = resolved;
        continue;
      }
      if (next.kind !== 'dir') {
        if (create) throw refused(this.#layer, `"${path}" goes through "${part}", which is not a directory`);
        return undefined;
      }
      dir = next;
    }
    return dir;
  }
}

/** Builds the tree of the layer tar at `path`. */
export function buildLayerTree(path: string, layer: string, buildTime: number): { root: DirInode; size: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const builder = new LayerTreeBuilder(layer, buildTime);
    if (size > 0) {
      try {
        for (const entry of tarMembers(fd, size)) builder.add(entry);
      } catch (err) {
        // An empty layer (only zero blocks) has no members at all.
        if (!(err instanceof BerthError && err.code === 'ARCHIVE_EMPTY')) throw err;
      }
    }
    return { root: builder.root, size };
  } finally {
    closeSync(fd);
  }
}
