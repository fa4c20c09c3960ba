/**
 * The client side of an attached container: the user's terminal in raw mode (for -t), its
 * size passed on, typed input forwarded (for -i) with Ctrl-P Ctrl-Q to detach, output
 * written as it comes, and the container's exit status at the end. Used by `run`, `start -a`
 * and `attach`.
 */
import { BerthError } from '../internal/errors.js';
import { ownIdentity } from '../internal/process-identity.js';
import { DEFAULT_DETACH_KEYS, openAttach, releaseAttachment, type AttachSession } from '../engine/containers/attach-container.js';
import { logEnd, streamOutput } from '../engine/containers/container-output.js';
import { killContainer, waitContainer } from '../engine/containers/stop-container.js';
import type { ContainerHost } from '../engine/containers/container-host.js';
import type { StartOptions } from '../engine/containers/start-container.js';
import { getContainer, type ContainerRecord } from '../store/containers.js';
import { write, type CommandContext } from './command.js';

export interface AttachedOptions {
  /** Forward our stdin to the container's. */
  stdin: boolean;
  /** The container has a terminal: put ours in raw mode and pass its size on. */
  tty: boolean;
  /** Detach sequence (only with a terminal). */
  detachKeys: Buffer | undefined;
}

export interface AttachedResult {
  detached: boolean;
  exitCode: number;
}

/**
 * Attaches to `record` and returns when it exits or the user detaches. With `start`, the
 * container is started by it (attaching before it runs, so no output is missed); otherwise it
 * must be running already.
 */
export async function runAttached(
  ctx: CommandContext,
  host: ContainerHost,
  record: ContainerRecord,
  options: AttachedOptions,
  start?: (startOptions: StartOptions) => Promise<ContainerRecord>,
): Promise<AttachedResult> {
  // Once the status is known the user waits no longer: a --rm container's files go in the background.
  host = { ...host, removeInBackground: true };
  const stdin = ctx.stdin;
  if (options.stdin && options.tty && stdin.isTTY !== true) {
    throw new BerthError('invalid_argument', 'INPUT_NOT_TTY', 'the input device is not a TTY', { hint: 'Drop -t, or run from a terminal' });
  }
  // Attaching to a running container always goes through the monitor's socket (output from now on);
  // a container started here without a terminal or input is followed through its log instead.
  const interactive = options.stdin || options.tty || start === undefined;
  let session: AttachSession | undefined;
  const io = {
    input: options.stdin ? (stdin as AsyncIterable<Buffer>) : undefined,
    output: (stream: 'stdout' | 'stderr', data: Buffer): void => {
      (stream === 'stdout' ? ctx.stdout : ctx.stderr).write(data);
    },
    detachKeys: options.tty ? options.detachKeys ?? DEFAULT_DETACH_KEYS : undefined,
  };
  const raw = options.tty && options.stdin && stdin.isTTY === true;
  const onResize = (): void => {
    if (ctx.stdout.isTTY === true) session?.resize(ctx.stdout.rows, ctx.stdout.columns);
  };
  // Signals go to the container when there is no terminal to carry them (Docker's --sig-proxy).
  const forward = (signal: NodeJS.Signals): void => {
    // Deliberately any failure (best effort, from a signal handler): a container exiting meanwhile needs no signal.
    killContainer(host, record, signal).catch(() => undefined);
  };
  let current = record;
  // A foreground run shows what this run prints, not the output of earlier starts kept in the log.
  const logOffset = logEnd(host, record);
  try {
    if (raw) stdin.setRawMode(true);
    ctx.stdout.on('resize', onResize);
    if (!raw) {
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
    }
    if (start !== undefined) {
      current = await start({
        attachedBy: ownIdentity(),
        ...(interactive ? { beforeStart: async (created: ContainerRecord) => {
          session = openAttach(host, created, io);
          onResize();
        } } : {}),
      });
    } else if (interactive) {
      session = openAttach(host, current, io);
      onResize();
    }
    if (session !== undefined) {
      const { detached } = await session.done;
      if (detached) return { detached: true, exitCode: 0 };
    } else {
      // No terminal and no input: the monitor's log carries stdout and stderr apart.
      current = await streamOutput(host, current, { follow: true, tail: undefined, fromOffset: logOffset, sink: (r) => write(r.stream === 'stdout' ? ctx.stdout : ctx.stderr, r.text) });
    }
    current = await waitContainer(host, getContainer(host.store, current.id) ?? current);
    return { detached: false, exitCode: current.exitCode ?? 0 };
  } finally {
    ctx.stdout.off('resize', onResize);
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    if (raw) stdin.setRawMode(false);
    if (options.stdin) stdin.destroy(); // reading a terminal keeps the process alive
    session?.close();
    // From now on conmon's exit command finishes the container (if it is still running).
    if (start !== undefined) releaseAttachment(host, record);
  }
}
