/**
 * A read-only overlay mount that only this process can see: a helper (`unshare --mount`, then
 * `mount`, then `cat` waiting on a pipe) holds it in a private mount namespace, and the files
 * are reached through `/proc/<helper>/root`. Nothing is mounted on the host, so nothing is
 * left mounted whatever happens to berth: when berth exits (or is killed) the pipe closes, the
 * helper exits, and its namespace and the mount go with it.
 *
 * Used to read a stopped container's files as they are merged (its upper directory stacked on
 * the image's layers as one more lower directory), without changing the container.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BerthError } from '../../internal/errors.js';

export interface PrivateOverlay {
  /** Where the merged tree can be read. */
  path: string;
  close(): Promise<void>;
}

const OPTIONS_LIMIT = 4000;
const HELPER = 'mount -t overlay overlay -o "$1" "$2" || exit 1; echo ready; exec cat';

function mountFailed(detail: string): BerthError {
  return new BerthError('unavailable', 'ROOTFS_MOUNT_FAILED', `Cannot mount the container's files to read them: ${detail}`, {
    hint: 'Reading a stopped container needs overlayfs and unshare (util-linux)',
  });
}

/**
 * Mounts `lowerDirs` (top first; relative names are taken in `cwd`) read-only on `target` (an
 * existing directory) in a private mount namespace.
 */
export function mountPrivateOverlay(cwd: string, lowerDirs: readonly string[], target: string): Promise<PrivateOverlay> {
  const options = `ro,lowerdir=${lowerDirs.join(':')}`;
  if (options.length > OPTIONS_LIMIT) return Promise.reject(mountFailed(`${lowerDirs.length} layers do not fit in one overlay mount`));
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', HELPER, 'berth-export', options, target], {
      cwd, stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stderr: Buffer[] = [];
    let stdout = '';
    let settled = false;
    child.stderr!.on('data', (b: Buffer) => stderr.push(b));
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(mountFailed(`cannot run unshare (${err.message})`));
    });
    const exited = new Promise<void>((res) => child.once('close', () => res()));
    child.once('close', (code) => {
      if (settled) return;
      settled = true;
      reject(mountFailed(Buffer.concat(stderr).toString('utf8').trim() || `the helper exited with ${code}`));
    });
    child.stdout!.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
      if (settled || !stdout.includes('ready\n')) return;
      settled = true;
      resolve({
        path: `/proc/${child.pid}/root${target}`,
        close: async () => {
          child.stdin!.end();
          await exited;
        },
      });
    });
  });
}
