/** Gives a container a new name, as `docker rename` does: unique, Docker's characters, never the name it has. */
import { BerthError } from '../../internal/errors.js';
import { containerNamed, renameContainerRecord, type ContainerRecord } from '../../store/containers.js';
import type { Store } from '../../store/store.js';
import { checkName } from './container-spec.js';

export function renameContainer(store: Store, record: ContainerRecord, newName: string): void {
  const name = checkName(newName);
  if (name === record.name) {
    throw new BerthError('invalid_argument', 'CONTAINER_NAME_SAME', 'Renaming a container with the same name as its current name');
  }
  store.transaction(() => {
    const holder = containerNamed(store, name);
    if (holder !== undefined) {
      throw new BerthError('conflict', 'CONTAINER_NAME_IN_USE', `Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    // The row may be gone since it was resolved (a concurrent rm, or --rm): say so rather than rename nothing.
    if (!renameContainerRecord(store, record.id, name)) throw new BerthError('not_found', 'CONTAINER_NOT_FOUND', `No such container: ${record.id}`);
  });
}
