/**
 * `berth top`, as Docker's: the host's `ps` (default `-ef`, or the options given) cut down to
 * the lines of the container's processes (the runtime lists their host PIDs). The last column
 * keeps its spaces (a command line); the others are single words.
 */
import { BerthError } from '../../internal/errors.js';
import { runCommand } from '../../internal/run-command.js';
import { containerPids } from '../../container/runtime/oci-runtime.js';
import type { ContainerRecord } from '../../store/containers.js';
import { runtimeFor, type ContainerHost } from './container-host.js';
import { specOf } from './container-spec.js';
import { refreshContainer } from './container-exit.js';

export interface ProcessTable {
  titles: string[];
  processes: string[][];
}

/** The lines of `ps` output whose PID column names one of `pids`. */
export function psLinesOf(output: string, pids: ReadonlySet<number>): ProcessTable {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidColumn = titles.indexOf('PID');
  if (pidColumn < 0) throw new BerthError('invalid_argument', 'TOP_NO_PID', "Couldn't find PID field in ps output", { hint: 'Give ps options whose output has a PID column (the default is -ef)' });
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (!pids.has(Number(fields[pidColumn]))) continue;
    processes.push([...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')]);
  }
  return { titles, processes };
}

export async function topContainer(host: ContainerHost, record: ContainerRecord, psArgs: readonly string[]): Promise<ProcessTable> {
  const current = await refreshContainer(host, record);
  if (current.state !== 'running') throw new BerthError('conflict', 'CONTAINER_NOT_RUNNING', `Container ${current.id} is not running`);
  const pids = new Set(await containerPids(runtimeFor(host, specOf(current).runtime), current.id));
  const ps = await runCommand('ps', psArgs.length === 0 ? ['-ef'] : psArgs);
  if (ps.code !== 0) throw new BerthError('invalid_argument', 'TOP_PS_FAILED', `ps ${psArgs.join(' ')} failed: ${ps.stderr || `exit status ${ps.code}`}`);
  return psLinesOf(ps.stdout, pids);
}
