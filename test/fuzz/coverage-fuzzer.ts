/**
 * A small coverage-guided fuzzer for Berth's archive readers, on V8's own block coverage.
 *
 * Each execution runs the target on one input; V8's precise coverage (taken, and reset, after
 * every run through node:inspector) tells which blocks of Berth's compiled sources ran and how
 * often. An input that reaches a block, or a hit-count bucket of a block, not seen before joins
 * the corpus and is mutated further. The mutations are byte-level (flips, interesting values,
 * inserts, deletes, splices, dictionary tokens) with an optional tar-checksum fix-up, so that
 * mutated tar headers get past the checksum test into the code behind it.
 *
 * A "crash" is any exception that is not a BerthError (a coded rejection is the right answer
 * to bad input), any broken invariant a target asserts, and any input that takes longer than
 * `slowMs` (a hang in the making: a real infinite loop stops the whole run, which the caller's
 * timeout reports). Such inputs are written to the crash directory; each should become a
 * regression test.
 *
 * (Why not @jazzer.js/core: its 4.0.0 native part is built against glibc 2.38 and does not load
 * on Debian 12's 2.36; 2.1.0 downloads its native part from GitHub at install time.)
 */
import { createHash } from 'node:crypto';
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isBerthError } from '../../src/internal/errors.js';

export interface FuzzTarget {
  name: string;
  /** Runs the code under test on one input. Throws only on a bug (BerthErrors are fine). */
  run(input: Buffer): Promise<void>;
  seeds(): Promise<Buffer[]> | Buffer[];
  /** Tokens worth inserting (names, keywords). */
  dictionary: string[];
  /** The inputs are tars: fix header checksums after mutating, most of the time. */
  tar: boolean;
  /** Largest input to try. */
  maxBytes: number;
}

export interface FuzzReport {
  target: string;
  executions: number;
  seconds: number;
  corpus: number;
  /** Of the corpus, how many were seeds (the rest were found by mutation). */
  seedCorpus: number;
  /** Blocks of Berth's sources seen run, and how many blocks those sources have in all. */
  blocksCovered: number;
  blocksTotal: number;
  crashes: Array<{ input: string; error: string }>;
}

interface Range { startOffset: number; endOffset: number; count: number }
interface FunctionCoverage { functionName: string; ranges: Range[] }
interface ScriptCoverage { scriptId: string; url: string; functions: FunctionCoverage[] }

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/** AFL's hit-count buckets: a block run 1, 2, 3, 4-7, 8-15, ... times are different features. */
function bucket(count: number): number {
  if (count <= 3) return count;
  return 32 - Math.clz32(count);
}

export class CoverageFuzzer {
  readonly #session = new Session();
  readonly #sourceFilter: (url: string) => boolean;
  readonly #seen = new Set<string>();
  readonly #allBlocks = new Set<string>();
  readonly #covered = new Set<string>();

  constructor(sourceFilter: (url: string) => boolean) {
    this.#sourceFilter = sourceFilter;
  }

  async start(): Promise<void> {
    this.#session.connect();
    await post(this.#session, 'Profiler.enable');
    await post(this.#session, 'Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  async stop(): Promise<void> {
    await post(this.#session, 'Profiler.stopPreciseCoverage');
    this.#session.disconnect();
  }

  /** Takes (and resets) coverage since the last call; returns how many new features it holds. */
  async #newFeatures(): Promise<number> {
    const { result } = await post<{ result: ScriptCoverage[] }>(this.#session, 'Profiler.takePreciseCoverage');
    let fresh = 0;
    for (const script of result) {
      if (!this.#sourceFilter(script.url)) continue;
      for (const fn of script.functions) {
        for (const r of fn.ranges) {
          const block = `${script.url}:${r.startOffset}:${r.endOffset}`;
          this.#allBlocks.add(block);
          if (r.count === 0) continue;
          this.#covered.add(block);
          const feature = `${block}:${bucket(r.count)}`;
          if (!this.#seen.has(feature)) {
            this.#seen.add(feature);
            fresh++;
          }
        }
      }
    }
    return fresh;
  }

  async fuzz(target: FuzzTarget, options: { seconds: number; crashDir: string; random?: () => number; slowMs?: number }): Promise<FuzzReport> {
    const slowMs = options.slowMs ?? 10_000;
    const random = options.random ?? Math.random;
    const corpus: Buffer[] = [];
    const crashes: FuzzReport['crashes'] = [];
    const crashKeys = new Set<string>();
    let executions = 0;
    const record = (input: Buffer, key: string, error: string): void => {
      if (crashKeys.has(key)) return;
      crashKeys.add(key);
      mkdirSync(options.crashDir, { recursive: true });
      const file = join(options.crashDir, `${target.name}-${createHash('sha256').update(input).digest('hex').slice(0, 16)}.bin`);
      writeFileSync(file, input);
      crashes.push({ input: file, error });
    };
    const execute = async (input: Buffer): Promise<void> => {
      executions++;
      const started = Date.now();
      try {
        await target.run(input);
      } catch (err) {
        if (!isBerthError(err)) {
          const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
          const where = err instanceof Error ? (err.stack ?? '').split('\n').slice(1, 3).join(' ').trim() : '';
          record(input, `${text.replace(/\d+/g, 'N')} ${where}`, `${text} ${where}`);
        }
      }
      const took = Date.now() - started;
      if (took > slowMs) record(input, `slow ${input.length}`, `slow input: ${took} ms for ${input.length} bytes`);
    };
    await this.#newFeatures(); // drop what ran before
    for (const seed of await target.seeds()) {
      await execute(seed);
      if ((await this.#newFeatures()) > 0 || corpus.length === 0) corpus.push(seed);
    }
    const seedCorpus = corpus.length;
    const deadline = Date.now() + options.seconds * 1000;
    const started = Date.now();
    while (Date.now() < deadline) {
      const parent = corpus[Math.floor(random() * corpus.length)]!;
      const input = mutate(parent, corpus, target, random);
      await execute(input);
      if ((await this.#newFeatures()) > 0) corpus.push(input);
    }
    return {
      target: target.name,
      executions,
      seconds: (Date.now() - started) / 1000,
      corpus: corpus.length,
      seedCorpus,
      blocksCovered: this.#covered.size,
      blocksTotal: this.#allBlocks.size,
      crashes,
    };
  }
}

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x30, 0x37, 0x2f, 0x2e, 0x20, 0x0a, 0x3d, 0x22, 0x5b, 0x7b];

/** One to four stacked byte-level mutations of `parent`. */
export function mutate(parent: Buffer, corpus: readonly Buffer[], target: FuzzTarget, random: () => number): Buffer {
  let out = Buffer.from(parent);
  const pick = (n: number): number => Math.floor(random() * n);
  const rounds = 1 + pick(4);
  for (let i = 0; i < rounds; i++) {
    const at = out.length === 0 ? 0 : pick(out.length);
    switch (pick(9)) {
      case 0: // flip a bit
        if (out.length > 0) out[at] = out[at]! ^ (1 << pick(8));
        break;
      case 1: // an interesting byte
        if (out.length > 0) out[at] = INTERESTING[pick(INTERESTING.length)]!;
        break;
      case 2: { // a random byte run
        const n = 1 + pick(8);
        for (let j = 0; j < n && at + j < out.length; j++) out[at + j] = pick(256);
        break;
      }
      case 3: { // insert a dictionary token
        const token = Buffer.from(target.dictionary[pick(target.dictionary.length)] ?? '');
        out = Buffer.concat([out.subarray(0, at), token, out.subarray(at)]);
        break;
      }
      case 4: { // overwrite with a dictionary token
        const token = Buffer.from(target.dictionary[pick(target.dictionary.length)] ?? '');
        token.copy(out, at, 0, Math.max(0, Math.min(token.length, out.length - at)));
        break;
      }
      case 5: { // delete a run
        const n = 1 + pick(Math.min(1024, Math.max(1, out.length - at)));
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + n)]);
        break;
      }
      case 6: { // duplicate a run (or a whole 512-byte block for tars)
        const n = target.tar ? 512 : 1 + pick(64);
        const from = target.tar ? Math.floor(at / 512) * 512 : at;
        out = Buffer.concat([out.subarray(0, from), out.subarray(from, from + n), out.subarray(from)]);
        break;
      }
      case 7: { // splice with another corpus input
        const other = corpus[pick(corpus.length)]!;
        const cut = pick(other.length + 1);
        out = Buffer.concat([out.subarray(0, at), other.subarray(cut)]);
        break;
      }
      default: { // an octal number in a header-like field
        const digits = Buffer.from(pick(2) === 0 ? '77777777777' : (pick(1 << 24)).toString(8).padStart(11, '0'));
        digits.copy(out, at, 0, Math.max(0, Math.min(digits.length, out.length - at)));
      }
    }
  }
  if (out.length > target.maxBytes) out = out.subarray(0, target.maxBytes);
  if (target.tar && random() < 0.8) fixTarChecksums(out);
  return out;
}

/** Recomputes the checksum of every 512-byte block that carries a ustar magic. */
export function fixTarChecksums(buf: Buffer): void {
  for (let off = 0; off + 512 <= buf.length; off += 512) {
    const magic = buf.toString('latin1', off + 257, off + 262);
    if (magic !== 'ustar') continue;
    buf.fill(0x20, off + 148, off + 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += buf[off + i]!;
    buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, off + 148, 'latin1');
  }
}
