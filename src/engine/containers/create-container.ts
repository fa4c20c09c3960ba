/** `berth create`: a container record and its directories; nothing runs until start. */
import { mkdirSync } from 'node:fs';
import { BerthError } from '../../internal/errors.js';
import { parseConfig } from '../../image/config.js';
import { containerPaths } from '../../container/container-paths.js';
import { containerNamed, insertContainer, type ContainerRecord } from '../../store/containers.js';
import { getImage } from '../../store/images.js';
import { resolveImage } from '../resolve-image.js';
import type { ContainerHost } from './container-host.js';
import { sweepRetiredContainers } from './container-exit.js';
import { buildContainerSpec, checkName, newContainerId, newContainerName, type CreateRequest } from './container-spec.js';

export interface CreateOptions extends CreateRequest {
  image: string;
  name: string | undefined;
  /** overlay: an overlay mount over the shared layers; vfs: a private copy, built on first start. */
  storage: ContainerRecord['storage'];
  /** Remarks for stderr (an IMAGE~N whose config is not known). */
  onNote?: (note: string) => void;
}

export async function createContainer(host: ContainerHost, options: CreateOptions): Promise<ContainerRecord> {
  const { store } = host;
  await sweepRetiredContainers(host);
  const { id: imageId } = resolveImage(store, options.image, options.onNote === undefined ? {} : { onNote: options.onNote });
  const image = getImage(store, imageId);
  if (image === undefined) throw new BerthError('not_found', 'IMAGE_NOT_FOUND', `No such image: ${options.image}`);
  const config = parseConfig(await store.readSmallBlob(image.id, image.configSize), imageId).config;
  const id = newContainerId();
  const spec = buildContainerSpec(id, config, options);
  const wanted = options.name === undefined ? undefined : checkName(options.name);
  const record = store.transaction((): ContainerRecord => {
    if (wanted !== undefined) {
      const holder = containerNamed(store, wanted);
      if (holder !== undefined) {
        throw new BerthError('conflict', 'CONTAINER_NAME_IN_USE', `Conflict. The container name "/${wanted}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
      }
    }
    const name = wanted ?? newContainerName((n) => containerNamed(store, n) !== undefined);
    const rec: ContainerRecord = {
      id, name, imageId, imageRef: options.image, createdMs: Date.now(), spec: JSON.stringify(spec), storage: options.storage,
      state: 'created', pid: null, monitor: null, startedAt: null, finishedAt: null, exitCode: null,
    };
    insertContainer(store, rec);
    return rec;
  });
  const paths = containerPaths(store.layout.containers, id);
  const dirs = options.storage === 'overlay' ? [paths.upper, paths.work, paths.rootfs] : [paths.dir];
  for (const dir of dirs) mkdirSync(dir, { recursive: true, mode: 0o755 });
  return record;
}
