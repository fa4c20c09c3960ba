/**
 * File names in a container's tree are bytes, not always UTF-8 (an archive unpacked inside
 * with Latin-1 names, say). The walks that read a container's changes carry names as strings
 * in which each byte of a name that is not UTF-8 is the lone surrogate U+DC80..U+DCFF (as tar
 * names are decoded, archive/tar/tar-header.ts), so two names never alias; `hostPath` turns
 * such a path back into the bytes the kernel knows, and `nameBytes` into a tar name.
 */
import { closeSync, constants, openSync } from 'node:fs';
import { decodeName, encodeText } from '../../archive/tar/tar-header.js';

const ESCAPED = /[\udc80-\udcff]/;

export function hasEscapedBytes(text: string): boolean {
  return ESCAPED.test(text);
}

/** A directory listing's raw names, decoded. */
export function decodeNames(raw: Buffer[]): string[] {
  return raw.map((b) => decodeName(b));
}

/** The same in byte order (the order Go's walk, and so Docker, lists a directory in). */
export function decodeSortedNames(raw: Buffer[]): string[] {
  return decodeNames(raw.sort(Buffer.compare));
}

/** The path for fs calls: the string itself, or its bytes when a name in it is not UTF-8. */
export function hostPath(path: string): string | Buffer {
  return hasEscapedBytes(path) ? encodeText(path) : path;
}

/** The bytes of a name or path, for a tar header. */
export function nameBytes(text: string): Buffer {
  return encodeText(text);
}

/**
 * Runs `fn` with a path the native (UTF-8 string) calls can take for the directory at `path`:
 * the path itself, or /proc/self/fd/N of the directory opened without following a link.
 */
export function withDirPath<T>(path: string | Buffer, fn: (usable: string) => T): T {
  if (typeof path === 'string') return fn(path);
  const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    // "/." so that the last component is the directory itself, not the descriptor's magic link.
    return fn(`/proc/self/fd/${fd}/.`);
  } finally {
    closeSync(fd);
  }
}
