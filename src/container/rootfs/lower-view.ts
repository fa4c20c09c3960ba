/**
 * An image's file tree as its unpacked layer directories stack up, read without mounting them:
 * overlay's rules applied by hand (a 0:0 character device hides the name below it, a directory
 * with trusted.overlay.opaque=y hides everything below it, a non-directory ends the stack for
 * its name). Paths are relative ('' is the root) and never follow a symlink: a name below a
 * symlink does not exist here, as it would not in the image.
 */
import { lstat, readdir } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { loadNative } from '../../internal/native.js';
import { decodeNames, hostPath, withDirPath } from './byte-names.js';

export const OPAQUE_XATTR = 'trusted.overlay.opaque';

export interface LowerEntry {
  /** Where the entry is, inside the layer that provides it. */
  path: string;
  stat: BigIntStats;
}

export function isWhiteoutStat(st: BigIntStats): boolean {
  return st.isCharacterDevice() && st.rdev === 0n;
}

/** Whether the directory at `path` (a name that is not UTF-8 included) is opaque. */
export function isOpaqueDir(path: string): boolean {
  return isOpaqueDirAt(hostPath(path));
}

/** The same for a path as fs calls take it (bytes when a name in it is not UTF-8). */
export function isOpaqueDirAt(path: string | Buffer): boolean {
  return withDirPath(path, (usable) => loadNative('read overlay attributes').getXattr(usable, OPAQUE_XATTR)?.toString() === 'y');
}

async function lstatOrUndefined(path: string): Promise<BigIntStats | undefined> {
  try {
    return await lstat(hostPath(path), { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function parentOf(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return slash < 0 ? '' : rel.slice(0, slash);
}

export class LowerView {
  /** Layer directories, top first. */
  readonly #topFirst: string[];
  /** For each directory asked about: the layers (top first) whose copy of it is part of the merged directory. */
  readonly #contributors = new Map<string, Promise<string[]>>();

  /** `layerDirs`: the unpacked layers, base first (as image_layers orders them). */
  constructor(layerDirs: readonly string[]) {
    this.#topFirst = [...layerDirs].reverse();
  }

  /** The layers (top first) that make up directory `rel`; empty when `rel` is not a directory of the image. */
  contributors(rel: string): Promise<string[]> {
    let known = this.#contributors.get(rel);
    if (known === undefined) {
      known = rel === '' ? Promise.resolve(this.#topFirst) : this.#computeContributors(rel);
      this.#contributors.set(rel, known);
    }
    return known;
  }

  async #computeContributors(rel: string): Promise<string[]> {
    const out: string[] = [];
    for (const layer of await this.contributors(parentOf(rel))) {
      const path = join(layer, rel);
      const st = await lstatOrUndefined(path);
      if (st === undefined) continue;
      if (!st.isDirectory()) break; // a whiteout or a non-directory hides every layer below
      out.push(layer);
      if (isOpaqueDir(path)) break;
    }
    return out;
  }

  /** The entry at `rel` as the image shows it, or undefined when the image has nothing there. */
  async lookup(rel: string): Promise<LowerEntry | undefined> {
    if (rel === '') return undefined;
    const slash = rel.lastIndexOf('/');
    const name = slash < 0 ? rel : rel.slice(slash + 1);
    for (const layer of await this.contributors(parentOf(rel))) {
      const path = join(layer, parentOf(rel), name);
      const st = await lstatOrUndefined(path);
      if (st === undefined) continue;
      return isWhiteoutStat(st) ? undefined : { path, stat: st };
    }
    return undefined;
  }

  /** The entries of directory `rel` as the image shows them (empty when it is not a directory there). */
  async list(rel: string): Promise<Map<string, LowerEntry>> {
    const out = new Map<string, LowerEntry>();
    const hidden = new Set<string>();
    for (const layer of await this.contributors(rel)) {
      const dir = join(layer, rel);
      let names: string[];
      try {
        names = decodeNames(await readdir(hostPath(dir), { encoding: 'buffer' }));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // a layer not unpacked (a container never started)
        throw err;
      }
      for (const name of names) {
        if (out.has(name) || hidden.has(name)) continue;
        const st = await lstatOrUndefined(join(dir, name));
        if (st === undefined) continue;
        if (isWhiteoutStat(st)) hidden.add(name);
        else out.set(name, { path: join(dir, name), stat: st });
      }
    }
    return out;
  }

  /** Forgets what was learnt about directory `rel` (a walk that is done with a directory frees it). */
  forget(rel: string): void {
    if (rel !== '') this.#contributors.delete(rel);
  }
}
