/**
 * Runs an action for each container argument, as Docker's CLI does: all at once (up to 50 at a
 * time), each line of output and each failure reported in the order the arguments were given,
 * and exit 1 if any failed. `berth stop $(berth ps -q)` of 20 containers that ignore SIGTERM
 * takes one timeout, not twenty.
 */
import { isBerthError } from '../../internal/errors.js';
import { resolveContainer } from '../../engine/containers/resolve-container.js';
import type { ContainerHost } from '../../engine/containers/container-host.js';
import type { ContainerRecord } from '../../store/containers.js';
import { write, type CommandContext } from '../command.js';
import { reportError } from '../report-error.js';

/** Docker's CLI runs at most this many container operations at once. */
const AT_ONCE = 50;

/** What an action prints when it succeeds: a line for stdout (without its newline). */
export type ContainerAction = (record: ContainerRecord, input: string) => Promise<string>;

export async function forEachContainer(ctx: CommandContext, host: ContainerHost, inputs: string[], action: ContainerAction): Promise<number> {
  const outcomes: Array<Promise<{ line: string } | { error: unknown }>> = [];
  let running = 0;
  const waiting: Array<() => void> = [];
  const slot = async (): Promise<void> => {
    if (running < AT_ONCE) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next !== undefined) next();
    else running--;
  };
  for (const input of inputs) {
    outcomes.push((async () => {
      await slot();
      try {
        return { line: await action(resolveContainer(host.store, input), input) };
      } catch (error) {
        return { error };
      } finally {
        release();
      }
    })());
  }
  let failed = false;
  for (const outcome of outcomes) {
    const o = await outcome;
    if ('line' in o) {
      await write(ctx.stdout, `${o.line}\n`);
    } else {
      if (!isBerthError(o.error)) throw o.error;
      reportError(o.error, false);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
