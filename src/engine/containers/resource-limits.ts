/**
 * `-m/--memory`, `--cpus` and `--pids-limit` as Docker reads them, and what they become in the
 * runtime config (linux.resources): a memory limit (with swap at twice it, as Docker sets when
 * the kernel accounts swap), a CFS quota per 100 ms period, a pids limit.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { BerthError } from '../../internal/errors.js';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
/** Docker's minimum for -m. */
export const MIN_MEMORY = 6 * 1024 * 1024;
const CPU_PERIOD_US = 100_000;

/** "512m", "1.5g", "1048576", "64MiB" -> bytes (powers of 1024, as Docker's -m). */
export function parseMemory(text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?(?:i?b)?$/i.exec(text.trim());
  if (m === null) {
    throw new BerthError('invalid_argument', 'MEMORY_INVALID', `invalid argument ${JSON.stringify(text)} for "-m, --memory" flag: not a size`, {
      hint: 'Give a number of bytes with an optional unit: b, k, m, g (512m, 1.5g)',
    });
  }
  const bytes = Math.floor(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]!);
  if (bytes < MIN_MEMORY) throw new BerthError('invalid_argument', 'MEMORY_TOO_LOW', 'Minimum memory limit allowed is 6MB');
  return bytes;
}

/** "1.5" -> 1.5e9 (Docker's NanoCpus), between 0.01 and the number of CPUs. */
export function parseCpus(text: string, cpus: number = availableParallelism()): number {
  const value = /^\d*\.?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  const nano = Math.round(value * 1e9);
  if (!Number.isFinite(value) || nano < 1e7 || nano > cpus * 1e9) {
    throw new BerthError('invalid_argument', 'CPUS_INVALID', `Range of CPUs is from 0.01 to ${cpus.toFixed(2)}, as there are only ${cpus} CPUs available`);
  }
  return nano;
}

/** "100" -> 100; 0 or -1 mean no limit (returned as 0). */
export function parsePidsLimit(text: string): number {
  if (!/^-?\d+$/.test(text.trim())) {
    throw new BerthError('invalid_argument', 'PIDS_LIMIT_INVALID', `invalid argument ${JSON.stringify(text)} for "--pids-limit" flag: not an integer`);
  }
  const n = Number(text);
  return n > 0 ? n : 0;
}

export interface ResourceLimits {
  /** Bytes; 0 means none. */
  memory: number;
  /** Billionths of a CPU; 0 means none. */
  nanoCpus: number;
  /** Processes; 0 means none. */
  pidsLimit: number;
}

/** True when the kernel accounts swap in the container's cgroup (cgroup v1 memsw). */
function swapAccounted(): boolean {
  return existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
}

/** Docker's MemorySwap for a -m without --memory-swap: twice the memory, where swap is accounted. */
export function memorySwap(limits: ResourceLimits): number {
  return limits.memory > 0 && swapAccounted() ? 2 * limits.memory : 0;
}

/** linux.resources entries (besides devices) for the runtime config. */
export function runtimeResources(limits: ResourceLimits): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (limits.memory > 0) {
    const swap = memorySwap(limits);
    out.memory = { limit: limits.memory, ...(swap > 0 ? { swap } : {}) };
  }
  if (limits.nanoCpus > 0) out.cpu = { quota: Math.round((limits.nanoCpus * CPU_PERIOD_US) / 1e9), period: CPU_PERIOD_US };
  if (limits.pidsLimit > 0) out.pids = { limit: limits.pidsLimit };
  return out;
}
