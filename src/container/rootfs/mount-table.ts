/** The host's mount table as this process sees it (/proc/self/mountinfo). */
import { readFileSync } from 'node:fs';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

/** Mount points are escaped in mountinfo (\040 for a space, and so on). */
function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function readMountTable(): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (fields.length < 5 || dash < 0) continue;
    out.push({ mountPoint: unescapeMountPath(fields[4]!), fsType: fields[dash + 1] ?? '', source: unescapeMountPath(fields[dash + 2] ?? '') });
  }
  return out;
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountPointsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return readMountTable()
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}
