/**
 * A container's output, from the log its monitor writes: everything so far (`logs`), the last
 * N records (`--tail`), or followed until the container exits (`logs -f`, a foreground `run`).
 */
import { statSync, watch } from 'node:fs';
import { containerPaths } from '../../container/container-paths.js';
import { LogReader, type LogRecord } from '../../container/runtime/container-log.js';
import { getContainer, type ContainerRecord } from '../../store/metadata/containers.js';
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
  } catch {
    return 0;
  }
}

/** Streams the container's output; when following, returns once the container has exited and its log is drained. */
export async function streamOutput(host: ContainerHost, record: ContainerRecord, options: OutputOptions): Promise<ContainerRecord> {
  const path = containerPaths(host.store.layout.containers, record.id).log;
  const reader = new LogReader(path, options.fromOffset ?? 0);
  try {
    let first = await reader.read();
    if (options.tail !== undefined) first = options.tail === 0 ? [] : first.slice(-options.tail);
    for (const r of first) await options.sink(r);
    let current = await refreshContainer(host, record);
    if (!options.follow) return current;
    let wake: (() => void) | undefined;
    const nudge = (): void => wake?.();
    const watchers = [path, host.runtimeDirs.exits].map((p) => {
      // The log grows with output; the exit directory gets the exit file (a silent container never touches its log).
      try {
        return watch(p, nudge);
      } catch {
        return undefined;
      }
    });
    const poll = setInterval(nudge, 200);
    options.signal?.addEventListener('abort', nudge);
    try {
      while (!options.signal?.aborted) {
        for (const r of await reader.read()) await options.sink(r);
        if (current.state !== 'running') break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        current = await refreshContainer(host, getContainer(host.store.db, current.id) ?? current);
      }
      for (const r of await reader.read()) await options.sink(r);
    } finally {
      for (const w of watchers) w?.close();
      clearInterval(poll);
      options.signal?.removeEventListener('abort', nudge);
    }
    return current;
  } finally {
    await reader.close();
  }
}
