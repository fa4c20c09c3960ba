/**
 * `berth system df`: what the store holds, as Docker counts it. Images: the size of every
 * distinct layer once (shared layers are not counted twice), active when a container uses the
 * image, reclaimable = the layers no container's image needs. Containers: their writable
 * layers, active when running, reclaimable when stopped.
 */
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
  const db = host.store.db;
  const images = db.prepare('SELECT count(*) FROM images').pluck().get() as number;
  const activeImages = db.prepare('SELECT count(DISTINCT image_id) FROM containers WHERE image_id IN (SELECT id FROM images)').pluck().get() as number;
  const layerBytes = db.prepare('SELECT coalesce(sum(size), 0) FROM layers WHERE diff_id IN (SELECT diff_id FROM image_layers)').pluck().get() as number;
  const neededBytes = db.prepare(`SELECT coalesce(sum(size), 0) FROM layers WHERE diff_id IN
    (SELECT il.diff_id FROM image_layers il JOIN containers c ON c.image_id = il.image_id)`).pluck().get() as number;
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
