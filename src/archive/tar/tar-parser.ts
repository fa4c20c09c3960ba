/**
 * A push-based streaming tar parser. Bytes go in with `write()`; each member's header goes to
 * the handler, whose sink (if any) receives the member's data before the next header is read.
 * Nothing but headers and bounded metadata records is ever buffered, so memory stays flat
 * whatever sizes the archive claims.
 */
import { BerthError } from '../../internal/errors.js';
import { BLOCK, decodeHeader, decodeName, isZeroBlock, padding, parsePaxRecords, type TarHeader } from './tar-header.js';

export interface TarSink {
  write(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

export interface TarHandler {
  /** Called for every member; return a sink for its data, or undefined to skip it. */
  entry(header: TarHeader): TarSink | undefined | Promise<TarSink | undefined>;
  /** Called for PAX global headers (typeflag 'g'). */
  globalPax?(records: Record<string, string>, offset: number): void;
}

export interface TarParserOptions {
  /** Largest PAX or GNU long-name record to buffer. */
  maxMetaBytes: number;
}

type State = 'header' | 'body' | 'meta' | 'padding' | 'end';

export class TarParser {
  #handler: TarHandler;
  #maxMeta: number;
  #state: State = 'header';
  #headerBuf = Buffer.alloc(BLOCK);
  #headerFill = 0;
  #remaining = 0;
  #pad = 0;
  #sink: TarSink | undefined;
  #metaType = '';
  #metaParts: Buffer[] = [];
  #metaOffset = 0;
  #pax: Record<string, string> | undefined;
  #longName: string | undefined;
  #longLink: string | undefined;
  #offset = 0;
  #entries = 0;
  #sawHeader = false;

  constructor(handler: TarHandler, options: TarParserOptions) {
    this.#handler = handler;
    this.#maxMeta = options.maxMetaBytes;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Members seen so far (metadata records not counted). */
  get entries(): number {
    return this.#entries;
  }

  /** True once the end-of-archive block was read; later bytes are ignored. */
  get ended(): boolean {
    return this.#state === 'end';
  }

  async write(chunk: Buffer): Promise<void> {
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.#state) {
        case 'end':
          this.#offset += chunk.length - pos;
          return;
        case 'header': {
          const take = Math.min(BLOCK - this.#headerFill, chunk.length - pos);
          if (take === BLOCK) {
            pos += BLOCK;
            this.#offset += BLOCK;
            await this.#onHeader(chunk.subarray(pos - BLOCK, pos));
          } else {
            chunk.copy(this.#headerBuf, this.#headerFill, pos, pos + take);
            this.#headerFill += take;
            pos += take;
            this.#offset += take;
            if (this.#headerFill === BLOCK) {
              this.#headerFill = 0;
              await this.#onHeader(this.#headerBuf);
            }
          }
          break;
        }
        case 'body': {
          const take = Math.min(this.#remaining, chunk.length - pos);
          const sink = this.#sink;
          if (sink !== undefined) {
            const r = sink.write(take === chunk.length ? chunk : chunk.subarray(pos, pos + take));
            if (r !== undefined) await r;
          }
          pos += take;
          this.#offset += take;
          this.#remaining -= take;
          if (this.#remaining === 0) await this.#endBody();
          break;
        }
        case 'meta': {
          const take = Math.min(this.#remaining, chunk.length - pos);
          this.#metaParts.push(Buffer.from(chunk.subarray(pos, pos + take)));
          pos += take;
          this.#offset += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#endMeta();
          break;
        }
        case 'padding': {
          const take = Math.min(this.#pad, chunk.length - pos);
          pos += take;
          this.#offset += take;
          this.#pad -= take;
          if (this.#pad === 0) this.#state = 'header';
          break;
        }
      }
    }
  }

  /** Signals the end of input; throws if the archive stopped in the middle of a member. */
  async end(): Promise<void> {
    if (this.#state === 'end') return;
    if (this.#state === 'header' && this.#headerFill === 0 && this.#pax === undefined && this.#longName === undefined && this.#longLink === undefined) {
      if (!this.#sawHeader) {
        throw new BerthError('invalid_archive', 'ARCHIVE_EMPTY', 'Cannot read archive: the input is empty', {
          hint: 'Check the file name, or that the producing command did not fail',
        });
      }
      this.#state = 'end'; // EOF at a member boundary without end blocks: accepted, as Go's reader does
      return;
    }
    throw new BerthError('invalid_archive', 'ARCHIVE_TRUNCATED', `Cannot read archive: it ends in the middle of a member (offset ${this.#offset})`, {
      hint: 'The file was cut short; copy or download it again',
    });
  }

  async #onHeader(block: Buffer): Promise<void> {
    const offset = this.#offset - BLOCK;
    if (isZeroBlock(block)) {
      if (!this.#sawHeader) {
        throw new BerthError('invalid_archive', 'ARCHIVE_EMPTY', 'Cannot read archive: it holds no members', {
          hint: 'The archive is empty or starts with zero blocks',
        });
      }
      this.#state = 'end';
      return;
    }
    const typeflag = String.fromCharCode(block[156]!);
    this.#sawHeader = true;
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      const header = decodeHeader(block, offset, undefined, undefined, undefined);
      if (header.size > this.#maxMeta) {
        throw new BerthError('limit', 'LIMIT_PAX_BYTES', `Cannot read tar metadata record at offset ${offset}: ${header.size} bytes exceeds the PAX header size limit (${this.#maxMeta})`, {
          hint: 'If the input is trusted, raise the limit with BERTH_MAX_PAX_BYTES=<number>',
        });
      }
      this.#metaType = typeflag;
      this.#metaOffset = offset;
      this.#metaParts = [];
      this.#remaining = header.size;
      this.#pad = padding(header.size);
      this.#state = 'meta';
      if (header.size === 0) this.#endMeta();
      return;
    }
    const header = decodeHeader(block, offset, this.#pax, this.#longName, this.#longLink);
    this.#pax = undefined;
    this.#longName = undefined;
    this.#longLink = undefined;
    this.#entries++;
    // Links, directories, devices and FIFOs never carry data, whatever their size field says (as in Go's reader).
    if (header.type !== 'file' && header.type !== 'other') header.size = 0;
    const dataSize = header.size;
    const maybeSink = this.#handler.entry(header);
    this.#sink = maybeSink instanceof Promise ? await maybeSink : maybeSink;
    this.#remaining = dataSize;
    this.#pad = padding(dataSize);
    this.#state = 'body';
    if (dataSize === 0) await this.#endBody();
  }

  async #endBody(): Promise<void> {
    const sink = this.#sink;
    this.#sink = undefined;
    this.#state = this.#pad > 0 ? 'padding' : 'header';
    if (sink !== undefined) {
      const r = sink.end();
      if (r !== undefined) await r;
    }
  }

  #endMeta(): void {
    const body = Buffer.concat(this.#metaParts);
    this.#metaParts = [];
    this.#state = this.#pad > 0 ? 'padding' : 'header';
    switch (this.#metaType) {
      case 'x':
        this.#pax = { ...(this.#pax ?? {}), ...parsePaxRecords(body, this.#metaOffset) };
        break;
      case 'g':
        this.#handler.globalPax?.(parsePaxRecords(body, this.#metaOffset), this.#metaOffset);
        break;
      case 'L':
        this.#longName = decodeName(trimNul(body));
        break;
      case 'K':
        this.#longLink = decodeName(trimNul(body));
        break;
    }
  }
}

function trimNul(body: Buffer): Buffer {
  const nul = body.indexOf(0);
  return nul < 0 ? body : body.subarray(0, nul);
}

/** Feeds a whole byte source through a parser and checks that the archive is complete. */
export async function parseTar(source: AsyncIterable<Buffer>, handler: TarHandler, options: TarParserOptions): Promise<TarParser> {
  const parser = new TarParser(handler, options);
  for await (const chunk of source) {
    await parser.write(chunk);
    if (parser.ended) break;
  }
  await parser.end();
  return parser;
}
