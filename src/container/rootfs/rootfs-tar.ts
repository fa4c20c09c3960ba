/**
 * A root filesystem as one tar stream, as `docker export` writes it: walk order (see
 * rootfs-walk.ts), names without "./", directories with a trailing "/", numeric owners (the
 * name "root" for 0, none for other ids: a name would let an extracting tar map the owner to
 * another id on the host), whole-second mtimes, modes with setuid, setgid and sticky bits,
 * symlinks, devices, FIFOs, hard links as link entries to the first name met, and extended
 * attributes as PAX SCHILY.xattr records (never overlay's own trusted.overlay.*). Sockets are
 * left out, and so are overlay whiteouts (character devices 0:0) should a root show any.
 *
 * Output goes out in 1 MiB chunks: headers and file data are gathered into one buffer (file
 * data read straight into it), so a tree of small files costs a few large writes, not three
 * small ones per file. The buffer is reused: a chunk is valid only until the next one is asked
 * for, so the consumer writes each one out before it asks (cli/chunk-output.ts). Memory stays
 * one chunk, whatever the size of the tree, and no fresh pages are touched per chunk.
 *
 * A file that shrinks while it is read (a running container) is padded with zeros to the size
 * its header announced, and one that grows is cut there, so the tar stays valid.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { BerthError, ignoreCodes } from '../../internal/errors.js';
import { loadNative, type Native } from '../../internal/native.js';
import { encodeHeader, type HeaderFields, type EntryType } from '../../archive/tar/encode-header.js';
import { padding } from '../../archive/tar/tar-header.js';
import { HardlinkTracker } from '../../archive/tar/hardlink-tracker.js';
import { walkRoot, type WalkEntry } from './rootfs-walk.js';

const CHUNK = 1024 * 1024;
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const SKIPPED_XATTR_PREFIX = 'trusted.overlay.';

function typeOf(st: Stats): EntryType | undefined {
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return st.rdev === 0 ? undefined : 'chardev';
  if (st.isBlockDevice()) return 'blockdev';
  if (st.isFIFO()) return 'fifo';
  return undefined; // sockets
}

/** Linux's dev_t encoding (glibc's major()/minor()). */
export function deviceNumbers(rdev: number): { major: number; minor: number } {
  const dev = BigInt(rdev);
  return {
    major: Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n)),
    minor: Number((dev & 0xffn) | ((dev >> 12n) & 0xffffff00n)),
  };
}

function readFailed(name: Buffer, err: unknown): BerthError {
  return new BerthError('internal', 'EXPORT_READ_FAILED', `Cannot read /${name.toString('utf8')} in the container: ${(err as Error).message}`, {
    hint: 'Nothing was written to -o FILE; check the disk under the store',
    cause: err,
  });
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR';
}

function readXattrs(native: Native, entry: WalkEntry): Array<[string, Buffer]> {
  // The native calls take UTF-8 strings; a name that is not UTF-8 cannot be passed through them.
  const path = entry.path.toString('utf8');
  if (!Buffer.from(path, 'utf8').equals(entry.path)) return [];
  const out: Array<[string, Buffer]> = [];
  for (const key of native.listXattr(path)) {
    if (key.startsWith(SKIPPED_XATTR_PREFIX)) continue;
    const value = native.getXattr(path, key);
    if (value !== null) out.push([key, value]);
  }
  return out;
}

function fields(name: Buffer, type: EntryType, st: Stats, xattrs: Array<[string, Buffer]>): HeaderFields {
  const dev = type === 'chardev' || type === 'blockdev' ? deviceNumbers(st.rdev) : { major: 0, minor: 0 };
  return {
    name: type === 'dir' ? Buffer.concat([name, Buffer.from('/')]) : name,
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: type === 'file' ? st.size : 0,
    mtime: Math.floor(st.mtimeMs / 1000),
    uname: st.uid === 0 ? 'root' : '',
    gname: st.gid === 0 ? 'root' : '',
    devmajor: dev.major,
    devminor: dev.minor,
    xattrs,
  };
}

/** Gathers output into one reused buffer; every method yields it each time it fills up. */
class Chunker {
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;

  *append(bytes: Buffer): Generator<Buffer> {
    let off = 0;
    while (off < bytes.length) {
      const n = bytes.copy(this.buf, this.pos, off);
      this.pos += n;
      off += n;
      if (this.pos === CHUNK) yield this.take();
    }
  }

  *zeros(count: number): Generator<Buffer> {
    let left = count;
    while (left > 0) {
      const n = Math.min(left, CHUNK - this.pos);
      this.buf.fill(0, this.pos, this.pos + n);
      this.pos += n;
      left -= n;
      if (this.pos === CHUNK) yield this.take();
    }
  }

  /**
   * Exactly `size` bytes of the file, read into the chunk; a file that comes up short (it shrank)
   * is padded with zeros, one that grew is cut at `size`.
   */
  *file(fd: number, size: number, name: Buffer): Generator<Buffer> {
    let left = size;
    while (left > 0) {
      const want = Math.min(left, CHUNK - this.pos);
      let n: number;
      try {
        n = readSync(fd, this.buf, this.pos, want, null);
      } catch (err) {
        throw readFailed(name, err);
      }
      if (n === 0) {
        this.buf.fill(0, this.pos, this.pos + want);
        n = want;
      }
      this.pos += n;
      left -= n;
      if (this.pos === CHUNK) yield this.take();
    }
  }

  /** What is gathered so far (possibly nothing). */
  *flush(): Generator<Buffer> {
    if (this.pos > 0) yield this.take();
  }

  /** The filled part; the buffer is written again only after the consumer asks for more. */
  private take(): Buffer {
    const out = this.pos === CHUNK ? this.buf : this.buf.subarray(0, this.pos);
    this.pos = 0;
    return out;
  }
}

export interface RootfsOptions {
  /**
   * The overlay upper directory of the mounted root being walked. A file the container copied
   * up and linked again is one inode there, but overlayfs over layers on other file systems
   * (indexed layers) may show its names with different inode numbers: the names the upper
   * directory holds are matched by their inode there. (Only the link entries depend on it: no
   * byte is read from the upper directory.)
   */
  upper?: string;
}

/** The key a hard link is recognised by: the upper directory's inode where the name is there. */
function linkIdentity(options: RootfsOptions, name: Buffer, st: Stats): { dev: number; ino: number; nlink: number } {
  if (options.upper === undefined || st.nlink < 2) return st;
  try {
    const up = lstatSync(Buffer.concat([Buffer.from(`${options.upper}/`), name]));
    if ((up.mode & constants.S_IFMT) === (st.mode & constants.S_IFMT)) return { dev: up.dev, ino: up.ino, nlink: up.nlink };
  } catch (err) {
    // not in the upper directory: a file of the image's layers (a name past PATH_MAX keeps the merged view's inode)
    ignoreCodes(err, 'ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG');
  }
  return st;
}

/**
 * The entries of the tar (headers and data) for everything under `root`; no end-of-archive
 * blocks. Each chunk is valid until the next one is asked for (the buffer is reused).
 */
export async function* rootfsEntries(root: string, options: RootfsOptions = {}): AsyncGenerator<Buffer> {
  const native = loadNative('read extended attributes');
  const links = new HardlinkTracker();
  const out = new Chunker();
  for (const entry of walkRoot(root)) {
    const type = typeOf(entry.stat);
    if (type === undefined) continue;
    if (type !== 'file') {
      let xattrs: Array<[string, Buffer]>;
      let linkname: Buffer | undefined;
      try {
        xattrs = readXattrs(native, entry);
        if (type === 'symlink') linkname = readlinkSync(entry.path, { encoding: 'buffer' });
      } catch (err) {
        if (isGone(err)) continue;
        throw readFailed(entry.name, err);
      }
      const id = type === 'dir' ? undefined : linkIdentity(options, entry.name, entry.stat);
      const target = id === undefined ? undefined : links.linkTarget(id.dev, id.ino, id.nlink, entry.name);
      if (target !== undefined) {
        yield* out.append(encodeHeader({ ...fields(entry.name, type, entry.stat, xattrs), type: 'hardlink', linkname: target, devmajor: 0, devminor: 0 }));
      } else {
        yield* out.append(encodeHeader({ ...fields(entry.name, type, entry.stat, xattrs), ...(linkname === undefined ? {} : { linkname }) }));
      }
      continue;
    }
    let fd: number;
    try {
      fd = openSync(entry.path, FILE_FLAGS);
    } catch (err) {
      if (isGone(err)) continue;
      throw readFailed(entry.name, err);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) continue;
      let xattrs: Array<[string, Buffer]>;
      try {
        xattrs = readXattrs(native, entry);
      } catch (err) {
        if (isGone(err)) continue;
        throw readFailed(entry.name, err);
      }
      const id = linkIdentity(options, entry.name, st);
      const target = links.linkTarget(id.dev, id.ino, id.nlink, entry.name);
      if (target !== undefined) {
        yield* out.append(encodeHeader({ ...fields(entry.name, 'file', st, xattrs), type: 'hardlink', size: 0, linkname: target }));
        continue;
      }
      yield* out.append(encodeHeader(fields(entry.name, 'file', st, xattrs)));
      yield* out.file(fd, st.size, entry.name);
      yield* out.zeros(padding(st.size));
    } finally {
      closeSync(fd);
    }
  }
  yield* out.flush();
}
