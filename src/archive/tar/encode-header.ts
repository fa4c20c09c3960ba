/**
 * The one tar header encoder, for every tar Berth writes: `save` archives, `export` trees,
 * committed layers and the rewritten layers GNU tar extracts. Names and link targets are bytes,
 * as a filesystem gives them (`encodeTextHeader` takes the decoded names of a parsed archive).
 *
 * An entry is one ustar block (a long name split into ustar's prefix) unless something does not
 * fit ustar: a name or link target that is too long or not printable ASCII, a number too large,
 * extended attributes or records the caller adds. Then a PAX extended header (`x`) carries those
 * records first, as Go's archive/tar (and so `docker export` and `docker commit`) does.
 */
import { BLOCK, encodeText, padding, type TarEntryType } from './tar-header.js';

export type EntryType = Exclude<TarEntryType, 'other'>;

export interface HeaderFields {
  /** Path inside the archive, without a leading "/" or "./"; directories get their "/" here. */
  name: Buffer;
  type: EntryType;
  /** Permission bits with setuid, setgid and sticky (07777); file type bits are dropped. */
  mode: number;
  uid?: number;
  gid?: number;
  /** Bytes of data that follow the header (0 unless given). */
  size?: number;
  /** Seconds since the epoch, floored; outside ustar's range it goes to a PAX record. */
  mtime?: number;
  /** Symlink target, or the archive name a hard link points to. */
  linkname?: Buffer | undefined;
  uname?: string | undefined;
  gname?: string | undefined;
  /**
   * Device numbers, written when given (Go's archive/tar writes them, as zeros, for every
   * entry; left empty otherwise, as in `save`'s records). Devices must give them.
   */
  devmajor?: number | undefined;
  devminor?: number | undefined;
  /** Extended attributes, written as PAX SCHILY.xattr.<name> records in name order. */
  xattrs?: ReadonlyArray<readonly [string, Buffer]> | undefined;
  /**
   * Further PAX records (the records of a layer member the rewrite passes on), written last in
   * key order. A record given here replaces the one the encoder would derive for the same key.
   */
  pax?: Readonly<Record<string, Buffer>> | undefined;
}

const TYPEFLAG: Record<EntryType, string> = { file: '0', hardlink: '1', symlink: '2', chardev: '3', blockdev: '4', dir: '5', fifo: '6' };
const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

/** One PAX record: "<length> <key>=<value>\n", the length counting itself. */
export function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.byteLength(key) + value.length + 3; // space, '=', newline
  let length = body + String(body).length;
  if (String(length).length !== String(body).length) length = body + String(length).length;
  return Buffer.concat([Buffer.from(`${length} ${key}=`), value, Buffer.from('\n')]);
}

/** A PAX body of decoded records (values as `decodeName` gives them), keys sorted so the bytes are stable. */
export function encodePaxRecords(records: Readonly<Record<string, string>>): Buffer {
  return Buffer.concat(Object.keys(records).sort().map((key) => paxRecord(key, encodeText(records[key]!))));
}

export interface UstarFields {
  name: Buffer;
  prefix?: Buffer | undefined;
  typeflag: string;
  mode: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: number;
  linkname?: Buffer | undefined;
  uname?: string | undefined;
  gname?: string | undefined;
  /** Written when given, GNU base-256 when too large for octal; left empty (NULs) otherwise. */
  devmajor?: number | undefined;
  devminor?: number | undefined;
}

/** One 512-byte ustar header block (values must already fit; the caller moves the rest to PAX). */
export function ustarBlock(f: UstarFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  f.name.copy(block, 0, 0, Math.min(f.name.length, 100));
  writeOctal(block, f.mode & 0o7777, 100, 8);
  writeOctal(block, f.uid ?? 0, 108, 8);
  writeOctal(block, f.gid ?? 0, 116, 8);
  writeOctal(block, f.size ?? 0, 124, 12);
  writeOctal(block, f.mtime ?? 0, 136, 12);
  block.fill(0x20, 148, 156);
  block.write(f.typeflag, 156, 1, 'latin1');
  if (f.linkname !== undefined) f.linkname.copy(block, 157, 0, Math.min(f.linkname.length, 100));
  block.write('ustar\u000000', 257, 8, 'latin1');
  block.write(f.uname ?? '', 265, 32, 'utf8');
  block.write(f.gname ?? '', 297, 32, 'utf8');
  if (f.devmajor !== undefined) writeNumber(block, f.devmajor, 329, 8, MAX_OCTAL_8);
  if (f.devminor !== undefined) writeNumber(block, f.devminor, 337, 8, MAX_OCTAL_8);
  if (f.prefix !== undefined) f.prefix.copy(block, 345, 0, Math.min(f.prefix.length, 155));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return block;
}

/** The header (PAX extended header first when needed, then the ustar block) of one entry. */
export function encodeHeader(e: HeaderFields): Buffer {
  const derived: Array<[string, Buffer]> = [];
  let name = e.name;
  let prefix: Buffer | undefined;
  const split = isPrintableAscii(e.name) ? splitUstar(e.name) : undefined;
  if (split === undefined) {
    derived.push(['path', e.name]);
    name = asciiStandIn(e.name, 100);
  } else {
    [prefix, name] = split;
  }
  let linkname = e.linkname;
  if (linkname !== undefined && (linkname.length > 100 || !isPrintableAscii(linkname))) {
    derived.push(['linkpath', linkname]);
    linkname = asciiStandIn(linkname, 100);
  }
  const size = e.size ?? 0;
  const uid = e.uid ?? 0;
  const gid = e.gid ?? 0;
  const exactMtime = Math.floor(e.mtime ?? 0);
  if (size > MAX_OCTAL_12) derived.push(['size', Buffer.from(String(size))]);
  if (uid > MAX_OCTAL_8) derived.push(['uid', Buffer.from(String(uid))]);
  if (gid > MAX_OCTAL_8) derived.push(['gid', Buffer.from(String(gid))]);
  if (exactMtime < 0 || exactMtime > MAX_OCTAL_12) derived.push(['mtime', Buffer.from(String(exactMtime))]);
  const mtime = Math.max(0, Math.min(exactMtime, MAX_OCTAL_12));
  const given = e.pax ?? {};
  const records: Buffer[] = [];
  for (const [key, value] of derived) if (given[key] === undefined) records.push(paxRecord(key, value));
  for (const [key, value] of [...(e.xattrs ?? [])].sort(byKey)) records.push(paxRecord(`SCHILY.xattr.${key}`, value));
  for (const key of Object.keys(given).sort()) records.push(paxRecord(key, given[key]!));
  const block = ustarBlock({
    name, prefix, typeflag: TYPEFLAG[e.type], mode: e.mode,
    uid: Math.min(uid, MAX_OCTAL_8), gid: Math.min(gid, MAX_OCTAL_8), size: Math.min(size, MAX_OCTAL_12), mtime,
    linkname, uname: e.uname, gname: e.gname, devmajor: e.devmajor, devminor: e.devminor,
  });
  if (records.length === 0) return block;
  const body = Buffer.concat(records);
  const paxName = asciiStandIn(Buffer.concat([Buffer.from('PaxHeaders.0/'), lastComponent(e.name)]), 100);
  const paxHeader = ustarBlock({ name: paxName, typeflag: 'x', mode: 0o644, size: body.length, mtime, devmajor: 0, devminor: 0 });
  return Buffer.concat([paxHeader, body, Buffer.alloc(padding(body.length)), block]);
}

/** A header field of a parsed archive (names as `decodeName` gives them: text, or bytes escaped). */
export interface TextHeaderFields extends Omit<HeaderFields, 'name' | 'linkname' | 'pax' | 'xattrs'> {
  name: string;
  linkname?: string | undefined;
}

/** `encodeHeader` for decoded names and PAX records (xattrs among them, as `SCHILY.xattr.*` keys). */
export function encodeTextHeader(fields: TextHeaderFields, pax: Readonly<Record<string, string>> = {}): Buffer {
  const records: Record<string, Buffer> = {};
  for (const key of Object.keys(pax)) records[key] = encodeText(pax[key]!);
  return encodeHeader({
    ...fields,
    name: encodeText(fields.name),
    linkname: fields.linkname === undefined || fields.linkname === '' ? undefined : encodeText(fields.linkname),
    pax: records,
  });
}

function byKey(a: readonly [string, Buffer], b: readonly [string, Buffer]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function isPrintableAscii(bytes: Buffer): boolean {
  for (const b of bytes) if (b < 0x20 || b > 0x7e) return false;
  return true;
}

/** Splits a name into ustar's prefix (up to 155 bytes) and name (up to 100 bytes) at a "/". */
function splitUstar(name: Buffer): [Buffer, Buffer] | undefined {
  if (name.length <= 100) return [Buffer.alloc(0), name];
  if (name.length > 256) return undefined;
  // Directories end in "/": the split must leave a non-empty name part.
  for (let i = Math.min(name.length - 2, 155); i > 0; i--) {
    if (name[i] !== 0x2f) continue;
    const rest = name.length - i - 1;
    if (rest > 100) return undefined;
    return [name.subarray(0, i), name.subarray(i + 1)];
  }
  return undefined;
}

/** A readable stand-in for a name that only a PAX record can hold (for readers that ignore PAX). */
function asciiStandIn(name: Buffer, max: number): Buffer {
  const text = Buffer.from(name.map((b) => (b >= 0x20 && b <= 0x7e ? b : 0x5f)));
  return text.length > max ? text.subarray(text.length - max) : text;
}

function lastComponent(name: Buffer): Buffer {
  let end = name.length;
  if (end > 0 && name[end - 1] === 0x2f) end--;
  const slash = name.lastIndexOf(0x2f, end - 1);
  return name.subarray(slash + 1, end);
}

function writeOctal(block: Buffer, value: number, start: number, length: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, start, length, 'latin1');
}

/** GNU base-256, for device numbers too large for octal (readers of GNU and PAX tars accept it). */
function writeNumber(block: Buffer, value: number, start: number, length: number, max: number): void {
  if (value <= max) return writeOctal(block, value, start, length);
  block.fill(0, start, start + length);
  let v = value;
  for (let i = start + length - 1; i > start && v > 0; i--) {
    block[i] = v % 256;
    v = Math.floor(v / 256);
  }
  block[start] = 0x80;
}
