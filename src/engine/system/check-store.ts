/**
 * `berth system check [--repair]`: verifies the whole store against its own rules
 * (docs/on-disk-layout.md) and, when asked, removes what is unreachable or half-written.
 *
 * - blobs: every recorded blob is on disk with its size and digest (read and hashed in full);
 *   every file in blobs/sha256 is recorded;
 * - references: tags -> images -> configs and layers (rows, blobs, diff IDs as the config lists
 *   them, chain IDs) and containers -> images;
 * - leftovers: ingest directories and unpacks of dead processes, trash, unused unpacked layers,
 *   container directories without a record, mounts below the store that no container owns;
 * - the database's own integrity and foreign keys.
 *
 * Repairs only ever remove leftovers, and they run inside the store's write transaction where a
 * concurrent writer could otherwise race them: a blob another process has just moved in but not
 * yet committed is invisible to a check that holds the write lock, so it is never collected.
 * Nothing that is complete is touched: a damaged blob is reported with the images that use it,
 * and left for the user to decide (`rmi`, then `load` again).
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { removeDeepTreeSync } from '../../internal/remove-deep-tree.js';
import { listDirectory } from '../../internal/fs.js';
import { isIdentityAlive } from '../../internal/process-identity.js';
import type { Digest } from '../../digest/digest.js';
import { chainIds } from '../../digest/sha256.js';
import { parseConfig } from '../../image/config.js';
import { familiarTagName } from '../../image/reference.js';
import { containerPaths } from '../../container/container-paths.js';
import { mountPointsUnder } from '../../container/rootfs/mount-table.js';
import { unmount } from '../../container/rootfs/overlay.js';
import { parseLayersDirName } from '../../store/layers-dir.js';
import { blobKind, blobUsers, isBlobRecorded, listBlobs, type BlobRecord } from '../../store/blobs.js';
import { hasImage, imageLayers, isChainUsed, listImageRecords } from '../../store/images.js';
import { countLayers, hasLayer } from '../../store/layers.js';
import { countTags } from '../../store/tags.js';
import { hasContainer, listContainers } from '../../store/containers.js';
import type { ContainerHost } from '../containers/container-host.js';
import { isCleanerAlive, isRetiredDirName, sweepRetiredContainers } from '../containers/container-exit.js';
import { findRuntimeLeftovers, repairRuntimeLeftovers, runtimeFindingGone } from './check-runtime.js';

export interface Finding {
  /** Stable name of the kind of problem (docs/errors.md lists them under "system check"). */
  code: string;
  /** What it is about: a digest, an image ID, a path. */
  subject: string;
  message: string;
  /** True when `--repair` removes it. */
  repairable: boolean;
}

export interface CheckReport {
  findings: Finding[];
  /** Findings that `--repair` fixed. */
  repaired: Finding[];
  counts: { blobs: number; blobBytes: number; images: number; tags: number; layers: number; containers: number };
}

export interface CheckOptions {
  repair: boolean;
  onProgress?: (bytesVerified: number, totalBytes: number) => void;
}

const HEX64 = /^[a-f0-9]{64}$/;

export async function checkStore(host: ContainerHost, options: CheckOptions): Promise<CheckReport> {
  const store = host.store;
  const findings: Finding[] = [];
  const repaired: Finding[] = [];
  const add = (code: string, subject: string, message: string, repairable = false): Finding => {
    const f = { code, subject, message, repairable };
    findings.push(f);
    return f;
  };

  // The database itself.
  const database = store.checkDatabase();
  for (const row of database.integrity) add('DB_CORRUPT', 'metadata.db', `SQLite integrity check: ${row}`);
  for (const row of database.danglingReferences) {
    add('DB_DANGLING_REFERENCE', `${row.table}#${row.rowid}`, `a row of ${row.table} refers to a missing row of ${row.parent}`);
  }

  // Blobs: content, and files nobody recorded.
  const blobs = listBlobs(store);
  const total = blobs.reduce((sum, b) => sum + b.size, 0);
  let verified = 0;
  const damaged = new Set<string>();
  for (const blob of blobs) {
    const problem = await blobProblem(store.blobPath(blob.digest), blob, (n) => options.onProgress?.(verified + n, total));
    verified += blob.size;
    options.onProgress?.(verified, total);
    if (problem === undefined) continue;
    damaged.add(blob.digest);
    const users = blobUsers(store, blob.digest).map((u) => (u.startsWith('sha256:') ? u : familiarTagName(u)));
    add(problem.code, blob.digest, `${blob.kind} blob ${problem.message}${users.length > 0 ? `; used by ${users.slice(0, 5).join(', ')}${users.length > 5 ? ', …' : ''}` : ''}`);
  }

  // References: images and their configs and layers.
  const images = listImageRecords(store);
  for (const image of images) {
    const kind = blobKind(store, image.id);
    if (kind !== 'config') {
      add('IMAGE_CONFIG_MISSING', image.id, kind === undefined ? 'image config blob is not in the store' : `image ID names a ${kind} blob, not a config`);
      continue;
    }
    const rows = imageLayers(store, image.id);
    if (rows.length !== image.layerCount || rows.some((r, i) => r.position !== i)) {
      add('IMAGE_LAYERS_INCOMPLETE', image.id, `image records ${image.layerCount} layers but ${rows.length} layer rows`);
    }
    for (const r of rows) {
      if (!hasLayer(store, r.diffId) || blobKind(store, r.diffId) !== 'layer') add('IMAGE_LAYER_MISSING', image.id, `layer ${r.diffId} (position ${r.position}) is not in the store`);
    }
    const chains = chainIds(rows.map((r) => r.diffId));
    if (rows.some((r, i) => r.chainId !== chains[i]) || (rows.length > 0 && image.topChainId !== chains.at(-1))) {
      add('IMAGE_CHAIN_MISMATCH', image.id, 'recorded chain IDs do not follow from the diff IDs');
    }
    if (damaged.has(image.id)) continue;
    try {
      const config = parseConfig(await store.readSmallBlob(image.id, image.configSize), image.id).config;
      const listed = config.rootfs.diff_ids;
      if (listed.length !== rows.length || listed.some((d, i) => d !== rows[i]!.diffId)) {
        add('IMAGE_DIFF_IDS_MISMATCH', image.id, 'the layers recorded for the image differ from the diff IDs its config lists');
      }
    } catch (err) {
      add('IMAGE_CONFIG_INVALID', image.id, `config cannot be read: ${(err as Error).message}`);
    }
  }
  const containers = listContainers(store);
  for (const c of containers) {
    if (!hasImage(store, c.imageId)) add('CONTAINER_IMAGE_MISSING', c.id, `container ${c.name} uses image ${c.imageId}, which is not in the store`);
  }

  // Leftovers (all repairable), looked for under the write lock: no writer is between its rename and COMMIT.
  store.transaction(() => findLeftovers(host, add));
  findRuntimeLeftovers(host, add);
  if (options.repair) await repair(host, findings, repaired);
  return {
    findings,
    repaired,
    counts: {
      blobs: blobs.length,
      blobBytes: total,
      images: images.length,
      tags: countTags(store),
      layers: countLayers(store),
      containers: containers.length,
    },
  };
}

/** Files, directories and mounts nobody owns any more. Inside the write transaction. */
function findLeftovers(host: ContainerHost, add: (code: string, subject: string, message: string, repairable?: boolean) => Finding): void {
  const store = host.store;
  for (const b of store.unreferencedBlobs()) add('BLOB_UNREFERENCED', b.digest, `${b.kind} blob of ${b.size} bytes is used by no image`, true);
  for (const name of listDirectory(store.layout.blobs)) {
    if (!HEX64.test(name) || !isBlobRecorded(store, `sha256:${name}`)) add('BLOB_STRAY', name, 'file in blobs/sha256 that the store does not record (left by an interrupted write)', true);
  }
  for (const name of listDirectory(store.layout.ingest)) {
    if (!isIdentityAlive(name)) add('INGEST_LEFTOVER', join('ingest', name), 'ingest directory of a process that is gone', true);
  }
  for (const name of listDirectory(store.layout.trash)) add('TRASH_LEFTOVER', join('trash', name), 'deleted blob not yet removed', true);
  for (const name of listDirectory(store.layout.layers)) {
    const entry = parseLayersDirName(name);
    const subject = join('layers', name);
    switch (entry.kind) {
      case 'temporary':
        if (!isIdentityAlive(entry.owner)) add('UNPACK_LEFTOVER', subject, 'half-unpacked layer of a process that is gone', true);
        break;
      case 'trash':
        add('UNPACK_LEFTOVER', subject, 'unpacked layer being deleted', true);
        break;
      case 'view':
        if (!isIdentityAlive(entry.owner)) add('UNPACK_LEFTOVER', subject, 'layer view of a process that is gone', true);
        break;
      case 'index-unusable':
        break; // this kernel cannot mount layer indexes: the store unpacks (a note, not a problem)
      case 'unpacked':
      case 'index':
        if (isChainUsed(store, entry.chainId)) break;
        add('LAYER_DIR_UNUSED', subject, entry.kind === 'index' ? 'layer index that no image uses' : 'unpacked layer that no image uses', true);
        break;
      case 'unknown':
        add('LAYER_DIR_UNUSED', subject, name.endsWith('.erofs') ? 'layer index that no image uses' : 'unpacked layer that no image uses', true);
        break;
    }
  }
  for (const name of listDirectory(store.layout.containers)) {
    if (HEX64.test(name) && hasContainer(store, name)) continue;
    if (isRetiredDirName(name) && isCleanerAlive(join(store.layout.containers, name))) continue;
    add('CONTAINER_DIR_LEFTOVER', join('containers', name), isRetiredDirName(name) ? 'removed container still being deleted' : 'container directory without a container record', true);
  }
  for (const c of listContainers(store)) {
    try {
      statSync(containerPaths(store.layout.containers, c.id).dir);
    } catch {
      add('CONTAINER_DIR_MISSING', c.id, `container ${c.name} has no directory (remove it with berth rm -f)`);
    }
  }
  for (const mountPoint of mountPointsUnder(store.layout.base)) {
    const owner = /\/containers\/([a-f0-9]{64})\/rootfs$/.exec(mountPoint)?.[1];
    if (owner !== undefined && hasContainer(store, owner)) continue;
    // A layer view lives while its berth mounts a container's root (layer-views.ts).
    const viewer = basename(dirname(mountPoint)) === 'layers' ? parseLayersDirName(basename(mountPoint)) : undefined;
    if (viewer?.kind === 'view' && isIdentityAlive(viewer.owner)) continue;
    add('MOUNT_LEFTOVER', mountPoint, 'mount below the store that no container owns', true);
  }

}

async function repair(host: ContainerHost, findings: Finding[], repaired: Finding[]): Promise<void> {
  const store = host.store;
  const fixable = findings.filter((f) => f.repairable);
  if (fixable.length === 0) return;
  const codes = new Set(fixable.map((f) => f.code));
  const subjects = new Map<string, string[]>();
  for (const f of fixable) subjects.set(f.code, [...(subjects.get(f.code) ?? []), f.subject]);
  // Monitors and runtime state first: they hold mounts and container directories.
  await repairRuntimeLeftovers(host, subjects);
  // Mounts first: a leftover container directory may hold one.
  for (const f of fixable.filter((x) => x.code === 'MOUNT_LEFTOVER')) {
    await unmount(f.subject);
  }
  if (codes.has('CONTAINER_DIR_LEFTOVER')) await sweepRetiredContainers(host);
  let trashed: Digest[] = [];
  let layerDirs: string[] = [];
  store.transaction(() => {
    if (codes.has('BLOB_UNREFERENCED')) trashed = store.dropUnreferencedBlobs().map((b) => b.digest);
    if (codes.has('BLOB_STRAY')) store.dropStrayBlobFiles();
    if (codes.has('LAYER_DIR_UNUSED')) layerDirs = store.dropUnusedLayerDirs();
  });
  store.emptyTrash(trashed);
  for (const dir of layerDirs) removeDeepTreeSync(dir);
  for (const f of fixable) {
    if (f.code === 'INGEST_LEFTOVER' || f.code === 'UNPACK_LEFTOVER' || f.code === 'TRASH_LEFTOVER') {
      removeDeepTreeSync(join(store.layout.base, f.subject));
    } else if (f.code === 'CONTAINER_DIR_LEFTOVER') {
      // what the sweep left (a cleaner still alive is its own business)
      const path = join(store.layout.base, f.subject);
      if (mountPointsUnder(path).length === 0 && !isCleanerAlive(path)) removeDeepTreeSync(path);
    }
  }
  // What is gone now is repaired; check each finding's subject again.
  for (const f of fixable) if (isGone(host, f)) repaired.push(f);
}

function isGone(host: ContainerHost, f: Finding): boolean {
  const store = host.store;
  switch (f.code) {
    case 'BLOB_UNREFERENCED':
      return !isBlobRecorded(store, f.subject);
    case 'BLOB_STRAY':
      return !exists(join(store.layout.blobs, f.subject));
    case 'MOUNT_LEFTOVER':
      return !mountPointsUnder(f.subject).includes(f.subject);
    case 'START_INTERRUPTED':
    case 'MONITOR_LEFTOVER':
    case 'RUNTIME_LEFTOVER':
      return runtimeFindingGone(host, f.code, f.subject);
    default:
      return !exists(join(store.layout.base, f.subject));
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Hashes the blob file in full; undefined when it is whole. */
async function blobProblem(path: string, blob: BlobRecord, onBytes: (n: number) => void): Promise<{ code: string; message: string } | undefined> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return { code: 'BLOB_MISSING', message: 'is missing from blobs/sha256' };
  }
  if (size !== blob.size) return { code: 'BLOB_SIZE_MISMATCH', message: `has ${size} bytes, ${blob.size} recorded` };
  const hash = createHash('sha256');
  let seen = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    seen += chunk.length;
    onBytes(seen);
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== blob.digest) return { code: 'BLOB_CORRUPT', message: `content does not match its digest (it hashes to ${actual.slice(0, 19)}…)` };
  return undefined;
}

