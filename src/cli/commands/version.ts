import { write, type CommandSpec } from '../command.js';

export const spec: CommandSpec = {
  usage: '',
  description: 'Show the Berth version information',
  flags: [],
  args: { min: 0, max: 0 },
  async run(ctx) {
    const { VERSION } = await import('../version-info.js');
    await write(ctx.stdout, `Berth version ${VERSION}\nNode.js ${process.version}\nStore: ${ctx.root}\n`);
  },
};
