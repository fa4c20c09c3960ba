/** Runs the built CLI as a user would, in a private store, and inspects what it left. */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { BERTH_BIN } from './env.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  root?: string;
  /** Bytes, or a path whose content is piped to stdin. */
  stdin?: Buffer | { file: string };
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

export function berth(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string> = { ...process.env as Record<string, string>, ...options.env };
  if (options.root !== undefined) env.BERTH_ROOT = options.root;
  return run(BERTH_BIN, [...args], { ...options, env });
}

export function run(command: string, args: readonly string[], options: RunOptions & { env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? (process.env as Record<string, string>), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
    child.stdin.on('error', () => undefined);
    if (options.stdin === undefined) child.stdin.end();
    else if (Buffer.isBuffer(options.stdin)) child.stdin.end(options.stdin);
    else createReadStream(options.stdin.file).pipe(child.stdin);
  });
}

export async function tempDir(prefix = 'berth-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Every file under the store root (path and size), excluding SQLite's -wal/-shm side files. */
export async function storeFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        out.push(`${relative(root, p)}/`);
        await walk(p);
      } else if (!/metadata\.db(-wal|-shm)?$/.test(e.name)) {
        out.push(`${relative(root, p)} ${(await stat(p)).size}`);
      }
    }
  };
  await walk(root);
  return out.sort();
}

/** The metadata rows that matter (tags, images, layers, blobs), as sorted text lines. */
export function storeRows(root: string): string[] {
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(join(root, 'v1', 'metadata.db'), { readonly: true, fileMustExist: true });
  try {
    const rows: string[] = [];
    for (const table of ['tags', 'images', 'image_layers', 'layers', 'blobs', 'image_digests']) {
      for (const row of db.prepare(`SELECT * FROM ${table}`).all()) rows.push(`${table} ${JSON.stringify(row)}`);
    }
    return rows.sort();
  } finally {
    db.close();
  }
}

/** Files and rows together: equal snapshots mean the store was left exactly as it was. */
export async function storeSnapshot(root: string): Promise<string[]> {
  return [...(await storeFiles(root)), ...storeRows(root)];
}
