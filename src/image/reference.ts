/**
 * Image references as Docker parses them: `[domain/]path[:tag][@digest]`, normalised to the
 * fully qualified form (`busybox` -> `docker.io/library/busybox:latest`) for storage and to
 * the familiar form (`busybox:latest`) for display.
 */
import { BerthError } from '../internal/errors.js';
import { isDigest, type Digest } from '../digest/digest.js';

export interface Reference {
  /** Fully qualified repository: docker.io/library/busybox */
  repository: string;
  tag: string | undefined;
  digest: Digest | undefined;
}

export interface TaggedReference extends Reference {
  tag: string;
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const NAME_MAX = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE_RE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const ANCHORED_HEX64 = /^[a-f0-9]{64}$/;

function invalid(input: string, why: string): BerthError {
  return new BerthError('invalid_argument', 'REFERENCE_INVALID', `Cannot parse reference "${clip(input)}": ${why}`, {
    hint: 'A reference looks like name, name:tag, registry.example.com/team/name:tag or name@sha256:<digest>',
  });
}

/** Parses and normalises a reference. The tag is left undefined when absent (see `withDefaultTag`). */
export function parseReference(input: string): Reference {
  if (input.length === 0) throw invalid(input, 'it is empty');
  if (input.length > 4096) throw invalid(input, 'it is too long');
  const match = REFERENCE_RE.exec(input);
  if (match === null) {
    if (REFERENCE_RE.test(input.toLowerCase())) throw invalid(input, 'repository name must be lowercase');
    throw invalid(input, 'invalid reference format');
  }
  const name = match[1]!;
  const tag = match[2];
  const digestText = match[3];
  if (name.length > NAME_MAX) throw invalid(input, `repository name must not be more than ${NAME_MAX} characters`);
  let domain: string;
  let path: string;
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first === LEGACY_DOMAIN ? DEFAULT_DOMAIN : first;
    path = name.slice(slash + 1);
  } else {
    domain = DEFAULT_DOMAIN;
    path = name;
  }
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_PREFIX + path;
  if (path !== path.toLowerCase()) throw invalid(input, 'repository name must be lowercase');
  if (ANCHORED_HEX64.test(name)) throw invalid(input, 'repository name must not be a 64-character hexadecimal string');
  let digest: Digest | undefined;
  if (digestText !== undefined) {
    if (!isDigest(digestText)) throw invalid(input, 'only sha256 digests are supported');
    digest = digestText;
  }
  return { repository: `${domain}/${path}`, tag, digest };
}

/** Adds `latest` when a reference has neither tag nor digest (Docker's TagNameOnly). */
export function withDefaultTag(ref: Reference): Reference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref;
}

/** Parses a reference that must name a tag (defaulting to latest); digests are refused. */
export function parseTagReference(input: string): TaggedReference {
  const ref = parseReference(input);
  if (ref.digest !== undefined) {
    throw new BerthError('invalid_argument', 'REFERENCE_INVALID', `Cannot tag "${clip(input)}": refusing to create a tag with a digest reference`);
  }
  return { ...ref, tag: ref.tag ?? 'latest' };
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** docker.io/library/busybox -> busybox; docker.io/user/x -> user/x; others unchanged. */
export function familiarRepository(repository: string): string {
  if (repository.startsWith(`${DEFAULT_DOMAIN}/`)) {
    const path = repository.slice(DEFAULT_DOMAIN.length + 1);
    if (path.startsWith(OFFICIAL_PREFIX) && !path.slice(OFFICIAL_PREFIX.length).includes('/')) return path.slice(OFFICIAL_PREFIX.length);
    return path;
  }
  return repository;
}

/** The stored (fully qualified) form: docker.io/library/busybox:latest */
export function fullName(ref: Reference): string {
  return `${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** The familiar display form: busybox:latest */
export function familiarName(ref: Reference): string {
  return `${familiarRepository(ref.repository)}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** Splits a stored tag name (docker.io/library/busybox:latest) into repository and tag. */
export function splitTagName(name: string): { repository: string; tag: string } {
  const colon = name.lastIndexOf(':');
  const slash = name.lastIndexOf('/');
  if (colon <= slash) throw new Error(`not a tag name: ${name}`);
  return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
}

/** Familiar form of a stored tag name. */
export function familiarTagName(name: string): string {
  const { repository, tag } = splitTagName(name);
  return `${familiarRepository(repository)}:${tag}`;
}

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}
