/**
 * The 512-byte tar header: decoding (ustar, GNU and v7 variants, base-256 numbers, PAX
 * overrides) and encoding (ustar, with PAX records when a field does not fit).
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

export interface HeaderFields {
  name: string;
  type: TarEntryType;
  mode: number;
  size?: number;
  mtime?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

const TYPEFLAG_OF: Record<TarEntryType, string> = {
  file: '0', hardlink: '1', symlink: '2', chardev: '3', blockdev: '4', dir: '5', fifo: '6', other: '0',
};

const MAX_OCTAL_12 = 0o77777777777;
const MAX_OCTAL_8 = 0o7777777;

/**
 * Encodes a member header: a ustar block, preceded by a PAX header when the name, link name
 * or a number does not fit. Extra PAX records (xattrs and the like) can be passed in.
 */
export function encodeHeader(fields: HeaderFields, extraPax: Record<string, string> = {}): Buffer {
  const pax: Record<string, string> = { ...extraPax };
  const size = fields.size ?? 0;
  const mtime = Math.floor(fields.mtime ?? 0);
  let ustarName = fields.name;
  let prefix = '';
  if (Buffer.byteLength(fields.name) > 100) {
    const split = splitUstarName(fields.name);
    if (split === undefined) {
      pax.path = fields.name;
      ustarName = asciiTail(fields.name, 100);
    } else {
      [prefix, ustarName] = split;
    }
  }
  const linkname = fields.linkname ?? '';
  if (Buffer.byteLength(linkname) > 100 || !isAscii(linkname)) pax.linkpath = linkname;
  if (!isAscii(fields.name) && pax.path === undefined) {
    pax.path = fields.name;
    ustarName = asciiTail(fields.name, 100);
    prefix = '';
  }
  if (size > MAX_OCTAL_12) pax.size = String(size);
  const uid = fields.uid ?? 0;
  const gid = fields.gid ?? 0;
  if (uid > MAX_OCTAL_8) pax.uid = String(uid);
  if (gid > MAX_OCTAL_8) pax.gid = String(gid);
  const block = ustarBlock({ ...fields, name: ustarName, linkname: pax.linkpath === undefined ? linkname : asciiTail(linkname, 100) }, prefix,
    Math.min(size, MAX_OCTAL_12), mtime, Math.min(uid, MAX_OCTAL_8), Math.min(gid, MAX_OCTAL_8));
  if (Object.keys(pax).length === 0) return block;
  const body = encodePaxRecords(pax);
  const paxHeader = ustarBlock({ name: asciiTail(`PaxHeaders.0/${ustarName}`, 100), type: 'file', mode: 0o644 }, '', body.length, mtime, 0, 0, 'x');
  return Buffer.concat([paxHeader, body, Buffer.alloc(padding(body.length)), block]);
}

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

export function encodePaxRecords(records: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const key of Object.keys(records).sort()) {
    // Values are bytes (paths that are not UTF-8, binary xattrs such as security.capability).
    const kv = Buffer.concat([Buffer.from(` ${key}=`), encodeText(records[key]!), Buffer.from('\n')]);
    let length = kv.length + String(kv.length).length;
    if (String(length).length !== String(kv.length).length) length = kv.length + String(length).length;
    parts.push(Buffer.from(String(length)), kv);
  }
  return Buffer.concat(parts);
}

function ustarBlock(fields: HeaderFields, prefix: string, size: number, mtime: number, uid: number, gid: number, typeflag?: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'utf8');
  writeOctal(block, fields.mode & 0o7777, 100, 8);
  writeOctal(block, uid, 108, 8);
  writeOctal(block, gid, 116, 8);
  writeOctal(block, size, 124, 12);
  writeOctal(block, Math.max(0, mtime), 136, 12);
  block.fill(0x20, 148, 156);
  block.write(typeflag ?? TYPEFLAG_OF[fields.type], 156, 1, 'latin1');
  block.write(fields.linkname ?? '', 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 8, 'latin1');
  block.write(fields.uname ?? '', 265, 32, 'utf8');
  block.write(fields.gname ?? '', 297, 32, 'utf8');
  if (fields.type === 'chardev' || fields.type === 'blockdev') {
    writeOctal(block, fields.devmajor ?? 0, 329, 8);
    writeOctal(block, fields.devminor ?? 0, 337, 8);
  }
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return block;
}

function writeOctal(block: Buffer, value: number, start: number, length: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, start, length, 'latin1');
}

function splitUstarName(name: string): [string, string] | undefined {
  if (!isAscii(name) || name.length > 256) return undefined;
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (prefix.length <= 155 && rest.length <= 100 && rest.length > 0) return [prefix, rest];
  }
  return undefined;
}

function isAscii(s: string): boolean {
  return /^[\x01-\x7f]*$/.test(s);
}

function asciiTail(s: string, max: number): string {
  const ascii = s.replace(/[^\x20-\x7e]/g, '_');
  return ascii.length > max ? ascii.slice(ascii.length - max) : ascii;
}
