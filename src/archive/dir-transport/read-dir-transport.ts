/**
 * Reads the directory layout of containers/image's dir: transport, as `skopeo copy ... dir:DIR`
 * and `podman save --format docker-dir` write it: `manifest.json` holding one image manifest
 * (Docker schema 2 or OCI), a `version` file ("Directory Transport Version: 1.1"), and every blob,
 * config and layers, compressed or not, in a file named by its hex digest. The layout carries no
 * image name: its image loads untagged, as `podman load` loads it, and a note says how to name it.
 *
 * Every blob name comes from a descriptor's digest, which the OCI reader accepts only as 64 hex
 * digits, so no name in the layout reaches the host; sizes and digests are checked as for an OCI
 * layout.
 */
import { BerthError } from '../../internal/errors.js';
import { hexOf } from '../../digest/digest.js';
import { readCapped, type ArchiveSource } from '../ingest/archive-source.js';
import { OciLayoutReader, type OciReadResult, type Platform } from '../oci-layout/read-oci-layout.js';

export const DIR_VERSION_PATH = 'version';

const VERSION_TEXT = /^Directory Transport Version: 1\.\d+\n?$/;

/** True for a manifest.json that is a manifest document (an object with schemaVersion), not docker save's list. */
export function isDirTransportManifest(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'schemaVersion' in value;
}

export async function readDirTransport(source: ArchiveSource, manifestPath: string, platform: Platform): Promise<OciReadResult> {
  if (await source.has(DIR_VERSION_PATH)) {
    const member = await source.file(DIR_VERSION_PATH, 'the dir: layout version', { json: true });
    const text = (await readCapped(member, source.limits, 'the dir: layout version')).toString('utf8');
    if (!VERSION_TEXT.test(text)) {
      throw new BerthError('unsupported', 'DIR_VERSION_UNSUPPORTED', `Cannot load the ${source.description}: its version file says "${text.trim().slice(0, 80)}", not "Directory Transport Version: 1.x"`, {
        hint: 'Berth reads the dir: layout of skopeo and podman (version 1.x); copy the image again with them, or to an OCI layout',
      });
    }
  }
  const reader = new OciLayoutReader(source, platform, { blobPath: hexOf });
  const image = await reader.readManifestMember(manifestPath);
  const note = `a dir: layout has no image name, so image ${image.config.id} was loaded untagged; name it with: berth tag ${image.config.id.slice(7, 19)} NAME:TAG`;
  return { images: [image], notes: [note] };
}
