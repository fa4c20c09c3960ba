/**
 * Berth's native addon (src/native, built by `npm ci` into build/Release): the few system
 * calls Node.js lacks. Loaded on first use, so commands that never need it never load it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError } from './errors.js';

export interface Native {
  /** A connected SOCK_SEQPACKET Unix socket descriptor (close-on-exec). */
  connectSeqpacket(path: string): number;
  shutdown(fd: number, how: number): void;
  /** lgetxattr: the attribute's value, or null when the path does not have it. */
  getXattr(path: string, name: string): Buffer | null;
  /** llistxattr: the names of the path's extended attributes ([] when the filesystem has none). */
  listXattr(path: string): string[];
  /** lremovexattr; removing an attribute that is not there is not an error. */
  removeXattr(path: string, name: string): void;
  /** mount(2) as given (throws an Error whose code is the errno name). */
  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  /** umount2(2). */
  umount(target: string, flags: number): void;
}

let native: Native | undefined;

/** The compiled addon, found by walking up from this module to the package's build/Release. */
export function loadNative(purpose: string): Native {
  if (native !== undefined) return native;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'build', 'Release', 'berth_native.node');
    if (existsSync(candidate)) {
      native = createRequire(import.meta.url)(candidate) as Native;
      return native;
    }
    dir = dirname(dir);
  }
  throw new BerthError('unavailable', 'NATIVE_MISSING', `Cannot ${purpose}: Berth's native addon (build/Release/berth_native.node) is not built`, {
    hint: 'Run npm ci (or npm rebuild) in the Berth directory; it needs make and a C compiler',
  });
}
