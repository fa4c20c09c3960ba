/** Finds a container by name, full ID or unique ID prefix, as Docker does. */
import { BerthError } from '../../internal/errors.js';
import { findContainers, getContainer, type ContainerRecord } from '../../store/containers.js';
import type { Store } from '../../store/store.js';

export function noSuchContainer(input: string): BerthError {
  return new BerthError('not_found', 'CONTAINER_NOT_FOUND', `No such container: ${input}`, { hint: 'Run "berth ps -a" to list containers' });
}

export function resolveContainer(store: Store, input: string): ContainerRecord {
  const name = input.startsWith('/') ? input.slice(1) : input;
  const prefix = /^[a-f0-9]{1,64}$/.test(input) ? input : undefined;
  const { byName, byId } = findContainers(store, name, prefix);
  const exact = byId.find((id) => id === input);
  const id = exact ?? byName ?? (byId.length === 1 ? byId[0] : undefined);
  if (id === undefined) {
    if (byId.length > 1) {
      throw new BerthError('invalid_argument', 'CONTAINER_AMBIGUOUS', `Cannot resolve "${input}": multiple IDs found with provided prefix`, { hint: 'Type more characters of the ID, or use the name' });
    }
    throw noSuchContainer(input);
  }
  return getContainer(store, id)!;
}
