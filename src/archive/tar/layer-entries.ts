/**
 * What a layer tar's entries mean for unpacking: whiteout names, Docker's clamping of member
 * names to the layer's root, and the test for an entry that GNU tar may extract as it is.
 * The overlay side of whiteouts (character devices, opaque xattrs) lives in container/rootfs.
 */
import type { TarHeader } from './tar-header.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/**
 * A member name as Docker applies it (its unpack runs chrooted): leading "/" dropped, "." and
 * empty components dropped, ".." removing the previous component and never climbing above the
 * root. "" is the root itself.
 */
export function clampLayerPath(name: string): string {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/** "dir/.wh.name" -> { dir, name } for a whiteout, { dir, opaque: true } for an opaque marker, else undefined. */
export function whiteoutOf(path: string): { dir: string; name: string; opaque: false } | { dir: string; opaque: true } | undefined {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const dir = slash < 0 ? '' : path.slice(0, slash);
  if (base === OPAQUE_MARKER) return { dir, opaque: true };
  return { dir, name: base.slice(WHITEOUT_PREFIX.length), opaque: false };
}

function hasUnsafeComponents(name: string): boolean {
  return name.startsWith('/') || name.split('/').includes('..');
}

const OVERLAY_XATTR = /^(SCHILY|LIBARCHIVE)\.xattr\.trusted\.overlay\./;

/** True for a PAX record that would set an overlayfs xattr (these are never taken from a layer). */
export function isOverlayXattrRecord(key: string): boolean {
  return OVERLAY_XATTR.test(key);
}

/**
 * True if GNU tar, extracting into an empty directory, would produce exactly the layer's
 * filesystem for this entry with nothing to translate or neutralise: no whiteout, no name or
 * hard-link target that climbs or is absolute, no overlayfs xattr, a known type, and a root
 * entry only as a directory. A layer whose entries are all plain is extracted without rewriting.
 */
export function isPlainEntry(header: TarHeader): boolean {
  if (header.type === 'other') return false;
  if (hasUnsafeComponents(header.name)) return false;
  const path = clampLayerPath(header.name);
  if (path === '' && header.type !== 'dir') return false;
  if (whiteoutOf(path) !== undefined) return false;
  if (header.type === 'hardlink' && (header.linkname === '' || hasUnsafeComponents(header.linkname))) return false;
  // A link to itself: GNU tar would fail on it, the rewrite drops it (nothing to link).
  if (header.type === 'hardlink' && clampLayerPath(header.linkname) === path) return false;
  if (header.pax !== undefined) for (const key of Object.keys(header.pax)) if (isOverlayXattrRecord(key)) return false;
  return true;
}
