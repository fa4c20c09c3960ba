/**
 * `berth image inspect`: Docker's image JSON, built from the stored config bytes (read
 * verified) and the metadata database.
 */
import type { Digest } from '../digest/digest.js';
import { parseConfig } from '../image/config.js';
import { familiarRepository, familiarTagName, splitTagName } from '../image/reference.js';
import type { Store } from '../store/store.js';
import { getImage, imageManifestDigests } from '../store/images.js';
import { imageTags } from '../store/tags.js';

/** Docker's container.Config field order; values missing from an OCI config become Docker's zero values. */
const CONFIG_FIELDS: Array<[string, unknown, boolean]> = [
  ['Hostname', '', false], ['Domainname', '', false], ['User', '', false], ['AttachStdin', false, false], ['AttachStdout', false, false],
  ['AttachStderr', false, false], ['ExposedPorts', undefined, true], ['Tty', false, false], ['OpenStdin', false, false], ['StdinOnce', false, false],
  ['Env', null, false], ['Cmd', null, false], ['Healthcheck', undefined, true], ['ArgsEscaped', undefined, true], ['Image', '', false],
  ['Volumes', null, false], ['WorkingDir', '', false], ['Entrypoint', null, false], ['NetworkDisabled', undefined, true], ['MacAddress', undefined, true],
  ['OnBuild', null, false], ['Labels', null, false], ['StopSignal', undefined, true], ['StopTimeout', undefined, true], ['Shell', undefined, true],
];

export function dockerConfigShape(config: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const src = config ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, zero, omitEmpty] of CONFIG_FIELDS) {
    const value = src[key];
    if (value === undefined || value === null) {
      if (!omitEmpty) out[key] = zero;
    } else {
      out[key] = value;
    }
  }
  for (const [key, value] of Object.entries(src)) if (!(key in out) && value !== undefined && !CONFIG_FIELDS.some(([k]) => k === key)) out[key] = value;
  return out;
}

export async function inspectImage(store: Store, id: Digest): Promise<Record<string, unknown>> {
  const image = getImage(store, id)!;
  const tags = imageTags(store, id);
  // RepoDigests, as in Docker, only for manifests the image arrived with (not the one berth save would write).
  const digests = imageManifestDigests(store, id, 'archive');
  const repos = [...new Set(tags.map((t) => familiarRepository(splitTagName(t).repository)))];
  const config = parseConfig(await store.readSmallBlob(id, image.configSize), id).config;
  const out: Record<string, unknown> = {
    Id: id,
    RepoTags: tags.map(familiarTagName),
    RepoDigests: repos.flatMap((r) => digests.map((d) => `${r}@${d}`)),
    Parent: image.parent ?? '',
    // Docker falls back to the last history entry's comment (what `docker commit -m` records).
    Comment: config.comment !== undefined && config.comment !== '' ? config.comment : config.history?.at(-1)?.comment ?? '',
    Created: config.created ?? '',
  };
  if (config.container !== undefined) out.Container = config.container;
  if (config.container_config !== undefined && config.container_config !== null) out.ContainerConfig = dockerConfigShape(config.container_config);
  out.DockerVersion = config.docker_version ?? '';
  out.Author = config.author ?? '';
  out.Config = dockerConfigShape(config.config);
  out.Architecture = config.architecture ?? '';
  if (config.variant !== undefined) out.Variant = config.variant;
  out.Os = config.os ?? '';
  out.Size = image.size;
  out.VirtualSize = image.size;
  out.RootFS = { Type: 'layers', Layers: config.rootfs.diff_ids };
  out.Metadata = { LastTagTime: image.lastTagTime ?? '0001-01-01T00:00:00Z' };
  return out;
}
