/**
 * `berth system df`: what the store holds, as Docker counts it. Images: the size of every
 * distinct layer once (shared layers are not counted twice), active when a container uses the
 * image, reclaimable = the layers no container's image needs. Containers: their writable
 * layers, active when running, reclaimable when stopped.
 */
import { imageUsage } from '../../store/images.js';
import type { ContainerHost } from '../containers/container-host.js';
import { listContainerRows } from '../containers/list-containers.js';

export interface UsageRow {
  type: 'Images' | 'Containers' | 'Local Volumes' | 'Build Cache';
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

export async function diskUsage(host: ContainerHost): Promise<UsageRow[]> {
  const { images, activeImages, layerBytes, neededBytes } = imageUsage(host.store);
  const rows = await listContainerRows(host, { all: true, sizes: true, filters: [] });
  const containerBytes = rows.reduce((sum, r) => sum + (r.size ?? 0), 0);
  const stoppedBytes = rows.filter((r) => r.record.state !== 'running').reduce((sum, r) => sum + (r.size ?? 0), 0);
  return [
    { type: 'Images', total: images, active: activeImages, size: layerBytes, reclaimable: layerBytes - neededBytes },
    { type: 'Containers', total: rows.length, active: rows.filter((r) => r.record.state === 'running').length, size: containerBytes, reclaimable: stoppedBytes },
    { type: 'Local Volumes', total: 0, active: 0, size: 0, reclaimable: 0 },
    { type: 'Build Cache', total: 0, active: 0, size: 0, reclaimable: 0 },
  ];
}
