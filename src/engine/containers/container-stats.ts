/**
 * `berth stats`: what a running container uses, read from its cgroups (v1 controllers under
 * <controller>/berth/<id>, or the v2 group berth/<id>) as Docker reads them: CPU as a share of
 * the machine between two samples, memory less the inactive page cache (against the limit, or
 * the machine's memory when there is none), bytes read and written on block devices, and the
 * number of processes.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { ignoreCodes } from '../../internal/errors.js';

const CGROUP_ROOT = '/sys/fs/cgroup';
/** USER_HZ: /proc/stat counts in hundredths of a second on Linux. */
const CLOCK_TICKS = 100;
/** cgroup v1 reports "no limit" as a huge page-aligned number. */
const V1_UNLIMITED = 2 ** 62;

export interface StatsSample {
  /** Nanoseconds of CPU the container used. */
  cpuNs: number;
  /** Nanoseconds of CPU the whole machine went through (all CPUs, from /proc/stat). */
  systemNs: number;
  memUsage: number;
  memLimit: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    // A controller not enabled for the group, or the group removed (ENODEV: while it was being read).
    return ignoreCodes(err, 'ENOENT', 'ENODEV');
  }
}

function num(text: string | undefined): number {
  const n = Number(text?.trim());
  return Number.isFinite(n) ? n : 0;
}

function statField(text: string | undefined, key: string): number {
  const m = text === undefined ? null : new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

/** The machine's CPU time so far, in nanoseconds: user through softirq of /proc/stat's first line. */
export function systemCpuNs(procStat: string): number {
  const fields = procStat.split('\n')[0]!.trim().split(/\s+/).slice(1, 8).map(Number);
  return (fields.reduce((a, b) => a + b, 0) * 1e9) / CLOCK_TICKS;
}

/** One reading of the container's cgroups; undefined when it has none (not running). */
export function sampleStats(id: string): StatsSample | undefined {
  const systemNs = systemCpuNs(read('/proc/stat') ?? 'cpu 0');
  const v1 = (controller: string, file: string): string | undefined => read(join(CGROUP_ROOT, controller, 'berth', id, file));
  const cpuacct = v1('cpuacct', 'cpuacct.usage');
  if (cpuacct !== undefined) {
    const limit = num(v1('memory', 'memory.limit_in_bytes'));
    let blockRead = 0;
    let blockWrite = 0;
    for (const line of (v1('blkio', 'blkio.throttle.io_service_bytes') ?? '').split('\n')) {
      const m = /^\d+:\d+ (Read|Write) (\d+)$/.exec(line.trim());
      if (m?.[1] === 'Read') blockRead += Number(m[2]);
      else if (m?.[1] === 'Write') blockWrite += Number(m[2]);
    }
    const usage = num(v1('memory', 'memory.usage_in_bytes'));
    const inactive = statField(v1('memory', 'memory.stat'), 'total_inactive_file');
    return {
      cpuNs: num(cpuacct), systemNs,
      memUsage: inactive < usage ? usage - inactive : usage,
      memLimit: limit > 0 && limit < V1_UNLIMITED ? Math.min(limit, totalmem()) : totalmem(),
      blockRead, blockWrite, pids: num(v1('pids', 'pids.current')),
    };
  }
  const dir = join(CGROUP_ROOT, 'berth', id);
  const cpuStat = read(join(dir, 'cpu.stat'));
  if (cpuStat === undefined) return undefined;
  let blockRead = 0;
  let blockWrite = 0;
  for (const line of (read(join(dir, 'io.stat')) ?? '').split('\n')) {
    blockRead += Number(/rbytes=(\d+)/.exec(line)?.[1] ?? 0);
    blockWrite += Number(/wbytes=(\d+)/.exec(line)?.[1] ?? 0);
  }
  const max = read(join(dir, 'memory.max'))?.trim();
  const usage = num(read(join(dir, 'memory.current')));
  const inactive = statField(read(join(dir, 'memory.stat')), 'inactive_file');
  return {
    cpuNs: statField(cpuStat, 'usage_usec') * 1000, systemNs,
    memUsage: inactive < usage ? usage - inactive : usage,
    memLimit: max === undefined || max === 'max' ? totalmem() : Math.min(Number(max), totalmem()),
    blockRead, blockWrite, pids: num(read(join(dir, 'pids.current'))),
  };
}

/** CPU use between two samples as Docker computes it: the container's share of the machine's time, times the CPUs. */
export function cpuPercent(before: StatsSample, after: StatsSample, cpus: number = availableParallelism()): number {
  const cpu = after.cpuNs - before.cpuNs;
  const system = after.systemNs - before.systemNs;
  return cpu > 0 && system > 0 ? (cpu / system) * cpus * 100 : 0;
}
