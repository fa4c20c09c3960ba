/**
 * `berth import`: a tar (plain or compressed, sniffed by content) becomes a one-layer image,
 * as `docker import` makes it. The input is streamed once into the ingest directory,
 * decompressed, hashed (the diff ID is the sha256 of the decompressed bytes, byte for byte)
 * and scanned as a tar; the config is Docker's import config, with the command and settings
 * that `berth export` recorded (if any) and then `--change` applied; config and layer are
 * published, with the tag, in one transaction, or nothing is.
 */
import { BerthError, printable } from '../internal/errors.js';
import { removeTree } from '../internal/fs.js';
import type { Limits } from '../internal/limits.js';
import type { Digest } from '../digest/digest.js';
import { chainIds } from '../digest/sha256.js';
import { DigestingFileWriter, type IngestedFile } from '../digest/file-writer.js';
import { MemberIngest, type IngestedMember } from '../archive/ingest/member-ingest.js';
import { StreamingUnpack } from '../container/rootfs/unpack-layer.js';
import { readConfigHeader } from '../archive/tar/config-header.js';
import { applyChanges } from '../image/change-instructions.js';
import type { ImageConfig } from '../image/config.js';
import type { TaggedReference } from '../image/reference.js';
import type { Platform } from '../image/platform.js';
import type { Store } from '../store/store.js';
import { publishImage } from '../store/publish-image.js';
import { dockerConfigShape } from './inspect-image.js';

export interface ImportOptions {
  /** `--change` instructions, applied after the recorded config. */
  changes: string[];
  /** `-m`: the image's comment; Docker's default is "Imported from <source>". */
  message: string | undefined;
  /** "-" for a file or stdin (what Docker's CLI sends), else the URL. */
  sourceName: string;
  /** How the input is named in messages ("input.tar", "standard input", a URL). */
  what: string;
  platform: Platform;
  tag: TaggedReference | undefined;
  limits: Limits;
  /**
   * Unpack the layer for containers while importing (as root: the unpacked files keep their
   * owners), so that the first run has nothing left to unpack. Only a plain layer is.
   */
  unpack?: boolean;
  /** The creation time (now, unless a test fixes it). */
  now?: Date;
  onProgress?: (bytesRead: number) => void;
}

export interface ImportResult {
  id: Digest;
  diffId: Digest;
  /** Remarks for stderr (an ignored header, dropped fields). */
  notes: string[];
  /** The layer was unpacked for containers on the way in. */
  unpacked: boolean;
}

/** Docker's image config for an import, keys in the order Docker writes them. */
export function importConfig(options: {
  platform: Platform;
  created: string;
  comment: string;
  config: Record<string, unknown>;
  diffId: Digest;
}): ImageConfig & Record<string, unknown> {
  const out: Record<string, unknown> = {
    architecture: options.platform.architecture,
    comment: options.comment,
    config: dockerConfigShape(options.config),
    container_config: dockerConfigShape({}),
    created: options.created,
    history: [{ created: options.created, comment: options.comment }],
    os: options.platform.os,
    rootfs: { type: 'layers', diff_ids: [options.diffId] },
  };
  if (options.platform.variant !== undefined) out.variant = options.platform.variant;
  return out as ImageConfig & Record<string, unknown>;
}

/** Go's RFC 3339 with nanoseconds, trailing zeros trimmed (what Docker writes). */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.?0+Z$/, 'Z');
}

export async function importImage(store: Store, input: AsyncIterable<Buffer>, options: ImportOptions): Promise<ImportResult> {
  // Docker checks the changes before it reads the input; so does Berth (they are checked again below).
  applyChanges({}, options.changes, 'import');
  const ingestDir = await store.createIngestDir();
  const unpack = options.unpack === true ? StreamingUnpack.start(store.layout.layers) : undefined;
  try {
    const member = await ingest(input, ingestDir, options, unpack);
    const layer = member.layer;
    if (layer === undefined) {
      throw new BerthError('invalid_archive', 'IMPORT_NOT_TAR', `Cannot import ${printable(options.what)}: ${member.notLayerReason ?? 'it is not a tar archive'}`, {
        hint: 'berth import takes a tar archive (plain, gzip, bzip2, xz or zstd), such as berth export or docker export writes',
      });
    }
    const header = await readConfigHeader(member.stored.path);
    const diffId = member.stored.digest;
    const config = applyChanges(header.config ?? {}, options.changes, 'import');
    const comment = options.message ?? `Imported from ${options.sourceName}`;
    const created = rfc3339(options.now ?? new Date());
    const image = importConfig({ platform: options.platform, created, comment, config, diffId });
    const configBytes = Buffer.from(JSON.stringify(image));
    const configFile = await writeSmallFile(ingestDir, configBytes);
    await Promise.all([member.stored.durable, configFile.durable]);
    const { id } = publishImage(store, {
      config: { bytes: configBytes, path: configFile.path },
      layers: [{ diffId, ingested: { path: member.stored.path, tarSize: member.stored.size, size: layer.size, entries: layer.entries, plain: layer.plain } }],
      tags: options.tag === undefined ? [] : [options.tag],
    });
    let unpacked = false;
    if (unpack !== undefined) {
      if (layer.plain) unpacked = await unpack.finish(chainIds([diffId])[0]!);
      else unpack.abort();
    }
    return { id, diffId, notes: header.notes, unpacked };
  } catch (err) {
    unpack?.abort();
    throw err;
  } finally {
    await unpack?.settled();
    await removeTree(ingestDir);
  }
}

async function ingest(input: AsyncIterable<Buffer>, dir: string, options: ImportOptions, unpack: StreamingUnpack | undefined): Promise<IngestedMember> {
  let result: IngestedMember | undefined;
  const sink = new MemberIngest(dir, options.what, options.limits, (m) => {
    result = m;
  }, unpack === undefined ? undefined : (chunk, plain) => unpack.write(chunk, plain));
  let read = 0;
  try {
    for await (const chunk of input) {
      read += chunk.length;
      await sink.write(chunk);
      options.onProgress?.(read);
    }
  } catch (err) {
    await sink.abort();
    throw err;
  }
  await sink.end();
  return result!;
}

async function writeSmallFile(dir: string, bytes: Buffer): Promise<IngestedFile> {
  const writer = await DigestingFileWriter.create(dir);
  try {
    await writer.write(bytes);
    return await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
