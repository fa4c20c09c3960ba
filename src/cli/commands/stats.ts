import { setTimeout as delay } from 'node:timers/promises';
import type { ContainerRecord } from '../../store/containers.js';
import { listContainerRows } from '../../engine/containers/list-containers.js';
import { resolveContainer } from '../../engine/containers/resolve-container.js';
import { cpuPercent, sampleStats, type StatsSample } from '../../engine/containers/container-stats.js';
import type { ContainerHost } from '../../engine/containers/container-host.js';
import { bytesSize, humanSize } from '../format/units.js';
import { renderTable } from '../format/tabwriter.js';
import { parseListFormat, renderListTemplate } from '../format/list-format.js';
import { flagBool, flagString, write, type CommandSpec } from '../command.js';
import { hostFor } from './container-options.js';

/** Docker's STATS column names, for `--format 'table ...'`. */
const STATS_HEADERS: Record<string, string> = {
  Container: 'CONTAINER', ID: 'CONTAINER ID', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};

/** Between the two readings that CPU % compares: Docker's collection interval. */
const SAMPLE_INTERVAL_MS = 1000;

interface Target {
  record: ContainerRecord;
  /** As the user named it (Docker's .Container), or the short ID. */
  input: string;
}

/** One row in Docker's shape; a container that is not running (or stopped meanwhile) shows zeros. */
function row(target: Target, before: StatsSample | undefined, after: StatsSample | undefined, noTrunc: boolean): Record<string, string> {
  const cpu = before !== undefined && after !== undefined ? cpuPercent(before, after) : 0;
  const mem = after === undefined ? 0 : (after.memUsage / after.memLimit) * 100;
  return {
    BlockIO: `${humanSize(after?.blockRead ?? 0)} / ${humanSize(after?.blockWrite ?? 0)}`,
    CPUPerc: `${cpu.toFixed(2)}%`,
    Container: target.input,
    ID: noTrunc ? target.record.id : target.record.id.slice(0, 12),
    MemPerc: `${mem.toFixed(2)}%`,
    MemUsage: `${bytesSize(after?.memUsage ?? 0)} / ${bytesSize(after?.memLimit ?? 0)}`,
    Name: target.record.name,
    // Only loopback here (--network none or the host's): Docker reports no traffic for either.
    NetIO: '0B / 0B',
    PIDs: String(after?.pids ?? 0),
  };
}

async function targets(host: ContainerHost, args: string[], all: boolean): Promise<Target[]> {
  if (args.length > 0) return args.map((input) => ({ record: resolveContainer(host.store, input), input }));
  // What `ps` (or `ps -a`) lists, state refreshed first.
  const rows = await listContainerRows(host, { all, sizes: false, filters: [] });
  return rows.map((r) => ({ record: r.record, input: r.record.id.slice(0, 12) }));
}

export const spec: CommandSpec = {
  usage: '[OPTIONS] [CONTAINER...]',
  description: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    { long: 'all', short: 'a', type: 'bool', description: 'Show all containers (default shows just running)' },
    { long: 'format', type: 'string', description: 'Format output: "table" (default), "json", "table TEMPLATE" or a Go template such as \'{{.CPUPerc}}\'' },
    { long: 'no-stream', type: 'bool', description: 'Disable streaming stats and only pull the first result' },
    { long: 'no-trunc', type: 'bool', description: "Don't truncate output" },
  ],
  args: { min: 0 },
  async run(ctx, flags, args) {
    const format = parseListFormat(flagString(flags, 'format'));
    const noTrunc = flagBool(flags, 'no-trunc');
    const store = ctx.store();
    const host = hostFor(ctx, store);
    const chosen = await targets(host, args, flagBool(flags, 'all'));
    let before = chosen.map((t) => sampleStats(t.record.id));
    for (;;) {
      await delay(SAMPLE_INTERVAL_MS);
      const after = chosen.map((t) => sampleStats(t.record.id));
      const rows = chosen.map((t, i) => row(t, before[i], after[i], noTrunc));
      let text: string;
      if (format.kind === 'json') text = rows.map((r) => `${JSON.stringify(r)}\n`).join('');
      else if (format.kind !== 'table') text = renderListTemplate(format, rows, STATS_HEADERS);
      else {
        text = renderTable([
          ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'],
          ...rows.map((r) => [r.ID!, r.Name!, r.CPUPerc!, r.MemUsage!, r.MemPerc!, r.NetIO!, r.BlockIO!, r.PIDs!]),
        ]);
      }
      if (flagBool(flags, 'no-stream')) {
        await write(ctx.stdout, text);
        return;
      }
      // Streaming: on a terminal the table is redrawn in place, elsewhere printed again.
      await write(ctx.stdout, ctx.stdout.isTTY === true ? `\x1b[2J\x1b[H${text}` : text);
      before = after;
    }
  },
};
