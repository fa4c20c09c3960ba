/**
 * A container's changes as a layer tar, the way Docker writes one: whiteouts as empty regular
 * files `.wh.<name>` (mode 0600, the whiteout's owner and mtime), an opaque directory as the
 * directory followed by `<dir>/.wh..wh..opq` (the directory's permission bits, mtime 0), hard
 * links after their first path as link entries, devices with their numbers, extended
 * attributes as SCHILY.xattr.* records, times in whole seconds. File data is read while it is
 * written, one chunk at a time, from the very file that was listed (same inode, no symlink
 * followed).
 */
import type { BigIntStats } from 'node:fs';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { BerthError } from '../../internal/errors.js';
import { readHandleChunks } from '../../internal/file-chunks.js';
import { hostPath, nameBytes } from './byte-names.js';
import { padding } from '../../archive/tar/tar-header.js';
import { encodeHeader, END_OF_ARCHIVE, type HeaderFields } from '../../archive/tar/encode-header.js';
import type { FsNode } from './fs-changes.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

export interface PlannedEntry {
  /** The header (export's encoder: ustar, PAX records for long names, big numbers and xattrs). */
  fields: HeaderFields;
  /** A regular file whose data follows the header. */
  content?: { path: string; size: number; stat: BigIntStats };
}

function seconds(st: BigIntStats): number {
  const s = st.mtimeNs / 1_000_000_000n;
  return s < 0n ? 0 : Number(s);
}

/** Linux's encoding of device numbers in st_rdev. */
export function deviceNumbers(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

function dirname(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return slash < 0 ? '' : rel.slice(0, slash + 1);
}

function basename(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

/**
 * The tar entries for one node. `links` remembers the first path of every multiply-linked
 * inode (key dev:ino), so later paths become hard links to it.
 */
export function planEntries(node: FsNode, links: Map<string, string>): PlannedEntry[] {
  const st = node.stat;
  // Device numbers on every entry (zeros but for devices), as Go's archive/tar writes them.
  const owner = { uid: Number(st.uid), gid: Number(st.gid), mtime: seconds(st), size: 0, devmajor: 0, devminor: 0 };
  const name = (text: string): Buffer => nameBytes(text);
  if (node.whiteout) {
    return [{ fields: { name: name(`${dirname(node.rel)}${WHITEOUT_PREFIX}${basename(node.rel)}`), type: 'file', mode: 0o600, ...owner } }];
  }
  const xattrs = node.xattrs;
  const mode = Number(st.mode) & 0o7777;
  if (st.isDirectory()) {
    const out: PlannedEntry[] = [{ fields: { name: name(`${node.rel}/`), type: 'dir', mode, ...owner, xattrs } }];
    if (node.opaque) out.push({ fields: { name: name(`${node.rel}/${OPAQUE_MARKER}`), type: 'file', mode: mode & 0o777, ...owner, mtime: 0 } });
    return out;
  }
  if (st.isFile()) {
    if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first !== undefined) return [{ fields: { name: name(node.rel), type: 'hardlink', mode, linkname: name(first), ...owner, xattrs } }];
      links.set(key, node.rel);
    }
    const size = Number(st.size);
    return [{ fields: { name: name(node.rel), type: 'file', mode, ...owner, size, xattrs }, content: { path: node.path, size, stat: st } }];
  }
  if (st.isSymbolicLink()) return [{ fields: { name: name(node.rel), type: 'symlink', mode, linkname: name(node.linkTarget ?? ''), ...owner, xattrs } }];
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    const { major, minor } = deviceNumbers(st.rdev);
    return [{ fields: { name: name(node.rel), type: st.isCharacterDevice() ? 'chardev' : 'blockdev', mode, ...owner, devmajor: major, devminor: minor, xattrs } }];
  }
  if (st.isFIFO()) return [{ fields: { name: name(node.rel), type: 'fifo', mode, ...owner, xattrs } }];
  return [];
}

function changedUnderfoot(path: string): BerthError {
  return new BerthError('failed_precondition', 'CHANGE_FILE_CHANGED', `Cannot read the container's changes: ${path} changed while it was being read`, {
    hint: 'Commit with --pause=true (the default) so the container cannot write meanwhile',
  });
}

/** Streams a file's data: exactly `size` bytes of the listed inode, refusing a file that was swapped or shrank. */
async function* fileData(content: NonNullable<PlannedEntry['content']>): AsyncGenerator<Buffer> {
  let fh;
  try {
    fh = await open(hostPath(content.path), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') throw changedUnderfoot(content.path);
    throw err;
  }
  try {
    const st = await fh.stat({ bigint: true });
    if (st.ino !== content.stat.ino || st.dev !== content.stat.dev || !st.isFile()) throw changedUnderfoot(content.path);
    yield* readHandleChunks(fh, content.size, () => changedUnderfoot(content.path));
  } finally {
    await fh.close();
  }
}

/** The layer tar of `nodes`, in their order, ending with the end-of-archive blocks. */
export async function* layerTar(nodes: AsyncIterable<FsNode> | Iterable<FsNode>): AsyncGenerator<Buffer> {
  const links = new Map<string, string>();
  for await (const node of nodes) {
    for (const entry of planEntries(node, links)) {
      yield encodeHeader(entry.fields);
      if (entry.content === undefined || entry.content.size === 0) continue;
      yield* fileData(entry.content);
      const pad = padding(entry.content.size);
      if (pad > 0) yield Buffer.alloc(pad);
    }
  }
  yield END_OF_ARCHIVE;
}
