/**
 * Progress goes to stderr, and only when stderr is a terminal. Into a pipe or a log, load and
 * save print nothing but their results (stderr empty), and save's stdout is exactly the tar.
 * On a terminal (a pty from util-linux `script`), the progress line appears, reaches its total,
 * and is cleared before the results, which stay intact.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, removeDir, run, tempDir, type RunResult } from '../support/cli.js';
import { BERTH_BIN, REPO, fixture, hasCommand, requireOrSkip } from '../support/env.js';
import { ok, parseHumanSize, sh, shellQuote, tarMembers } from '../support/images.js';

const HAVE_SCRIPT = hasCommand('script');
const CONTROL = /[\r\x1b]/;

/** Runs a shell command line on a pty (util-linux `script`), with the store in BERTH_ROOT. */
async function onTerminal(commandLine: string, root: string): Promise<RunResult> {
  return run('script', ['-qec', commandLine, '/dev/null'], { cwd: REPO, env: { ...process.env as Record<string, string>, BERTH_ROOT: root, TERM: 'xterm' } });
}

const berthCmd = (args: string): string => `${shellQuote(BERTH_BIN)} ${args}`;

/** The progress readings ("Loading 1.05MB/2.07MB (…)") drawn on the terminal, in order. */
function readings(output: string, label: string): Array<{ done: string; total: string | undefined }> {
  return [...output.matchAll(new RegExp(`\\r\\x1b\\[K${label} ([^/ ]+)(?:/(\\S+))? \\([^)]*\\)`, 'g'))].map((m) => ({ done: m[1]!, total: m[2] }));
}

/** What remains on the terminal once progress lines are taken out. */
function withoutProgress(output: string, label: string): string {
  return output.replace(new RegExp(`\\r\\x1b\\[K${label} [^\\r]*`, 'g'), '').replace(/\r\x1b\[K/g, '');
}

describe('progress', { concurrency: 3 }, () => {
  test('into pipes, load and save print no progress and no stray bytes: stderr stays empty', async () => {
    const work = await tempDir();
    const root = join(work, 'store');
    try {
      const gz = join(work, 'multi.tar.gz');
      await sh('sh', ['-c', `gzip -c -n ${shellQuote(fixture('docker-save-multi.tar'))} > ${shellQuote(gz)}`]);
      const loads: RunResult[] = [
        await berth(['load', '-i', fixture('docker-save-multi.tar')], { root }),
        await berth(['load'], { root, stdin: { file: fixture('docker-save-3layer.tar') } }),
        await berth(['load', '-i', gz], { root }),
        await berth(['image', 'load', '-q', '-i', fixture('docker-save-multi.tar')], { root }),
      ];
      for (const r of loads) {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '', 'nothing on stderr');
        assert.match(r.stdout, /^(Loaded image: \S+\n)+$/, 'stdout holds only the Loaded lines');
      }
      const oci = await berth(['load', '-i', fixture('skopeo-oci')], { root });
      assert.equal(oci.code, 0, oci.stderr);
      assert.match(oci.stderr, /^(Note: [^\r\x1b]*\n)+$/, 'an OCI layout load writes its notes and nothing else');

      const out = join(work, 'o.tar');
      for (const args of [['save', '-o', out, 'peer-vis:latest'], ['save', 'peer-vis:latest', 'peer-vis-b:1.0'], ['save', '--compress', 'gzip', 'peer-vis:latest']]) {
        const r = await berth(args, { root });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '', `${args.join(' ')}: nothing on stderr`);
      }
      const tagged = await berth(['tag', 'peer-vis:latest', 'x:1'], { root });
      assert.equal(tagged.stdout + tagged.stderr, '');
    } finally {
      await removeDir(work);
    }
  });

  test('save to stdout is exactly the tar: the same bytes as save -o, whole blocks, a readable archive', async () => {
    const work = await tempDir();
    const root = join(work, 'store');
    try {
      await ok(['load', '-i', fixture('docker-save-multi.tar')], root);
      const file = join(work, 'o.tar');
      await ok(['save', '-o', file, 'peer-vis:latest', 'peer-vis-b:1.0'], root);
      const r = await ok(['save', 'peer-vis:latest', 'peer-vis-b:1.0'], root);
      const bytes = r.stdoutBytes;
      assert.ok(bytes.equals(await readFile(file)));
      assert.equal(bytes.length % 512, 0);
      assert.ok(bytes.subarray(bytes.length - 1024).equals(Buffer.alloc(1024)), 'ends with the two zero blocks');
      assert.equal(bytes.subarray(257, 263).toString('latin1'), 'ustar\0', 'starts with a ustar header');
      const members = await tarMembers(file);
      assert.deepEqual(members.filter((m) => !m.startsWith('blobs/sha256/') || m.endsWith('/')), ['blobs/', 'blobs/sha256/', 'index.json', 'manifest.json', 'oci-layout', 'repositories']);
    } finally {
      await removeDir(work);
    }
  });

  test('on a terminal, load draws progress on stderr, reaching the total, and the Loaded lines are intact', async (t) => {
    if (!requireOrSkip(t, HAVE_SCRIPT, 'util-linux script is not installed (needed for a pty)')) return;
    const work = await tempDir();
    const root = join(work, 'store');
    try {
      const r = await onTerminal(berthCmd(`load -i ${shellQuote(fixture('docker-save-multi.tar'))}`), root);
      assert.equal(r.code, 0, r.stdout);
      const drawn = readings(r.stdout, 'Loading');
      assert.ok(drawn.length > 0, `progress appears on the terminal: ${JSON.stringify(r.stdout)}`);
      assert.equal(drawn.at(-1)!.total, '2.07MB', 'the total is the archive size');
      assert.equal(drawn.at(-1)!.done, drawn.at(-1)!.total, 'the last reading is complete');
      assert.equal(withoutProgress(r.stdout, 'Loading'), 'Loaded image: peer-vis:latest\r\nLoaded image: peer-vis-b:1.0\r\n');
      const afterResults = r.stdout.slice(r.stdout.lastIndexOf('Loaded image'));
      assert.doesNotMatch(afterResults, /Loading/, 'the progress line is not drawn again after the results');

      const quiet = await onTerminal(berthCmd(`load -q -i ${shellQuote(fixture('docker-save-multi.tar'))}`), root);
      assert.equal(quiet.code, 0, quiet.stdout);
      assert.equal(quiet.stdout, 'Loaded image: peer-vis:latest\r\nLoaded image: peer-vis-b:1.0\r\n', 'load -q draws no progress');

      // From a pipe on stdin, the total is unknown: the reading shows the bytes read so far.
      const piped = await onTerminal(`${berthCmd('load')} < ${shellQuote(fixture('docker-save-3layer.tar'))}`, root);
      assert.equal(piped.code, 0, piped.stdout);
      assert.equal(withoutProgress(piped.stdout, 'Loading'), 'Loaded image: peer-vis:latest\r\nLoaded image: peer-vis:v3\r\n');
      for (const reading of readings(piped.stdout, 'Loading')) assert.equal(reading.total, undefined);
    } finally {
      await removeDir(work);
    }
  });

  test('on a terminal, save -o and save > FILE draw progress on stderr only, reaching the total; the file is exactly the tar', async (t) => {
    if (!requireOrSkip(t, HAVE_SCRIPT, 'util-linux script is not installed (needed for a pty)')) return;
    const work = await tempDir();
    const root = join(work, 'store');
    try {
      await ok(['load', '-i', fixture('docker-save-multi.tar')], root);
      const reference = (await ok(['save', 'peer-vis:latest', 'peer-vis-b:1.0'], root)).stdoutBytes;
      const viaO = join(work, 'o.tar');
      const viaRedirect = join(work, 'r.tar');
      for (const [line, file] of [
        [berthCmd(`save -o ${shellQuote(viaO)} peer-vis:latest peer-vis-b:1.0`), viaO],
        [`${berthCmd('save peer-vis:latest peer-vis-b:1.0')} > ${shellQuote(viaRedirect)}`, viaRedirect],
      ] as const) {
        const r = await onTerminal(line, root);
        assert.equal(r.code, 0, r.stdout);
        const drawn = readings(r.stdout, 'Saving');
        assert.ok(drawn.length > 0, `progress appears on the terminal: ${JSON.stringify(r.stdout)}`);
        const last = drawn.at(-1)!;
        assert.equal(last.done, last.total, `the last reading is complete, not past the total: ${JSON.stringify(drawn)}`);
        for (const d of drawn) assert.ok(parseHumanSize(d.done) <= parseHumanSize(d.total!), `never past the total: ${JSON.stringify(drawn)}`);
        assert.equal(withoutProgress(r.stdout, 'Saving'), '', 'nothing but progress on the terminal');
        const bytes = await readFile(file);
        assert.ok(bytes.equals(reference), 'the archive is byte-identical to a save without a terminal');
        assert.doesNotMatch(bytes.subarray(0, 512).toString('latin1'), CONTROL, 'no progress bytes in the archive');
      }
    } finally {
      await removeDir(work);
    }
  });
});
