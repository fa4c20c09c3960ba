/** `berth ps`: containers, newest first, with their state refreshed from reality first. */
import { directorySize } from '../../container/rootfs/dir-size.js';
import { vfsChangedSize } from '../../container/rootfs/vfs-root.js';
import { containerPaths } from '../../container/container-paths.js';
import { getContainer, listContainers, type ContainerRecord } from '../../store/containers.js';
import { getImage } from '../../store/images.js';
import type { ContainerHost } from './container-host.js';
import { imageLayerDirs } from './image-layer-dirs.js';
import { dockerState, isPaused } from './pause-container.js';
import { containerLabels, imageRuntimeConfig } from './container-config.js';
import { specOf } from './container-spec.js';
import { refreshContainer } from './container-exit.js';
import { resolveImage } from '../resolve-image.js';
import { isBerthError } from '../../internal/errors.js';

export interface ContainerRow {
  record: ContainerRecord;
  /** Frozen by `berth pause` (Docker's state "paused"). */
  paused: boolean;
  /** The container's labels over its image's (with `labels`, or a label filter). */
  labels: Record<string, string> | undefined;
  /**
   * What Docker's daemon lists as the image: the reference the container was created with
   * while it still names the container's image, else the image's ID (a tag moved to another
   * image, or removed).
   */
  image: string;
  /** Path and args joined, as Docker's COMMAND column. */
  command: string;
  /** Bytes in the writable layer, and the image's size (only with `sizes`). */
  size: number | undefined;
  virtualSize: number | undefined;
}

export interface ListContainersOptions {
  all: boolean;
  sizes: boolean;
  filters: Array<{ key: 'status' | 'name' | 'id' | 'ancestor' | 'label' | 'exited'; value: string }>;
  /** Only the N most recently created (any state, as Docker's -n and -l). */
  last?: number;
  /** Fill in each row's labels (the image's and the container's); a label filter does too. */
  labels?: boolean;
}

function matches(record: ContainerRecord, paused: boolean, labels: Record<string, string> | undefined, filter: ListContainersOptions['filters'][number]): boolean {
  switch (filter.key) {
    case 'exited':
      return record.state === 'exited' && record.exitCode === Number(filter.value);
    case 'label': {
      // label=KEY: has the label; label=KEY=VALUE: has it with that value.
      const eq = filter.value.indexOf('=');
      const key = eq < 0 ? filter.value : filter.value.slice(0, eq);
      return labels !== undefined && key in labels && (eq < 0 || labels[key] === filter.value.slice(eq + 1));
    }
    case 'status':
      return dockerState(record, paused) === filter.value;
    case 'name':
      return record.name.includes(filter.value.replace(/^\//, ''));
    case 'id':
      return record.id.startsWith(filter.value);
    case 'ancestor':
      return record.imageRef === filter.value || record.imageId === filter.value || record.imageId.slice(7).startsWith(filter.value);
  }
}

export async function listContainerRows(host: ContainerHost, options: ListContainersOptions): Promise<ContainerRow[]> {
  const rows: ContainerRow[] = [];
  // Containers of one image share its config: read it once per listing.
  const imageConfigs = new Map<string, Promise<Record<string, unknown>>>();
  const shown = new Map<string, string>();
  // Newest first: -n N keeps the first N, whatever their state.
  const records = listContainers(host.store);
  for (const record of options.last === undefined ? records : records.slice(0, options.last)) {
    const current = await refreshContainer(host, record);
    if (getContainer(host.store, current.id) === undefined) continue; // it just exited and was --rm
    const statusFilter = options.filters.some((f) => f.key === 'status');
    if (!options.all && options.last === undefined && !statusFilter && current.state !== 'running') continue;
    const paused = isPaused(host, current);
    const labels = options.labels === true || options.filters.some((f) => f.key === 'label') ? await labelsOf(host, current, imageConfigs) : undefined;
    if (!options.filters.every((f) => matches(current, paused, labels, f))) continue;
    const spec = specOf(current);
    let size: number | undefined;
    let virtualSize: number | undefined;
    if (options.sizes) {
      const paths = containerPaths(host.store.layout.containers, current.id);
      size = current.storage === 'vfs'
        ? await vfsChangedSize(imageLayerDirs(host.store, current.imageId), paths.rootfs)
        : await directorySize(paths.upper);
      virtualSize = size + (getImage(host.store, current.imageId)?.size ?? 0);
    }
    rows.push({ record: current, paused, labels, image: imageShown(host, current, shown), command: spec.args.join(' '), size, virtualSize });
  }
  return rows;
}

/** The reference a container was created with if it still names the container's image, else the image ID (memoised per listing in `shown`). */
function imageShown(host: ContainerHost, record: ContainerRecord, shown: Map<string, string>): string {
  const key = `${record.imageRef}\0${record.imageId}`;
  let image = shown.get(key);
  if (image === undefined) {
    let id: string | undefined;
    try {
      id = resolveImage(host.store, record.imageRef, { create: false }).id;
    } catch (err) {
      if (!isBerthError(err)) throw err;
    }
    image = id === record.imageId ? record.imageRef : record.imageId;
    shown.set(key, image);
  }
  return image;
}

async function labelsOf(host: ContainerHost, record: ContainerRecord, imageConfigs: Map<string, Promise<Record<string, unknown>>>): Promise<Record<string, string>> {
  let image = imageConfigs.get(record.imageId);
  if (image === undefined) {
    // A config missing or damaged (a coded error) shows no image labels; anything else is not expected.
    image = imageRuntimeConfig(host.store, record.imageId).catch((err: unknown) => {
      if (!isBerthError(err)) throw err;
      return {};
    });
    imageConfigs.set(record.imageId, image);
  }
  return containerLabels(specOf(record), await image);
}
