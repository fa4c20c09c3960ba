/**
 * Berth's default seccomp filter against Docker's, call by call. The probe
 * (seccomp-probe/probe.c, built here with gcc -static) calls every system call number on the
 * three x86 entries a 64-bit process has (x86_64, x32, and i386 through int 0x80), and the
 * calls whose arguments a filter looks at with the arguments that decide, and prints what each
 * answered. It runs as the only file of an image in Berth and in docker, with the default
 * capabilities, with CAP_SYS_ADMIN, and with every other capability Docker's profile opens
 * calls for; then:
 *
 * - where Docker's answer is a refusal (EPERM, or ENOSYS), Berth's must be the same refusal:
 *   anything else means Berth let through a call Docker refuses (or answered EPERM where
 *   Docker says ENOSYS, which breaks a C library's fallback to an older call);
 * - where Berth refuses and Docker does not, the case must be one of REFUSED_BY_BERTH_ONLY,
 *   the calls current Docker refuses and the Docker here (20.10) does not.
 *
 * ENOSYS is also what a call that passed the filter answers where the kernel has nothing at
 * that number (or no x32 support): it counts as a refusal on Docker's side and as a call let
 * through on Berth's, so that EPERM against ENOSYS fails either way.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, removeDir, tempDir, type RunResult } from '../support/cli.js';
import { dockerAvailable, hasCommand, IS_ROOT, REPO, requireOrSkip } from '../support/env.js';
import { newStoreDir, storeHelpers, tearDownStore } from '../support/container-store.js';
import { tar } from '../support/tar-builder.js';

const HAVE_DOCKER = IS_ROOT && dockerAvailable();
const HAVE_GCC = hasCommand('gcc');
const SOURCE = join(REPO, 'test', 'integration', 'seccomp-probe', 'probe.c');
const TAG = `berth-seccomp-probe-${process.pid}:1`;

const EPERM = 'errno:1';
const ENOSYS = 'errno:38';

/**
 * Where Berth refuses what Docker 20.10 lets through, each for the reason the profile's module
 * comment gives: current Docker refuses it too.
 */
const REFUSED_BY_BERTH_ONLY: Record<string, string> = {
  'x86_64 425': 'io_uring_setup: out of the allow-list since Docker 25',
  'x86_64 426': 'io_uring_enter: out of the allow-list since Docker 25',
  'x86_64 427': 'io_uring_register: out of the allow-list since Docker 25',
  'x32 425': 'io_uring_setup (x32): out of the allow-list since Docker 25',
  'x32 426': 'io_uring_enter (x32): out of the allow-list since Docker 25',
  'x32 427': 'io_uring_register (x32): out of the allow-list since Docker 25',
  'i386 425': 'io_uring_setup: out of the allow-list since Docker 25',
  'i386 426': 'io_uring_enter: out of the allow-list since Docker 25',
  'i386 427': 'io_uring_register: out of the allow-list since Docker 25',
  'x86_64 41': 'socket(-1, ...): not a family of current Docker\'s list',
  'x32 41': 'socket(-1, ...) (x32): not a family of current Docker\'s list',
  'i386 359': 'socket(-1, ...): not a family of current Docker\'s list',
  'x86_64 socket(AF_VSOCK)': 'AF_VSOCK: refused since Docker 23',
  'i386 socket(AF_VSOCK)': 'AF_VSOCK: refused since Docker 23',
  'x86_64 socket(AF_ALG)': 'AF_ALG: refused since Docker 29',
  'i386 socket(AF_ALG)': 'AF_ALG: refused since Docker 29',
  'x86_64 socket(AF_ALG+2^32)': 'AF_ALG with bits above the int the kernel reads: refused by a list of families',
};

/** The capability sets compared: Docker's defaults, SYS_ADMIN (which opens the most), and each other capability Docker's profile looks at. */
const CAPABILITY_SETS: ReadonlyArray<readonly string[]> = [
  [],
  ['--cap-add', 'SYS_ADMIN'],
  ['--cap-add', 'SYS_PTRACE', '--cap-add', 'SYS_TIME', '--cap-add', 'SYS_MODULE', '--cap-add', 'SYS_NICE', '--cap-add', 'SYS_RAWIO',
    '--cap-add', 'SYS_BOOT', '--cap-add', 'SYS_PACCT', '--cap-add', 'SYS_TTY_CONFIG', '--cap-add', 'SYSLOG', '--cap-add', 'DAC_READ_SEARCH',
    '--cap-drop', 'SYS_CHROOT'],
];

/** "ABI CASE" -> outcome, from the probe's output; throws unless the output is whole. */
function parseProbe(engine: string, r: RunResult): Map<string, string> {
  assert.equal(r.code, 0, `${engine}: the probe exited ${r.code}: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines[0], '# seccomp probe', `${engine}: the probe's output starts with its header`);
  assert.equal(lines.at(-1), '# done', `${engine}: the probe ran to its end`);
  const out = new Map<string, string>();
  for (const line of lines.slice(1, -1)) {
    const m = /^(x86_64|x32|i386) (\S+) (ok|blocked|errno:\d+|signal:\d+|exit:\d+)$/.exec(line);
    assert.ok(m !== null, `${engine}: a line of the probe's form: ${JSON.stringify(line)}`);
    out.set(`${m[1]} ${m[2]}`, m[3]!);
  }
  return out;
}

/** System call names by "ABI NUMBER", from the C headers where they are installed (for messages only). */
function syscallNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const [abi, file] of [['x86_64', 'unistd_64.h'], ['x32', 'unistd_x32.h'], ['i386', 'unistd_32.h']] as const) {
    const path = join('/usr/include/x86_64-linux-gnu/asm', file);
    if (!existsSync(path)) continue;
    for (const m of readFileSync(path, 'utf8').matchAll(/^#define __NR_(\w+) (?:\(__X32_SYSCALL_BIT \+ )?(\d+)\)?$/gm)) names.set(`${abi} ${m[2]}`, m[1]!);
  }
  return names;
}

interface Comparison {
  /** Docker refuses; Berth answers otherwise. */
  allowedByBerth: string[];
  /** Berth refuses; Docker does not. */
  refusedByBerth: string[];
  /** Neither refuses, and the answers differ (the two containers are not the same place). */
  otherwise: string[];
}

function refusal(outcome: string | undefined): boolean {
  return outcome === EPERM || outcome === ENOSYS;
}

function compare(docker: Map<string, string>, mine: Map<string, string>): Comparison {
  const allowedByBerth: string[] = [];
  const refusedByBerth: string[] = [];
  const otherwise: string[] = [];
  for (const [key, theirs] of docker) {
    const ours = mine.get(key);
    if (ours === theirs) continue;
    if (refusal(theirs) && !(theirs === ENOSYS && ours === EPERM)) allowedByBerth.push(key);
    else if (refusal(ours)) refusedByBerth.push(key);
    else otherwise.push(key);
  }
  return { allowedByBerth, refusedByBerth, otherwise };
}

let dir = '';
let archive = '';
let inDocker = false;

before(async () => {
  if (!IS_ROOT || !HAVE_DOCKER || !HAVE_GCC) return;
  dir = await tempDir('berth-seccomp-probe-');
  const binary = join(dir, 'probe');
  // -mno-red-zone: the probe saves ebp on the stack around int 0x80.
  const cc = await run('gcc', ['-static', '-O1', '-mno-red-zone', '-Wall', '-o', binary, SOURCE]);
  assert.equal(cc.code, 0, `gcc: ${cc.stderr}`);
  await chmod(binary, 0o755);
  archive = join(dir, 'probe.tar');
  await writeFile(archive, tar([{ name: 'probe', mode: 0o755, data: await readFile(binary) }]));
  const imported = await run('docker', ['import', archive, TAG]);
  assert.equal(imported.code, 0, `docker import: ${imported.stderr}`);
  inDocker = true;
});

after(async () => {
  if (inDocker) await run('docker', ['rmi', '-f', TAG]);
  if (dir !== '') await removeDir(dir);
});

describe('the default seccomp filter, call by call, against docker\'s', { concurrency: 1 }, () => {
  for (const flags of CAPABILITY_SETS) {
    const label = flags.length === 0 ? 'default capabilities' : flags.join(' ');
    test(`${label}: Berth refuses every call Docker refuses, the same way, and refuses more only where current Docker does`, async (t) => {
      if (!requireOrSkip(t, IS_ROOT && HAVE_DOCKER, 'needs root and a docker daemon')) return;
      if (!requireOrSkip(t, HAVE_GCC, 'needs gcc (and a static C library) to build the probe')) return;
      const { root, work } = await newStoreDir(dir);
      const s = storeHelpers(root, work);
      let failure: unknown;
      try {
        await s.ok(['import', archive, TAG]);
        const docker = parseProbe('docker', await run('docker', ['run', '--rm', '--network', 'none', ...flags, TAG, '/probe']));
        const mine = parseProbe('berth', await s.berth(['run', '--rm', ...flags, TAG, '/probe']));
        assert.deepEqual([...mine.keys()], [...docker.keys()], 'the same cases, in the same order');
        // The comparison means something only if each entry was reached and the filter was on.
        assert.equal(docker.get('x86_64 39'), 'ok', 'getpid answers on the x86_64 entry');
        assert.equal(docker.get('i386 20'), 'ok', 'getpid answers on the i386 entry (int 0x80)');
        assert.equal(docker.get('x86_64 246'), EPERM, 'kexec_load is refused by docker\'s filter');
        assert.equal(mine.get('x86_64 246'), EPERM, 'kexec_load is refused by Berth\'s filter');

        const names = syscallNames();
        const describeCase = (key: string): string => {
          const name = names.get(key);
          return `${key}${name === undefined ? '' : ` (${name})`}: docker ${docker.get(key)}, berth ${mine.get(key)}`;
        };
        const { allowedByBerth, refusedByBerth, otherwise } = compare(docker, mine);
        t.diagnostic(`${docker.size} cases; Berth refuses more in ${refusedByBerth.length}: ${refusedByBerth.join(', ')}`);
        if (otherwise.length > 0) t.diagnostic(`answered otherwise, neither refusing: ${otherwise.map(describeCase).join('; ')}`);
        assert.deepEqual(allowedByBerth.map(describeCase), [], 'calls Docker refuses that Berth answers otherwise');
        assert.deepEqual(refusedByBerth.map(describeCase).sort(), Object.keys(REFUSED_BY_BERTH_ONLY).map(describeCase).sort(),
          'calls Berth alone refuses are exactly the documented ones');
        // Numbers past the profile's last call answer ENOSYS, as runc's stub has them, even where this kernel has a call.
        for (const [abi, first, last] of [['x86_64', 450, 549], ['i386', 450, 479]] as const) {
          for (let nr = first; nr <= last; nr++) assert.equal(mine.get(`${abi} ${nr}`), ENOSYS, `${abi} ${nr} answers ENOSYS`);
        }
      } catch (err) {
        failure = err;
      }
      const problems = await tearDownStore(s);
      if (failure !== undefined) throw failure;
      assert.deepEqual(problems, [], 'the test left a clean store behind');
    });
  }
});
