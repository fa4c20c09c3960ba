/**
 * The 512-byte tar header: decoding (ustar, GNU and v7 variants, base-256 numbers, PAX
 * overrides), and the text form of names that encoding shares. Encoding is encode-header.ts.
 */
import { BerthError } from '../../internal/errors.js';

export const BLOCK = 512;

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'chardev' | 'blockdev' | 'dir' | 'fifo' | 'other';

export interface TarHeader {
  /** Member name after PAX `path`, GNU long names and the ustar prefix are applied. */
  name: string;
  type: TarEntryType;
  /** The raw type flag character. */
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  /** Size of the member's data in the archive. */
  size: number;
  /** Modification time in seconds since the epoch (fractional when PAX gives one). */
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** PAX records that applied to this member (local ones; global records are reported separately). */
  pax: Record<string, string> | undefined;
  /** Byte offset of this member's header in the stream. */
  offset: number;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'chardev', '4': 'blockdev', '5': 'dir', '6': 'fifo',
};

export function entryTypeOf(typeflag: string): TarEntryType {
  return TYPES[typeflag] ?? 'other';
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Sum of the header bytes with the checksum field counted as spaces. */
function checksumOf(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum;
}

/** True if the block is a tar header with a valid checksum. */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < BLOCK || isZeroBlock(block)) return false;
  const stored = parseNumber(block, 148, 8);
  return stored !== undefined && stored === checksumOf(block);
}

function decodeString(block: Uint8Array, start: number, length: number): string {
  let end = start;
  const max = start + length;
  while (end < max && block[end] !== 0) end++;
  const bytes = block.subarray(start, end);
  return decodeName(bytes);
}

const ESCAPED_BYTE_BASE = 0xdc00;
const ESCAPED_BYTE = /[\udc80-\udcff]/;

/**
 * Names (and PAX values) are bytes: decoded as UTF-8 when valid. Otherwise each byte over 0x7f
 * becomes the lone surrogate U+DC80..U+DCFF (Python's "surrogateescape"), which no valid UTF-8
 * decodes to: "n\xff" and "n\xc3\xbf" stay two names, and encodeText gives the bytes back.
 * (The low byte of each such character is the original byte, so Buffer.from(s, 'latin1') does too.)
 */
export function decodeName(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) { ascii = false; break; }
  if (ascii) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err; // ERR_ENCODING_INVALID_ENCODED_DATA: not UTF-8
    let out = '';
    for (const b of bytes) out += String.fromCharCode(b < 0x80 ? b : ESCAPED_BYTE_BASE + b);
    return out;
  }
}

/** The bytes of a string decodeName produced: UTF-8, with escaped bytes written back as themselves. */
export function encodeText(text: string): Buffer {
  if (!ESCAPED_BYTE.test(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    parts.push(ch.length === 1 && code >= 0xdc80 && code <= 0xdcff ? Buffer.from([code - ESCAPED_BYTE_BASE]) : Buffer.from(ch, 'utf8'));
  }
  return Buffer.concat(parts);
}

/** Octal ASCII (space/NUL padded) or GNU base-256; undefined when malformed. */
export function parseNumber(block: Uint8Array, start: number, length: number): number | undefined {
  const first = block[start]!;
  if (first & 0x80) {
    if (first === 0xff) return undefined; // negative values are never valid here
    let value = first & 0x7f;
    for (let i = start + 1; i < start + length; i++) {
      value = value * 256 + block[i]!;
      if (value > Number.MAX_SAFE_INTEGER) return undefined;
    }
    return value;
  }
  let i = start;
  const end = start + length;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return undefined;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  for (; i < end; i++) if (block[i] !== 0x20 && block[i] !== 0) return undefined;
  return digits === 0 ? 0 : value;
}

function invalid(offset: number, what: string): BerthError {
  return new BerthError('invalid_archive', 'TAR_INVALID', `Cannot read tar header at offset ${offset}: ${what}`, {
    hint: 'The input is not a tar archive, or it is damaged',
  });
}

/**
 * Decodes one header block. `pax` holds the local PAX records and `longName`/`longLink` the GNU
 * records that precede it; they override the block's own fields.
 */
export function decodeHeader(
  block: Uint8Array,
  offset: number,
  pax: Record<string, string> | undefined,
  longName: string | undefined,
  longLink: string | undefined,
): TarHeader {
  const stored = parseNumber(block, 148, 8);
  if (stored === undefined || stored !== checksumOf(block)) throw invalid(offset, 'bad checksum');
  const typeflag = String.fromCharCode(block[156]!);
  const magic = Buffer.from(block.buffer, block.byteOffset + 257, 6).toString('latin1');
  let name = decodeString(block, 0, 100);
  if (magic === 'ustar\0') {
    const prefix = decodeString(block, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  const num = (start: number, length: number, what: string): number => {
    const v = parseNumber(block, start, length);
    if (v === undefined) throw invalid(offset, `bad ${what} field`);
    return v;
  };
  const header: TarHeader = {
    name,
    type: entryTypeOf(typeflag),
    typeflag,
    mode: num(100, 8, 'mode'),
    uid: num(108, 8, 'uid'),
    gid: num(116, 8, 'gid'),
    size: num(124, 12, 'size'),
    mtime: num(136, 12, 'mtime'),
    linkname: decodeString(block, 157, 100),
    uname: decodeString(block, 265, 32),
    gname: decodeString(block, 297, 32),
    devmajor: magic.startsWith('ustar') ? num(329, 8, 'devmajor') : 0,
    devminor: magic.startsWith('ustar') ? num(337, 8, 'devminor') : 0,
    pax,
    offset,
  };
  if (longName !== undefined) header.name = longName;
  if (longLink !== undefined) header.linkname = longLink;
  if (pax !== undefined) applyPax(header, pax, offset);
  return header;
}

function applyPax(header: TarHeader, pax: Record<string, string>, offset: number): void {
  const int = (key: string): number | undefined => {
    const raw = pax[key];
    if (raw === undefined) return undefined;
    if (!/^\d{1,16}$/.test(raw)) throw invalid(offset, `bad PAX ${key} record`);
    return Number(raw);
  };
  if (pax.path !== undefined) header.name = pax.path;
  if (pax.linkpath !== undefined) header.linkname = pax.linkpath;
  if (pax.uname !== undefined) header.uname = pax.uname;
  if (pax.gname !== undefined) header.gname = pax.gname;
  header.size = int('size') ?? header.size;
  header.uid = int('uid') ?? header.uid;
  header.gid = int('gid') ?? header.gid;
  if (pax.mtime !== undefined) {
    if (!/^-?\d{1,16}(\.\d{1,9})?$/.test(pax.mtime)) throw invalid(offset, 'bad PAX mtime record');
    header.mtime = Number(pax.mtime);
  }
}

/** Parses the body of a PAX extended header ("<len> <key>=<value>\n" records). */
export function parsePaxRecords(body: Buffer, offset: number): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0) break; // some writers pad with NULs
    const space = body.indexOf(0x20, pos);
    if (space < 0 || space - pos > 20) throw invalid(offset, 'malformed PAX record');
    const lengthText = body.toString('latin1', pos, space);
    if (!/^\d+$/.test(lengthText)) throw invalid(offset, 'malformed PAX record length');
    const length = Number(lengthText);
    const end = pos + length;
    if (length < 5 || end > body.length || body[end - 1] !== 0x0a) throw invalid(offset, 'malformed PAX record');
    const record = body.subarray(space + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw invalid(offset, 'malformed PAX record');
    const key = record.toString('utf8', 0, eq);
    out[key] = decodeName(record.subarray(eq + 1));
    pos = end;
  }
  return out;
}

/** Bytes of zeros after `size` bytes of member data, up to the next block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
