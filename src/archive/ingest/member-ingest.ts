/**
 * Ingests one archive member into a directory as it streams by. The first bytes decide what
 * it is: a gzip/zstd/bzip2/xz stream is decompressed on the way in (layers are kept
 * uncompressed), and whatever is stored is also scanned as a tar to learn its layer facts.
 * Two digests come out: of the member as it was in the archive (what descriptors name) and
 * of the stored bytes (a layer's diff ID).
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { asDecompressError, createDecompressor, RatioGuard, sniffCompression, type Compression } from '../compression/compression.js';
import { DigestingFileWriter, type IngestedFile } from '../../digest/file-writer.js';
import { LayerScanner, type LayerFacts } from '../tar/layer-scanner.js';
import type { Digest } from '../../digest/digest.js';
import type { Limits } from '../../internal/limits.js';
import type { TarSink } from '../tar/tar-parser.js';

export interface IngestedMember {
  /** Normalised member path (or the path inside a layout directory). */
  path: string;
  /** sha256 of the member's bytes as they are in the archive. */
  digest: Digest;
  /** Size in the archive. */
  size: number;
  compression: Compression;
  /** The stored (decompressed) bytes. stored.digest is the diff ID when this is a layer. */
  stored: IngestedFile;
  /** Set when the stored bytes are a valid tar (or empty): the member can serve as a layer. */
  layer: LayerFacts | undefined;
  /** Why the stored bytes are not a layer, when they are not. */
  notLayerReason: string | undefined;
}

const SNIFF_BYTES = 6;

/**
 * Sees the stored (decompressed) bytes as they are written, after the layer scanner has read
 * them: `plainSoFar` is false once a member that is not plain has been seen in them or before.
 */
export type StoredBytesTap = (chunk: Buffer, plainSoFar: boolean) => Promise<void>;

export class MemberIngest implements TarSink {
  readonly #dir: string;
  readonly #path: string;
  readonly #limits: Limits;
  readonly #onDone: (member: IngestedMember) => void;
  #head: Buffer[] = [];
  #headBytes = 0;
  #started = false;
  #size = 0;
  #compression: Compression = 'none';
  #rawHash: Hash | undefined;
  #writer: DigestingFileWriter | undefined;
  #scanner = new LayerScanner();
  #decompressor: Duplex | undefined;
  #consumer: Promise<void> | undefined;
  #guard: RatioGuard | undefined;

  readonly #tap: StoredBytesTap | undefined;

  constructor(dir: string, path: string, limits: Limits, onDone: (member: IngestedMember) => void, tap?: StoredBytesTap) {
    this.#dir = dir;
    this.#path = path;
    this.#limits = limits;
    this.#onDone = onDone;
    this.#tap = tap;
  }

  async write(chunk: Buffer): Promise<void> {
    this.#size += chunk.length;
    if (!this.#started) {
      this.#head.push(chunk);
      this.#headBytes += chunk.length;
      if (this.#headBytes < SNIFF_BYTES) return;
      await this.#start();
      return;
    }
    await this.#feed(chunk);
  }

  async end(): Promise<void> {
    if (!this.#started) await this.#start();
    try {
      if (this.#decompressor !== undefined) {
        this.#decompressor.end();
        await this.#consumer;
      }
      const stored = await this.#writer!.finish();
      const layer = await this.#scanner.finish();
      const digest = this.#rawHash === undefined ? stored.digest : (`sha256:${this.#rawHash.digest('hex')}` as Digest);
      this.#onDone({
        path: this.#path,
        digest,
        size: this.#size,
        compression: this.#compression,
        stored,
        layer,
        notLayerReason: layer === undefined ? this.#scanner.problem : undefined,
      });
    } catch (err) {
      await this.abort();
      throw asDecompressError(err, `archive member "${this.#path}"`, this.#compression);
    }
  }

  /** Stops and removes whatever was written. */
  async abort(): Promise<void> {
    this.#decompressor?.destroy();
    // Deliberately any failure: the decompressor was just destroyed under it, and whatever made the caller abort is the one to report.
    await this.#consumer?.catch(() => undefined);
    await this.#writer?.abort();
  }

  async #start(): Promise<void> {
    this.#started = true;
    const head = Buffer.concat(this.#head);
    this.#head = [];
    this.#writer = await DigestingFileWriter.create(this.#dir);
    this.#compression = sniffCompression(head);
    if (this.#compression !== 'none') {
      const what = `archive member "${this.#path}"`;
      this.#rawHash = createHash('sha256');
      this.#guard = new RatioGuard(this.#limits, what);
      const decompressor = createDecompressor(this.#compression, what);
      this.#decompressor = decompressor;
      this.#consumer = this.#consume(decompressor);
      this.#consumer.catch(() => undefined); // observed in #feed/end
    }
    if (head.length > 0) await this.#feed(head);
  }

  async #consume(decompressor: Duplex): Promise<void> {
    try {
      for await (const out of decompressor as AsyncIterable<Buffer>) {
        this.#guard!.output(out.length);
        await this.#writer!.write(out);
        await this.#scanner.write(out);
        if (this.#tap !== undefined) await this.#tap(out, this.#scanner.plainSoFar);
      }
    } catch (err) {
      decompressor.destroy();
      throw asDecompressError(err, `archive member "${this.#path}"`, this.#compression);
    }
  }

  async #feed(chunk: Buffer): Promise<void> {
    const decompressor = this.#decompressor;
    if (decompressor === undefined) {
      await this.#writer!.write(chunk);
      await this.#scanner.write(chunk);
      if (this.#tap !== undefined) await this.#tap(chunk, this.#scanner.plainSoFar);
      return;
    }
    this.#rawHash!.update(chunk);
    this.#guard!.input(chunk.length);
    if (!decompressor.write(chunk)) {
      await Promise.race([once(decompressor, 'drain'), this.#consumer]);
    }
  }
}
