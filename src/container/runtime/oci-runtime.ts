/** The OCI runtime's command line (runc; crun takes the same): start, kill, delete, state, ps, exec. */
import { BerthError } from '../../internal/errors.js';
import { runCommand, type CommandResult } from '../../internal/run-command.js';

export interface Runtime {
  /** Path of the runtime binary. */
  path: string;
  /** Global arguments: --root DIR for the state directory. */
  args: string[];
}

export interface RuntimeState {
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  pid: number;
}

function call(runtime: Runtime, args: string[]): Promise<CommandResult> {
  return runCommand(runtime.path, [...runtime.args, ...args]);
}

function failed(action: string, id: string, r: CommandResult): BerthError {
  return new BerthError('internal', 'RUNTIME_FAILED', `Cannot ${action} container ${id.slice(0, 12)}: ${r.stderr || `the runtime exited with ${r.code}`}`);
}

export async function startContainer(runtime: Runtime, id: string): Promise<void> {
  const r = await call(runtime, ['start', id]);
  if (r.code !== 0) throw failed('start', id, r);
}

/** Sends a signal (name or number) to the container's init process; `all` to every process in it. */
export async function killContainer(runtime: Runtime, id: string, signal: string, all = false): Promise<void> {
  const r = await call(runtime, ['kill', ...(all ? ['--all'] : []), id, signal]);
  if (r.code !== 0 && !/not running|does not exist|process already finished/i.test(r.stderr)) throw failed('signal', id, r);
}

/** Host PIDs of every process in the container (`runc ps --format json`). */
export async function containerPids(runtime: Runtime, id: string): Promise<number[]> {
  const r = await call(runtime, ['ps', '--format', 'json', id]);
  if (r.code !== 0) throw failed('list the processes of', id, r);
  const pids: unknown = JSON.parse(r.stdout);
  return Array.isArray(pids) ? pids.filter((p): p is number => Number.isInteger(p)) : [];
}

export async function deleteContainer(runtime: Runtime, id: string): Promise<void> {
  const r = await call(runtime, ['delete', '--force', id]);
  if (r.code !== 0 && !/does not exist/i.test(r.stderr)) throw failed('delete', id, r);
}

/** The runtime's view of the container, or undefined if it does not know it (never created, deleted, or rebooted since). */
export async function containerState(runtime: Runtime, id: string): Promise<RuntimeState | undefined> {
  const r = await call(runtime, ['state', id]);
  if (r.code !== 0) return undefined;
  let state: { status: RuntimeState['status']; pid: number } | null;
  try {
    state = JSON.parse(r.stdout) as typeof state;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return undefined;
  }
  return state === null ? undefined : { status: state.status, pid: state.pid };
}

/** Freezes every process of the container (the cgroup freezer), for a consistent read of its files. */
export async function pauseContainer(runtime: Runtime, id: string): Promise<void> {
  const r = await call(runtime, ['pause', id]);
  if (r.code !== 0) throw failed('pause', id, r);
}

/** Thaws what pauseContainer froze. */
export async function resumeContainer(runtime: Runtime, id: string): Promise<void> {
  const r = await call(runtime, ['resume', id]);
  if (r.code !== 0) throw failed('resume', id, r);
}
