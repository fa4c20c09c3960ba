/** Container records. The store keeps them; what they mean (spec, states) is the engine's business. */
import type { Database } from './database.js';

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

interface Row {
  id: string; name: string; image_id: string; image_ref: string; created_ms: number; spec: string; storage: string; state: string;
  pid: number | null; monitor: string | null; started_at: string | null; finished_at: string | null; exit_code: number | null;
}

function fromRow(r: Row): ContainerRecord {
  return {
    id: r.id, name: r.name, imageId: r.image_id, imageRef: r.image_ref, createdMs: r.created_ms, spec: r.spec,
    storage: r.storage as ContainerRecord['storage'], state: r.state as ContainerState, pid: r.pid, monitor: r.monitor,
    startedAt: r.started_at, finishedAt: r.finished_at, exitCode: r.exit_code,
  };
}

export function insertContainer(db: Database, c: ContainerRecord): void {
  db.prepare(`INSERT INTO containers(id, name, image_id, image_ref, created_ms, spec, storage, state, pid, monitor, started_at, finished_at, exit_code)
    VALUES (@id, @name, @imageId, @imageRef, @createdMs, @spec, @storage, @state, @pid, @monitor, @startedAt, @finishedAt, @exitCode)`).run(c);
}

export function getContainer(db: Database, id: string): ContainerRecord | undefined {
  const row = db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as Row | undefined;
  return row === undefined ? undefined : fromRow(row);
}

export function listContainers(db: Database): ContainerRecord[] {
  return (db.prepare('SELECT * FROM containers ORDER BY created_ms DESC, id').all() as Row[]).map(fromRow);
}

/** IDs of containers whose name is `name`, or whose ID is or starts with `idPrefix`. */
export function findContainers(db: Database, name: string, idPrefix: string | undefined): { byName: string | undefined; byId: string[] } {
  const byName = db.prepare('SELECT id FROM containers WHERE name = ?').pluck().get(name) as string | undefined;
  const byId = idPrefix === undefined ? [] : db.prepare('SELECT id FROM containers WHERE id >= ? AND id < ? ORDER BY id LIMIT 2').pluck().all(idPrefix, `${idPrefix}g`) as string[];
  return { byName, byId };
}

export type ContainerUpdate = Partial<Pick<ContainerRecord, 'state' | 'pid' | 'monitor' | 'startedAt' | 'finishedAt' | 'exitCode'>>;

const COLUMNS: Record<keyof ContainerUpdate, string> = {
  state: 'state', pid: 'pid', monitor: 'monitor', startedAt: 'started_at', finishedAt: 'finished_at', exitCode: 'exit_code',
};

export function updateContainer(db: Database, id: string, update: ContainerUpdate): void {
  const keys = Object.keys(update) as Array<keyof ContainerUpdate>;
  if (keys.length === 0) return;
  const sets = keys.map((k) => `${COLUMNS[k]} = @${k}`).join(', ');
  db.prepare(`UPDATE containers SET ${sets} WHERE id = @id`).run({ ...update, id });
}

export function deleteContainerRecord(db: Database, id: string): boolean {
  return db.prepare('DELETE FROM containers WHERE id = ?').run(id).changes > 0;
}

export function containersUsingImage(db: Database, imageId: string): ContainerRecord[] {
  return (db.prepare('SELECT * FROM containers WHERE image_id = ? ORDER BY created_ms').all(imageId) as Row[]).map(fromRow);
}
