/**
 * Berth against conmon and runc when the machine is busy: every ordering between them (pid
 * files, exit files, the start itself) must hold when processes are slow to be scheduled.
 *
 *   - stress: loops of `run --rm`, `start -a` of a known exit code, `run -d`/`exec`/`rm -f`,
 *     and `stop -t 0`/`start` cycles, all at once, while two CPU hogs and an fsync-heavy dd
 *     run; no command may fail, no exit code may be wrong, and after every start the monitor
 *     the store records is the live conmon of that container;
 *   - kill -9 of `run -d` at random points: what the kill leaves (a start cut short) is found
 *     by `system check` and undone by `--repair`: no monitor, no `runc init`, no mount left.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BERTH_BIN } from '../support/env.js';
import { containerTestSuite, mountsUnder, runtimeBase } from '../support/container-store.js';
import { IMAGE } from '../support/busybox-image.js';

const ROUNDS = Number(process.env.BERTH_STRESS_ROUNDS ?? 12);
const KILL_TRIALS = Number(process.env.BERTH_KILL_TRIALS ?? 20);

const { withStore } = containerTestSuite('berth-races-');

/** Two CPU hogs and a loop of 16 MB writes, each flushed: what makes conmon and runc slow to be scheduled. */
function startLoad(dir: string): () => void {
  const hogs: ChildProcess[] = [
    spawn('sh', ['-c', 'while :; do :; done'], { detached: true, stdio: 'ignore' }),
    spawn('sh', ['-c', 'while :; do :; done'], { detached: true, stdio: 'ignore' }),
    spawn('sh', ['-c', `while :; do dd if=/dev/zero of="$0/dd.bin" bs=1M count=16 conv=fsync status=none; done`, dir], { detached: true, stdio: 'ignore' }),
  ];
  return () => {
    for (const h of hogs) {
      try {
        process.kill(-h.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
}

/** The monitor the store records for a container ("pid-starttime"). */
function recordedMonitor(root: string, id: string): string | null {
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(join(root, 'v1', 'metadata.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT monitor FROM containers WHERE id = ?').pluck().get(id) as string | null | undefined) ?? null;
  } finally {
    db.close();
  }
}

/** Pids of conmon processes watching container `id`. */
function conmonsOf(id: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0');
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      if (/\) Z /.test(stat)) continue;
      if (/(^|\/)conmon$/.test(argv[0] ?? '') && argv[argv.indexOf('-c') + 1] === id) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

describe('container lifecycle under load', () => {
  test(`stress: ${ROUNDS} rounds of run --rm x4, start -a, run -d/exec/rm -f and restarts at once, with the CPUs and the disk busy`, { timeout: 900_000 }, (t) => withStore(t, async (s) => {
    await s.ok(['create', '--name', 'seven', IMAGE, 'sh', '-c', 'exit 7']);
    await s.ok(['run', '-d', '--name', 'cycler', IMAGE, 'sleep', '1000']);
    const cyclerId = (await s.ok(['inspect', '-f', '{{.Id}}', 'cycler'])).stdout.trim();
    const failures: string[] = [];
    const expect = (what: string, got: { code: number | null; stderr: string }, code: number): void => {
      if (got.code !== code) failures.push(`${what}: exit ${got.code}, expected ${code}: ${got.stderr.trim()}`);
      else if (code === 0 && got.stderr !== '') failures.push(`${what}: printed on stderr: ${got.stderr.trim()}`);
    };
    const stopLoad = startLoad(s.work);
    try {
      const runRm = async (w: number): Promise<void> => {
        for (let i = 0; i < ROUNDS; i++) expect(`run --rm (worker ${w}, round ${i})`, await s.berth(['run', '--rm', IMAGE, 'true']), 0);
      };
      const startAttached = async (): Promise<void> => {
        for (let i = 0; i < ROUNDS; i++) {
          expect(`start -a of exit 7 (round ${i})`, await s.berth(['start', '-a', 'seven']), 7);
          const code = (await s.berth(['inspect', '-f', '{{.State.ExitCode}}', 'seven'])).stdout.trim();
          if (code !== '7') failures.push(`inspect after start -a (round ${i}): ExitCode ${code}`);
        }
      };
      const detached = async (): Promise<void> => {
        for (let i = 0; i < ROUNDS; i++) {
          const name = `d${i}`;
          expect(`run -d ${name}`, await s.berth(['run', '-d', '--name', name, IMAGE, 'sleep', '100']), 0);
          expect(`exec ${name}`, await s.berth(['exec', name, 'sh', '-c', 'exit 0']), 0);
          expect(`exec ${name} exit 3`, await s.berth(['exec', name, 'sh', '-c', 'exit 3']), 3);
          expect(`rm -f ${name}`, await s.berth(['rm', '-f', name]), 0);
        }
      };
      const restarts = async (): Promise<void> => {
        for (let i = 0; i < ROUNDS; i++) {
          expect(`stop -t 0 cycler (round ${i})`, await s.berth(['stop', '-t', '0', 'cycler']), 0);
          expect(`start cycler (round ${i})`, await s.berth(['start', 'cycler']), 0);
          // The monitor recorded is this start's conmon, alive, never the previous run's.
          const live = conmonsOf(cyclerId);
          const recorded = recordedMonitor(s.root, cyclerId);
          if (live.length !== 1) failures.push(`round ${i}: ${live.length} conmon processes watch cycler`);
          else if (recorded !== `${live[0]}-${startTime(live[0]!)}`) failures.push(`round ${i}: the store records monitor ${recorded}, the live one is ${live[0]}-${startTime(live[0]!)}`);
        }
      };
      await Promise.all([runRm(1), runRm(2), startAttached(), detached(), restarts()]);
    } finally {
      stopLoad();
    }
    assert.deepEqual(failures, []);
    const ps = await s.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
    assert.deepEqual(ps.stdout.trim().split('\n').map((l) => l.split(' ')[0]).sort(), ['cycler', 'seven'], 'run --rm and rm -f left no container');
  }));

  test(`kill -9 of run -d at ${KILL_TRIALS} points: system check finds the start cut short and --repair undoes it`, { timeout: 900_000 }, (t) => withStore(t, async (s) => {
    let interrupted = 0;
    for (let i = 0; i < KILL_TRIALS; i++) {
      const delay = 10 + Math.floor(((i + Math.random()) / KILL_TRIALS) * 290);
      const what = `trial ${i}, killed after ${delay} ms`;
      const child = spawn(BERTH_BIN, ['run', '-d', '--name', `k${i}`, IMAGE, 'sleep', '1000'], { env: { ...process.env, BERTH_ROOT: s.root }, stdio: 'ignore' });
      const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
      setTimeout(() => child.kill('SIGKILL'), delay);
      await closed;
      // No other command looks at the store first: the check must find what the kill left by itself.
      const check = await s.berth(['system', 'check', '--format', 'json']);
      const found = (JSON.parse(check.stdout) as { problems: Array<{ code: string; repairable: boolean }> }).problems;
      assert.deepEqual(found.filter((p) => !p.repairable), [], `${what}: only leftovers`);
      if (found.some((p) => p.code === 'START_INTERRUPTED')) interrupted++;
      const repair = await s.berth(['system', 'check', '--repair']);
      assert.equal(repair.code, 0, `${what}: ${repair.stdout}${repair.stderr}`);
      const after = await s.berth(['system', 'check', '--format', 'json']);
      assert.deepEqual(JSON.parse(after.stdout).problems, [], `${what}: clean after --repair`);
      const state = (await s.berth(['inspect', '-f', '{{.State.Status}} {{.Id}}', `k${i}`])).stdout.trim();
      if (state === '') continue; // killed before the container was created
      const [status, id] = state.split(' ') as [string, string];
      assert.match(status!, /^(created|running)$/, `${what}: ${state}`);
      if (status === 'created') {
        assert.deepEqual(conmonsOf(id!), [], `${what}: no monitor left for a container that does not run`);
        assert.equal(existsSync(join(runtimeBase(s.root), 'runc', id!)), false, `${what}: no runtime state (runc init) left`);
        assert.deepEqual(mountsUnder(join(s.root, 'v1', 'containers', id!)), [], `${what}: its root is not mounted`);
        // and it starts as any created container does
        await s.ok(['start', `k${i}`]);
      }
      await s.ok(['rm', '-f', `k${i}`]);
    }
    t.diagnostic(`${interrupted} of ${KILL_TRIALS} kills left a start cut short`);
    // The test proves something only if kills landed inside a start.
    assert.ok(interrupted >= 1, `no kill of ${KILL_TRIALS} landed between the mount and the start`);
  }));
});

describe('a start in progress, and what runs without the store knowing it', () => {
  interface Problem { code: string; subject: string; message: string; repairable: boolean }
  const problemsOf = async (s: { berth: (a: readonly string[]) => Promise<{ stdout: string }> }, ...extra: string[]): Promise<{ problems: Problem[]; repaired: Problem[] }> => JSON.parse((await s.berth(['system', 'check', '--format', 'json', ...extra])).stdout);

  test('start of a container another live berth is starting is refused (CONTAINER_STARTING) and changes nothing; a mark of a gone berth is settled by the next look', (t) => withStore(t, async (s) => {
    const id = (await s.ok(['create', '--name', 'cc', IMAGE, 'sleep', '1000'])).stdout.trim();
    const dir = join(s.root, 'v1', 'containers', id);
    const mark = join(dir, 'starting');
    writeFileSync(mark, `${process.pid}-${startTime(process.pid)}`);
    const refused = await s.berth(['start', 'cc']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `Error: Container ${id} is being started by another berth command [CONTAINER_STARTING]\nHint: Wait for that command to finish\n`);
    assert.equal((await s.ok(['inspect', '-f', '{{.State.Status}}', 'cc'])).stdout, 'created\n');
    assert.deepEqual(mountsUnder(dir), [], 'nothing was mounted');
    assert.equal(existsSync(join(runtimeBase(s.root), 'runc', id)), false, 'nothing was created in the runtime');
    assert.deepEqual((await problemsOf(s)).problems, [], 'a start in progress is no problem');
    // The same mark, of a process that is gone: a start cut short.
    writeFileSync(mark, '999999-1');
    const found = (await problemsOf(s)).problems;
    assert.deepEqual(found.map((p) => [p.code, p.subject, p.repairable]), [['START_INTERRUPTED', id, true]]);
    assert.match(found[0]!.message, /cut short/);
    assert.equal((await s.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).stdout, 'cc Created\n');
    assert.equal(existsSync(mark), false, 'the look settled it');
    assert.deepEqual((await problemsOf(s)).problems, []);
    await s.ok(['start', 'cc']);
    assert.equal((await s.ok(['inspect', '-f', '{{.State.Running}}', 'cc'])).stdout, 'true\n');
  }));

  test('a monitor and runtime state of a container the store calls exited: MONITOR_LEFTOVER and RUNTIME_LEFTOVER, which --repair stops', (t) => withStore(t, async (s) => {
    const id = (await s.ok(['run', '-d', '--name', 'ghost', IMAGE, 'sleep', '1000'])).stdout.trim();
    assert.equal(conmonsOf(id).length, 1);
    // The store loses track of it (as a record restored from elsewhere would): it says exited.
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
    const db = new Database(join(s.root, 'v1', 'metadata.db'), { fileMustExist: true });
    try {
      db.prepare("UPDATE containers SET state = 'exited', exit_code = 0, pid = NULL, monitor = NULL WHERE id = ?").run(id);
    } finally {
      db.close();
    }
    const { problems } = await problemsOf(s);
    assert.deepEqual(problems.map((p) => [p.code, p.subject, p.repairable]).sort(), [['MONITOR_LEFTOVER', id, true], ['RUNTIME_LEFTOVER', id, true]]);
    assert.match(problems.find((p) => p.code === 'MONITOR_LEFTOVER')!.message, /^container monitor \(conmon, pid \d+\) of a container the store does not run$/);
    const repair = await s.berth(['system', 'check', '--repair']);
    assert.equal(repair.code, 0, repair.stdout + repair.stderr);
    assert.match(repair.stdout, /repaired\s+MONITOR_LEFTOVER/);
    assert.match(repair.stdout, /repaired\s+RUNTIME_LEFTOVER/);
    assert.deepEqual(conmonsOf(id), [], 'the monitor is gone');
    assert.equal(existsSync(join(runtimeBase(s.root), 'runc', id)), false, 'the runtime state is gone');
    assert.deepEqual(mountsUnder(join(s.root, 'v1', 'containers', id)), [], 'its root is unmounted');
    assert.deepEqual((await problemsOf(s)).problems, []);
  }));
});
