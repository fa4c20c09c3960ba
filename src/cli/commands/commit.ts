import { resolveContainer } from '../../engine/containers/resolve-container.js';
import { commitContainer } from '../../engine/containers/commit-container.js';
import { flagBool, flagList, flagString, write, type CommandSpec } from '../command.js';
import { applyChanges } from '../../image/change-instructions.js';
import { hostFor } from './container-options.js';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  description: "Create a new image from a container's changes\n\nThe container's changes (its overlay upper directory, or with the vfs driver its differences\nfrom the image) become one new layer on its image; the new image's Cmd, Env, ... are the\ncontainer's. Files the runtime mounts (/etc/hosts, /etc/hostname, /etc/resolv.conf, /proc,\n/sys, /dev) are left out, as Docker leaves them out.",
  flags: [
    { long: 'author', short: 'a', type: 'string', description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { long: 'change', short: 'c', type: 'list', description: 'Apply Dockerfile instruction to the created image' },
    { long: 'message', short: 'm', type: 'string', description: 'Commit message' },
    { long: 'pause', short: 'p', type: 'bool', default: true, description: 'Pause container during commit (default true)' },
    { long: 'no-pause', type: 'bool', description: 'Disable pausing container during commit' },
  ],
  args: { min: 1, max: 2 },
  async run(ctx, flags, args) {
    const changes = flagList(flags, 'change');
    // Checked before anything is read: a bad instruction fails fast, with Docker's message.
    if (changes.length > 0) applyChanges({}, changes, 'commit');
    const store = ctx.store();
    const host = hostFor(ctx, store);
    const record = resolveContainer(store, args[0]!);
    const author = flagString(flags, 'author');
    const message = flagString(flags, 'message');
    const { id } = await commitContainer(host, record, {
      pause: flagBool(flags, 'pause') && !flagBool(flags, 'no-pause'),
      ...(author === undefined ? {} : { author }),
      ...(message === undefined ? {} : { message }),
      ...(args[1] === undefined ? {} : { reference: args[1] }),
      ...(changes.length === 0 ? {} : { applyChanges: (config: Record<string, unknown>) => applyChanges(config, changes, 'commit') }),
    });
    await write(ctx.stdout, `${id}\n`);
  },
};
