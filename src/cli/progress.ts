/**
 * Progress on stderr: one self-overwriting line with bytes, total and rate, drawn only when
 * stderr is a terminal (never on stdout, never into a pipe or a log).
 */
import { humanSize } from './format/units.js';

export interface Progress {
  update(done: number): void;
  finish(): void;
}

const QUIET: Progress = { update: () => undefined, finish: () => undefined };

export function createProgress(stream: NodeJS.WriteStream, label: string, total: number | undefined, enabled: boolean): Progress {
  if (!enabled || stream.isTTY !== true) return QUIET;
  const started = Date.now();
  let last = 0;
  let drawn = false;
  let lastDone = 0;
  const draw = (done: number): void => {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = `${humanSize(done / seconds)}/s`;
    const amount = total === undefined ? humanSize(done) : `${humanSize(done)}/${humanSize(total)}`;
    stream.write(`\r\x1b[K${label} ${amount} (${rate})`);
    drawn = true;
  };
  return {
    update(done: number): void {
      lastDone = done;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      draw(done);
    },
    finish(): void {
      if (drawn) {
        draw(lastDone);
        stream.write('\r\x1b[K');
        drawn = false; // once: a second call (from a finally) must not redraw after the output
      }
    },
  };
}
