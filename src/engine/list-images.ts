/**
 * `berth images`: one row per tag (or one <none> row for an untagged image), newest first,
 * straight from the metadata database (no blob is read, so it stays fast with many tags).
 */
import type { Digest } from '../digest/digest.js';
import { familiarRepository, splitTagName } from '../image/reference.js';
import type { Store } from '../store/store.js';

export interface ImageRow {
  id: Digest;
  /** Familiar repository, or undefined for <none>. */
  repository: string | undefined;
  tag: string | undefined;
  /** Manifest digest the image is known by, when any. */
  digest: string | undefined;
  createdMs: number;
  size: number;
  parent: string | null;
}

export interface ListOptions {
  /** Also list untagged images that are parents of other images. */
  all: boolean;
  /** REPOSITORY[:TAG] filter; `*` matches within a path component. */
  filter?: string;
}

interface Joined {
  id: Digest;
  created_ms: number;
  size: number;
  parent: string | null;
  name: string | null;
  digest: string | null;
  has_children: number;
}

export function listImages(store: Store, options: ListOptions): ImageRow[] {
  const rows = store.db.prepare(`
    SELECT i.id, i.created_ms, i.size, i.parent, t.name,
      (SELECT d.digest FROM image_digests d WHERE d.image_id = i.id ORDER BY d.digest LIMIT 1) AS digest,
      EXISTS (SELECT 1 FROM images c WHERE c.parent = i.id) AS has_children
    FROM images i LEFT JOIN tags t ON t.image_id = i.id
    ORDER BY i.created_ms DESC, i.id, t.name`).all() as Joined[];
  const match = options.filter === undefined ? undefined : tagMatcher(options.filter);
  const out: ImageRow[] = [];
  for (const r of rows) {
    if (r.name === null) {
      if (match !== undefined) continue;
      if (!options.all && r.has_children === 1) continue; // an intermediate image, as Docker hides them
      out.push({ id: r.id, repository: undefined, tag: undefined, digest: r.digest ?? undefined, createdMs: r.created_ms, size: r.size, parent: r.parent });
      continue;
    }
    const { repository, tag } = splitTagName(r.name);
    if (match !== undefined && !match(repository, tag)) continue;
    out.push({ id: r.id, repository: familiarRepository(repository), tag, digest: r.digest ?? undefined, createdMs: r.created_ms, size: r.size, parent: r.parent });
  }
  return out;
}

/**
 * Matches stored (fully qualified) repository/tag pairs against a user filter such as
 * "busybox", "busybox:1.*", "team/*" or "docker.io/library/busybox", as Docker's reference
 * filter does: the pattern is compared with the familiar name (and, beyond Docker, the full one).
 */
function tagMatcher(filter: string): (repository: string, tag: string) => boolean {
  const lastColon = filter.lastIndexOf(':');
  const hasTag = lastColon > filter.lastIndexOf('/');
  const repoRe = globToRegExp(hasTag ? filter.slice(0, lastColon) : filter);
  const tagRe = hasTag ? globToRegExp(filter.slice(lastColon + 1)) : undefined;
  return (repository, tag) => (repoRe.test(familiarRepository(repository)) || repoRe.test(repository)) && (tagRe === undefined || tagRe.test(tag));
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${escaped}$`);
}
