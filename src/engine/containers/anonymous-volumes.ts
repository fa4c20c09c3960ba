/**
 * The image's VOLUMEs, as Docker gives them to a container: each is a directory of the
 * container's own (containers/<id>/volumes/<name>), bind-mounted at its destination. On the
 * first start it is filled with what the image has there, owner, mode and all (Docker's
 * copy-up); after that it keeps whatever the container wrote, across restarts. What lands in
 * a volume is not in the container's layer: `diff`, `commit` and `export` do not see it, as
 * in Docker. It goes with the container (`rm`, `--rm`): Berth has no volume commands to find
 * it again by.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, ignoreCodes } from '../../internal/errors.js';
import { removeDeepTreeSync } from '../../internal/remove-deep-tree.js';
import { secureJoin } from '../../container/rootfs/secure-join.js';
import type { BindMount } from '../../container/runtime/oci-spec.js';
import type { AnonymousVolume } from './container-spec.js';

function volumeFailed(volume: AnonymousVolume, why: string): BerthError {
  return new BerthError('internal', 'VOLUME_SETUP_FAILED', `Cannot set up the volume at ${volume.destination}: ${why}`, {
    hint: 'Check free space in the store; the container was not started',
  });
}

/**
 * Makes each volume's directory if it is not there yet, seeded from the image's content at
 * its destination in `rootfs` (the container's root, mounted), and returns the binds.
 */
export function prepareAnonymousVolumes(volumesDir: string, rootfs: string, volumes: readonly AnonymousVolume[]): BindMount[] {
  const binds: BindMount[] = [];
  for (const volume of volumes) {
    const dir = join(volumesDir, volume.name);
    if (!existsSync(dir)) seedVolume(dir, rootfs, volume);
    binds.push({ source: dir, destination: volume.destination, readonly: false });
  }
  return binds;
}

function seedVolume(dir: string, rootfs: string, volume: AnonymousVolume): void {
  const partial = `${dir}.partial`;
  removeDeepTreeSync(partial);
  mkdirSync(partial, { recursive: true, mode: 0o755 });
  // Resolved the way the container would see it: a symlink in the image stays inside the root.
  const source = secureJoin(rootfs, volume.destination);
  let isDir = false;
  try {
    isDir = lstatSync(source).isDirectory();
  } catch (err) {
    ignoreCodes(err, 'ENOENT', 'ENOTDIR'); // nothing there in the image: the volume starts empty
  }
  if (isDir) {
    // "SOURCE/." copies the directory's entries and its own owner, mode and times onto the
    // volume's root; -a keeps links as links, devices, owners and xattrs; nothing is followed.
    const r = spawnSync('cp', ['-a', '--no-target-directory', '--', `${source}/.`, partial], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) {
      removeDeepTreeSync(partial);
      throw volumeFailed(volume, `copying the image's content failed: ${(r.stderr ?? '').trim() || r.error?.message || `cp exited ${r.status}`}`);
    }
  }
  renameSync(partial, dir);
}
