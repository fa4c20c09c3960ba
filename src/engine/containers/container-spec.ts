/**
 * What a container is asked to be, resolved at create time as Docker does: the command from
 * the image's Entrypoint/Cmd and the overrides, the environment, user, working directory,
 * mounts and modes. Stored as JSON with the container record; `start` builds the OCI config
 * from it.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { isAbsolute, posix } from 'node:path';
import { BerthError } from '../../internal/errors.js';
import type { ImageConfig } from '../../image/config.js';
import type { ContainerRecord } from '../../store/containers.js';
import { parseSecurityOptions, type SecurityOptions } from '../../container/runtime/seccomp-profile.js';
import { containerCapabilities, normalizeCapability } from '../../container/runtime/capabilities.js';
import { parseCpus, parseMemory, parsePidsLimit, type ResourceLimits } from './resource-limits.js';
import { normalizeSignal } from '../../container/runtime/signals.js';

export interface BindSpec {
  source: string;
  destination: string;
  readonly: boolean;
}

/** A volume the image declares (Config.Volumes): a directory of the container's own, mounted there. */
export interface AnonymousVolume {
  /** 64 hex, as Docker names anonymous volumes. */
  name: string;
  destination: string;
}

export interface ContainerSpec {
  /** The process: argv[0] and the rest (Docker's Path and Args). */
  args: string[];
  /** Entrypoint and Cmd as they ended up (for inspect and commit). */
  entrypoint: string[] | null;
  cmd: string[] | null;
  env: string[];
  /**
   * The environment as Docker records it in the container's Config: the image's and the -e
   * values only, without what the runtime adds (HOSTNAME, TERM, a default PATH). Absent in
   * containers created by older Berth versions.
   */
  configEnv?: string[];
  workdir: string;
  user: string;
  hostname: string;
  tty: boolean;
  openStdin: boolean;
  autoRemove: boolean;
  readonlyRootfs: boolean;
  network: 'none' | 'host';
  binds: BindSpec[];
  /** The image's VOLUMEs not covered by a -v; absent in containers of older Berth versions. */
  anonymousVolumes?: AnonymousVolume[];
  /** Runtime binary path. */
  runtime: string;
  stopSignal: string;
  /** --security-opt as given (for inspect); absent in containers of older Berth versions. */
  securityOpt?: string[];
  /** 'default' (Berth's profile), 'unconfined', or the user's profile; absent means 'default'. */
  seccomp?: SecurityOptions['seccomp'];
  noNewPrivileges?: boolean;
  /** --cap-add and --cap-drop, normalized (CAP_X, or ALL); absent in containers of older Berth versions. */
  capAdd?: string[];
  capDrop?: string[];
  /** -m, --cpus, --pids-limit; absent (no limits) in containers of older Berth versions. */
  limits?: ResourceLimits;
  /** --label and --label-file, over the image's labels. */
  labels?: Record<string, string>;
  /** --init: a tini runs the command as PID 1 (reaps zombies, passes signals on). */
  init?: boolean;
  /** --stop-signal was given (Docker's Config then records it even where the image has none). */
  stopSignalSet?: boolean;
  /** --stop-timeout: seconds `stop` waits by default. */
  stopTimeout?: number;
  /** --tmpfs: a tmpfs at each destination, with its mount options (Docker's HostConfig.Tmpfs). */
  tmpfs?: Record<string, string>;
}

export interface CreateRequest {
  command: string[];
  entrypoint: string | undefined;
  env: string[];
  workdir: string | undefined;
  user: string | undefined;
  hostname: string | undefined;
  tty: boolean;
  openStdin: boolean;
  autoRemove: boolean;
  readonlyRootfs: boolean;
  network: 'none' | 'host';
  volumes: string[];
  runtime: string;
  /** --security-opt values, as given. */
  securityOpt: string[];
  /** --cap-add and --cap-drop, as given. */
  capAdd?: string[];
  capDrop?: string[];
  /** -m, --cpus, --pids-limit, as given. */
  memory?: string | undefined;
  cpus?: string | undefined;
  pidsLimit?: string | undefined;
  /** --label values then --label-file lines, as given (KEY=VALUE, or KEY for an empty value). */
  labels?: string[];
  init?: boolean;
  stopSignal?: string | undefined;
  stopTimeout?: string | undefined;
  /** --tmpfs values, as given (PATH or PATH:OPTIONS). */
  tmpfs?: string[];
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function stringList(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : null;
}

/** A 64-hex container ID whose short form is never all digits (Docker's rule: it could be mistaken for a number). */
export function newContainerId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    if (!/^\d+$/.test(id.slice(0, 12))) return id;
  }
}

const ADJECTIVES = ['calm', 'brisk', 'salty', 'steady', 'quiet', 'bright', 'swift', 'sturdy', 'tidal', 'misty', 'sunny', 'gentle', 'bold', 'keen', 'lucky', 'merry', 'nimble', 'proud', 'silver', 'amber'];
const NOUNS = ['anchor', 'harbor', 'mooring', 'keel', 'hull', 'jetty', 'quay', 'buoy', 'rudder', 'mast', 'pier', 'dock', 'helm', 'compass', 'beacon', 'ferry', 'lantern', 'cargo', 'capstan', 'bollard'];

/** A readable random name, like Docker's: adjective_noun, with a number once those run out. */
export function newContainerName(taken: (name: string) => boolean): string {
  for (let attempt = 0; ; attempt++) {
    const a = ADJECTIVES[randomBytes(1)[0]! % ADJECTIVES.length]!;
    const n = NOUNS[randomBytes(1)[0]! % NOUNS.length]!;
    const name = attempt < 10 ? `${a}_${n}` : `${a}_${n}${attempt}`;
    if (!taken(name)) return name;
  }
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function checkName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_RE.test(bare)) {
    throw new BerthError('invalid_argument', 'CONTAINER_NAME_INVALID', `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return bare;
}

function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

/**
 * The container's Env as Docker records it: the -e values in the order given, then the image's
 * entries whose key none of them set (the daemon's merge of the run config with the image's).
 */
export function containerEnv(imageEnv: readonly string[], userEnv: readonly string[]): string[] {
  const userKeys = new Set(userEnv.map(envKey));
  return [...userEnv, ...imageEnv.filter((e) => !userKeys.has(envKey(e)))];
}

/** Later entries replace earlier ones with the same key, in place (Docker's ReplaceOrAppendEnvValues). */
export function mergeEnv(base: string[], overrides: string[]): string[] {
  const out = [...base];
  for (const entry of overrides) {
    const key = envKey(entry);
    const at = out.findIndex((e) => envKey(e) === key);
    if (at >= 0) out[at] = entry;
    else out.push(entry);
  }
  return out;
}

/** A path cleaned as Docker cleans mount destinations: "/data/" is "/data", "/x/.." is "/". */
function cleanPath(path: string): string {
  return posix.normalize(path).replace(/(.)\/$/, '$1');
}

/**
 * The image's Config.Volumes as anonymous volumes, one per destination no -v covers. The paths
 * come from the image and are not trusted: each is cleaned as a path from the root ("data" and
 * "/x/../../data" are "/data"), so it can only name a place inside the container; the root
 * itself cannot be a volume and is skipped.
 */
function anonymousVolumes(declared: unknown, binds: readonly BindSpec[]): AnonymousVolume[] {
  if (typeof declared !== 'object' || declared === null || Array.isArray(declared)) return [];
  const taken = new Set(binds.map((b) => b.destination));
  const out: AnonymousVolume[] = [];
  for (const key of Object.keys(declared).sort()) {
    const destination = cleanPath(`/${key}`);
    if (destination === '/' || taken.has(destination)) continue;
    taken.add(destination);
    out.push({ name: randomBytes(32).toString('hex'), destination });
  }
  return out;
}

function parseVolume(spec: string): BindSpec {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) throw new BerthError('invalid_argument', 'VOLUME_INVALID', `invalid volume specification: '${spec}'`, { hint: 'Use -v /host/path:/container/path[:ro]' });
  const [source, rawDestination, mode = 'rw'] = parts as [string, string, string?];
  // Cleaned as Docker does ("/data/" is "/data"; "/x/.." is "/", refused below).
  const destination = rawDestination === '' ? '' : cleanPath(rawDestination);
  if (!isAbsolute(source)) {
    throw new BerthError('unsupported', 'VOLUME_UNSUPPORTED', `invalid volume specification: '${spec}': named volumes are not supported, the source must be an absolute host path`);
  }
  if (!isAbsolute(destination)) throw new BerthError('invalid_argument', 'VOLUME_INVALID', `invalid volume specification: '${spec}': the container path must be absolute`);
  if (destination === '/') throw new BerthError('invalid_argument', 'VOLUME_INVALID', `invalid volume specification: '${spec}': cannot mount over /`);
  if (mode !== 'ro' && mode !== 'rw') throw new BerthError('invalid_argument', 'VOLUME_INVALID', `invalid mode: ${mode}`);
  return { source, destination, readonly: mode === 'ro' };
}

/** Resolves a create request against the image config. `id` gives the default hostname. */
export function buildContainerSpec(id: string, image: ImageConfig, req: CreateRequest): ContainerSpec {
  const cfg = (image.config ?? {}) as Record<string, unknown>;
  const security = parseSecurityOptions(req.securityOpt);
  if (req.stopSignal !== undefined) checkStopSignal(req.stopSignal);
  const capAdd = (req.capAdd ?? []).map((c) => normalizeCapability(c, 'cap-add'));
  const capDrop = (req.capDrop ?? []).map((c) => normalizeCapability(c, 'cap-drop'));
  const limits: ResourceLimits = {
    memory: req.memory === undefined ? 0 : parseMemory(req.memory),
    nanoCpus: req.cpus === undefined ? 0 : parseCpus(req.cpus),
    pidsLimit: req.pidsLimit === undefined ? 0 : parsePidsLimit(req.pidsLimit),
  };
  let entrypoint: string[] | null;
  let cmd: string[] | null;
  if (req.entrypoint !== undefined) {
    // --entrypoint replaces the image's entrypoint and drops its Cmd, as in Docker.
    entrypoint = req.entrypoint === '' ? null : [req.entrypoint];
    cmd = req.command.length > 0 ? req.command : null;
  } else {
    entrypoint = stringList(cfg.Entrypoint);
    cmd = req.command.length > 0 ? req.command : stringList(cfg.Cmd);
  }
  const args = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (args.length === 0) {
    throw new BerthError('invalid_argument', 'NO_COMMAND', 'No command specified', {
      hint: 'The image has no CMD or ENTRYPOINT (an imported image keeps none): give a command after the image name',
    });
  }
  const workdir = req.workdir ?? (typeof cfg.WorkingDir === 'string' && cfg.WorkingDir !== '' ? cfg.WorkingDir : '/');
  if (!workdir.startsWith('/')) {
    throw new BerthError('invalid_argument', 'WORKDIR_INVALID', `the working directory '${workdir}' is invalid, it needs to be an absolute path`);
  }
  const hostname = req.hostname ?? id.slice(0, 12);
  const binds = req.volumes.map(parseVolume);
  const imageEnv = stringList(cfg.Env) ?? [];
  // A bare KEY (an -e the host did not define, or one in the image) is dropped.
  const configEnv = containerEnv(imageEnv, req.env).filter((e) => e.includes('='));
  const env = mergeEnv([`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`, ...(req.tty ? ['TERM=xterm'] : [])], configEnv);
  return {
    args,
    entrypoint,
    cmd,
    env,
    configEnv,
    workdir,
    user: req.user ?? (typeof cfg.User === 'string' ? cfg.User : ''),
    hostname,
    tty: req.tty,
    openStdin: req.openStdin,
    autoRemove: req.autoRemove,
    readonlyRootfs: req.readonlyRootfs,
    network: req.network,
    binds,
    anonymousVolumes: anonymousVolumes(cfg.Volumes, binds),
    runtime: req.runtime,
    stopSignal: req.stopSignal ?? (typeof cfg.StopSignal === 'string' && cfg.StopSignal !== '' ? cfg.StopSignal : 'SIGTERM'),
    securityOpt: req.securityOpt,
    seccomp: security.seccomp,
    noNewPrivileges: security.noNewPrivileges,
    capAdd,
    capDrop,
    limits,
    labels: parseLabels(req.labels ?? []),
    init: req.init === true,
    ...(req.stopSignal === undefined ? {} : { stopSignalSet: true }),
    ...(req.stopTimeout === undefined ? {} : { stopTimeout: parseStopTimeout(req.stopTimeout) }),
    tmpfs: parseTmpfs(req.tmpfs ?? []),
  };
}

/** A signal the kernel has: a name (with or without SIG, any case), RTMIN+n/RTMAX-n, or 1 to 64. */
function checkStopSignal(text: string): void {
  const name = normalizeSignal(text);
  const known = /^\d+$/.test(name) ? Number(name) >= 1 && Number(name) <= 64 : `SIG${name}` in constants.signals || /^RTM(IN|AX)([+-]\d+)?$/.test(name);
  if (!known) throw new BerthError('invalid_argument', 'SIGNAL_INVALID', `Invalid signal: ${text}`);
}

function parseStopTimeout(text: string): number {
  if (!/^-?\d+$/.test(text.trim())) {
    throw new BerthError('usage', 'STOP_TIMEOUT_INVALID', `invalid argument ${JSON.stringify(text)} for "--stop-timeout" flag: not an integer`);
  }
  return Math.max(0, Number(text));
}

/** "/run:size=1m" -> { "/run": "size=1m" }; the path absolute, not "/", each once. */
export function parseTmpfs(entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const path = colon < 0 ? entry : entry.slice(0, colon);
    const options = colon < 0 ? '' : entry.slice(colon + 1);
    // Cleaned as -v destinations are ("/run/" is "/run"; "/x/.." is "/", refused).
    const clean = cleanPath(path);
    if (!isAbsolute(clean) || clean === '/') {
      throw new BerthError('invalid_argument', 'TMPFS_INVALID', `invalid mount config for type "tmpfs": invalid mount path: '${path}' (an absolute path other than / is needed)`);
    }
    if (clean in out) throw new BerthError('invalid_argument', 'TMPFS_INVALID', `Duplicate mount point: ${clean}`);
    out[clean] = options;
  }
  return out;
}

/** KEY=VALUE (or a bare KEY, whose value is empty) into a map; a later KEY wins, as in Docker. */
export function parseLabels(entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    // A flag error, as Docker's CLI reports it (exit 125).
    if (key === '') throw new BerthError('usage', 'LABEL_INVALID', `invalid argument "${entry}" for "-l, --label" flag: invalid label '${entry}': empty name`);
    out[key] = eq < 0 ? '' : entry.slice(eq + 1);
  }
  return out;
}

/** The container's capability set (Docker's defaults for containers of older Berth versions). */
export function capabilitiesOf(spec: ContainerSpec): string[] {
  return containerCapabilities(spec.capAdd ?? [], spec.capDrop ?? []);
}

/** The spec a container was created with (kept as JSON in its record). */
export function specOf(record: ContainerRecord): ContainerSpec {
  return JSON.parse(record.spec) as ContainerSpec;
}
