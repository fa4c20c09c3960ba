/** `berth container inspect`: Docker's container JSON, for the fields that apply to Berth. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { containerPaths } from '../../container/container-paths.js';
import type { ContainerRecord } from '../../store/containers.js';
import type { ContainerHost } from './container-host.js';
import { imageLayerDirs } from './image-layer-dirs.js';
import { specOf } from './container-spec.js';
import { refreshContainer } from './container-exit.js';
import { containerConfig, imageRuntimeConfig } from './container-config.js';
import { dockerState, isPaused } from './pause-container.js';
import { memorySwap } from './resource-limits.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

export async function inspectContainer(host: ContainerHost, record: ContainerRecord): Promise<Record<string, unknown>> {
  const current = await refreshContainer(host, record);
  const spec = specOf(current);
  const paths = containerPaths(host.store.layout.containers, current.id);
  const running = current.state === 'running';
  const paused = isPaused(host, current);
  const lowerTopFirst = imageLayerDirs(host.store, current.imageId).reverse();
  return {
    Id: current.id,
    Created: new Date(current.createdMs).toISOString(),
    Path: spec.args[0] ?? '',
    Args: spec.args.slice(1),
    State: {
      Status: dockerState(current, paused),
      Running: running,
      Paused: paused,
      Restarting: false,
      // conmon marks an OOM kill in the container since this start (the file goes at the next start).
      OOMKilled: existsSync(paths.oom),
      Dead: false,
      Pid: running ? current.pid ?? 0 : 0,
      ExitCode: current.exitCode ?? 0,
      Error: '',
      StartedAt: current.startedAt ?? ZERO_TIME,
      FinishedAt: current.finishedAt ?? ZERO_TIME,
    },
    Image: current.imageId,
    ResolvConfPath: paths.resolvConf,
    HostnamePath: paths.hostname,
    HostsPath: paths.hosts,
    LogPath: paths.log,
    Name: `/${current.name}`,
    RestartCount: 0,
    Driver: current.storage,
    Platform: 'linux',
    HostConfig: {
      Binds: spec.binds.map((b) => `${b.source}:${b.destination}${b.readonly ? ':ro' : ''}`),
      NetworkMode: spec.network,
      AutoRemove: spec.autoRemove,
      ReadonlyRootfs: spec.readonlyRootfs,
      Runtime: spec.runtime,
      SecurityOpt: spec.securityOpt !== undefined && spec.securityOpt.length > 0 ? spec.securityOpt : null,
      CapAdd: spec.capAdd !== undefined && spec.capAdd.length > 0 ? spec.capAdd : null,
      CapDrop: spec.capDrop !== undefined && spec.capDrop.length > 0 ? spec.capDrop : null,
      Memory: spec.limits?.memory ?? 0,
      MemorySwap: spec.limits === undefined ? 0 : memorySwap(spec.limits),
      NanoCpus: spec.limits?.nanoCpus ?? 0,
      PidsLimit: spec.limits !== undefined && spec.limits.pidsLimit > 0 ? spec.limits.pidsLimit : null,
      Init: spec.init === true ? true : null,
      Tmpfs: spec.tmpfs !== undefined && Object.keys(spec.tmpfs).length > 0 ? spec.tmpfs : null,
    },
    GraphDriver: {
      Name: current.storage,
      Data: current.storage === 'vfs' ? { Dir: paths.rootfs } : {
        LowerDir: lowerTopFirst.join(':'),
        MergedDir: paths.rootfs,
        UpperDir: paths.upper,
        WorkDir: paths.work,
      },
    },
    Mounts: [
      ...spec.binds.map((b) => ({ Type: 'bind', Source: b.source, Destination: b.destination, Mode: b.readonly ? 'ro' : '', RW: !b.readonly, Propagation: 'rprivate' })),
      ...(spec.anonymousVolumes ?? []).map((v) => ({
        Type: 'volume', Name: v.name, Source: join(paths.volumes, v.name), Destination: v.destination, Driver: 'local', Mode: '', RW: true, Propagation: '',
      })),
    ],
    Config: containerConfig(current, spec, await imageRuntimeConfig(host.store, current.imageId)),
    NetworkSettings: { Networks: { [spec.network]: {} } },
  };
}
