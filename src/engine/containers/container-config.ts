/**
 * A container's config in Docker's shape (the `Config` of `docker container inspect`): what the
 * container was asked to run (command, entrypoint, env, user, working directory, TTY, labels)
 * over what its image declares and a run cannot change (ports, volumes, health check, shell).
 * `commit` stores it as the new image's config and `export` records it in the tar, as Docker's
 * commit does with the container's config.
 */
import { parseConfig } from '../../image/config.js';
import type { Store } from '../../store/store.js';
import type { ContainerRecord } from '../../store/containers.js';
import { getImage } from '../../store/images.js';
import { dockerConfigShape } from '../inspect-image.js';
import type { ContainerSpec } from './container-spec.js';

/** The image's `config` object, or {} when it has none. */
export async function imageRuntimeConfig(store: Store, imageId: string): Promise<Record<string, unknown>> {
  const image = getImage(store, imageId);
  if (image === undefined) return {};
  const config = parseConfig(await store.readSmallBlob(image.id, image.configSize), imageId).config.config;
  return config ?? {};
}

/** The container's labels (--label) over its image's, keys in order as Go writes a map (what Docker's inspect and commit show). */
export function containerLabels(spec: ContainerSpec, image: Record<string, unknown>): Record<string, string> {
  const imageLabels = image.Labels !== null && typeof image.Labels === 'object' ? image.Labels as Record<string, string> : {};
  const merged: Record<string, string> = { ...imageLabels, ...spec.labels };
  return Object.fromEntries(Object.keys(merged).sort().map((k) => [k, merged[k]!]));
}

/** Docker's container Config, field order as Docker writes it. */
export function containerConfig(record: ContainerRecord, spec: ContainerSpec, image: Record<string, unknown>): Record<string, unknown> {
  const own: Record<string, unknown> = {
    ...image,
    Hostname: spec.hostname,
    Domainname: '',
    User: spec.user,
    AttachStdin: spec.openStdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: spec.tty,
    OpenStdin: spec.openStdin,
    StdinOnce: spec.openStdin,
    Env: spec.configEnv ?? spec.env.filter((e) => !/^(HOSTNAME|TERM)=/.test(e)),
    Cmd: spec.cmd,
    Image: record.imageRef,
    WorkingDir: spec.workdir === '/' ? '' : spec.workdir,
    Entrypoint: spec.entrypoint,
  };
  // --label over the image's labels (commit and export carry them on, as in Docker).
  if (spec.labels !== undefined && Object.keys(spec.labels).length > 0) own.Labels = containerLabels(spec, image);
  // Docker records a stop signal only when the image or --stop-signal set one, a timeout only when given.
  if (spec.stopSignalSet === true) own.StopSignal = spec.stopSignal;
  else if (image.StopSignal === undefined) delete own.StopSignal;
  if (spec.stopTimeout !== undefined) own.StopTimeout = spec.stopTimeout;
  const shaped = dockerConfigShape(own);
  if (shaped.Labels === null) shaped.Labels = {};
  return shaped;
}
