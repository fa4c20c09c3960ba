/** The size of a directory tree as Docker reports a container's writable layer: file bytes, hard links counted once. */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ignoreCodes } from '../../internal/errors.js';

export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  const seen = new Set<string>();
  const walk = async (path: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (err) {
      // Not made yet, or gone or replaced under a running container; or deeper than PATH_MAX (not counted).
      ignoreCodes(err, 'ENOENT', 'ENOTDIR', 'ENAMETOOLONG');
      return;
    }
    for (const e of entries) {
      const p = join(path, e.name);
      if (e.isDirectory()) {
        await walk(p);
        continue;
      }
      const st = await lstat(p).catch((err: unknown) => ignoreCodes(err, 'ENOENT', 'ENOTDIR', 'ENAMETOOLONG'));
      if (st === undefined) continue;
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += st.size;
    }
  };
  await walk(dir);
  return total;
}
