/**
 * The word rules of a Dockerfile line, as Docker's builder applies them to `--change`
 * instructions: leading `--flag=value` words, name=value words (quotes kept for later), the
 * first JSON array of a line, and the shell-like expansion of a word (quotes, backslash escapes,
 * `$VAR`, `${VAR}`, `${VAR:-word}` and friends) against an environment. Pure: no I/O.
 *
 * Errors are `InstructionError`s with Docker's text; the caller wraps them in its coded error.
 */

/** A refusal of an instruction's text, worded as Docker's builder words it (any other error is a bug). */
export class InstructionError extends Error {}

const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/u.test(ch);

/** Splits `--name=value` words off the start of `line`; returns them and the rest. */
export function extractFlags(line: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < line.length && isSpace(line[pos])) pos++;
    if (!line.startsWith('--', pos)) return { flags, rest: line.slice(pos) };
    let word = '';
    let quote = '';
    let blankOk = false;
    for (; pos < line.length; pos++) {
      let ch = line[pos] as string;
      if (quote === '') {
        if (isSpace(ch)) break;
        if (ch === '"' || ch === "'") {
          quote = ch;
          blankOk = true;
          continue;
        }
      } else if (ch === quote) {
        quote = '';
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === line.length) continue;
        pos++;
        ch = line[pos] as string;
      }
      word += ch;
    }
    if (word === '--') return { flags, rest: line.slice(pos).trim() };
    if (blankOk || word.length > 0) flags.push(word);
    if (pos >= line.length) return { flags, rest: '' };
  }
}

/**
 * Parses `--name=value` flags against the names an instruction accepts (Docker's BFlags).
 * Returns the given values by name.
 */
export function parseFlags(flags: string[], accepted: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const name = eq < 0 ? flag.slice(2) : flag.slice(2, eq);
    if (!accepted.includes(name)) throw new InstructionError(`Unknown flag: ${name}`);
    if (values.has(name)) throw new InstructionError(`Duplicate flag specified: ${name}`);
    if (eq < 0) throw new InstructionError(`Missing a value on flag: ${name}`);
    values.set(name, flag.slice(eq + 1));
  }
  return values;
}

/**
 * Splits on unquoted whitespace, keeping quotes and escapes in the words (they are removed
 * later, when each word is expanded).
 */
export function splitWords(rest: string): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  let word = '';
  let inWord = false;
  let quote = '';
  let blankOk = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (!inWord) {
      if (isSpace(ch)) continue;
      inWord = true;
    }
    if (quote === '') {
      if (isSpace(ch)) {
        if (blankOk || word.length > 0) words.push(word);
        word = '';
        blankOk = false;
        inWord = false;
        continue;
      }
      if (ch === '"' || ch === "'") {
        quote = ch;
        blankOk = true;
      }
      if (ch === '\\') {
        if (i + 1 === chars.length) continue;
        word += ch;
        i++;
        word += chars[i] as string;
        continue;
      }
      word += ch;
      continue;
    }
    if (ch === quote) {
      quote = '';
    } else if (ch === '\\' && quote !== "'") {
      if (i + 1 === chars.length) continue;
      word += ch;
      i++;
      word += chars[i] as string;
      continue;
    }
    word += ch;
  }
  if (inWord && (blankOk || word.length > 0)) words.push(word);
  return words;
}

/** Thrown for `[...]` whose items are not all strings; any other non-JSON is shell form. */
export const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

/**
 * The first JSON value of `rest` when it is an array of strings (what follows it is ignored,
 * as Go's decoder does); undefined when `rest` is not JSON (then it is shell form).
 */
export function parseJsonArray(rest: string): string[] | undefined {
  const text = rest.trimStart();
  if (!text.startsWith('[')) return undefined;
  let depth = 0;
  let inString = false;
  let end = -1;
  for (let i = 0; i < text.length && end < 0; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) end = i + 1;
    }
  }
  if (end < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(0, end));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  if (!value.every((v) => typeof v === 'string')) throw new InstructionError(NOT_STRING_ARRAY);
  return value as string[];
}

/** Looks a name up in a Docker env list (`K=V` strings; the last one wins). */
export function envLookup(env: readonly string[], name: string): string | undefined {
  let found: string | undefined;
  for (const entry of env) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (key === name) found = eq < 0 ? '' : entry.slice(eq + 1);
  }
  return found;
}

interface Piece {
  text: string;
  /** True when the text came from an unquoted variable (it may split into words). */
  splittable: boolean;
  /** True for a literal unquoted space (a word break). */
  space: boolean;
}

class WordLexer {
  private pos = 0;
  private readonly chars: string[];

  constructor(text: string, private readonly env: readonly string[]) {
    this.chars = Array.from(text);
  }

  private peek(): string | undefined {
    return this.chars[this.pos];
  }

  private next(): string | undefined {
    return this.chars[this.pos++];
  }

  /** Lexes until `stop` (unquoted, not consumed) or the end. */
  pieces(stop?: string): Piece[] {
    const out: Piece[] = [];
    const lit = (text: string): void => void out.push({ text, splittable: false, space: false });
    for (;;) {
      const ch = this.peek();
      if (ch === undefined || ch === stop) return out;
      if (ch === "'") {
        this.next();
        lit(this.singleQuoted());
      } else if (ch === '"') {
        this.next();
        lit(this.doubleQuoted());
      } else if (ch === '$') {
        out.push({ text: this.dollar(), splittable: true, space: false });
      } else {
        this.next();
        if (ch === '\\') {
          const escaped = this.next();
          if (escaped !== undefined) lit(escaped);
        } else if (isSpace(ch)) {
          out.push({ text: ch, splittable: false, space: true });
        } else {
          lit(ch);
        }
      }
    }
  }

  private singleQuoted(): string {
    let text = '';
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new InstructionError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return text;
      text += ch;
    }
  }

  private doubleQuoted(): string {
    let text = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new InstructionError('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') {
        this.next();
        return text;
      }
      if (ch === '$') {
        text += this.dollar();
        continue;
      }
      this.next();
      if (ch === '\\') {
        const after = this.peek();
        if (after === undefined) continue;
        if (after === '"' || after === '$' || after === '\\') {
          text += this.next() as string;
          continue;
        }
      }
      text += ch;
    }
  }

  private name(): string {
    let name = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined || !/[A-Za-z0-9_]/.test(ch)) return name;
      name += ch;
      this.next();
      if (name.length === 1 && /[0-9]/.test(ch)) return name;
    }
  }

  /** At a `$`: the expansion's text. */
  private dollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.name();
      if (name === '') return '$';
      return envLookup(this.env, name) ?? '';
    }
    this.next();
    const name = this.name();
    if (name === '') throw new InstructionError('syntax error: bad substitution');
    const ch = this.next();
    if (ch === undefined) throw new InstructionError('missing \':\' in substitution');
    const value = envLookup(this.env, name);
    if (ch === '}') return value ?? '';
    let modifier = ch ?? '';
    if (ch === ':') modifier += this.next() ?? '';
    const word = this.pieces('}').map((p) => p.text).join('');
    if (this.next() !== '}') throw new InstructionError('syntax error: missing \'}\'');
    const colon = modifier.startsWith(':');
    const set = value !== undefined && (!colon || value !== '');
    switch (colon ? modifier.slice(1) : modifier) {
      case '-':
        return set ? (value as string) : word;
      case '+':
        return set ? word : '';
      case '?':
        if (!set) throw new InstructionError(`${name}: ${word === '' ? 'is not allowed to be unset' : word}`);
        return value as string;
      default:
        throw new InstructionError(`unsupported modifier (${colon ? modifier.slice(1) : modifier}) in substitution`);
    }
  }
}

/** Expands one word: quotes removed, escapes applied, variables substituted; spaces kept. */
export function processWord(word: string, env: readonly string[]): string {
  return new WordLexer(word, env)
    .pieces()
    .map((p) => p.text)
    .join('');
}

/** Expands and splits into words: unquoted spaces, and spaces inside unquoted variables, split. */
export function processWords(text: string, env: readonly string[]): string[] {
  const words: string[] = [];
  let current = '';
  let started = false;
  const flush = (): void => {
    if (started) words.push(current);
    current = '';
    started = false;
  };
  for (const piece of new WordLexer(text, env).pieces()) {
    if (piece.space) {
      flush();
    } else if (piece.splittable) {
      const parts = piece.text.split(/\s+/u);
      parts.forEach((part, i) => {
        if (i > 0) flush();
        if (part !== '') {
          current += part;
          started = true;
        }
      });
    } else {
      current += piece.text;
      started = true;
    }
  }
  flush();
  return words;
}
