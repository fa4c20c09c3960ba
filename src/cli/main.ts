/**
 * Entry point: global flags, command dispatch, and the one place that turns errors into exit
 * codes. Command modules are imported on demand so `berth images` loads only what it needs.
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { BerthError } from '../internal/errors.js';
import { limitsFromEnv } from '../internal/limits.js';
import { formatFlagHelp, parseArgs, type FlagSpec } from './argv.js';
import type { CommandContext, CommandSpec } from './command.js';
import { VERSION } from './version-info.js';
import { reportError } from './report-error.js';
import { Store } from '../store/store.js';


interface Entry {
  summary: string;
  load: () => Promise<{ spec: CommandSpec }>;
}

const TOP: Record<string, Entry> = {
  run: { summary: 'Create and run a new container from an image', load: () => import('./commands/run.js') },
  create: { summary: 'Create a new container', load: () => import('./commands/create.js') },
  start: { summary: 'Start one or more stopped containers', load: () => import('./commands/start.js') },
  attach: { summary: 'Attach local standard input, output, and error streams to a running container', load: () => import('./commands/attach.js') },
  exec: { summary: 'Execute a command in a running container', load: () => import('./commands/exec.js') },
  stop: { summary: 'Stop one or more running containers', load: () => import('./commands/stop.js') },
  restart: { summary: 'Restart one or more containers', load: () => import('./commands/restart.js') },
  kill: { summary: 'Kill one or more running containers', load: () => import('./commands/kill.js') },
  rename: { summary: 'Rename a container', load: () => import('./commands/rename.js') },
  top: { summary: 'Display the running processes of a container', load: () => import('./commands/top.js') },
  stats: { summary: "Display a live stream of container(s) resource usage statistics", load: () => import('./commands/stats.js') },
  pause: { summary: 'Pause all processes within one or more containers', load: () => import('./commands/pause.js') },
  unpause: { summary: 'Unpause all processes within one or more containers', load: () => import('./commands/pause.js').then((m) => ({ spec: m.unpauseSpec })) },
  wait: { summary: 'Block until one or more containers stop, then print their exit codes', load: () => import('./commands/wait.js') },
  logs: { summary: 'Fetch the logs of a container', load: () => import('./commands/logs.js') },
  ps: { summary: 'List containers', load: () => import('./commands/ps.js') },
  rm: { summary: 'Remove one or more containers', load: () => import('./commands/rm.js') },
  commit: { summary: "Create a new image from a container's changes", load: () => import('./commands/commit.js') },
  diff: { summary: "Inspect changes to files or directories on a container's filesystem", load: () => import('./commands/diff.js') },
  images: { summary: 'List images', load: () => import('./commands/images.js') },
  load: { summary: 'Load images from a tar archive or STDIN', load: () => import('./commands/load.js') },
  save: { summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)', load: () => import('./commands/save.js') },
  export: { summary: "Export a container's filesystem as a tar archive", load: () => import('./commands/export.js') },
  import: { summary: 'Import the contents from a tarball to create a filesystem image', load: () => import('./commands/import.js') },
  history: { summary: 'Show the history of an image', load: () => import('./commands/history.js') },
  inspect: { summary: 'Return low-level information on containers and images', load: () => import('./commands/inspect.js') },
  tag: { summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', load: () => import('./commands/tag.js') },
  rmi: { summary: 'Remove one or more images', load: () => import('./commands/rmi.js') },
  version: { summary: 'Show the Berth version information', load: () => import('./commands/version.js') },
};

const IMAGE_SUB: Record<string, Entry> = {
  ls: TOP.images!,
  list: TOP.images!,
  load: TOP.load!,
  save: TOP.save!,
  import: TOP.import!,
  history: TOP.history!,
  inspect: { summary: 'Display detailed information on one or more images', load: () => import('./commands/inspect.js').then((m) => ({ spec: m.imageSpec })) },
  tag: TOP.tag!,
  rm: TOP.rmi!,
  prune: { summary: 'Remove unused images and the blobs only they used', load: () => import('./commands/image-prune.js') },
};

const CONTAINER_SUB: Record<string, Entry> = {
  ls: TOP.ps!,
  list: TOP.ps!,
  ps: TOP.ps!,
  run: TOP.run!,
  create: TOP.create!,
  start: TOP.start!,
  attach: TOP.attach!,
  exec: TOP.exec!,
  stop: TOP.stop!,
  restart: TOP.restart!,
  kill: TOP.kill!,
  rename: TOP.rename!,
  top: TOP.top!,
  stats: TOP.stats!,
  pause: TOP.pause!,
  unpause: TOP.unpause!,
  wait: TOP.wait!,
  logs: TOP.logs!,
  rm: TOP.rm!,
  export: TOP.export!,
  commit: TOP.commit!,
  diff: TOP.diff!,
  inspect: { summary: 'Display detailed information on one or more containers', load: () => import('./commands/inspect.js').then((m) => ({ spec: m.containerSpec })) },
  prune: { summary: 'Remove all stopped containers', load: () => import('./commands/container-prune.js') },
};

const SYSTEM_SUB: Record<string, Entry> = {
  check: { summary: 'Verify the store (blobs, references, leftovers) and optionally repair it', load: () => import('./commands/system-check.js') },
  df: { summary: 'Show Berth disk usage', load: () => import('./commands/system-df.js') },
  prune: { summary: 'Remove stopped containers and unused images', load: () => import('./commands/system-prune.js') },
};

/** Commands berth runs for itself (conmon's exit command); not listed in help. */
const HIDDEN_CONTAINER_SUB: Record<string, Entry> = {
  cleanup: { summary: '', load: () => import('./commands/container-cleanup.js') },
};

const GLOBAL_FLAGS: FlagSpec[] = [
  { long: 'root', type: 'string', description: 'Store directory (default /var/lib/berth as root, else $XDG_DATA_HOME/berth; env BERTH_ROOT)', valueName: 'DIR' },
  { long: 'debug', short: 'D', type: 'bool', description: 'Print stack traces and causes of errors' },
  { long: 'help', short: 'h', type: 'bool', description: 'Print usage' },
  { long: 'version', short: 'v', type: 'bool', description: 'Print version information and quit' },
];

/** Default store root: /var/lib/berth for root, else under XDG_DATA_HOME (or ~/.local/share). */
export async function defaultRoot(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.BERTH_ROOT !== undefined && env.BERTH_ROOT !== '') return resolve(env.BERTH_ROOT);
  if (process.getuid?.() === 0) return '/var/lib/berth';
  if (env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== '') return join(env.XDG_DATA_HOME, 'berth');
  // node:os only when HOME is unset; required, not imported: the bundle runs in a vm.Script, which has no dynamic import of builtins.
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : (createRequire(import.meta.url)('node:os') as typeof import('node:os')).homedir();
  return join(home, '.local', 'share', 'berth');
}

function mainHelp(): string {
  const list = (table: Record<string, Entry>): string => Object.entries(table).map(([n, e]) => `  ${n.padEnd(10)}${e.summary}`).join('\n');
  return `
Usage:  berth [OPTIONS] COMMAND

A Docker-compatible container and image engine, without a daemon

Commands:
${list(TOP)}

Management Commands:
  container Manage containers
  image     Manage images
  system    Manage Berth's store

Global Options:
${formatFlagHelp(GLOBAL_FLAGS)}

Run 'berth COMMAND --help' for more information on a command.
`;
}

function groupHelp(group: string, what: string, table: Record<string, Entry>): string {
  return `
Usage:  berth ${group} COMMAND

Manage ${what}

Commands:
${Object.entries(table).map(([n, e]) => `  ${n.padEnd(10)}${e.summary}`).join('\n')}

Run 'berth ${group} COMMAND --help' for more information on a command.
`;
}

const GROUPS: Record<string, { what: string; table: Record<string, Entry>; hidden?: Record<string, Entry> }> = {
  image: { what: 'images', table: IMAGE_SUB },
  container: { what: 'containers', table: CONTAINER_SUB, hidden: HIDDEN_CONTAINER_SUB },
  system: { what: "Berth's store", table: SYSTEM_SUB },
};

function commandHelp(path: string, spec: CommandSpec): string {
  return `
Usage:  ${path} ${spec.usage}

${spec.description}

Options:
${formatFlagHelp(spec.flags)}
`;
}

/** Splits argv into global flags (before the command) and the rest. */
function splitGlobal(argv: string[]): { global: string[]; rest: string[] } {
  const global: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '-' || a === '--') break;
    global.push(a);
    if ((a === '--root') && i + 1 < argv.length) global.push(argv[++i]!);
    i++;
  }
  return { global, rest: argv.slice(i) };
}

export async function main(argv: string[]): Promise<number> {
  const env = process.env;
  // The one place the store is opened (by the command, when it first asks) and closed.
  let store: Store | undefined;
  let debug = env.BERTH_DEBUG === '1';
  try {
    const { global, rest } = splitGlobal(argv);
    const g = parseArgs(global, GLOBAL_FLAGS, 'berth');
    debug ||= g.flags.debug === true;
    if (g.flags.version === true) {
      process.stdout.write(`Berth version ${VERSION}\n`);
      return 0;
    }
    let name = rest[0];
    if (name === undefined || g.flags.help === true || name === 'help') {
      process.stdout.write(mainHelp());
      return 0;
    }
    let entry: Entry | undefined;
    let path = `berth ${name}`;
    let args = rest.slice(1);
    const group = GROUPS[name];
    if (group !== undefined) {
      const sub = rest[1];
      if (sub === undefined || sub === '--help' || sub === '-h') {
        process.stdout.write(groupHelp(name, group.what, group.table));
        return 0;
      }
      entry = group.table[sub] ?? group.hidden?.[sub];
      const groupName = name;
      if (entry === undefined) return unknownCommand(`berth ${name} ${sub}`, `berth ${name}`, rest.slice(sub.startsWith('-') ? 1 : 2), [], () => groupHelp(groupName, group.what, group.table));
      path = `berth ${name} ${sub}`;
      args = rest.slice(2);
      name = sub;
    } else {
      entry = TOP[name];
      if (entry === undefined) return unknownCommand(`berth ${name}`, 'berth', rest.slice(1), GLOBAL_FLAGS, mainHelp);
    }
    const { spec } = await entry.load();
    // -h is help unless the command uses it (run and create take -h for the hostname, as in Docker).
    const help: FlagSpec = spec.flags.some((f) => f.short === 'h') ? { long: 'help', type: 'bool', description: 'Print usage' } : { long: 'help', short: 'h', type: 'bool', description: 'Print usage' };
    const parsed = parseArgs(args, [...spec.flags, help], path, spec.interspersed ?? true);
    if (parsed.flags.help === true) {
      process.stdout.write(commandHelp(path, spec));
      return 0;
    }
    checkArgCount(path, spec, parsed.args.length);
    const rootFlag = typeof g.flags.root === 'string' ? resolve(g.flags.root) : undefined;
    const root = rootFlag ?? (await defaultRoot(env));
    const ctx: CommandContext = {
      root,
      limits: limitsFromEnv(env),
      env,
      stdout: process.stdout,
      // Getters: creating process.stdin/stderr on a pipe loads Node's socket code, which most runs never need.
      get stderr() {
        return process.stderr;
      },
      get stdin() {
        return process.stdin;
      },
      commandPath: path,
      store: () => (store ??= Store.open(root)),
      existingStore: () => (store ??= Store.openExisting(root)),
    };
    try {
      const code = await spec.run(ctx, parsed.flags, parsed.args);
      return typeof code === 'number' ? code : 0;
    } finally {
      store?.close();
    }
  } catch (err) {
    return reportError(err, debug);
  }
}

/**
 * An unknown command, as Docker's CLI takes one: the flags after it are parsed first (an
 * unknown flag is a usage error, exit 125; --help prints the help), then the command is
 * refused with exit 1.
 */
function unknownCommand(path: string, parent: string, args: string[], flags: FlagSpec[], help: () => string): number {
  const helpFlag: FlagSpec = { long: 'help', short: 'h', type: 'bool', description: 'Print usage' };
  const parsed = parseArgs(args, flags.some((f) => f.long === 'help') ? flags : [...flags, helpFlag], parent);
  if (parsed.flags.help === true) {
    process.stdout.write(help());
    return 0;
  }
  throw new BerthError('invalid_argument', 'UNKNOWN_COMMAND', `unknown command: ${path}`, { hint: `Run '${parent} --help' for more information` });
}

function checkArgCount(path: string, spec: CommandSpec, n: number): void {
  const { min, max } = spec.args;
  let problem: string | undefined;
  if (max === 0 && n > 0) problem = 'accepts no arguments';
  else if (max !== undefined && min === max && n !== min) problem = `requires exactly ${min} argument${min === 1 ? '' : 's'}`;
  else if (n < min) problem = `requires at least ${min} argument${min === 1 ? '' : 's'}`;
  else if (max !== undefined && n > max) problem = max === 0 ? 'accepts no arguments' : `accepts at most ${max} argument${max === 1 ? '' : 's'}`;
  if (problem !== undefined) {
    throw new BerthError('invalid_argument', 'USAGE_ARGS', `"${path}" ${problem}.`, { hint: `See '${path} --help'.\n\nUsage:  ${path} ${spec.usage}\n\n${spec.description}` });
  }
}

// A reader that goes away (`berth images | head -1`) is not a crash: listing commands end
// quietly as with Docker, and `save` reports the truncated archive itself (OUTPUT_CLOSED).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (err: unknown) => {
  process.exitCode = reportError(err, true);
});
