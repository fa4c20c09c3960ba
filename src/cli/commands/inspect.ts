import type { Store } from '../../store/store.js';
import { BerthError, isBerthError } from '../../internal/errors.js';
import { inspectImage } from '../../engine/inspect-image.js';
import { resolveImage } from '../../engine/resolve-image.js';
import { renderTemplate } from '../format/template.js';
import { flagString, noteWriter, write, type CommandSpec } from '../command.js';
import { reportError } from '../report-error.js';

type Kind = 'any' | 'image' | 'container';

async function inspectContainerArg(ctx: Parameters<CommandSpec['run']>[0], store: Store, arg: string): Promise<Record<string, unknown> | undefined> {
  const { resolveContainer } = await import('../../engine/containers/resolve-container.js');
  const { inspectContainer } = await import('../../engine/containers/inspect-container.js');
  const { hostFor } = await import('./container-options.js');
  let record;
  try {
    record = resolveContainer(store, arg);
  } catch (err) {
    if (isBerthError(err, 'CONTAINER_NOT_FOUND')) return undefined;
    throw err;
  }
  return inspectContainer(hostFor(ctx, store), record);
}

function inspectSpec(kind: Kind): CommandSpec {
  return {
    usage: `[OPTIONS] ${kind === 'any' ? 'NAME|ID' : kind.toUpperCase()} [${kind === 'any' ? 'NAME|ID' : kind.toUpperCase()}...]`,
    description: kind === 'any' ? 'Return low-level information on containers and images' : `Display detailed information on one or more ${kind}s`,
    flags: [{ long: 'format', short: 'f', type: 'string', description: 'Format output using a template ({{.Id}}, {{json .Config}}) or "json"' }],
    args: { min: 1 },
    async run(ctx, flags, args) {
      const format = flagString(flags, 'format');
      const store = ctx.store();
      let failed = false;
      const results: Record<string, unknown>[] = [];
      for (const arg of args) {
        try {
          const container = kind === 'image' ? undefined : await inspectContainerArg(ctx, store, arg);
          if (container !== undefined) {
            results.push(container);
            continue;
          }
          if (kind === 'container') throw new BerthError('not_found', 'CONTAINER_NOT_FOUND', `No such container: ${arg}`);
          try {
            results.push(await inspectImage(store, resolveImage(store, arg, { onNote: noteWriter(ctx) }).id));
          } catch (err) {
            if (kind === 'any' && isBerthError(err, 'IMAGE_NOT_FOUND')) throw new BerthError('not_found', 'OBJECT_NOT_FOUND', `No such object: ${arg}`);
            throw err;
          }
        } catch (err) {
          if (!isBerthError(err)) throw err;
          failed = true;
          reportError(err, false);
        }
      }
      if (format === undefined || format === 'json') {
        await write(ctx.stdout, `${JSON.stringify(results, null, 4)}\n`);
      } else {
        await write(ctx.stdout, results.map((r) => `${renderTemplate(format, r)}\n`).join(''));
      }
      return failed ? 1 : 0;
    },
  };
}

export const spec = inspectSpec('any');
export const imageSpec = inspectSpec('image');
export const containerSpec = inspectSpec('container');
