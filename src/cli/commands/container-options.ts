/** The flags `run` and `create` share, and turning them into a create request. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BerthError } from '../../internal/errors.js';
import type { FlagSpec, FlagValues } from '../argv.js';
import { flagBool, flagList, flagString, type CommandContext } from '../command.js';
import type { CreateOptions } from '../../engine/containers/create-container.js';
import { containerHost, findRuntime, lookingHost, type ContainerHost } from '../../engine/containers/container-host.js';
import type { Store } from '../../store/store.js';

export const CREATE_FLAGS: FlagSpec[] = [
  { long: 'name', type: 'string', description: 'Assign a name to the container' },
  { long: 'env', short: 'e', type: 'list', description: 'Set environment variables (KEY=VALUE, or KEY to take it from here)' },
  { long: 'env-file', type: 'list', description: 'Read in a file of environment variables' },
  { long: 'workdir', short: 'w', type: 'string', description: 'Working directory inside the container' },
  { long: 'user', short: 'u', type: 'string', description: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { long: 'entrypoint', type: 'string', description: 'Overwrite the default ENTRYPOINT of the image' },
  { long: 'hostname', short: 'h', type: 'string', description: 'Container host name' },
  { long: 'volume', short: 'v', type: 'list', description: 'Bind mount a host directory: /host/path:/container/path[:ro]' },
  { long: 'read-only', type: 'bool', description: "Mount the container's root filesystem as read only" },
  { long: 'interactive', short: 'i', type: 'bool', description: 'Keep STDIN open even if not attached' },
  { long: 'tty', short: 't', type: 'bool', description: 'Allocate a pseudo-TTY' },
  { long: 'rm', type: 'bool', description: 'Automatically remove the container when it exits' },
  { long: 'network', type: 'string', description: 'Network: none (the default, for now) or host', default: 'none' },
  { long: 'runtime', type: 'string', description: 'OCI runtime: runc (default), crun, or a path', default: 'runc' },
  { long: 'security-opt', type: 'list', description: 'Security options: seccomp=unconfined, seccomp=PROFILE.json, no-new-privileges' },
  { long: 'cap-add', type: 'list', description: 'Add Linux capabilities (NET_ADMIN, CAP_SYS_TIME, ALL)' },
  { long: 'cap-drop', type: 'list', description: 'Drop Linux capabilities (CHOWN, ALL)' },
  { long: 'memory', short: 'm', type: 'string', description: 'Memory limit (512m, 1g; at least 6m)' },
  { long: 'cpus', type: 'string', description: 'Number of CPUs (1.5)' },
  { long: 'pids-limit', type: 'string', description: 'Tune container pids limit (-1 for unlimited)' },
  { long: 'label', short: 'l', type: 'list', description: 'Set meta data on a container (KEY=VALUE)' },
  { long: 'label-file', type: 'list', description: 'Read in a line delimited file of labels' },
  { long: 'init', type: 'bool', description: 'Run an init inside the container that forwards signals and reaps processes' },
  { long: 'stop-signal', type: 'string', description: 'Signal to stop the container (default the image\'s, else SIGTERM)' },
  { long: 'stop-timeout', type: 'string', description: 'Seconds to wait before killing the container on stop (default 10)' },
  { long: 'tmpfs', type: 'list', description: 'Mount a tmpfs directory: /path[:options] (size=64m, mode=1777, ...)' },
  { long: 'storage-driver', type: 'string', description: 'Root filesystem: overlay (default), or vfs (a full copy, where overlayfs is not available)', default: 'overlay' },
];

/** KEY=VALUE lines; blank lines and # comments skipped; a bare KEY takes the value from this environment. */
export function readEnvFile(path: string, env: NodeJS.ProcessEnv): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BerthError('invalid_argument', 'ENV_FILE_INVALID', `Cannot read env file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return text.split('\n').map((l) => l.replace(/^\s+/, '')).filter((l) => l !== '' && !l.startsWith('#')).map((l) => expandEnv(l.replace(/\r$/, ''), env));
}

/** KEY=VALUE lines of a --label-file; blank lines and # comments skipped. */
function readLabelFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BerthError('invalid_argument', 'LABEL_FILE_INVALID', `Cannot read label file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return text.split('\n').map((l) => l.replace(/\r$/, '').trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

function expandEnv(entry: string, env: NodeJS.ProcessEnv): string {
  if (entry.includes('=')) return entry;
  const value = env[entry];
  return value === undefined ? entry : `${entry}=${value}`;
}

export function createOptions(ctx: CommandContext, flags: FlagValues, image: string, command: string[]): CreateOptions {
  const network = flagString(flags, 'network') ?? 'none';
  if (network !== 'none' && network !== 'host') {
    throw new BerthError('unsupported', 'NETWORK_UNSUPPORTED', `network "${network}" is not supported yet: use none (the default) or host`);
  }
  const storage = flagString(flags, 'storage-driver') ?? 'overlay';
  if (storage !== 'overlay' && storage !== 'vfs') {
    throw new BerthError('unsupported', 'STORAGE_DRIVER_UNSUPPORTED', `storage driver "${storage}" is not supported: use overlay (the default) or vfs`);
  }
  const env = [
    ...flagList(flags, 'env-file').flatMap((f) => readEnvFile(f, ctx.env)),
    ...flagList(flags, 'env').map((e) => expandEnv(e, ctx.env)),
  ];
  return {
    image,
    name: flagString(flags, 'name'),
    command,
    entrypoint: flagString(flags, 'entrypoint'),
    env,
    workdir: flagString(flags, 'workdir'),
    user: flagString(flags, 'user'),
    hostname: flagString(flags, 'hostname'),
    tty: flagBool(flags, 'tty'),
    openStdin: flagBool(flags, 'interactive'),
    autoRemove: flagBool(flags, 'rm'),
    readonlyRootfs: flagBool(flags, 'read-only'),
    network,
    storage,
    volumes: flagList(flags, 'volume'),
    runtime: findRuntime(flagString(flags, 'runtime') ?? 'runc'),
    securityOpt: flagList(flags, 'security-opt'),
    capAdd: flagList(flags, 'cap-add'),
    capDrop: flagList(flags, 'cap-drop'),
    memory: flagString(flags, 'memory'),
    cpus: flagString(flags, 'cpus'),
    pidsLimit: flagString(flags, 'pids-limit'),
    labels: [...flagList(flags, 'label-file').flatMap(readLabelFile), ...flagList(flags, 'label')],
    init: flagBool(flags, 'init'),
    stopSignal: flagString(flags, 'stop-signal'),
    stopTimeout: flagString(flags, 'stop-timeout'),
    tmpfs: flagList(flags, 'tmpfs'),
  };
}

/** The container host for this CLI: conmon's exit command re-runs this same berth on this store. */
export function hostFor(ctx: CommandContext, store: Store): ContainerHost {
  return containerHost(store, selfCommand(ctx));
}

/** A host for commands that only look at containers (no root needed, nothing created). */
export function lookingHostFor(ctx: CommandContext, store: Store): ContainerHost {
  return lookingHost(store, selfCommand(ctx));
}

/** This berth's launcher (bin/berth, beside the loader node runs), never node itself: see bin/berth. */
function selfCommand(ctx: CommandContext): string[] {
  return [join(dirname(process.argv[1]!), 'berth'), '--root', ctx.root];
}
