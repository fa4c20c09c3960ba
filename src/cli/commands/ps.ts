import { listContainerRows, type ContainerRow, type ListContainersOptions } from '../../engine/containers/list-containers.js';
import { dockerState } from '../../engine/containers/pause-container.js';
import { ellipsis, goTime, humanDuration, humanSize, timeAgo } from '../format/units.js';
import { renderTable } from '../format/tabwriter.js';
import { parseListFormat, renderListTemplate } from '../format/list-format.js';
import { flagBool, flagList, flagString, write, type CommandSpec } from '../command.js';
import { usageError } from '../argv.js';
import { familiarRepository, parseReference } from '../../image/reference.js';
import { isBerthError } from '../../internal/errors.js';
import { hostFor } from './container-options.js';

/** Docker's STATUS column: "Up 5 seconds", "Up 5 seconds (Paused)", "Exited (0) 2 minutes ago", "Created". */
export function statusText(row: ContainerRow, now: number): string {
  const r = row.record;
  if (r.state === 'running') return `Up ${humanDuration(now - Date.parse(r.startedAt ?? new Date(now).toISOString()))}${row.paused ? ' (Paused)' : ''}`;
  if (r.state === 'exited') return `Exited (${r.exitCode ?? 0}) ${timeAgo(Date.parse(r.finishedAt ?? ''), now)}`;
  return 'Created';
}

/** Docker's LABELS column: KEY=VALUE pairs joined by commas (in key order, as containerLabels gives them). */
function labelText(labels: Record<string, string> | undefined): string {
  return labels === undefined ? '' : Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

function parseFilters(values: string[], command: string): ListContainersOptions['filters'] {
  return values.map((v) => {
    const eq = v.indexOf('=');
    const key = v.slice(0, eq);
    if (eq < 0 || !['status', 'name', 'id', 'ancestor', 'label', 'exited'].includes(key)) throw usageError(`invalid filter '${v}': use status=, name=, id=, ancestor=, label= or exited=`, command);
    const value = v.slice(eq + 1);
    if (key === 'exited' && !/^-?\d+$/.test(value)) throw usageError(`invalid filter '${v}': exited= takes an exit code`, command);
    return { key: key as ListContainersOptions['filters'][number]['key'], value };
  });
}

/** -n N: a count; Docker's default -1 (and any number below 1) means no limit. */
function lastFlag(value: string | undefined, command: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw usageError(`invalid argument "${value}" for "-n, --last" flag: strconv.ParseInt: parsing "${value}": invalid syntax`, command);
  const n = Number(value);
  return n >= 1 ? n : undefined;
}

/**
 * Docker's IMAGE column (its CLI's formatting of what the daemon lists): an image ID cut to 12
 * hex digits, a reference in its familiar form without a digest; as it is with --no-trunc.
 */
export function imageText(image: string, imageId: string, noTrunc: boolean): string {
  if (noTrunc) return image;
  const short = (id: string): string => id.slice(id.indexOf(':') + 1).slice(0, 12);
  if (short(image) === short(imageId)) return short(image);
  let ref;
  try {
    ref = parseReference(image);
  } catch (err) {
    if (isBerthError(err)) return image;
    throw err;
  }
  return `${familiarRepository(ref.repository)}${ref.tag === undefined ? '' : `:${ref.tag}`}`;
}

/** Column names of `ps --format 'table ...'`, as Docker heads them. */
const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS',
  State: 'STATE', Status: 'STATUS', Size: 'SIZE', Names: 'NAMES', Labels: 'LABELS', Mounts: 'MOUNTS', Networks: 'NETWORKS', LocalVolumes: 'LOCAL VOLUMES',
};

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  description: 'List containers',
  flags: [
    { long: 'all', short: 'a', type: 'bool', description: 'Show all containers (default shows just running)' },
    { long: 'filter', short: 'f', type: 'list', description: 'Filter output: status=, name=, id=, ancestor=, label=KEY[=VALUE], exited=CODE' },
    { long: 'last', short: 'n', type: 'string', description: 'Show n last created containers (includes all states)' },
    { long: 'latest', short: 'l', type: 'bool', description: 'Show the latest created container (includes all states)' },
    { long: 'format', type: 'string', description: 'Format output: "table" (default), "json", "table TEMPLATE" or a Go template such as \'{{.Names}}\'' },
    { long: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { long: 'quiet', short: 'q', type: 'bool', description: 'Only display container IDs' },
    { long: 'size', short: 's', type: 'bool', description: 'Display total file sizes' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const format = parseListFormat(flagString(flags, 'format'));
    const sizes = flagBool(flags, 'size');
    const store = ctx.store();
    const quiet = flagBool(flags, 'quiet');
    const last = flagBool(flags, 'latest') ? 1 : lastFlag(flagString(flags, 'last'), ctx.commandPath);
    const rows = await listContainerRows(hostFor(ctx, store), {
      all: flagBool(flags, 'all'), sizes, filters: parseFilters(flagList(flags, 'filter'), ctx.commandPath), labels: !quiet && format.kind !== 'table',
      ...(last === undefined ? {} : { last }),
    });
    const noTrunc = flagBool(flags, 'no-trunc');
    const id = (i: string): string => (noTrunc ? i : i.slice(0, 12));
    if (quiet) {
      await write(ctx.stdout, rows.map((r) => `${id(r.record.id)}\n`).join(''));
      return;
    }
    const now = Date.now();
    const command = (r: ContainerRow): string => JSON.stringify(noTrunc ? r.command : ellipsis(r.command, 20));
    const size = (r: ContainerRow): string => `${humanSize(r.size ?? 0)} (virtual ${humanSize(r.virtualSize ?? 0)})`;
    if (format.kind !== 'table') {
      const objects = rows.map((r) => ({
        Command: command(r), CreatedAt: goTime(r.record.createdMs), ID: id(r.record.id), Image: imageText(r.image, r.record.imageId, noTrunc), Labels: labelText(r.labels), LocalVolumes: '0',
        Mounts: '', Names: r.record.name, Networks: '', Ports: '', RunningFor: timeAgo(r.record.createdMs, now),
        Size: sizes ? size(r) : '0B', State: dockerState(r.record, r.paused), Status: statusText(r, now),
      }));
      await write(ctx.stdout, format.kind === 'json' ? objects.map((o) => `${JSON.stringify(o)}\n`).join('') : renderListTemplate(format, objects, PS_HEADERS));
      return;
    }
    const table = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES', ...(sizes ? ['SIZE'] : [])]];
    for (const r of rows) {
      table.push([id(r.record.id), imageText(r.image, r.record.imageId, noTrunc), command(r), timeAgo(r.record.createdMs, now), statusText(r, now), '', r.record.name, ...(sizes ? [size(r)] : [])]);
    }
    await write(ctx.stdout, renderTable(table));
  },
};
