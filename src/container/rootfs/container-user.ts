/**
 * `--user USER[:GROUP]` (or the image's User) resolved against the container's own
 * /etc/passwd and /etc/group, as runc's libcontainer/user does: names or numbers, the primary
 * group from passwd, supplementary groups from group membership, and HOME.
 */
import { readFileSync } from 'node:fs';
import { BerthError, isSystemError } from '../../internal/errors.js';
import { secureJoin } from './secure-join.js';

export interface ContainerUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;

function readLines(root: string, path: string): string[] {
  try {
    const text = readFileSync(secureJoin(root, path), 'utf8');
    return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  } catch (err) {
    if (isSystemError(err, 'ENOENT') || isSystemError(err, 'ENOTDIR') || isSystemError(err, 'EISDIR')) return [];
    throw err;
  }
}

function passwd(root: string): PasswdEntry[] {
  return readLines(root, '/etc/passwd').map((l) => l.split(':')).filter((f) => f.length >= 7 && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! }));
}

function groups(root: string): GroupEntry[] {
  return readLines(root, '/etc/group').map((l) => l.split(':')).filter((f) => f.length >= 4 && /^\d+$/.test(f[2]!))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(',').filter((m) => m !== '') }));
}

function numeric(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_ID ? n : undefined;
}

function noUser(kind: 'user' | 'group', name: string): BerthError {
  return new BerthError('invalid_argument', 'USER_NOT_FOUND', `unable to find ${kind} ${name}: no matching entries in ${kind === 'user' ? 'passwd' : 'group'} file`, {
    hint: `Give a numeric ${kind === 'user' ? 'uid' : 'gid'}, or one the image's /etc/${kind === 'user' ? 'passwd' : 'group'} knows`,
  });
}

/** Resolves `spec` ("", "name", "uid", "name:group", "uid:gid") inside the rootfs at `root`. */
export function resolveUser(root: string, spec: string): ContainerUser {
  const [givenUser = '', groupPart] = spec.split(':', 2);
  // No user is uid 0, which needs no passwd entry (an image FROM scratch has no /etc/passwd).
  const userPart = givenUser === '' ? '0' : givenUser;
  const users = passwd(root);
  let uid: number;
  let gid: number;
  let home = '/';
  let name: string | undefined;
  // A number is always a uid (and a gid below), as in runc, even if some name is that number.
  const asNumber = numeric(userPart);
  const byName = asNumber === undefined ? users.find((u) => u.name === userPart) : undefined;
  if (asNumber !== undefined) {
    const byUid = users.find((u) => u.uid === asNumber);
    uid = asNumber;
    gid = byUid?.gid ?? 0;
    home = byUid?.home ?? '/';
    name = byUid?.name;
  } else if (byName !== undefined) {
    ({ uid, gid, home, name } = byName);
  } else {
    throw noUser('user', userPart);
  }
  const allGroups = groups(root);
  if (groupPart !== undefined && groupPart !== '') {
    const groupNumber = numeric(groupPart);
    const group = groupNumber === undefined ? allGroups.find((g) => g.name === groupPart) : undefined;
    if (groupNumber !== undefined) gid = groupNumber;
    else if (group !== undefined) gid = group.gid;
    else throw noUser('group', groupPart);
  }
  const memberOf = name === undefined || (groupPart !== undefined && groupPart !== '')
    ? []
    : allGroups.filter((g) => g.members.includes(name!)).map((g) => g.gid);
  // The primary group is always in the list too, as Docker has it (`id` shows it under groups=).
  return { uid, gid, additionalGids: [...new Set([gid, ...memberOf])], home: home === '' ? '/' : home };
}
