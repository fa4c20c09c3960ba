/**
 * `save -o FILE` stopped by Ctrl-C (SIGINT) or TERM in the middle of writing: the temporary
 * file beside FILE is removed, FILE is not created, and berth exits as a shell reports a command
 * killed by that signal (130, 143), after saying OUTPUT_INTERRUPTED.
 *
 * No timing: berth runs a few milliseconds at a time (SIGCONT ... SIGSTOP) until its temporary
 * file holds a first MiB; the signal is sent while it is stopped, so it always lands in the
 * middle of the write, however fast or slow the machine is.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { berth, removeDir, run, tempDir } from '../support/cli.js';
import { BERTH_BIN } from '../support/env.js';
import { sleep } from '../support/container-store.js';

const IMAGE = 'interrupted/big:1';
/** Big enough that the first MiB is a small part of the archive (128 MiB of random bytes). */
const MIB = 128;

let work = '';
let root = '';
let fullSize = 0;

before(async () => {
  work = await tempDir('berth-interrupt-');
  root = join(work, 'root');
  const made = await run('sh', ['-c', `mkdir -p "$0/rootfs" && head -c ${MIB << 20} /dev/urandom > "$0/rootfs/big.bin" && tar -C "$0/rootfs" -cf "$0/rootfs.tar" .`, work]);
  assert.equal(made.code, 0, made.stderr);
  const imported = await berth(['import', join(work, 'rootfs.tar'), IMAGE], { root });
  assert.equal(imported.code, 0, imported.stderr);
  const complete = join(work, 'complete.tar');
  const saved = await berth(['save', '-o', complete, IMAGE], { root });
  assert.equal(saved.code, 0, saved.stderr);
  fullSize = statSync(complete).size;
});

after(async () => {
  if (work !== '') await removeDir(work);
});

interface Interrupted {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Bytes in the temporary file when the signal was sent. */
  writtenAtSignal: number;
}

/** The temporary output file in `dir` once it holds a first MiB, else undefined. */
function tempFileWithData(dir: string): string | undefined {
  const name = readdirSync(dir).find((n) => n.startsWith('.big.tar.berth-'));
  if (name === undefined) return undefined;
  return (statSync(join(dir, name), { throwIfNoEntry: false })?.size ?? 0) >= 1 << 20 ? name : undefined;
}

/**
 * Runs `berth save EXTRA -o DIR/big.tar IMAGE` a few milliseconds at a time (SIGCONT, a short
 * sleep, SIGSTOP) until its temporary file holds a first MiB, then sends `signal` and lets it run.
 */
async function interruptSave(dir: string, signal: 'SIGINT' | 'SIGTERM', extra: readonly string[]): Promise<Interrupted> {
  const child = spawn(BERTH_BIN, ['save', ...extra, '-o', join(dir, 'big.tar'), IMAGE], {
    env: { ...process.env, BERTH_ROOT: root }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig })));
  let temp: string | undefined;
  for (;;) {
    child.kill('SIGSTOP');
    temp = tempFileWithData(dir);
    if (temp !== undefined || child.exitCode !== null) break;
    child.kill('SIGCONT');
    await sleep(5);
  }
  assert.ok(temp !== undefined, `save ended before writing 1 MiB: ${stderr}`);
  const writtenAtSignal = statSync(join(dir, temp)).size;
  child.kill(signal);
  child.kill('SIGCONT');
  return { ...(await exited), stderr, writtenAtSignal };
}

describe('save -o interrupted by a signal', () => {
  for (const [signal, code, extra] of [['SIGTERM', 143, []], ['SIGINT', 130, []], ['SIGINT', 130, ['--compress', 'gzip']]] as const) {
    test(`${signal}${extra.length > 0 ? ` with ${extra.join(' ')}` : ''}: exit ${code}, no temporary file and no output left`, async () => {
      const dir = join(work, `out-${signal}-${extra.length}`);
      mkdirSync(dir);
      const r = await interruptSave(dir, signal, extra);
      assert.ok(r.writtenAtSignal < fullSize, `the signal came in the middle of the write (${r.writtenAtSignal} of ${fullSize} bytes)`);
      assert.deepEqual([r.code, r.signal], [code, null], `berth exits ${code} by itself, having cleaned up: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^Error: Cannot write .*big\\.tar: interrupted by ${signal} \\[OUTPUT_INTERRUPTED\\]\\nHint: `));
      assert.deepEqual(readdirSync(dir), [], 'neither the output nor the temporary file is left');
      // The store is untouched by it: the same save, uninterrupted, completes.
      const again = await berth(['save', '-o', join(dir, 'again.tar'), IMAGE], { root });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(statSync(join(dir, 'again.tar')).size, fullSize);
    });
  }
});
