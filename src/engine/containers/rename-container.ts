/** Gives a container a new name, as `docker rename` does: unique, Docker's characters, never the name it has. */
import { BerthError } from '../../internal/errors.js';
import type { ContainerRecord } from '../../store/metadata/containers.js';
import type { Store } from '../../store/store.js';
import { checkName } from './container-spec.js';

export function renameContainer(store: Store, record: ContainerRecord, newName: string): void {
  const name = checkName(newName);
  if (name === record.name) {
    throw new BerthError('invalid_argument', 'CONTAINER_NAME_SAME', 'Renaming a container with the same name as its current name');
  }
  store.transaction(() => {
    const holder = store.db.prepare('SELECT id FROM containers WHERE name = ?').pluck().get(name) as string | undefined;
    if (holder !== undefined) {
      throw new BerthError('conflict', 'CONTAINER_NAME_IN_USE', `Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    // The row may be gone since it was resolved (a concurrent rm, or --rm): say so rather than rename nothing.
    const changed = store.db.prepare('UPDATE containers SET name = ? WHERE id = ?').run(name, record.id).changes;
    if (changed === 0) throw new BerthError('not_found', 'CONTAINER_NOT_FOUND', `No such container: ${record.id}`);
  });
}
