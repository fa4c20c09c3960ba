/**
 * The image config an exported tar carries for `berth import`: the tar's first entry is a PAX
 * global extended header (typeflag `g`, named `pax_global_header`, mode 0666, owner 0:0, mtime
 * 0, no user or group name) holding one `comment` record, whose value is
 * `berth.image-config.v1 ` followed by the config as compact JSON. POSIX readers ignore
 * `comment`; GNU tar, busybox tar and Go's archive/tar (docker and podman import) skip global
 * headers, so every other tool sees only the files.
 */
import { padding } from './tar-header.js';
import { paxRecord, ustarBlock } from './entry-header.js';

export const CONFIG_HEADER_PREFIX = 'berth.image-config.v1 ';
export const CONFIG_HEADER_NAME = 'pax_global_header';

export function encodeConfigHeader(config: Record<string, unknown>): Buffer {
  const body = paxRecord('comment', Buffer.from(`${CONFIG_HEADER_PREFIX}${JSON.stringify(config)}`, 'utf8'));
  const header = ustarBlock({ name: Buffer.from(CONFIG_HEADER_NAME), typeflag: 'g', mode: 0o666, size: body.length, mtime: 0 });
  return Buffer.concat([header, body, Buffer.alloc(padding(body.length))]);
}
