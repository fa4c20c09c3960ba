/**
 * Container records. The store keeps them; what they mean (the spec, the states) is the
 * engine's business. Every change runs inside the caller's write transaction.
 */
import type { Store } from './store.js';
import { rows, values, writes } from './metadata/statements.js';

export type ContainerState = 'created' | 'running' | 'exited';

export interface ContainerRecord {
  id: string;
  name: string;
  imageId: string;
  /** The image as the user named it (shown by ps). */
  imageRef: string;
  createdMs: number;
  /** JSON of the engine's container spec. */
  spec: string;
  storage: 'overlay' | 'vfs';
  state: ContainerState;
  pid: number | null;
  /** The monitor's process identity ("pid-starttime"), while it runs. */
  monitor: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
}

const COLUMNS = `id, name, image_id AS imageId, image_ref AS imageRef, created_ms AS createdMs, spec, storage, state, pid, monitor,
  started_at AS startedAt, finished_at AS finishedAt, exit_code AS exitCode`;

export function insertContainer(store: Store, c: ContainerRecord): void {
  writes<[ContainerRecord]>(store, `INSERT INTO containers(id, name, image_id, image_ref, created_ms, spec, storage, state, pid, monitor, started_at, finished_at, exit_code)
    VALUES (@id, @name, @imageId, @imageRef, @createdMs, @spec, @storage, @state, @pid, @monitor, @startedAt, @finishedAt, @exitCode)`).run(c);
}

export function getContainer(store: Store, id: string): ContainerRecord | undefined {
  return rows<[string], ContainerRecord>(store, `SELECT ${COLUMNS} FROM containers WHERE id = ?`).get(id);
}

export function hasContainer(store: Store, id: string): boolean {
  return values<[string], number>(store, 'SELECT 1 FROM containers WHERE id = ?').get(id) !== undefined;
}

/** Every container, newest first. */
export function listContainers(store: Store): ContainerRecord[] {
  return rows<[], ContainerRecord>(store, `SELECT ${COLUMNS} FROM containers ORDER BY created_ms DESC, id`).all();
}

/** The containers whose image is `imageId`, oldest first. */
export function containersUsingImage(store: Store, imageId: string): ContainerRecord[] {
  return rows<[string], ContainerRecord>(store, `SELECT ${COLUMNS} FROM containers WHERE image_id = ? ORDER BY created_ms`).all(imageId);
}

/** The ID of the container named `name`. */
export function containerNamed(store: Store, name: string): string | undefined {
  return values<[string], string>(store, 'SELECT id FROM containers WHERE name = ?').get(name);
}

/** IDs of containers whose name is `name`, or whose ID is or starts with `idPrefix` (at most two of those). */
export function findContainers(store: Store, name: string, idPrefix: string | undefined): { byName: string | undefined; byId: string[] } {
  const byName = containerNamed(store, name);
  const byId = idPrefix === undefined ? [] : values<[string, string], string>(store, 'SELECT id FROM containers WHERE id >= ? AND id < ? ORDER BY id LIMIT 2').all(idPrefix, `${idPrefix}g`);
  return { byName, byId };
}

export type ContainerUpdate = Partial<Pick<ContainerRecord, 'state' | 'pid' | 'monitor' | 'startedAt' | 'finishedAt' | 'exitCode'>>;

const UPDATABLE: Record<keyof ContainerUpdate, string> = {
  state: 'state', pid: 'pid', monitor: 'monitor', startedAt: 'started_at', finishedAt: 'finished_at', exitCode: 'exit_code',
};

export function updateContainer(store: Store, id: string, update: ContainerUpdate): void {
  const keys = (Object.keys(update) as Array<keyof ContainerUpdate>).sort();
  if (keys.length === 0) return;
  const sets = keys.map((k) => `${UPDATABLE[k]} = @${k}`).join(', ');
  writes<[ContainerUpdate & { id: string }]>(store, `UPDATE containers SET ${sets} WHERE id = @id`).run({ ...update, id });
}

/** Gives the container a new name; false when it has no record. */
export function renameContainerRecord(store: Store, id: string, name: string): boolean {
  return writes<[string, string]>(store, 'UPDATE containers SET name = ? WHERE id = ?').run(name, id).changes > 0;
}

export function deleteContainerRecord(store: Store, id: string): boolean {
  return writes<[string]>(store, 'DELETE FROM containers WHERE id = ?').run(id).changes > 0;
}
