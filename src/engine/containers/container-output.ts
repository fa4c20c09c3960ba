/**
 * A container's output, from the log its monitor writes: everything so far (`logs`), the last
 * N records (`--tail`), or followed until the container exits (`logs -f`, a foreground `run`).
 */
import { statSync, watch } from 'node:fs';
import { containerPaths } from '../../container/container-paths.js';
import { ignoreCodes } from '../../internal/errors.js';
import { LogReader, type LogRecord } from '../../container/runtime/container-log.js';
import { getContainer, type ContainerRecord } from '../../store/containers.js';
import type { ContainerHost } from './container-host.js';
import { refreshContainer } from './container-exit.js';

export interface OutputOptions {
  follow: boolean;
  /** Only the last N records of what is there already. */
  tail: number | undefined;
  sink: (record: LogRecord) => Promise<void> | void;
  /** Stops following early. */
  signal?: AbortSignal;
  /** Skip what the log held before this byte offset (see logEnd). */
  fromOffset?: number;
}

/** Where the container's log ends now: output after it belongs to a run that starts from here. */
export function logEnd(host: ContainerHost, record: ContainerRecord): number {
  try {
    return statSync(containerPaths(host.store.layout.containers, record.id).log).size;
  } catch (err) {
    ignoreCodes(err, 'ENOENT'); // no output yet
    return 0;
  }
}

/** Streams the container's output; when following, returns once the container has exited and its log is drained. */
export async function streamOutput(host: ContainerHost, record: ContainerRecord, options: OutputOptions): Promise<ContainerRecord> {
  const path = containerPaths(host.store.layout.containers, record.id).log;
  const reader = new LogReader(path, options.fromOffset ?? 0);
  // When following, the watches come first: an exit landing between the first look at the
  // container and the watches would otherwise be seen only at the next poll. A nudge is kept
  // until the loop takes it, for the same reason (one that comes while the loop reads or
  // refreshes is not lost).
  let wake: (() => void) | undefined;
  let nudged = false;
  const nudge = (): void => {
    nudged = true;
    wake?.();
  };
  // The log grows with output; the exit directory gets the exit file (a silent container never touches its log).
  const watchers = options.follow ? [path, host.runtimeDirs.exits].map((p) => {
    try {
      return watch(p, nudge);
    } catch (err) {
      // Not there yet (a log before any output), or out of inotify watches or instances: the poll below covers it.
      return ignoreCodes(err, 'ENOENT', 'ENOSPC', 'EMFILE');
    }
  }) : [];
  const poll = options.follow ? setInterval(nudge, 200) : undefined;
  options.signal?.addEventListener('abort', nudge);
  try {
    let first = await reader.read();
    if (options.tail !== undefined) first = options.tail === 0 ? [] : first.slice(-options.tail);
    for (const r of first) await options.sink(r);
    let current = await refreshContainer(host, record);
    if (!options.follow) return current;
    while (!options.signal?.aborted) {
      for (const r of await reader.read()) await options.sink(r);
      if (current.state !== 'running') break;
      if (!nudged) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      nudged = false;
      current = await refreshContainer(host, getContainer(host.store, current.id) ?? current);
    }
    for (const r of await reader.read()) await options.sink(r);
    return current;
  } finally {
    for (const w of watchers) w?.close();
    if (poll !== undefined) clearInterval(poll);
    options.signal?.removeEventListener('abort', nudge);
    await reader.close();
  }
}
