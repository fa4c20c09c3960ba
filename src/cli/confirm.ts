/** Docker's "Are you sure you want to continue? [y/N]" prompt, on stdout, read from stdin. */
import { createInterface } from 'node:readline/promises';
import { write, type CommandContext } from './command.js';

export async function confirm(ctx: CommandContext, warning: string): Promise<boolean> {
  await write(ctx.stdout, `${warning}\nAre you sure you want to continue? [y/N] `);
  const rl = createInterface({ input: ctx.stdin, terminal: false });
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
