/**
 * `berth commit`: a container's changes become one new layer on its image. The layer tar is
 * streamed into this process's ingest directory (hashed and scanned as it goes, never held in
 * memory), the config is Docker's (the image's config with the container's as `config`, a new
 * history entry, the new diff ID), and the image is published (publishImage) with its parent
 * link and tag, in the same transaction that checks its parent is still there.
 */
import { removeTree } from '../../internal/fs.js';
import { BerthError } from '../../internal/errors.js';
import { DigestingFileWriter } from '../../digest/file-writer.js';
import type { Digest } from '../../digest/digest.js';
import { LayerScanner } from '../../archive/tar/layer-scanner.js';
import { parseConfig, type HistoryEntry, type ImageConfig } from '../../image/config.js';
import { parseTagReference, type TaggedReference } from '../../image/reference.js';
import { layerTar } from '../../container/rootfs/change-tar.js';
import type { ContainerRecord } from '../../store/metadata/containers.js';
import { getImage, hasImage } from '../../store/images.js';
import { publishImage, type LayerToPublish } from '../../store/publish-image.js';
import type { ContainerHost } from './container-host.js';
import { specOf } from './container-spec.js';
import { containerConfig, imageRuntimeConfig } from './container-config.js';
import { changeSource, layerNodes, withContainerHeld } from './container-changes.js';

/** The diff ID of a tar with no entries (two zero blocks): Docker records no layer for it. */
export const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef' as Digest;

export interface CommitOptions {
  author?: string;
  message?: string;
  /** Applies `--change` instructions to the new image's config (the container's config stays as container_config). */
  applyChanges?: (config: Record<string, unknown>) => Record<string, unknown>;
  pause: boolean;
  /** REPO[:TAG] to tag the new image with. */
  reference?: string;
}

export interface CommitResult {
  id: Digest;
  diffId: Digest | undefined;
}

/** Streams the container's layer into the ingest directory; undefined when it holds nothing. */
async function writeLayer(host: ContainerHost, record: ContainerRecord, ingestDir: string): Promise<LayerToPublish | undefined> {
  const source = await changeSource(host, record);
  let writer: DigestingFileWriter | undefined;
  const scanner = new LayerScanner();
  try {
    writer = await DigestingFileWriter.create(ingestDir);
    for await (const chunk of layerTar(layerNodes(source))) {
      await writer.write(chunk);
      await scanner.write(chunk);
    }
  } catch (err) {
    await writer?.abort();
    throw err;
  } finally {
    source.close();
  }
  const file = await writer.finish();
  await file.durable;
  const facts = await scanner.finish();
  if (facts === undefined) throw new BerthError('internal', 'COMMIT_LAYER_INVALID', `Cannot commit: the layer written is not a valid tar (${scanner.problem})`);
  if (file.digest === EMPTY_LAYER_DIFF_ID) return undefined;
  return { diffId: file.digest, ingested: { path: file.path, tarSize: file.size, size: facts.size, entries: facts.entries, plain: facts.plain } };
}

/** JSON as Go's encoder writes it (<, > and & escaped), so the config reads like Docker's. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface NewConfigInput {
  parent: ImageConfig & Record<string, unknown>;
  containerId: string;
  containerConfig: Record<string, unknown>;
  config: Record<string, unknown>;
  created: string;
  author?: string;
  comment?: string;
  diffId: Digest | undefined;
}

/**
 * The committed image's config as Docker's NewChildImage builds it: top-level keys sorted (as
 * Docker's marshalling leaves them), the parent's platform and history, one history entry
 * whose created_by is the container's Cmd joined with spaces, and no layer for an empty change.
 */
export function commitConfig(input: NewConfigInput): Record<string, unknown> {
  const { parent } = input;
  const entry: HistoryEntry = { created: input.created };
  if (input.author !== undefined && input.author !== '') entry.author = input.author;
  const cmd = input.containerConfig.Cmd;
  const createdBy = Array.isArray(cmd) ? cmd.join(' ') : '';
  if (createdBy !== '') entry.created_by = createdBy;
  if (input.comment !== undefined && input.comment !== '') entry.comment = input.comment;
  if (input.diffId === undefined) entry.empty_layer = true;
  const out: Record<string, unknown> = {
    architecture: parent.architecture !== undefined && parent.architecture !== '' ? parent.architecture : hostArchitecture(),
    config: input.config,
    container: input.containerId,
    container_config: input.containerConfig,
    created: input.created,
    history: [...(parent.history ?? []), entry],
    os: parent.os !== undefined && parent.os !== '' ? parent.os : 'linux',
    rootfs: { type: 'layers', diff_ids: input.diffId === undefined ? [...parent.rootfs.diff_ids] : [...parent.rootfs.diff_ids, input.diffId] },
  };
  if (entry.author !== undefined) out.author = entry.author;
  if (parent['os.features'] !== undefined) out['os.features'] = parent['os.features'];
  if (parent['os.version'] !== undefined) out['os.version'] = parent['os.version'];
  if (parent.variant !== undefined && parent.variant !== '') out.variant = parent.variant;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function hostArchitecture(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[process.arch] ?? process.arch;
}

export async function commitContainer(host: ContainerHost, record: ContainerRecord, options: CommitOptions): Promise<CommitResult> {
  const { store } = host;
  const tag: TaggedReference | undefined = options.reference === undefined ? undefined : parseTagReference(options.reference);
  const ingestDir = await store.createIngestDir();
  try {
    const { current, layer } = await withContainerHeld(host, record, options.pause, async (held) => ({ current: held, layer: await writeLayer(host, held, ingestDir) }));
    const spec = specOf(current);
    const parentImage = getImage(store, current.imageId);
    if (parentImage === undefined) {
      throw new BerthError('not_found', 'IMAGE_NOT_FOUND', `Cannot commit container ${current.id.slice(0, 12)}: its image ${current.imageId} is no longer in the store`);
    }
    const parent = parseConfig(await store.readSmallBlob(parentImage.id, parentImage.configSize), parentImage.id).config as ImageConfig & Record<string, unknown>;
    const ctrConfig = containerConfig(current, spec, await imageRuntimeConfig(store, current.imageId));
    const config = options.applyChanges === undefined ? ctrConfig : options.applyChanges(structuredClone(ctrConfig));
    const created = new Date().toISOString();
    const bytes = Buffer.from(goJson(commitConfig({
      parent, containerId: current.id, containerConfig: ctrConfig, config, created,
      ...(options.author === undefined ? {} : { author: options.author }),
      ...(options.message === undefined ? {} : { comment: options.message }),
      diffId: layer?.diffId,
    })));
    const configWriter = await DigestingFileWriter.create(ingestDir);
    await configWriter.write(bytes);
    const configFile = await configWriter.finish();
    await configFile.durable;
    const { id } = store.transaction(() => {
      if (!hasImage(store, parentImage.id)) {
        throw new BerthError('conflict', 'IMAGE_NOT_FOUND', `Cannot commit: the container's image ${parentImage.id} was removed meanwhile`);
      }
      return publishImage(store, {
        config: { bytes, path: configFile.path },
        layers: [...parent.rootfs.diff_ids.map((diffId) => ({ diffId })), ...(layer === undefined ? [] : [layer])],
        parent: parentImage.id,
        tags: tag === undefined ? [] : [tag],
      });
    });
    return { id, diffId: layer?.diffId };
  } finally {
    await removeTree(ingestDir);
  }
}
