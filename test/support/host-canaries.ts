/**
 * Canaries on the host for the hostile-archive suites: directories of files a hostile archive
 * may aim at, and a fingerprint of a directory tree that changes when anything in it does
 * (content, mode, owner, size, mtime, link count, link target, a name added or removed).
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { chmod, mkdir, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** A fresh random tag: part of every canary name, so that a name found under /tmp can be traced to its run. */
export function canaryTag(): string {
  return createHash('sha256').update(`${process.pid} ${process.hrtime.bigint()} ${Math.random()}`).digest('hex').slice(0, 12);
}

/** Files every canary directory holds: a plain file, one in a subdirectory, and one of mode 0400 (a chmod through a link would change it). */
export const CANARY_FILES = { keep: 'keep.txt', deep: 'sub/deep.txt', perm400: 'perm400' } as const;

/** A fixed, old mtime: a write through an escape would move it. */
const CANARY_TIME = new Date('2001-02-03T04:05:06Z');

/** Makes `dir` with the canary files. */
export async function makeCanaryDir(dir: string): Promise<void> {
  await mkdir(join(dir, 'sub'), { recursive: true });
  await writeFile(join(dir, CANARY_FILES.keep), 'keep\n');
  await writeFile(join(dir, CANARY_FILES.deep), 'deep\n');
  await writeFile(join(dir, CANARY_FILES.perm400), 'perm400\n');
  await chmod(join(dir, CANARY_FILES.perm400), 0o400);
  for (const p of [CANARY_FILES.keep, CANARY_FILES.deep, CANARY_FILES.perm400, 'sub']) await utimes(join(dir, p), CANARY_TIME, CANARY_TIME);
}

/** One file: a canary of its own (mode 0400 unless told), with the fixed mtime. */
export async function makeCanaryFile(path: string, content: string, mode = 0o400): Promise<void> {
  await writeFile(path, content, { mode });
  await chmod(path, mode);
  await utimes(path, CANARY_TIME, CANARY_TIME);
}

/** Every path under `path` (itself included) with its type, mode, owner, size, mtime, link count, link target and content hash. */
export function treeFacts(path: string): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = lstatSync(p);
    let extra = '';
    if (st.isSymbolicLink()) extra = readlinkSync(p);
    else if (st.isFile()) extra = createHash('sha256').update(readFileSync(p)).digest('hex');
    out.push(`${relative(path, p) || '.'} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs} ${st.nlink} ${extra}`);
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
  };
  walk(path);
  return out;
}

/** Names under /tmp that carry `tag`: the canaries, and anything an escape created next to them. */
export function tmpNamesWith(tag: string): string[] {
  return readdirSync('/tmp').filter((n) => n.includes(tag)).sort();
}
