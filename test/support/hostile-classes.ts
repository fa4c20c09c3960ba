/**
 * The attack classes the hostile-archive suites must cover, in one place: every row of section 1
 * of the security reference (shared/reference/security.md beside the repository), its cross-cutting lessons,
 * and every item of the issue that asked for the suites ("Hostile archives", issue 5).
 *
 * Each case of test/support/hostile-load-cases.ts, hostile-load-accepted.ts and
 * hostile-image-cases.ts names the classes it covers; hostile-coverage.test.ts fails when a class
 * has no case or a case names a class that is not listed here.
 */

export interface HostileClass {
  readonly id: string;
  /** One line: the hostile input. */
  readonly description: string;
  /** Where the class comes from. */
  readonly from: 'security.md section 1' | 'security.md lessons' | 'issue 5';
}

const ROW = 'security.md section 1' as const;
const LESSON = 'security.md lessons' as const;
const ISSUE = 'issue 5' as const;

export const HOSTILE_CLASSES = [
  // --- security.md section 1: one class per table row (the node-tar 2026 row lists four GHSAs, one hazard each)
  { id: 'CVE-2014-6407', from: ROW, description: 'a symlink or hard link in an image archive makes extraction write to host files' },
  { id: 'CVE-2014-6408', from: ROW, description: 'the image config is untrusted: security options, mounts, Volumes, User taken from it' },
  { id: 'CVE-2014-9356', from: ROW, description: 'an absolute symlink is followed by later entries to the host; it must resolve inside the root' },
  { id: 'CVE-2014-9358', from: ROW, description: 'image IDs and digests not validated as 64 hex: path traversal and repository spoofing' },
  { id: 'CVE-2018-15664', from: ROW, description: 'resolve-then-use of a path inside the rootfs (symlink exchange race): paths must be resolved in the root' },
  { id: 'CVE-2019-14271', from: ROW, description: 'a host helper run inside the untrusted rootfs loads code or data from it (NSS in a chroot)' },
  { id: 'CVE-2021-30465', from: ROW, description: 'a mount destination inside the rootfs is a symlink to a host path' },
  { id: 'CVE-2021-32760', from: ROW, description: 'a hard link to a symlink pointing outside, then a chmod that follows it to a host file' },
  { id: 'CVE-2022-23648', from: ROW, description: 'image config Volumes/WorkingDir with ../ paths resolved against the host' },
  { id: 'CVE-2021-41190', from: ROW, description: 'media-type confusion: one document that is both a manifest and an index' },
  { id: 'CVE-2021-29136', from: ROW, description: 'the root entry ("./", "/.") as a symlink or file; later layers applied to its host target' },
  { id: 'CVE-2021-32803', from: ROW, description: 'dir foo, then symlink foo -> host dir, then foo/file in one layer (a cached mkdir skips the re-check)' },
  { id: 'CVE-2021-32804', from: ROW, description: 'absolute names like ////abs only partly stripped' },
  { id: 'CVE-2021-37701', from: ROW, description: 'backslash-separated names used to poison a path cache' },
  { id: 'CVE-2021-37712', from: ROW, description: 'unicode-normalisation aliases (NFC/NFD) of one path in a path cache' },
  { id: 'CVE-2021-37713', from: ROW, description: 'drive-relative names (c:foo, c:../x) escaping on Windows; on Linux plain names' },
  { id: 'CVE-2024-28863', from: ROW, description: 'excessively deep directory nesting (denial of service)' },
  { id: 'GHSA-8qq5-rm4j-mr97', from: ROW, description: 'node-tar 2026: a hard link with an absolute linkpath links a host file in; linkpaths never linked through symlinks' },
  { id: 'GHSA-qffp-2rhf-9h96', from: ROW, description: 'node-tar 2026: ".." after a root prefix in a name or linkpath' },
  { id: 'GHSA-9ppj-qmqm-q256', from: ROW, description: 'node-tar 2026: drive-relative linkpaths' },
  { id: 'GHSA-r6q2-hw4h-h46w', from: ROW, description: 'node-tar 2026: unicode ligature collisions (ß/ss) aliasing two names in a path map' },
  { id: 'CVE-2024-12905', from: ROW, description: 'tar-fs: a symlink or hard link pointing outside the target, then a write through it' },
  { id: 'CVE-2025-48387', from: ROW, description: 'tar-fs: traversal and link following through directory entries and hard-link targets' },
  { id: 'GHSA-vj76-c3g6-qr5v', from: ROW, description: 'sibling-prefix escape: "/dest-evil" passes a startsWith("/dest") check' },
  { id: 'gcr-PR-2227', from: ROW, description: 'over-correction: legal absolute symlinks and "." entries must be kept, resolved in the root' },
  { id: 'CVE-2025-45582', from: ROW, description: 'GNU tar: x -> ../../target in one archive (layer), x/file in the next' },
  { id: 'CVE-2026-17106', from: ROW, description: 'two-hop symlink chain (go_up -> .., go_up/escape -> ../victim) passing lexical checks' },

  // --- security.md section 1, cross-cutting lessons
  { id: 'lesson-1-lexical-checks', from: LESSON, description: 'resolve every entry, link and whiteout inside the root at apply time, not by string checks' },
  { id: 'lesson-2-no-chmod-through-links', from: LESSON, description: 'never chmod/chown/utimes through a symlink' },
  { id: 'lesson-3-unlink-before-create', from: LESSON, description: 'replace an existing non-directory by unlinking it, never by opening it (O_TRUNC)' },
  { id: 'lesson-4-hardlink-targets', from: LESSON, description: 'hard-link targets are rootfs paths; outside, missing or directory targets fail' },
  { id: 'lesson-5-whiteout-names', from: LESSON, description: 'whiteouts .wh., .wh.., .wh... and climbing whiteouts refused or resolved inside the root' },
  { id: 'lesson-6-overlay-xattrs', from: LESSON, description: 'trusted.overlay.* xattrs from layers are dropped' },
  { id: 'lesson-7-bounds', from: LESSON, description: 'bounds on header/PAX sizes, depth, unpacked bytes, JSON size and depth, tags, index nesting' },

  // --- issue 5: the list of hostile inputs
  { id: 'issue:traversal-entries', from: ISSUE, description: 'traversal (../) in archive and layer entry names' },
  { id: 'issue:traversal-manifest-paths', from: ISSUE, description: 'traversal in manifest.json/index.json paths and digests' },
  { id: 'issue:absolute-paths', from: ISSUE, description: 'absolute entry names and manifest paths' },
  { id: 'issue:symlink-escape-one-layer', from: ISSUE, description: 'symlink escape within one layer (or the outer archive)' },
  { id: 'issue:symlink-escape-cross-layer', from: ISSUE, description: 'symlink escape across layers' },
  { id: 'issue:hardlink-escape-one-layer', from: ISSUE, description: 'hard-link escape within one layer (or the outer archive)' },
  { id: 'issue:hardlink-escape-cross-layer', from: ISSUE, description: 'hard-link escape across layers' },
  { id: 'issue:whiteouts-outside', from: ISSUE, description: 'whiteouts aimed outside the root' },
  { id: 'issue:device-entries', from: ISSUE, description: 'device (and FIFO) entries' },
  { id: 'issue:setuid-entries', from: ISSUE, description: 'setuid and setgid entries' },
  { id: 'issue:overlay-xattrs', from: ISSUE, description: 'overlayfs xattrs in PAX records' },
  { id: 'issue:capability-xattrs', from: ISSUE, description: 'file capability xattrs (security.capability) in PAX records' },
  { id: 'issue:digest-mismatch', from: ISSUE, description: 'content that does not match its digest, diff ID or size' },
  { id: 'issue:truncated-streams', from: ISSUE, description: 'streams cut short' },
  { id: 'issue:garbage-streams', from: ISSUE, description: 'garbage and damaged streams and headers' },
  { id: 'issue:decompression-bombs', from: ISSUE, description: 'decompression bombs' },
  { id: 'issue:invalid-manifest-json', from: ISSUE, description: 'invalid manifest.json' },
  { id: 'issue:enormous-manifest-json', from: ISSUE, description: 'enormous (or enormously nested) manifest.json' },
  { id: 'issue:invalid-index-json', from: ISSUE, description: 'invalid index.json (and oci-layout)' },
  { id: 'issue:enormous-index-json', from: ISSUE, description: 'enormous (or enormously nested) index.json' },
  { id: 'issue:index-loops', from: ISSUE, description: 'index loops, self-references and deep index nesting' },
  { id: 'issue:missing-blobs', from: ISSUE, description: 'blobs and members named but missing' },
  { id: 'issue:duplicate-entries', from: ISSUE, description: 'duplicate entries (in the archive and within a layer)' },
  { id: 'issue:huge-pax', from: ISSUE, description: 'huge PAX records' },
  { id: 'issue:long-names', from: ISSUE, description: 'long names: over 100 bytes, components over 255 bytes, over 4096 bytes in all' },
  { id: 'issue:non-utf8-names', from: ISSUE, description: 'names that are not valid UTF-8' },
  { id: 'issue:10000-tags', from: ISSUE, description: '10,000 tags: loads in bounded time; a lowered tag limit gives its coded error' },
] as const satisfies readonly HostileClass[];

export type HostileClassId = (typeof HOSTILE_CLASSES)[number]['id'];

/** Anything that names classes: a case of either suite. */
export interface ClassifiedCase {
  readonly name: string;
  readonly classes: readonly string[];
}

const KNOWN = new Set<string>(HOSTILE_CLASSES.map((c) => c.id));

/** Classes no case names. */
export function uncoveredClasses(cases: readonly ClassifiedCase[]): string[] {
  const named = new Set(cases.flatMap((c) => c.classes));
  return HOSTILE_CLASSES.map((c) => c.id).filter((id) => !named.has(id));
}

/** "case name: class" for every class a case names that is not listed here. */
export function unknownClasses(cases: readonly ClassifiedCase[]): string[] {
  return cases.flatMap((c) => c.classes.filter((id) => !KNOWN.has(id)).map((id) => `${c.name}: ${id}`));
}

/** How many cases name each class. */
export function casesPerClass(cases: readonly ClassifiedCase[]): Map<string, number> {
  const counts = new Map<string, number>(HOSTILE_CLASSES.map((c) => [c.id, 0]));
  for (const c of cases) for (const id of new Set(c.classes)) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}
