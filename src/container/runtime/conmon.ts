/**
 * Conmon (Debian's `conmon`, the monitor Podman uses) starts a container and then watches it:
 * it runs `runtime create`, holds the container's stdio (a pty with -t), writes its output
 * to a log file, records its exit status in a file, runs an exit command, and keeps serving
 * attach clients, all from a small C process that outlives the berth command that started it.
 *
 * Conmon reports the outcome of `create` on a sync pipe (fd 3): {"data": <pid>} on success,
 * {"data": -1, "message": "..."} with the runtime's error otherwise.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { BerthError, ignoreCodes } from '../../internal/errors.js';

export interface MonitorOptions {
  conmon: string;
  runtime: string;
  /** Extra arguments for every runtime call (e.g. --root DIR). */
  runtimeArgs: string[];
  id: string;
  name: string;
  bundle: string;
  logPath: string;
  exitDir: string;
  socketDir: string;
  pidFile: string;
  conmonPidFile: string;
  terminal: boolean;
  stdin: boolean;
  /** Program (and args) conmon runs after the container exits. */
  exitCommand: string[] | undefined;
  /** Where the runtime logs (JSON lines): the reason `create` failed when conmon does not pass it on. */
  runtimeLog: string;
}

/** What went wrong in `runtime create`, with the runtime's own message. */
export class CreateFailedError extends BerthError {
  readonly runtimeMessage: string;
  constructor(message: string) {
    super('failed_precondition', 'RUNTIME_CREATE_FAILED', message.trim());
    this.runtimeMessage = message.trim();
  }
}

function conmonArgs(o: MonitorOptions): string[] {
  const args = [
    '--api-version', '1', '-c', o.id, '-u', o.id, '-n', o.name, '-r', o.runtime,
    '-b', o.bundle, '-p', o.pidFile, '-P', o.conmonPidFile, '-l', `k8s-file:${o.logPath}`,
    '--exit-dir', o.exitDir, '--socket-dir-path', o.socketDir, '--log-level', 'error',
  ];
  for (const a of [...o.runtimeArgs, '--log', o.runtimeLog, '--log-format', 'json']) args.push('--runtime-arg', a);
  // With a terminal, input ends by a typed ^D, never by an attach client leaving: a client that
  // detaches (Ctrl-P Ctrl-Q) must not close the container's input for the next one.
  if (o.terminal) args.push('-t', '--leave-stdin-open');
  if (o.stdin) args.push('-i');
  if (o.exitCommand !== undefined && o.exitCommand.length > 0) {
    args.push('--exit-command', o.exitCommand[0]!);
    for (const a of o.exitCommand.slice(1)) args.push('--exit-command-arg', a);
  }
  return args;
}

export interface Monitored {
  /** The container's init process (in the runtime's "created" state until started). */
  pid: number;
  /** The monitor's own pid: the process conmon forked to stay with the container. */
  monitorPid: number;
}

/**
 * Starts conmon, which creates the container; resolves once `create` succeeded and the monitor
 * is known. conmon forks at once: the child becomes the monitor and reports on the sync pipe,
 * while the process spawned here writes the child's pid to the pid file and exits. The two
 * happen in either order, so the pid file is read only after that process has exited (a file
 * left by an earlier start is never taken for this one's).
 *
 * conmon runs in the bundle directory: it writes files of its own in its working directory
 * (`oom`, when the kernel's OOM killer struck in the container), and they belong there.
 */
export function createWithMonitor(o: MonitorOptions): Promise<Monitored> {
  rmSync(o.conmonPidFile, { force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(o.conmon, conmonArgs(o), {
      cwd: o.bundle,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, _OCI_SYNCPIPE: '3' },
    });
    const stderr: Buffer[] = [];
    child.stderr!.on('data', (b: Buffer) => stderr.push(b));
    const sync = child.stdio[3] as Readable;
    let text = '';
    let settled = false;
    let created: number | undefined;
    let launcherExit: number | null | undefined;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      sync.destroy();
      reject(err);
    };
    const succeedWhenReady = (): void => {
      if (settled || created === undefined || launcherExit === undefined) return;
      settled = true;
      sync.destroy();
      let monitorPid: number | undefined;
      try {
        monitorPid = launcherExit === 0 ? readPidFile(o.conmonPidFile) : undefined;
      } catch (err) {
        return reject(err); // an unexpected failure goes to the caller, not out of this event handler
      }
      if (monitorPid === undefined) {
        reject(new BerthError('internal', 'MONITOR_FAILED', `The container monitor (conmon) exited with ${launcherExit} without recording its pid: ${Buffer.concat(stderr).toString('utf8').trim() || 'no message'}`));
      } else {
        resolve({ pid: created, monitorPid });
      }
    };
    sync.on('data', (b: Buffer) => {
      text += b.toString('utf8');
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      let message: { data?: number; message?: string };
      try {
        message = JSON.parse(text.slice(0, newline)) as typeof message;
      } catch {
        return fail(new BerthError('internal', 'MONITOR_PROTOCOL', `Cannot understand the container monitor: ${text.slice(0, 200)}`));
      }
      if (typeof message.data === 'number' && message.data > 0) {
        created = message.data;
        succeedWhenReady();
      } else {
        fail(new CreateFailedError(message.message ?? 'the runtime failed to create the container'));
      }
    });
    sync.on('error', () => undefined);
    sync.on('end', () => {
      if (created !== undefined) return;
      // conmon passes the runtime's error on only when the runtime printed it; runc logs it instead.
      let logged: string | undefined;
      try {
        logged = lastRuntimeError(o.runtimeLog);
      } catch (err) {
        return fail(err as Error); // an unexpected failure goes to the caller, not out of this event handler
      }
      if (logged !== undefined) return fail(new CreateFailedError(logged));
      fail(new BerthError('internal', 'MONITOR_FAILED', `The container monitor (conmon) stopped without reporting: ${Buffer.concat(stderr).toString('utf8').trim() || 'no message'}`));
    });
    child.on('exit', (code) => {
      launcherExit = code;
      succeedWhenReady();
    });
    child.on('error', (err) => fail(new BerthError('unavailable', 'MONITOR_MISSING', `Cannot start conmon: ${err.message}`, { hint: 'Install it with: apt-get install conmon', cause: err })));
  });
}

/** A pid file's number, or undefined when it is missing or holds something else. */
export function readPidFile(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^[1-9]\d*$/.test(text) ? Number(text) : undefined;
  } catch (err) {
    return ignoreCodes(err, 'ENOENT');
  }
}

/** The last error the runtime logged (runc's --log-format json: {"level":"error","msg":...}). */
export function lastRuntimeError(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return ignoreCodes(err, 'ENOENT');
  }
  let found: string | undefined;
  for (const line of text.split('\n')) {
    let entry: { level?: string; msg?: string } | null;
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      continue; // not a JSON line
    }
    if (entry?.level === 'error' && typeof entry.msg === 'string') found = entry.msg;
  }
  return found;
}
