/**
 * Docker's `--change` instructions (`import -c`, `commit -c`): Dockerfile lines that edit an
 * image config. The same eleven instructions Docker's daemon allows (CMD, ENTRYPOINT, ENV,
 * EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR), with Dockerfile
 * semantics: exec and shell forms, variable expansion from the config's Env, WORKDIR relative
 * to the previous one, ENTRYPOINT clearing a CMD not set by the same changes. Pure: no I/O.
 *
 * Every instruction is checked before any is applied; errors carry Docker's message.
 */
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { BerthError } from '../internal/errors.js';
import {
  extractFlags,
  InstructionError,
  parseFlags,
  parseJsonArray,
  processWord as expandWord,
  processWords as expandWords,
  splitWords,
} from './dockerfile-words.js';

/** Expands a word as Docker's builder does, its errors worded as Docker's. */
function processWord(word: string, env: readonly string[]): string {
  try {
    return expandWord(word, env);
  } catch (err) {
    if (!(err instanceof InstructionError)) throw err;
    throw new InstructionError(`failed to process ${JSON.stringify(word)}: ${(err as Error).message}`);
  }
}

function processWords(word: string, env: readonly string[]): string[] {
  try {
    return expandWords(word, env);
  } catch (err) {
    if (!(err instanceof InstructionError)) throw err;
    throw new InstructionError(`failed to process ${JSON.stringify(word)}: ${(err as Error).message}`);
  }
}

export type ChangeVerb = 'import' | 'commit';

export const CHANGE_COMMANDS = [
  'cmd',
  'entrypoint',
  'env',
  'expose',
  'healthcheck',
  'label',
  'onbuild',
  'stopsignal',
  'user',
  'volume',
  'workdir',
] as const;

const DEFAULT_SHELL = ['/bin/sh', '-c'];
const MIN_HEALTH_DURATION_NS = 1_000_000n;

interface Instruction {
  /** The instruction word, lower case. */
  name: string;
  flags: string[];
  /** The arguments after the flags, trimmed. */
  rest: string;
  /** The whole line, leading blanks removed (ONBUILD keeps its trigger as written). */
  line: string;
}

function changeError(verb: ChangeVerb, message: string, cause?: unknown): BerthError {
  return new BerthError('invalid_argument', 'CHANGE_INVALID', message, {
    hint: `berth ${verb} --change takes a Dockerfile instruction: ${CHANGE_COMMANDS.map((c) => c.toUpperCase()).join(', ')}`,
    cause,
  });
}

/** Splits the changes into instruction lines, as Docker does (joined by newlines). */
function parseLines(instructions: string[], verb: ChangeVerb): Instruction[] {
  const out: Instruction[] = [];
  for (const raw of instructions.join('\n').split('\n')) {
    // Trailing blanks are dropped from arguments, but ONBUILD keeps its trigger as written.
    const line = raw.trimStart();
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = /^(\S+)\s*([\s\S]*)$/u.exec(line);
    const word = (match?.[1] ?? line).toLowerCase();
    if (!(CHANGE_COMMANDS as readonly string[]).includes(word)) throw changeError(verb, `${word} is not a valid change command`);
    const { flags, rest } = extractFlags(match?.[2] ?? '');
    out.push({ name: word, flags, rest: rest.trim(), line });
  }
  return out;
}

interface State {
  config: Record<string, unknown>;
  /** A CMD with arguments was given by these changes (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
}

function envOf(config: Record<string, unknown>): string[] {
  return Array.isArray(config.Env) ? (config.Env as unknown[]).filter((e): e is string => typeof e === 'string') : [];
}

function noFlags(ins: Instruction): void {
  parseFlags(ins.flags, []);
}

function atLeastOne(ins: Instruction): void {
  if (ins.rest === '') throw new InstructionError(`${ins.name.toUpperCase()} requires at least one argument`);
}

function exactlyOne(ins: Instruction): void {
  if (ins.rest === '') throw new InstructionError(`${ins.name.toUpperCase()} requires exactly one argument`);
}

/** CMD / ENTRYPOINT / HEALTHCHECK CMD arguments: exec form, or shell form behind the config's shell. */
function commandLine(rest: string, config: Record<string, unknown>, emptyAsNull: boolean): string[] | null {
  const json = parseJsonArray(rest);
  if (json !== undefined) return json;
  if (rest === '' && emptyAsNull) return null;
  const shell = Array.isArray(config.Shell) && config.Shell.length > 0 ? (config.Shell as string[]) : DEFAULT_SHELL;
  return rest === '' ? [...shell] : [...shell, rest];
}

/** name=value pairs (ENV, LABEL), or the legacy `NAME value` form. */
function keyValues(ins: Instruction, env: readonly string[]): Array<[string, string]> {
  const label = ins.name.toUpperCase();
  const words = splitWords(ins.rest);
  if (words.length === 0) throw new InstructionError(`${label} requires at least one argument`);
  const pairs: Array<[string, string]> = [];
  if (!(words[0] as string).includes('=')) {
    const parts = /^(\S+)\s+([\s\S]+)$/u.exec(ins.rest);
    if (parts === null) throw new InstructionError(`${label} must have two arguments`);
    pairs.push([parts[1] as string, parts[2] as string]);
  } else {
    for (const word of words) {
      const eq = word.indexOf('=');
      if (eq < 0) throw new InstructionError(`Syntax error - can't find = in ${JSON.stringify(word)}. Must be of the form: name=value`);
      pairs.push([word.slice(0, eq), word.slice(eq + 1)]);
    }
  }
  return pairs.map(([k, v]) => {
    const key = processWord(k, env);
    if (key === '') throw new InstructionError(`${label} names can not be blank`);
    return [key, processWord(v, env)];
  });
}

/** A port spec of EXPOSE (`80`, `80/udp`, `8000-8010`, `ip:host:80/tcp`) as its port keys. */
function portKeys(spec: string): string[] {
  const parts = spec.split(':');
  let container = parts[parts.length - 1] as string;
  const hostPort = parts.length >= 2 ? (parts[parts.length - 2] as string) : '';
  const ip = parts.length >= 3 ? parts.slice(0, -2).join(':').replace(/^\[(.*)\]$/, '$1') : '';
  if (ip !== '' && isIP(ip) === 0) throw new InstructionError(`Invalid ip address: ${ip}`);
  const hostRange = /^(\d+)(?:-(\d+))?$/.exec(hostPort);
  if (hostPort !== '' && (hostRange === null || Number(hostRange[1]) > 65535 || Number(hostRange[2] ?? 0) > 65535)) {
    throw new InstructionError(`Invalid hostPort: ${hostPort}`);
  }
  let proto = 'tcp';
  const slash = container.split('/');
  if (container !== '' && slash.length > 1 && slash[0] !== '') {
    if (slash[1] !== '') proto = slash[1] as string;
    container = slash[0] as string;
  }
  if (container === '') throw new InstructionError(`No port specified: ${spec}<empty>`);
  const range = /^(\d+)(?:-(\d+))?$/.exec(container);
  const start = range === null ? NaN : Number(range[1]);
  const end = range === null ? NaN : range[2] === undefined ? start : Number(range[2]);
  if (!(start <= 65535 && end <= 65535 && start <= end)) throw new InstructionError(`Invalid containerPort: ${container}`);
  proto = proto.toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new InstructionError(`Invalid proto: ${proto}`);
  const keys: string[] = [];
  for (let p = start; p <= end; p++) keys.push(`${p}/${proto}`);
  return keys;
}

const GO_UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/** Go's time.ParseDuration, in nanoseconds. */
export function parseGoDuration(text: string): bigint {
  const invalid = (): Error => new InstructionError(`time: invalid duration ${JSON.stringify(text)}`);
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s) as RegExpExecArray;
    const whole = m[1] ?? '';
    const frac = m[2];
    if (whole === '' && (frac === undefined || frac === '')) throw invalid();
    s = s.slice(m[0].length);
    const unit = /^[^\d.]*/.exec(s)?.[0] ?? '';
    if (unit === '') throw new InstructionError(`time: missing unit in duration ${JSON.stringify(text)}`);
    const factor = GO_UNITS[unit];
    if (factor === undefined) throw new InstructionError(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`);
    s = s.slice(unit.length);
    total += Number(`${whole === '' ? '0' : whole}.${frac ?? ''}0`) * Number(factor);
  }
  if (total > 2 ** 63 - 1) throw invalid();
  const ns = BigInt(Math.round(total));
  return negative ? -ns : ns;
}

function healthDuration(values: Map<string, string>, name: string): number | undefined {
  const value = values.get(name);
  if (value === undefined || value === '') return undefined;
  const ns = parseGoDuration(value);
  if (ns === 0n) return undefined;
  if (ns < MIN_HEALTH_DURATION_NS) throw new InstructionError(`Interval ${JSON.stringify(name)} cannot be less than 1ms`);
  return Number(ns);
}

function healthcheck(ins: Instruction): Record<string, unknown> {
  if (ins.rest === '') throw new InstructionError('HEALTHCHECK requires at least one argument');
  const match = /^(\S+)\s*([\s\S]*)$/u.exec(ins.rest) as RegExpExecArray;
  const type = (match[1] as string).toUpperCase();
  const args = match[2] as string;
  if (type === 'NONE') {
    if (args !== '') throw new InstructionError('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  const values = parseFlags(ins.flags, ['interval', 'timeout', 'start-period', 'start-interval', 'retries']);
  if (type !== 'CMD') throw new InstructionError(`Unknown type ${JSON.stringify(type)} in HEALTHCHECK (try CMD)`);
  const json = parseJsonArray(args);
  const command = json ?? (args === '' ? [] : [args]);
  if (command.length === 0) throw new InstructionError('Missing command after HEALTHCHECK CMD');
  const check: Record<string, unknown> = { Test: [json === undefined ? 'CMD-SHELL' : 'CMD', ...command] };
  const fields: Array<[string, string]> = [
    ['interval', 'Interval'],
    ['timeout', 'Timeout'],
    ['start-period', 'StartPeriod'],
    ['start-interval', 'StartInterval'],
  ];
  for (const [flag, field] of fields) {
    const ns = healthDuration(values, flag);
    if (ns !== undefined) check[field] = ns;
  }
  const retries = values.get('retries');
  if (retries !== undefined && retries !== '') {
    if (!/^[+-]?\d+$/.test(retries) || Math.abs(Number(retries)) > 2 ** 31 - 1) {
      throw new InstructionError(`strconv.ParseInt: parsing ${JSON.stringify(retries)}: invalid syntax`);
    }
    const n = Number(retries);
    if (n < 0) throw new InstructionError(`--retries cannot be negative (${n})`);
    if (n > 0) check.Retries = n;
  }
  return check;
}

/** Signal names Linux knows (Docker's signal map), without the SIG prefix. */
const SIGNALS = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL',
  'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'UNUSED', 'URG',
  'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
]);

function checkSignal(signal: string): void {
  if (/^\d+$/.test(signal)) {
    if (Number(signal) === 0) throw new InstructionError(`Invalid signal: ${signal}`);
    return;
  }
  const name = signal.toUpperCase().replace(/^SIG/, '');
  const rt = /^RTMIN\+(\d+)$/.exec(name) ?? /^RTMAX-(\d+)$/.exec(name);
  if (SIGNALS.has(name) || (rt !== null && Number(rt[1]) >= 1 && Number(rt[1]) <= 14)) return;
  throw new InstructionError(`Invalid signal: ${signal}`);
}

function apply(state: State, ins: Instruction): void {
  const config = state.config;
  const env = envOf(config);
  switch (ins.name) {
    case 'cmd': {
      noFlags(ins);
      const cmd = commandLine(ins.rest, config, false);
      config.Cmd = cmd;
      const json = parseJsonArray(ins.rest);
      if (json !== undefined ? json.length > 0 : ins.rest !== '') state.cmdSet = true;
      return;
    }
    case 'entrypoint': {
      noFlags(ins);
      const entrypoint = commandLine(ins.rest, config, true);
      config.Entrypoint = entrypoint !== null && entrypoint.length === 0 ? null : entrypoint;
      if (!state.cmdSet) config.Cmd = null;
      return;
    }
    case 'env': {
      noFlags(ins);
      const next = [...env];
      for (const [key, value] of keyValues(ins, env)) {
        const entry = `${key}=${value}`;
        const at = next.findIndex((e) => e.split('=', 1)[0] === key);
        if (at >= 0) next[at] = entry;
        else next.push(entry);
      }
      config.Env = next;
      return;
    }
    case 'expose': {
      noFlags(ins);
      atLeastOne(ins);
      const ports: Record<string, unknown> = { ...(isObject(config.ExposedPorts) ? config.ExposedPorts : {}) };
      for (const word of ins.rest.split(/\s+/u)) {
        for (const spec of processWords(word, env)) for (const key of portKeys(spec)) ports[key] = {};
      }
      config.ExposedPorts = ports;
      return;
    }
    case 'healthcheck':
      config.Healthcheck = healthcheck(ins);
      return;
    case 'label': {
      noFlags(ins);
      const labels: Record<string, unknown> = { ...(isObject(config.Labels) ? config.Labels : {}) };
      for (const [key, value] of keyValues(ins, env)) labels[key] = value;
      config.Labels = labels;
      return;
    }
    case 'onbuild': {
      noFlags(ins);
      atLeastOne(ins);
      const trigger = (/^\S+/u.exec(ins.rest)?.[0] ?? '').toUpperCase();
      if (trigger === 'ONBUILD') throw new InstructionError('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (trigger === 'FROM' || trigger === 'MAINTAINER') throw new InstructionError(`${trigger} isn't allowed as an ONBUILD trigger`);
      const previous = Array.isArray(config.OnBuild) ? (config.OnBuild as string[]) : [];
      config.OnBuild = [...previous, ins.line.replace(/^\s*ONBUILD\s*/iu, '')];
      return;
    }
    case 'stopsignal': {
      noFlags(ins);
      exactlyOne(ins);
      const signal = processWord(ins.rest, env);
      checkSignal(signal);
      config.StopSignal = signal;
      return;
    }
    case 'user':
      noFlags(ins);
      exactlyOne(ins);
      config.User = processWord(ins.rest, env);
      return;
    case 'volume': {
      noFlags(ins);
      atLeastOne(ins);
      const volumes: Record<string, unknown> = { ...(isObject(config.Volumes) ? config.Volumes : {}) };
      const json = parseJsonArray(ins.rest);
      const list = json ?? ins.rest.split(/\s+/u).map((w) => processWord(w, env));
      if (list.length === 0) throw new InstructionError('VOLUME requires at least one argument');
      for (const v of list) {
        const path = json === undefined ? v : processWord(v, env);
        if (path.trim() === '') throw new InstructionError('VOLUME specified can not be an empty string');
        volumes[path] = {};
      }
      config.Volumes = volumes;
      return;
    }
    case 'workdir': {
      noFlags(ins);
      exactlyOne(ins);
      const requested = processWord(ins.rest, env);
      if (requested === '') throw new InstructionError('cannot normalize nothing');
      if (requested.startsWith('/')) {
        config.WorkingDir = requested;
      } else {
        const current = typeof config.WorkingDir === 'string' ? config.WorkingDir : '';
        const joined = posix.normalize(`/${current}/${requested}`);
        config.WorkingDir = joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
      }
      return;
    }
    default:
      throw new InstructionError(`${ins.name} is not a valid change command`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Applies `--change` instructions to a Docker container config (the image's `config`) and
 * returns a new object; the input is not modified. Throws CHANGE_INVALID with Docker's message
 * for a disallowed or malformed instruction.
 */
export function applyChanges(config: Record<string, unknown>, instructions: string[], verb: ChangeVerb): Record<string, unknown> {
  const lines = parseLines(instructions, verb);
  const state: State = { config: structuredClone(config), cmdSet: false };
  for (const ins of lines) {
    try {
      apply(state, ins);
    } catch (err) {
      if (!(err instanceof InstructionError)) throw err; // a BerthError already, or a bug
      throw changeError(verb, err.message, err);
    }
  }
  return state.config;
}
