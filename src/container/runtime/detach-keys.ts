/**
 * Docker's detach keys (Ctrl-P Ctrl-Q by default) in a stream of typed bytes: the sequence is
 * held back while it is being typed; completed, it detaches; broken, what was held goes on.
 */
export const DEFAULT_DETACH_KEYS = Buffer.from([0x10, 0x11]);

export class DetachKeys {
  readonly #sequence: Buffer;
  #matched = 0;

  constructor(sequence: Buffer = DEFAULT_DETACH_KEYS) {
    this.#sequence = sequence;
  }

  /** The bytes to forward, and whether the sequence was completed (then nothing after it is forwarded). */
  feed(chunk: Buffer): { forward: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.#sequence[this.#matched]) {
        this.#matched++;
        if (this.#matched === this.#sequence.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      // A broken sequence: what was held back is ordinary input after all.
      out.push(...this.#sequence.subarray(0, this.#matched));
      this.#matched = 0;
      if (byte === this.#sequence[0]) this.#matched = 1;
      else out.push(byte);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}

/** Parses Docker's --detach-keys syntax: "ctrl-p,ctrl-q", "ctrl-a,x" (letters, ctrl-@..ctrl-_ ). */
export function parseDetachKeys(text: string): Buffer | undefined {
  const bytes: number[] = [];
  for (const key of text.split(',')) {
    const ctrl = /^ctrl-(.)$/i.exec(key);
    if (ctrl !== null) {
      const c = ctrl[1]!.toLowerCase();
      if (c >= 'a' && c <= 'z') bytes.push(c.charCodeAt(0) - 96);
      else if ('@[\\]^_'.includes(c)) bytes.push('@[\\]^_'.indexOf(c) === 0 ? 0 : 26 + '@[\\]^_'.indexOf(c));
      else return undefined;
    } else if (key.length === 1) {
      bytes.push(key.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  return bytes.length === 0 ? undefined : Buffer.from(bytes);
}
