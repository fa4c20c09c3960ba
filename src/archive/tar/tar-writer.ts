/**
 * Writes a tar stream from records, sorted by name, with fixed metadata (owner 0:0, mtime 0),
 * so the same records always give the same bytes. Data comes from openers, read only while
 * that member is being written.
 */
import { BerthError } from '../../internal/errors.js';
import { padding } from './tar-header.js';
import { encodeTextHeader } from './encode-header.js';

export interface TarRecord {
  name: string;
  type: 'file' | 'dir';
  size: number;
  /** Small data given inline (JSON documents). */
  data?: Buffer;
  /** Large data streamed on demand (blobs). Must yield exactly `size` bytes. */
  open?: () => AsyncIterable<Buffer>;
}

const END_OF_ARCHIVE = Buffer.alloc(1024);

export async function* tarStream(records: readonly TarRecord[]): AsyncGenerator<Buffer> {
  const sorted = [...records].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const record of sorted) {
    const name = record.type === 'dir' && !record.name.endsWith('/') ? `${record.name}/` : record.name;
    yield encodeTextHeader({ name, type: record.type, mode: record.type === 'dir' ? 0o755 : 0o644, size: record.type === 'dir' ? 0 : record.size, mtime: 0 });
    if (record.type === 'dir') continue;
    let written = 0;
    if (record.data !== undefined) {
      written = record.data.length;
      yield record.data;
    } else if (record.open !== undefined) {
      for await (const chunk of record.open()) {
        written += chunk.length;
        if (written > record.size) break;
        yield chunk;
      }
    }
    if (written !== record.size) {
      throw new BerthError('corrupt', 'BLOB_SIZE_CHANGED', `Cannot write "${record.name}": it has ${written} bytes, ${record.size} were expected`);
    }
    const pad = padding(record.size);
    if (pad > 0) yield Buffer.alloc(pad);
  }
  yield END_OF_ARCHIVE;
}
