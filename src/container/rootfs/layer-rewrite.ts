/**
 * Rewrites a layer tar (OCI/Docker form) into the tar that GNU tar extracts into an empty
 * directory to give the layer's overlayfs lower directory. This is where whiteouts are
 * translated, once: `.wh.NAME` becomes a 0/0 character device NAME, and `.wh..wh..opq` becomes
 * the `trusted.overlay.opaque` xattr on its directory. On the way, member names and hard-link
 * targets are clamped to the layer's root as Docker's chrooted unpack does (`../x` is `x`),
 * and overlayfs xattrs carried by the layer are dropped: only Berth decides those.
 */
import { BerthError } from '../../internal/errors.js';
import { padding, type TarHeader } from '../../archive/tar/tar-header.js';
import { encodeTextHeader, type TextHeaderFields } from '../../archive/tar/encode-header.js';
import { TarParser, type TarSink } from '../../archive/tar/tar-parser.js';
import { clampLayerPath, isOverlayXattrRecord, whiteoutOf } from '../../archive/tar/layer-entries.js';

const OPAQUE_XATTR = 'SCHILY.xattr.trusted.overlay.opaque';
/** PAX keys the encoder derives from the header fields itself. */
const DERIVED_KEYS = new Set(['path', 'linkpath', 'size', 'uid', 'gid', 'uname', 'gname']);
const MAX_META = 1024 * 1024;

export type ChunkWriter = (chunk: Buffer) => Promise<void>;

function invalid(why: string): BerthError {
  return new BerthError('invalid_archive', 'LAYER_INVALID', `Cannot unpack layer: ${why}`, {
    hint: 'The image is damaged or was crafted; remove it (berth rmi) and load a good copy',
  });
}

interface DirHeader {
  fields: TextHeaderFields;
  pax: Record<string, string>;
}

/** Streams the rewritten tar of `source` into `write`. */
export async function rewriteLayer(source: AsyncIterable<Buffer>, write: ChunkWriter): Promise<void> {
  const dirs = new Map<string, DirHeader>();
  const opaque = new Set<string>();

  const emitDir = async (path: string): Promise<void> => {
    const known = dirs.get(path);
    // A directory the layer has not listed (yet): made now, as GNU tar makes a missing parent (and the index does).
    const fields: TextHeaderFields = known?.fields ?? { name: `${path}/`, type: 'dir', mode: 0o755, mtime: Math.floor(Date.now() / 1000) };
    await write(encodeTextHeader(fields, { ...(known?.pax ?? {}), [OPAQUE_XATTR]: 'y' }));
  };

  const parser = new TarParser({
    entry: async (h: TarHeader): Promise<TarSink | undefined> => {
      if (h.type === 'other') throw invalid(`member "${h.name.slice(0, 200)}" has tar type '${h.typeflag}', which Berth does not unpack`);
      const path = clampLayerPath(h.name);
      if (path === '') return undefined; // the root itself: the layer directory keeps Berth's own metadata
      const wo = whiteoutOf(path);
      if (wo !== undefined) {
        if (wo.opaque) {
          opaque.add(wo.dir);
          if (wo.dir !== '') await emitDir(wo.dir);
          return undefined;
        }
        if (wo.name === '' || wo.name === '.' || wo.name === '..') throw invalid(`"${path}" is not a valid whiteout`);
        const target = wo.dir === '' ? wo.name : `${wo.dir}/${wo.name}`;
        await write(encodeTextHeader({ name: target, type: 'chardev', mode: 0, uid: h.uid, gid: h.gid, mtime: h.mtime, devmajor: 0, devminor: 0 }));
        return undefined;
      }
      const pax: Record<string, string> = {};
      if (h.pax !== undefined) {
        for (const [key, value] of Object.entries(h.pax)) if (!DERIVED_KEYS.has(key) && !isOverlayXattrRecord(key)) pax[key] = value;
      }
      let linkname = h.linkname;
      if (h.type === 'hardlink') {
        linkname = clampLayerPath(h.linkname);
        if (linkname === '' || linkname === path) return undefined; // a link to the root or to itself cannot be made
      }
      const fields: TextHeaderFields = {
        name: h.type === 'dir' ? `${path}/` : path, type: h.type, mode: h.mode, size: h.size, mtime: h.mtime,
        uid: h.uid, gid: h.gid, uname: h.uname, gname: h.gname, linkname, devmajor: h.devmajor, devminor: h.devminor,
      };
      if (h.type === 'dir') {
        dirs.set(path, { fields, pax });
        if (opaque.has(path)) pax[OPAQUE_XATTR] = 'y';
      }
      await write(encodeTextHeader(fields, pax));
      if (h.size === 0) return undefined;
      const pad = padding(h.size);
      return { write: (chunk) => write(chunk), end: () => (pad > 0 ? write(Buffer.alloc(pad)) : undefined) };
    },
  }, { maxMetaBytes: MAX_META });
  // An empty layer (a 0-byte blob, as Docker imports an empty file, or only zero blocks) has no members at all.
  const isEmpty = (err: unknown): boolean => err instanceof BerthError && err.code === 'ARCHIVE_EMPTY';
  let empty = false;
  // The source is read to its end even after the end-of-archive: a verifying reader checks the digest only there.
  for await (const chunk of source) {
    if (empty || parser.ended) continue;
    try {
      await parser.write(chunk);
    } catch (err) {
      if (!isEmpty(err)) throw err;
      empty = true;
    }
  }
  if (!empty) {
    await parser.end().catch((err: unknown) => {
      if (!isEmpty(err)) throw err;
    });
  }
  await write(Buffer.alloc(1024));
}
