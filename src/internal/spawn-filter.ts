/**
 * A child process used as a byte filter (stdin -> stdout), e.g. `zstd -dc` or `pigz -c`.
 * Exposed as a Duplex so it composes with pipelines; a non-zero exit becomes a stream error
 * carrying the tool's stderr.
 */
import { spawn } from 'node:child_process';
import { Duplex, PassThrough } from 'node:stream';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const found = new Map<string, string | undefined>();

/** Full path of an executable on PATH, or undefined. Cached per process. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (found.has(name)) return found.get(name);
  let result: string | undefined;
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      result = candidate;
      break;
    } catch {
      // Deliberately any failure: not usable from here (missing, not executable, a PATH entry that is a file,
      // unreadable or too long); the search goes on as a shell's does.
    }
  }
  found.set(name, result);
  return result;
}

export function spawnFilter(command: string, args: readonly string[], onFailure: (stderr: string, code: number | null) => Error): Duplex {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderrParts: Buffer[] = [];
  let stderrBytes = 0;
  child.stderr.on('data', (b: Buffer) => {
    if (stderrBytes < 4096) stderrParts.push(b);
    stderrBytes += b.length;
  });
  // The output ends only once the exit status is known: a tool that fails after (or without)
  // writing output must surface as an error, never as a clean end of a short stream.
  const output = new PassThrough({ highWaterMark: 256 * 1024 });
  child.stdout.pipe(output, { end: false });
  const duplex = Duplex.from({ writable: child.stdin, readable: output });
  let exited = false;
  child.on('error', (err) => duplex.destroy(err));
  child.on('close', (code, signal) => {
    exited = true;
    if (code === 0) output.end();
    else if (!duplex.destroyed) {
      duplex.destroy(onFailure(Buffer.concat(stderrParts).toString('utf8').trim() || `exit ${code ?? signal}`, code));
    }
  });
  // stdin closes early when the tool stops reading (e.g. it failed); the exit status reports why.
  child.stdin.on('error', () => undefined);
  duplex.on('close', () => {
    if (!exited) child.kill('SIGKILL');
  });
  return duplex;
}
