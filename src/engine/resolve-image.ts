/**
 * Turns what a user typed into an image, as Docker does: a full image ID, a name (tag
 * defaulting to latest), name@digest (a RepoDigest only), or a unique prefix of an image ID; and, beyond Docker,
 * a layer ID or `IMAGE~N` (rollback.ts).
 */
import { BerthError } from '../internal/errors.js';
import { isDigest, type Digest } from '../digest/digest.js';
import { familiarName, fullName, parseReference, withDefaultTag, type Reference } from '../image/reference.js';
import { parseRollbackRef } from '../image/rollback-ref.js';
import type { Store } from '../store/store.js';
import { hasImage, imageIdsWithPrefix, imageWithRepoDigest } from '../store/images.js';
import { tagTarget } from '../store/tags.js';
import { resolveLayerId, rollBack, type RollbackOptions } from './rollback.js';

export interface ResolvedImage {
  id: Digest;
  /** How it was named: by a tag (name[:tag]), a digest reference, or its ID. */
  via: 'tag' | 'digest' | 'id';
  /** The normalised reference when named by tag or digest. */
  reference: Reference | undefined;
}

const ID_PREFIX = /^(?:sha256:)?([a-f0-9]{1,64})$/;

export function noSuchImage(what: string): BerthError {
  return new BerthError('not_found', 'IMAGE_NOT_FOUND', `No such image: ${what}`, { hint: 'Run "berth images" to list local images' });
}

export interface ResolveOptions {
  /**
   * Whether `IMAGE~N` and layer IDs may store the image they name when it does not exist yet
   * (default true: every command but rmi). See rollback.ts.
   */
  create?: boolean;
  /** Remarks for stderr (a rolled-back image whose config is not known). */
  onNote?: (note: string) => void;
}

/**
 * Resolves `input` or throws IMAGE_NOT_FOUND / REFERENCE_AMBIGUOUS / REFERENCE_INVALID /
 * ROLLBACK_OUT_OF_RANGE. Besides Docker's forms it takes `IMAGE~N` (N layers back) and layer
 * IDs (chain IDs, or unique prefixes of them, as `images --tree` and `history` print them).
 */
export function resolveImage(store: Store, input: string, options: ResolveOptions = {}): ResolvedImage {
  const rollback = parseRollbackRef(input);
  if (rollback === undefined) return resolvePlain(store, input, options);
  const base = resolvePlain(store, rollback.base, options);
  if (rollback.steps === 0) return base;
  return { id: rollBack(store, base.id, rollback.base, rollback.steps, rollbackOptions(options)), via: 'id', reference: undefined };
}

function rollbackOptions(options: ResolveOptions): RollbackOptions {
  return { create: options.create ?? true, ...(options.onNote === undefined ? {} : { onNote: options.onNote }) };
}

function resolvePlain(store: Store, input: string, options: ResolveOptions): ResolvedImage {
  if (isDigest(input)) {
    if (hasImage(store, input)) return { id: input, via: 'id', reference: undefined };
    const layerImage = resolveLayerId(store, input.slice(7), input, rollbackOptions(options));
    if (layerImage !== undefined) return { id: layerImage, via: 'id', reference: undefined };
    throw noSuchImage(input);
  }
  let ref: Reference | undefined;
  let parseError: unknown;
  try {
    ref = withDefaultTag(parseReference(input));
  } catch (err) {
    parseError = err;
  }
  if (ref !== undefined) {
    if (ref.digest !== undefined) {
      const id = imageWithRepoDigest(store, ref.repository, ref.digest);
      if (id !== undefined) return { id, via: 'digest', reference: ref };
    } else {
      const id = tagTarget(store, fullName(ref));
      if (id !== undefined) return { id, via: 'tag', reference: ref };
    }
  }
  const prefix = ID_PREFIX.exec(input);
  if (prefix !== null) {
    const ids = imageIdsWithPrefix(store, prefix[1]!, 2);
    if (ids.length === 1) return { id: ids[0]!, via: 'id', reference: undefined };
    if (ids.length > 1) {
      throw new BerthError('invalid_argument', 'REFERENCE_AMBIGUOUS', `Cannot resolve "${input}": it is the prefix of more than one image ID`, {
        hint: 'Type more characters of the ID, or use a name',
      });
    }
    const layerImage = resolveLayerId(store, prefix[1]!, input, rollbackOptions(options));
    if (layerImage !== undefined) return { id: layerImage, via: 'id', reference: undefined };
  }
  if (ref === undefined) throw parseError;
  throw noSuchImage(familiarName(ref));
}
