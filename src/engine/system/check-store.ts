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
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isSystemError } from '../../internal/errors.js';
import { removeDeepTreeSync } from '../../internal/remove-deep-tree.js';
import { isIdentityAlive } from '../../internal/process-identity.js';
import type { Digest } from '../../digest/digest.js';
import { chainIds } from '../../digest/sha256.js';
import { parseConfig } from '../../image/config.js';
import { familiarTagName } from '../../image/reference.js';
import { containerPaths } from '../../container/container-paths.js';
import { mountPointsUnder } from '../../container/rootfs/mount-table.js';
import { unmount } from '../../container/rootfs/overlay.js';
import { parseLayersDirName } from '../../store/layers-dir.js';
import type { ContainerHost } from '../containers/container-host.js';
import { isCleanerAlive, isRetiredDirName, sweepRetiredContainers } from '../containers/container-exit.js';

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

interface BlobRow { digest: Digest; size: number; kind: string }

const HEX64 = /^[a-f0-9]{64}$/;

export async function checkStore(host: ContainerHost, options: CheckOptions): Promise<CheckReport> {
  const store = host.store;
  const db = store.db;
  const findings: Finding[] = [];
  const repaired: Finding[] = [];
  const add = (code: string, subject: string, message: string, repairable = false): Finding => {
    const f = { code, subject, message, repairable };
    findings.push(f);
    return f;
  };

  // The database itself.
  for (const row of db.prepare('PRAGMA quick_check').pluck().all() as string[]) {
    if (row !== 'ok') add('DB_CORRUPT', 'metadata.db', `SQLite integrity check: ${row}`);
  }
  for (const row of db.prepare('PRAGMA foreign_key_check').all() as Array<{ table: string; rowid: number; parent: string }>) {
    add('DB_DANGLING_REFERENCE', `${row.table}#${row.rowid}`, `a row of ${row.table} refers to a missing row of ${row.parent}`);
  }

  // Blobs: content, and files nobody recorded.
  const blobs = db.prepare('SELECT digest, size, kind FROM blobs ORDER BY digest').all() as BlobRow[];
  const total = blobs.reduce((sum, b) => sum + b.size, 0);
  const usersOf = db.prepare(`SELECT DISTINCT coalesce((SELECT name FROM tags t WHERE t.image_id = i.id ORDER BY name LIMIT 1), i.id) FROM images i
    WHERE i.id = ? OR EXISTS (SELECT 1 FROM image_layers l WHERE l.image_id = i.id AND l.diff_id = ?)`).pluck();
  let verified = 0;
  const damaged = new Set<string>();
  for (const blob of blobs) {
    const problem = await blobProblem(store.blobPath(blob.digest), blob, (n) => options.onProgress?.(verified + n, total));
    verified += blob.size;
    options.onProgress?.(verified, total);
    if (problem === undefined) continue;
    damaged.add(blob.digest);
    const users = (usersOf.all(blob.digest, blob.digest) as string[]).map((u) => (u.startsWith('sha256:') ? u : familiarTagName(u)));
    add(problem.code, blob.digest, `${blob.kind} blob ${problem.message}${users.length > 0 ? `; used by ${users.slice(0, 5).join(', ')}${users.length > 5 ? ', …' : ''}` : ''}`);
  }

  // References: images and their configs and layers.
  const images = db.prepare('SELECT id, config_size, layer_count, top_chain_id FROM images').all() as Array<{ id: Digest; config_size: number; layer_count: number; top_chain_id: string | null }>;
  const blobKind = db.prepare('SELECT kind FROM blobs WHERE digest = ?').pluck();
  const layerRow = db.prepare('SELECT 1 FROM layers WHERE diff_id = ?').pluck();
  const layersOf = db.prepare('SELECT position, diff_id, chain_id FROM image_layers WHERE image_id = ? ORDER BY position');
  for (const image of images) {
    const kind = blobKind.get(image.id) as string | undefined;
    if (kind !== 'config') {
      add('IMAGE_CONFIG_MISSING', image.id, kind === undefined ? 'image config blob is not in the store' : `image ID names a ${kind} blob, not a config`);
      continue;
    }
    const rows = layersOf.all(image.id) as Array<{ position: number; diff_id: Digest; chain_id: Digest }>;
    if (rows.length !== image.layer_count || rows.some((r, i) => r.position !== i)) {
      add('IMAGE_LAYERS_INCOMPLETE', image.id, `image records ${image.layer_count} layers but ${rows.length} layer rows`);
    }
    for (const r of rows) {
      if (layerRow.get(r.diff_id) === undefined || blobKind.get(r.diff_id) !== 'layer') add('IMAGE_LAYER_MISSING', image.id, `layer ${r.diff_id} (position ${r.position}) is not in the store`);
    }
    const chains = chainIds(rows.map((r) => r.diff_id));
    if (rows.some((r, i) => r.chain_id !== chains[i]) || (rows.length > 0 && image.top_chain_id !== chains.at(-1))) {
      add('IMAGE_CHAIN_MISMATCH', image.id, 'recorded chain IDs do not follow from the diff IDs');
    }
    if (damaged.has(image.id)) continue;
    try {
      const config = parseConfig(await store.readSmallBlob(image.id, image.config_size), image.id).config;
      const listed = config.rootfs.diff_ids;
      if (listed.length !== rows.length || listed.some((d, i) => d !== rows[i]!.diff_id)) {
        add('IMAGE_DIFF_IDS_MISMATCH', image.id, 'the layers recorded for the image differ from the diff IDs its config lists');
      }
    } catch (err) {
      add('IMAGE_CONFIG_INVALID', image.id, `config cannot be read: ${(err as Error).message}`);
    }
  }
  for (const c of db.prepare('SELECT id, name, image_id FROM containers WHERE image_id NOT IN (SELECT id FROM images)').all() as Array<{ id: string; name: string; image_id: string }>) {
    add('CONTAINER_IMAGE_MISSING', c.id, `container ${c.name} uses image ${c.image_id}, which is not in the store`);
  }

  // Leftovers (all repairable), looked for under the write lock: no writer is between its rename and COMMIT.
  store.transaction(() => findLeftovers(host, add));
  if (options.repair) await repair(host, findings, repaired);
  return {
    findings,
    repaired,
    counts: {
      blobs: blobs.length,
      blobBytes: total,
      images: images.length,
      tags: db.prepare('SELECT count(*) FROM tags').pluck().get() as number,
      layers: db.prepare('SELECT count(*) FROM layers').pluck().get() as number,
      containers: db.prepare('SELECT count(*) FROM containers').pluck().get() as number,
    },
  };
}

/** Files, directories and mounts nobody owns any more. Inside the write transaction. */
function findLeftovers(host: ContainerHost, add: (code: string, subject: string, message: string, repairable?: boolean) => Finding): void {
  const store = host.store;
  const db = store.db;
  for (const b of store.unreferencedBlobs()) add('BLOB_UNREFERENCED', b.digest, `${b.kind} blob of ${b.size} bytes is used by no image`, true);
  const recorded = db.prepare('SELECT 1 FROM blobs WHERE digest = ?').pluck();
  for (const name of listDir(store.layout.blobs)) {
    if (!HEX64.test(name) || recorded.get(`sha256:${name}`) === undefined) add('BLOB_STRAY', name, 'file in blobs/sha256 that the store does not record (left by an interrupted write)', true);
  }
  for (const name of listDir(store.layout.ingest)) {
    if (!isIdentityAlive(name)) add('INGEST_LEFTOVER', join('ingest', name), 'ingest directory of a process that is gone', true);
  }
  for (const name of listDir(store.layout.trash)) add('TRASH_LEFTOVER', join('trash', name), 'deleted blob not yet removed', true);
  const usedChain = db.prepare('SELECT 1 FROM image_layers WHERE chain_id = ? LIMIT 1').pluck();
  for (const name of listDir(store.layout.layers)) {
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
        if (usedChain.get(entry.chainId) !== undefined) break;
        add('LAYER_DIR_UNUSED', subject, entry.kind === 'index' ? 'layer index that no image uses' : 'unpacked layer that no image uses', true);
        break;
      case 'unknown':
        add('LAYER_DIR_UNUSED', subject, name.endsWith('.erofs') ? 'layer index that no image uses' : 'unpacked layer that no image uses', true);
        break;
    }
  }
  const containerRow = db.prepare('SELECT 1 FROM containers WHERE id = ?').pluck();
  for (const name of listDir(store.layout.containers)) {
    if (HEX64.test(name) && containerRow.get(name) !== undefined) continue;
    if (isRetiredDirName(name) && isCleanerAlive(join(store.layout.containers, name))) continue;
    add('CONTAINER_DIR_LEFTOVER', join('containers', name), isRetiredDirName(name) ? 'removed container still being deleted' : 'container directory without a container record', true);
  }
  for (const c of db.prepare('SELECT id, name FROM containers').all() as Array<{ id: string; name: string }>) {
    try {
      statSync(containerPaths(store.layout.containers, c.id).dir);
    } catch {
      add('CONTAINER_DIR_MISSING', c.id, `container ${c.name} has no directory (remove it with berth rm -f)`);
    }
  }
  for (const mountPoint of mountPointsUnder(store.layout.base)) {
    const owner = /\/containers\/([a-f0-9]{64})\/rootfs$/.exec(mountPoint)?.[1];
    if (owner !== undefined && containerRow.get(owner) !== undefined) continue;
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
      return store.db.prepare('SELECT 1 FROM blobs WHERE digest = ?').get(f.subject) === undefined;
    case 'BLOB_STRAY':
      return !exists(join(store.layout.blobs, f.subject));
    case 'MOUNT_LEFTOVER':
      return !mountPointsUnder(f.subject).includes(f.subject);
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

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if (isSystemError(err, 'ENOENT')) return [];
    throw err;
  }
}

/** Hashes the blob file in full; undefined when it is whole. */
async function blobProblem(path: string, blob: BlobRow, onBytes: (n: number) => void): Promise<{ code: string; message: string } | undefined> {
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

