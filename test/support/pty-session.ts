/**
 * Runs a berth command on a real pseudo-terminal, as a user at a terminal would: util-linux
 * `script` allocates the pty, copies what the test writes to it (keystrokes, Ctrl-P Ctrl-Q)
 * and what appears on it back, and exits with the command's status (`-e`).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BERTH_BIN } from './env.js';

export interface PtySession {
  /** Everything the terminal showed so far. */
  output(): string;
  /** Types `text` (bytes as given: "\x10\x11" is Ctrl-P Ctrl-Q). */
  type(text: string): void;
  /** Waits until the terminal has shown `text` after position `from`; fails after timeoutMs. */
  waitFor(text: string, from?: number, timeoutMs?: number): Promise<void>;
  /** Waits for the command to end; its exit status. */
  exit(timeoutMs?: number): Promise<number | null>;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function ptySession(root: string, args: readonly string[]): PtySession {
  const command = [BERTH_BIN, '--root', root, ...args].map(shellQuote).join(' ');
  const child: ChildProcessWithoutNullStreams = spawn('script', ['-qefc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let shown = '';
  child.stdout.on('data', (b: Buffer) => { shown += b.toString('utf8'); });
  child.stderr.on('data', (b: Buffer) => { shown += b.toString('utf8'); });
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    output: () => shown,
    type: (text) => { child.stdin.write(text); },
    async waitFor(text, from = 0, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!shown.slice(from).includes(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)} on the terminal; it shows ${JSON.stringify(shown)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async exit(timeoutMs = 30_000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
