/** `berth container inspect`: Docker's container JSON, for the fields that apply to Berth. */
import { containerPaths } from '../../container/container-paths.js';
import type { ContainerRecord } from '../../store/metadata/containers.js';
import type { ContainerHost } from './container-host.js';
import { refreshContainer, specOf } from './container-exit.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

export async function inspectContainer(host: ContainerHost, record: ContainerRecord): Promise<Record<string, unknown>> {
  const current = await refreshContainer(host, record);
  const spec = specOf(current);
  const paths = containerPaths(host.store.layout.containers, current.id);
  const running = current.state === 'running';
  const lower = host.store.db.prepare('SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY position DESC').pluck().all(current.imageId) as string[];
  return {
    Id: current.id,
    Created: new Date(current.createdMs).toISOString(),
    Path: spec.args[0] ?? '',
    Args: spec.args.slice(1),
    State: {
      Status: current.state,
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
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
    },
    GraphDriver: {
      Name: current.storage,
      Data: current.storage === 'vfs' ? { Dir: paths.rootfs } : {
        LowerDir: lower.map((c) => `${host.store.layout.layers}/${c.slice(7)}`).join(':'),
        MergedDir: paths.rootfs,
        UpperDir: paths.upper,
        WorkDir: paths.work,
      },
    },
    Mounts: spec.binds.map((b) => ({ Type: 'bind', Source: b.source, Destination: b.destination, Mode: b.readonly ? 'ro' : '', RW: !b.readonly, Propagation: 'rprivate' })),
    Config: {
      Hostname: spec.hostname,
      Domainname: '',
      User: spec.user,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: spec.tty,
      OpenStdin: spec.openStdin,
      StdinOnce: false,
      Env: spec.env,
      Cmd: spec.cmd,
      Image: current.imageRef,
      Volumes: null,
      WorkingDir: spec.workdir === '/' ? '' : spec.workdir,
      Entrypoint: spec.entrypoint,
      OnBuild: null,
      Labels: {},
      StopSignal: spec.stopSignal,
    },
    NetworkSettings: { Networks: { [spec.network]: {} } },
  };
}
