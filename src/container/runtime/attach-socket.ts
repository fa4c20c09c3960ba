/**
 * A client of conmon's attach socket: a SOCK_SEQPACKET Unix socket in the container's bundle.
 * Each packet conmon sends is one chunk of output, its first byte naming the stream (2 stdout,
 * 3 stderr); what the client writes goes to the container's stdin. Node has no seqpacket
 * sockets, so a small addon (src/native) connects and shuts down; reads and writes are Node's
 * own fs calls on the descriptor.
 */
import { closeSync, read, write } from 'node:fs';
import { BerthError, ignoreCodes } from '../../internal/errors.js';
import { loadNative } from '../../internal/native.js';

const SHUT_WR = 1;
const SHUT_RDWR = 2;
/** conmon's buffer: 8192 bytes of data plus the stream byte. */
const PACKET_SIZE = 8193;
const STREAMS: Record<number, 'stdout' | 'stderr'> = { 2: 'stdout', 3: 'stderr' };

export class AttachSocket {
  readonly #fd: number;
  #closed = false;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  static connect(path: string): AttachSocket {
    try {
      return new AttachSocket(loadNative('attach').connectSeqpacket(path));
    } catch (err) {
      if (err instanceof BerthError) throw err;
      throw new BerthError('unavailable', 'ATTACH_FAILED', `Cannot attach to the container: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Delivers output until conmon closes the socket (the container exited) or close() is called. */
  pump(onOutput: (stream: 'stdout' | 'stderr', data: Buffer) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const next = (): void => {
        const buffer = Buffer.allocUnsafe(PACKET_SIZE);
        read(this.#fd, buffer, 0, PACKET_SIZE, null, (err, bytesRead) => {
          if (err !== null) {
            if (this.#closed || err.code === 'ECONNRESET') return resolve();
            return reject(err);
          }
          if (bytesRead === 0) return resolve();
          const stream = STREAMS[buffer[0]!];
          if (stream !== undefined && bytesRead > 1) onOutput(stream, buffer.subarray(1, bytesRead));
          next();
        });
      };
      next();
    });
  }

  /** Sends bytes to the container's stdin. */
  send(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return resolve();
      write(this.#fd, data, (err) => (err !== null && !this.#closed ? reject(err) : resolve()));
    });
  }

  /** Ends the container's stdin (it reads EOF) while output keeps coming. */
  endInput(): void {
    if (!this.#closed) loadNative('attach').shutdown(this.#fd, SHUT_WR);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      loadNative('attach').shutdown(this.#fd, SHUT_RDWR); // wakes a read blocked in the thread pool
    } catch (err) {
      ignoreCodes(err, 'ENOTCONN'); // already shut down
    }
    closeSync(this.#fd);
  }
}
