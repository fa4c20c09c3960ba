/**
 * Attaching to a running container through its monitor: output as it is produced, typed
 * input to its stdin, window size changes to its terminal, and the detach keys that leave it
 * running. The terminal itself (raw mode, size) is the caller's.
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AttachSocket } from '../../container/runtime/attach-socket.js';
import { DetachKeys } from '../../container/runtime/detach-keys.js';
import { isIdentityAlive } from '../../internal/process-identity.js';
import { ignoreCodes } from '../../internal/errors.js';
import { readFileSync, rmSync } from 'node:fs';

export { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../../container/runtime/detach-keys.js';
import { containerPaths } from '../../container/container-paths.js';
import type { ContainerRecord } from '../../store/containers.js';
import type { ContainerHost } from './container-host.js';

export interface AttachIO {
  /** What the user types (raw bytes); undefined to leave the container's stdin alone. */
  input: AsyncIterable<Buffer> | undefined;
  output: (stream: 'stdout' | 'stderr', data: Buffer) => void;
  /** The detach sequence, or undefined for none. */
  detachKeys: Buffer | undefined;
}

export interface AttachSession {
  /** Resolves when the container's output ends (it exited) or the user detached. */
  done: Promise<{ detached: boolean }>;
  resize(rows: number, columns: number): void;
  close(): void;
}

export function openAttach(host: ContainerHost, record: ContainerRecord, io: AttachIO): AttachSession {
  const socket = AttachSocket.connect(join(host.runtimeDirs.sockets, record.id, 'attach'));
  const ctl = containerPaths(host.store.layout.containers, record.id).ctl;
  let detached = false;
  let finish: (() => void) | undefined;
  const userDetached = new Promise<void>((resolve) => {
    finish = resolve;
  });
  if (io.input !== undefined) {
    const input = io.input;
    const keys = io.detachKeys === undefined ? undefined : new DetachKeys(io.detachKeys);
    // Deliberately any failure of the input side: nothing waits on it; once the container or its socket
    // is gone the sends fail, and the end of the output reports the session.
    void (async () => {
      for await (const chunk of input) {
        const { forward, detach } = keys === undefined ? { forward: chunk, detach: false } : keys.feed(chunk);
        if (forward.length > 0) await socket.send(forward);
        if (detach) {
          detached = true;
          finish?.();
          return;
        }
      }
      socket.endInput(); // stdin ended: the container reads EOF
    })().catch(() => undefined);
  }
  const output = socket.pump(io.output);
  const done = Promise.race([output, userDetached]).then(() => {
    socket.close();
    return { detached };
  });
  return {
    done,
    resize(rows: number, columns: number): void {
      // conmon's control FIFO: "<type> <height> <width>", type 1 = window resize.
      try {
        const fd = openSync(ctl, constants.O_WRONLY | constants.O_NONBLOCK);
        try {
          writeSync(fd, `1 ${Math.min(rows, 1000)} ${Math.min(columns, 1000)}\n`);
        } finally {
          closeSync(fd);
        }
      } catch {
        // Deliberately any failure (best effort; this runs from a SIGWINCH handler, and a resize must never
        // end the session): no terminal, or the monitor is gone (ENOENT, ENXIO, EPIPE): nothing to resize.
      }
    },
    close(): void {
      socket.close();
    },
  };
}

/** True while another berth process is attached to the container and will finish it itself. */
export function isAttachedElsewhere(host: ContainerHost, record: ContainerRecord): boolean {
  try {
    const identity = readFileSync(containerPaths(host.store.layout.containers, record.id).attachedBy, 'utf8').trim();
    return identity !== '' && isIdentityAlive(identity);
  } catch (err) {
    ignoreCodes(err, 'ENOENT');
    return false; // nobody attached
  }
}

/** Hands the container back to its monitor's exit command (the attached berth is leaving). */
export function releaseAttachment(host: ContainerHost, record: ContainerRecord): void {
  rmSync(containerPaths(host.store.layout.containers, record.id).attachedBy, { force: true });
}
