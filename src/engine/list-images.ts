/**
 * `berth images`: one row per tag (or one <none> row for an untagged image), newest first,
 * straight from the metadata database (no blob is read, so it stays fast with many tags).
 */
import type { Digest } from '../digest/digest.js';
import { familiarRepository } from '../image/reference.js';
import type { Store } from '../store/store.js';
import { imageListRows } from '../store/images.js';
import { tagListRows } from '../store/tags.js';

/** What `images` knows of one image; shared by all of its rows. */
export interface ImageSummary {
  id: Digest;
  /**
   * The digest of its RepoDigests (a manifest it arrived with), shown on its tagged rows, as
   * Docker's DIGEST column shows a repository's digest reference; undefined when it has none.
   */
  digest: string | undefined;
  createdMs: number;
  size: number;
  parent: string | null;
}

/** One line of `images`: an image under one of its tags, or untagged (<none>). */
export interface ImageRow {
  image: ImageSummary;
  /** Familiar repository, or undefined for <none>. */
  repository: string | undefined;
  tag: string | undefined;
}

export interface ListOptions {
  /** Also list untagged images that are parents of other images. */
  all: boolean;
  /** REPOSITORY[:TAG] filter; `*` matches within a path component. */
  filter?: string;
}

/**
 * Two plain queries joined here rather than one SQL join: an image with many tags would
 * repeat its per-image subqueries once per tag. Tag rows carry the image's rowid, not its ID
 * text, so 1,000 tags of one image allocate 1,000 small rows, not 1,000 copies of the ID.
 * The loops index rows instead of destructuring them: at start-up this code runs in V8's
 * interpreter, where the iterator protocol costs several ms per 1,000 rows (measured).
 */
export function listImages(store: Store, options: ListOptions): ImageRow[] {
  const images = imageListRows(store);
  const tagRows = tagListRows(store);
  const tagsByImage = new Map<number, Array<readonly [string, string, number]>>();
  for (let i = 0; i < tagRows.length; i++) {
    const row = tagRows[i]!;
    const list = tagsByImage.get(row[2]);
    if (list === undefined) tagsByImage.set(row[2], [row]);
    else list.push(row);
  }
  const match = options.filter === undefined ? undefined : tagMatcher(options.filter);
  // Tags share repositories: work out each familiar name once (a Map lookup beats string work in the interpreter).
  const familiar = new Map<string, string>();
  const out: ImageRow[] = [];
  for (const [rowid, id, createdMs, size, parent, digest, hasChildren] of images) {
    const image: ImageSummary = { id, digest: digest ?? undefined, createdMs, size, parent };
    const names = tagsByImage.get(rowid);
    if (names === undefined) {
      if (match !== undefined) continue;
      if (!options.all && hasChildren === 1) continue; // an intermediate image, as Docker hides them
      // No repository, so no RepoDigest (inspect shows none either): DIGEST is <none>, as in Docker.
      out.push({ image: image.digest === undefined ? image : { ...image, digest: undefined }, repository: undefined, tag: undefined });
      continue;
    }
    for (let i = 0; i < names.length; i++) {
      const repository = names[i]![0];
      const tag = names[i]![1];
      if (match !== undefined && !match(repository, tag)) continue;
      let shown = familiar.get(repository);
      if (shown === undefined) {
        shown = familiarRepository(repository);
        familiar.set(repository, shown);
      }
      out.push({ image, repository: shown, tag });
    }
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
