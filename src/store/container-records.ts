/**
 * The container records the image side needs (rmi's checks, system check), asked of the store
 * like everything else. A bridge over metadata/containers.ts until the container records are
 * asked of the store like images are (that module still takes the database handle).
 */
import type { Store } from './store.js';
import { databaseOf } from './store.js';
import { containersUsingImage, getContainer, listContainers, type ContainerRecord } from './metadata/containers.js';

/** The containers whose image is `imageId`, oldest first. */
export function containersOfImage(store: Store, imageId: string): ContainerRecord[] {
  return containersUsingImage(databaseOf(store), imageId);
}

/** Every container, newest first. */
export function allContainerRecords(store: Store): ContainerRecord[] {
  return listContainers(databaseOf(store));
}

export function hasContainerRecord(store: Store, id: string): boolean {
  return getContainer(databaseOf(store), id) !== undefined;
}
