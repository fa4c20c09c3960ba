/**
 * `berth start`: unpack the image's layers (once, shared), mount the container's overlay
 * root, write its OCI bundle, and hand it to conmon, which creates it with the runtime; then
 * start it. A failure leaves the container created, unmounted, with the runtime's message.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../../internal/errors.js';
import { removeDeepTreeSync } from '../../internal/remove-deep-tree.js';
import { processStartTime } from '../../internal/process-identity.js';
import { hexOf, type Digest } from '../../digest/digest.js';
import { containerPaths, exitFile, type ContainerPaths } from '../../container/container-paths.js';
import { hostsFile, resolvConf } from '../../container/etc-files.js';
import { mountOverlay, isMounted } from '../../container/rootfs/overlay.js';
import { layerDir, unpackLayer } from '../../container/rootfs/unpack-layer.js';
import { buildVfsRoot } from '../../container/rootfs/vfs-root.js';
import { buildLayerIndex, erofsUsable, indexPath, isIndexUnsupported, markIndexUnusable } from '../../container/rootfs/erofs/layer-index.js';
import { verifyBlobFile } from '../../store/content/verify-blob.js';
import { isAbandonedLayerWork, parseLayersDirName } from '../../store/layers-dir.js';
import { LayerViews, sweepAbandonedViews, type LayerRef } from '../../container/rootfs/layer-views.js';
import { resolveUser } from '../../container/rootfs/container-user.js';
import { secureJoin } from '../../container/rootfs/secure-join.js';
import { CreateFailedError, createWithMonitor } from '../../container/runtime/conmon.js';
import { deleteContainer, startContainer as runtimeStart } from '../../container/runtime/oci-runtime.js';
import { getContainer, updateContainer, type ContainerRecord } from '../../store/metadata/containers.js';
import { findConmon, findInit, runtimeFor, type ContainerHost } from './container-host.js';
import { noSuchContainer } from './resolve-container.js';
import { refreshContainer } from './container-exit.js';
import { releaseRuntime } from './release-runtime.js';
import { clearStarting, markStarting } from './interrupted-start.js';
import { runtimeConfig, type HostFiles } from './runtime-config.js';
import { type ContainerSpec, specOf } from './container-spec.js';
import { prepareAnonymousVolumes } from './anonymous-volumes.js';

const PARALLEL_UNPACKS = 2;

/**
 * Prepares every layer of the image that is not ready yet, and returns them base first. A
 * layer is indexed (erofs/layer-index.ts: nothing copied, the first run costs a read of the
 * tar's headers) where the kernel can mount the index and the container is on overlayfs;
 * otherwise, or when the index cannot show the layer as tar would unpack it, it is unpacked.
 * A layer already prepared either way is used as it is.
 */
export async function ensureLayers(host: ContainerHost, imageId: string, options: { directories?: boolean } = {}): Promise<LayerRef[]> {
  const { store } = host;
  const layersDir = store.layout.layers;
  const layers = store.db.prepare(`SELECT il.chain_id, il.diff_id, l.plain, l.tar_size FROM image_layers il JOIN layers l ON l.diff_id = il.diff_id
    WHERE il.image_id = ? ORDER BY il.position`).all(imageId) as Array<{ chain_id: Digest; diff_id: Digest; plain: number | null; tar_size: number }>;
  const index = options.directories !== true && erofsUsable(layersDir);
  const refOf = (l: (typeof layers)[number]): LayerRef | undefined => {
    if (existsSync(layerDir(layersDir, l.chain_id))) return { name: hexOf(l.chain_id) };
    if (index && existsSync(indexPath(layersDir, l.chain_id))) return { name: hexOf(l.chain_id), index: { path: indexPath(layersDir, l.chain_id), blob: store.blobPath(l.diff_id) } };
    return undefined;
  };
  const missing = layers.filter((l) => refOf(l) === undefined);
  if (missing.length > 0) removeAbandonedUnpacks(layersDir);
  // A view left mounted by a killed berth would stay until `system check --repair`: every start looks.
  if (index) sweepAbandonedViews(layersDir);
  const unpack = async (l: (typeof layers)[number]): Promise<void> => {
    await unpackLayer(layersDir, {
      chainId: l.chain_id, diffId: l.diff_id, plain: l.plain === 1, tarSize: l.tar_size,
      blobPath: store.blobPath(l.diff_id), read: () => store.readBlob(l.diff_id, l.tar_size),
    });
  };
  const toUnpack: typeof missing = [];
  for (const l of missing) {
    const blobPath = store.blobPath(l.diff_id);
    const indexed = index && await buildLayerIndex(layersDir, {
      chainId: l.chain_id, diffId: l.diff_id, blobPath, verify: () => verifyBlobFile(blobPath, l.diff_id, l.tar_size),
    });
    if (!indexed) toUnpack.push(l);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < toUnpack.length) await unpack(toUnpack[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_UNPACKS, toUnpack.length) }, worker));
  return layers.map((l) => {
    const ref = refOf(l);
    if (ref === undefined) throw new BerthError('internal', 'LAYER_UNPACK_FAILED', `Cannot prepare layer ${l.diff_id}: it vanished while being prepared`, { hint: 'Try again' });
    return ref;
  });
}

/**
 * Views of the layers for a mount. A kernel that cannot mount an index at all (EROFS built
 * without file-backed mounts) is recorded in the store, and the layers are unpacked instead.
 */
export async function openViews(host: ContainerHost, imageId: string, layers: LayerRef[]): Promise<LayerViews> {
  const layersDir = host.store.layout.layers;
  try {
    return LayerViews.open(layersDir, layers);
  } catch (err) {
    if (!isIndexUnsupported(err)) throw err;
    markIndexUnusable(layersDir, (err as Error).message);
    return LayerViews.open(layersDir, await ensureLayers(host, imageId));
  }
}

/** Temporary directories and indexes of unpacks whose process is gone, and layers set aside by an interrupted rmi. */
function removeAbandonedUnpacks(layersDir: string): void {
  for (const name of readdirSync(layersDir)) {
    if (isAbandonedLayerWork(parseLayersDirName(name))) removeDeepTreeSync(join(layersDir, name));
  }
}

function writeEtcFiles(paths: ContainerPaths, spec: ContainerSpec): void {
  writeFileSync(paths.hosts, hostsFile(spec.hostname, spec.network), { mode: 0o644 });
  writeFileSync(paths.hostname, `${spec.hostname}\n`, { mode: 0o644 });
  writeFileSync(paths.resolvConf, resolvConf(spec.network), { mode: 0o644 });
}

/** Maps the runtime's refusal to Docker's exit codes: 127 not found, 126 not executable, 125 otherwise. */
function createError(err: CreateFailedError, spec: ContainerSpec): BerthError {
  const message = `OCI runtime create failed: ${err.runtimeMessage}`;
  if (/executable file not found|no such file or directory/i.test(err.runtimeMessage)) {
    return new BerthError('failed_precondition', 'COMMAND_NOT_FOUND', message, { hint: `"${spec.args[0]}" is not in the image (or not on its PATH)` });
  }
  if (/permission denied/i.test(err.runtimeMessage)) {
    return new BerthError('failed_precondition', 'COMMAND_NOT_EXECUTABLE', message, { hint: `"${spec.args[0]}" exists but cannot be executed` });
  }
  return new BerthError('failed_precondition', 'RUNTIME_CREATE_FAILED', message);
}

/**
 * conmon's exit command: `berth container cleanup ID`, unless the berth that started the
 * container attached (its pid is in the attached-by file and still running): that one finishes
 * the container itself, and a second node process would only compete with it for the CPU at
 * the moment the user waits. A wrong guess (a recycled pid) costs nothing: the next command
 * that looks at the container finishes it (refreshContainer).
 */
const EXIT_SCRIPT = 'who=$(cat "$1" 2>/dev/null); shift; if [ -n "$who" ] && [ -d "/proc/${who%%-*}" ]; then exit 0; fi; exec "$@"';

export interface StartOptions {
  /**
   * Identity ("pid-starttime") of a berth process that waits for this container and will
   * finish it itself (so it sees the exit status before --rm removes anything). While that
   * process lives, conmon's exit command leaves the container alone.
   */
  attachedBy?: string;
  /** Runs after the container is created and before it starts (to attach without missing output). */
  beforeStart?: (record: ContainerRecord) => Promise<void>;
}

/**
 * Starts the container; conmon runs berth's cleanup when it exits (state, unmount, --rm) unless
 * an attached berth does. The start is recorded while it runs (interrupted-start.ts), so that a
 * berth killed half-way leaves nothing the next command cannot finish or undo.
 */
export async function startContainer(host: ContainerHost, record: ContainerRecord, options: StartOptions = {}): Promise<ContainerRecord> {
  const current = await refreshContainer(host, record);
  if (current.state === 'running') return current;
  // Removed meanwhile (--rm, or a concurrent rm): nothing may be made again in its place.
  if (getContainer(host.store.db, current.id) === undefined) throw noSuchContainer(current.id);
  if (!markStarting(host, current.id)) {
    throw new BerthError('conflict', 'CONTAINER_STARTING', `Container ${current.id} is being started by another berth command`, { hint: 'Wait for that command to finish' });
  }
  try {
    return await createAndStart(host, current, options);
  } finally {
    clearStarting(host, current.id);
  }
}

/** Mounts the root, writes the bundle, has conmon create the container, then starts it. A failure leaves it created and unmounted. */
async function createAndStart(host: ContainerHost, current: ContainerRecord, options: StartOptions): Promise<ContainerRecord> {
  const { store } = host;
  const spec = specOf(current);
  const paths = containerPaths(store.layout.containers, current.id);
  const runtime = runtimeFor(host, spec.runtime);
  if (current.storage === 'vfs') {
    const layers = await ensureLayers(host, current.imageId, { directories: true });
    await buildVfsRoot(layers.map((l) => join(store.layout.layers, l.name)), paths.rootfs);
  } else {
    const layers = await ensureLayers(host, current.imageId);
    mkdirSync(paths.upper, { recursive: true });
    mkdirSync(paths.work, { recursive: true });
    mkdirSync(paths.rootfs, { recursive: true });
    if (!isMounted(paths.rootfs)) {
      const views = await openViews(host, current.imageId, layers);
      try {
        await mountOverlay({ layersDir: store.layout.layers, lowerDirs: views.names, upperDir: paths.upper, workDir: paths.work, target: paths.rootfs, volatile: spec.autoRemove, xino: views.indexed });
      } finally {
        views.close();
      }
    }
  }
  try {
    const user = resolveUser(paths.rootfs, spec.user);
    const workdir = secureJoin(paths.rootfs, spec.workdir);
    if (!existsSync(workdir)) mkdirSync(workdir, { recursive: true, mode: 0o755 });
    writeEtcFiles(paths, spec);
    for (const bind of spec.binds) if (!existsSync(bind.source)) mkdirSync(bind.source, { recursive: true });
    const volumeBinds = prepareAnonymousVolumes(paths.volumes, paths.rootfs, spec.anonymousVolumes ?? []);
    const files: HostFiles = {
      rootfs: paths.rootfs, hosts: paths.hosts, hostname: paths.hostname, resolvConf: paths.resolvConf,
      init: spec.init === true ? findInit() : undefined, volumeBinds,
    };
    writeFileSync(paths.config, JSON.stringify(runtimeConfig(current.id, spec, user, files)));
    // Leftovers of an earlier run of this container (or of a berth killed mid-start); the runtime keeps one directory per container.
    if (existsSync(join(host.runtimeDirs.runtimeRoot, current.id))) await deleteContainer(runtime, current.id);
    rmSync(exitFile(host.runtimeDirs, current.id), { force: true });
    // The log is kept across starts, as Docker keeps it: conmon appends to it. What conmon and
    // the runtime wrote about the previous run goes.
    for (const old of [paths.runtimeLog, paths.pid, paths.oom]) rmSync(old, { force: true });
    if (options.attachedBy !== undefined) writeFileSync(paths.attachedBy, options.attachedBy);
    else rmSync(paths.attachedBy, { force: true });
    // conmon makes sockets/<id> a link to the bundle (where its attach socket lives); anything left there stops it.
    rmSync(join(host.runtimeDirs.sockets, current.id), { recursive: true, force: true });
    const { pid, monitorPid } = await createWithMonitor({
      conmon: findConmon(),
      runtime: spec.runtime,
      runtimeArgs: runtime.args,
      id: current.id,
      name: current.name,
      bundle: paths.dir,
      logPath: paths.log,
      exitDir: host.runtimeDirs.exits,
      socketDir: host.runtimeDirs.sockets,
      pidFile: paths.pid,
      conmonPidFile: paths.conmonPid,
      terminal: spec.tty,
      stdin: spec.openStdin,
      exitCommand: ['/bin/sh', '-c', EXIT_SCRIPT, 'berth-exit', paths.attachedBy, ...host.selfCommand, 'container', 'cleanup', current.id],
      runtimeLog: paths.runtimeLog,
    });
    // A monitor gone already (the container exited at once) has no start time: its identity is then never alive.
    const monitor = `${monitorPid}-${processStartTime(monitorPid) ?? '0'}`;
    store.transaction(() => updateContainer(store.db, current.id, {
      state: 'running', pid, monitor, startedAt: new Date().toISOString(), finishedAt: null, exitCode: null,
    }));
    if (options.beforeStart !== undefined) await options.beforeStart(getContainer(store.db, current.id)!);
    await runtimeStart(runtime, current.id);
    return getContainer(store.db, current.id)!;
  } catch (err) {
    await releaseRuntime(host, current);
    if (err instanceof CreateFailedError) {
      const mapped = createError(err, spec);
      const exitCode = mapped.code === 'COMMAND_NOT_FOUND' ? 127 : mapped.code === 'COMMAND_NOT_EXECUTABLE' ? 126 : 125;
      store.transaction(() => updateContainer(store.db, current.id, { state: 'created', exitCode, pid: null, monitor: null }));
      throw mapped;
    }
    store.transaction(() => updateContainer(store.db, current.id, { state: 'created', pid: null, monitor: null }));
    throw err;
  }
}
