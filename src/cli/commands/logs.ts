import { resolveContainer } from '../../engine/containers/resolve-container.js';
import { streamOutput } from '../../engine/containers/container-output.js';
import { flagBool, flagString, write, type CommandSpec } from '../command.js';
import { usageError } from '../argv.js';
import { BerthError } from '../../internal/errors.js';
import { hostFor } from './container-options.js';

/** conmon's "2026-11-28T09:28:54.336673978+00:00" as Docker prints it: "2026-11-28T09:28:54.336673978Z". */
function dockerTime(time: string): string {
  return time.replace(/\+00:00$/, 'Z');
}

const DURATION_UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A --since/--until value as Docker takes it, in ms since the epoch: a Unix time ("1700000000.5"),
 * a Go duration back from now ("42m", "1h30m"), or a date and time ("2013-01-02T13:23:37Z").
 */
export function logTime(flag: string, value: string, now: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) {
    let ms = 0;
    for (const [, n, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * DURATION_UNITS_MS[unit!]!;
    return now - ms;
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw new BerthError('invalid_argument', 'LOG_TIME_INVALID', `invalid value for "${flag}": failed to parse value as time or duration: ${JSON.stringify(value)}`, {
      hint: 'Give a date and time (2013-01-02T13:23:37Z), a Unix time, or a duration back from now (42m, 1h30m)',
    });
  }
  return parsed;
}

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER',
  description: 'Fetch the logs of a container (stdout to stdout, stderr to stderr)',
  flags: [
    { long: 'follow', short: 'f', type: 'bool', description: 'Follow log output' },
    { long: 'tail', short: 'n', type: 'string', description: 'Number of lines to show from the end of the logs (default "all")' },
    { long: 'timestamps', short: 't', type: 'bool', description: 'Show timestamps' },
    { long: 'since', type: 'string', description: 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)' },
    { long: 'until', type: 'string', description: 'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const tailText = flagString(flags, 'tail') ?? 'all';
    if (tailText !== 'all' && !/^\d+$/.test(tailText)) throw usageError(`invalid value for --tail: ${tailText}`, ctx.commandPath);
    const timestamps = flagBool(flags, 'timestamps');
    const now = Date.now();
    const sinceText = flagString(flags, 'since');
    const untilText = flagString(flags, 'until');
    const since = sinceText === undefined ? -Infinity : logTime('since', sinceText, now);
    const until = untilText === undefined ? Infinity : logTime('until', untilText, now);
    // conmon's times have nanoseconds; milliseconds are enough to compare.
    const inWindow = (time: string): boolean => {
      const at = Date.parse(time);
      return Number.isNaN(at) || (at >= since && at <= until);
    };
    const store = ctx.store();
    const host = hostFor(ctx, store);
    const record = resolveContainer(store, args[0]!);
    await streamOutput(host, record, {
      follow: flagBool(flags, 'follow'),
      tail: tailText === 'all' ? undefined : Number(tailText),
      sink: (r) => (inWindow(r.time) ? write(r.stream === 'stdout' ? ctx.stdout : ctx.stderr, timestamps ? `${dockerTime(r.time)} ${r.text}` : r.text) : undefined),
    });
  },
};
