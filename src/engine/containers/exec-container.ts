/**
 * `berth exec`: another process in a running container, run by the OCI runtime directly
 * (`runc exec`). In the foreground the runtime itself relays the terminal (with -t) or passes
 * our stdio through; with -d it leaves the process running on its own.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../../internal/errors.js';
import { containerPaths } from '../../container/container-paths.js';
import { resolveUser } from '../../container/rootfs/container-user.js';
import { lastRuntimeError } from '../../container/runtime/conmon.js';
import type { ContainerRecord } from '../../store/containers.js';
import { runtimeFor, type ContainerHost } from './container-host.js';
import { refreshContainer } from './container-exit.js';
import { capabilitiesOf, mergeEnv, specOf } from './container-spec.js';
import { isPaused, pausedError } from './pause-container.js';

export interface ExecOptions {
  args: string[];
  env: string[];
  workdir: string | undefined;
  user: string | undefined;
  tty: boolean;
  stdin: boolean;
  detach: boolean;
  /**
   * Where the process's stderr goes when there is no terminal. Given, it passes through a filter
   * that holds back the runtime's own error line (Berth reports the failure itself); absent,
   * the process writes to this process's stderr directly.
   */
  stderr?: NodeJS.WritableStream;
}

/** Runs the process; resolves with its exit status (0 for -d once it started). */
export async function execInContainer(host: ContainerHost, record: ContainerRecord, options: ExecOptions): Promise<number> {
  const current = await refreshContainer(host, record);
  if (current.state !== 'running') throw new BerthError('conflict', 'CONTAINER_NOT_RUNNING', `Container ${current.id} is not running`);
  if (isPaused(host, current)) throw pausedError(current, 'exec');
  if (options.args.length === 0) throw new BerthError('invalid_argument', 'NO_COMMAND', 'No command specified');
  const spec = specOf(current);
  const paths = containerPaths(host.store.layout.containers, current.id);
  const user = resolveUser(paths.rootfs, options.user ?? spec.user);
  const cwd = options.workdir ?? spec.workdir;
  if (!cwd.startsWith('/')) throw new BerthError('invalid_argument', 'WORKDIR_INVALID', `the working directory '${cwd}' is invalid, it needs to be an absolute path`);
  let env = mergeEnv(spec.env, options.env).filter((e) => e.includes('='));
  if (!env.some((e) => e.startsWith('HOME='))) env = mergeEnv(env, [`HOME=${user.home}`]);
  if (options.tty && !env.some((e) => e.startsWith('TERM='))) env.push('TERM=xterm');
  const caps = capabilitiesOf(spec);
  const tag = randomBytes(6).toString('hex');
  const processFile = join(paths.dir, `exec-${tag}.json`);
  const logFile = join(paths.dir, `exec-${tag}.log`);
  writeFileSync(processFile, JSON.stringify({
    terminal: options.tty,
    user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length > 0 ? { additionalGids: user.additionalGids } : {}) },
    args: options.args,
    env,
    cwd,
    capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
    // The container's seccomp filter applies to the exec'd process too (the runtime takes it from the container).
    noNewPrivileges: spec.noNewPrivileges ?? false,
  }));
  const runtime = runtimeFor(host, spec.runtime);
  try {
    // Without a terminal, the process's stderr passes through a filter that holds back the
    // runtime's own "exec failed: ..." line: Berth reports that failure itself, with its code.
    const filtered = !options.detach && !options.tty && options.stderr !== undefined ? new RuntimeErrorFilter(options.stderr) : undefined;
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(runtime.path, [...runtime.args, '--log', logFile, '--log-format', 'json', 'exec', '--process', processFile, ...(options.detach ? ['--detach'] : []), current.id], {
        stdio: [options.stdin && !options.detach ? 'inherit' : 'ignore', options.detach ? 'ignore' : 'inherit', options.detach || filtered !== undefined ? 'pipe' : 'inherit'],
      });
      if (filtered !== undefined) child.stderr!.on('data', (chunk: Buffer) => filtered.write(chunk));
      child.on('error', reject);
      child.on('close', (status, signal) => resolve(status ?? (signal === null ? 255 : 128 + constants.signals[signal])));
    });
    const failure = code === 255 || (options.detach && code !== 0) ? lastRuntimeError(logFile) : undefined;
    filtered?.end(failure !== undefined);
    if (failure !== undefined) {
      const message = `OCI runtime exec failed: ${failure}`;
      if (/executable file not found|no such file or directory/i.test(failure)) throw new BerthError('failed_precondition', 'COMMAND_NOT_FOUND', message);
      if (/permission denied/i.test(failure)) throw new BerthError('failed_precondition', 'COMMAND_NOT_EXECUTABLE', message);
      throw new BerthError('failed_precondition', 'RUNTIME_EXEC_FAILED', message);
    }
    return code;
  } finally {
    rmSync(processFile, { force: true });
    rmSync(logFile, { force: true });
  }
}

const RUNTIME_ERROR_PREFIX = Buffer.from('exec failed: ');

/**
 * Passes a stream on, except a runtime error line: while everything so far could be the start
 * of "exec failed: ..." it is held; anything else is written at once, and from then on all of
 * it. When the runtime failed to start the process, nothing but its error line ever came, and
 * `end(true)` drops it.
 */
class RuntimeErrorFilter {
  readonly #out: NodeJS.WritableStream;
  #held = Buffer.alloc(0);
  #passing = false;

  constructor(out: NodeJS.WritableStream) {
    this.#out = out;
  }

  write(chunk: Buffer): void {
    if (this.#passing) {
      this.#out.write(chunk);
      return;
    }
    this.#held = Buffer.concat([this.#held, chunk]);
    const head = this.#held.subarray(0, RUNTIME_ERROR_PREFIX.length);
    const newline = this.#held.indexOf(0x0a);
    const couldBeError = RUNTIME_ERROR_PREFIX.subarray(0, head.length).equals(head) && (newline < 0 || newline === this.#held.length - 1);
    if (!couldBeError) this.#flush();
  }

  /** The process's end: drops a held runtime error line when the runtime reported one. */
  end(runtimeFailed: boolean): void {
    if (!this.#passing && !runtimeFailed) this.#flush();
    this.#held = Buffer.alloc(0);
  }

  #flush(): void {
    this.#passing = true;
    if (this.#held.length > 0) this.#out.write(this.#held);
    this.#held = Buffer.alloc(0);
  }
}

