/**
 * Container logs as conmon writes them (the Kubernetes "k8s-file" format): one record per
 * line, `<RFC 3339 time> <stdout|stderr> <F|P> <text>`, where P marks a partial line that the
 * next record continues. Reading is incremental, so `logs -f` and a foreground `run` can
 * follow a log as it grows.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { ignoreCodes } from '../../internal/errors.js';

export interface LogRecord {
  /** RFC 3339 time with nanoseconds, as conmon wrote it. */
  time: string;
  stream: 'stdout' | 'stderr';
  /** The text, with its newline unless the record was partial. */
  text: string;
}

export function parseLogLine(line: string): LogRecord | undefined {
  const first = line.indexOf(' ');
  const second = line.indexOf(' ', first + 1);
  const third = line.indexOf(' ', second + 1);
  if (first < 0 || second < 0) return undefined;
  const stream = line.slice(first + 1, second);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = third < 0 ? line.slice(second + 1) : line.slice(second + 1, third);
  const text = third < 0 ? '' : line.slice(third + 1);
  return { time: line.slice(0, first), stream, text: tag === 'P' ? text : `${text}\n` };
}

/** Reads a log file from where it last stopped; each call returns the complete records added since. */
export class LogReader {
  readonly #path: string;
  #fh: FileHandle | undefined;
  #position = 0;
  #rest = '';
  readonly #decoder = new StringDecoder('utf8');

  /** Reads from byte `position` on (0: the whole log). */
  constructor(path: string, position = 0) {
    this.#path = path;
    this.#position = position;
  }

  async read(): Promise<LogRecord[]> {
    if (this.#fh === undefined) {
      try {
        this.#fh = await open(this.#path, 'r');
      } catch (err) {
        ignoreCodes(err, 'ENOENT'); // no output yet
        return [];
      }
    }
    const records: LogRecord[] = [];
    const buffer = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const { bytesRead } = await this.#fh.read(buffer, 0, buffer.length, this.#position);
      if (bytesRead === 0) break;
      this.#position += bytesRead;
      const text = this.#rest + this.#decoder.write(buffer.subarray(0, bytesRead));
      const lines = text.split('\n');
      this.#rest = lines.pop()!;
      for (const line of lines) {
        const record = parseLogLine(line);
        if (record !== undefined) records.push(record);
      }
    }
    return records;
  }

  async close(): Promise<void> {
    await this.#fh?.close();
    this.#fh = undefined;
  }
}
