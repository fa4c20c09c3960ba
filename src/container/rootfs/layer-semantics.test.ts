/**
 * A layer's meaning is implemented twice: by the tar path (layer-rewrite.ts, then GNU tar, in
 * unpack-layer.ts) and by the layer index (erofs/layer-tree.ts, mounted by the kernel). This
 * test feeds both the same hostile layers, those of every case of
 * test/support/hostile-image-cases.ts and a table of whiteouts, opaque directories and hard
 * links, and compares what they make of each: the same tree, entry by entry (type, bytes, mode,
 * owner, link count, mtime, xattrs), or a refusal from both. An index that declines a layer
 * (the store unpacks it then) is counted, not compared. Needs root (owners, devices, mounts)
 * and the kernel's EROFS with file-backed mounts; under CI=true a missing one is a failure.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBerthError } from '../../internal/errors.js';
import { loadNative } from '../../internal/native.js';
import { removeDeepTreeSync } from '../../internal/remove-deep-tree.js';
import { sha256Of } from '../../digest/sha256.js';
import { LayerScanner } from '../../archive/tar/layer-scanner.js';
import { readVerified } from '../../store/content/read-blob.js';
import { layerDir, unpackLayer } from './unpack-layer.js';
import { buildLayerIndex, erofsUsable, indexPath, mountLayerIndex } from './erofs/layer-index.js';
import { requireOrSkip } from '../../../test/support/env.js';
import { treeListing } from '../../../test/support/layer-trees.js';
import { canaryTag, makeCanaryDir, treeFacts } from '../../../test/support/host-canaries.js';
import { HOSTILE_IMAGE_CASES, type Canaries } from '../../../test/support/hostile-image-cases.js';
import { tar, type TarEntry } from '../../../test/support/tar-builder.js';

const IS_ROOT = process.getuid?.() === 0;
/** Deep enough for every layer here but the one nested 2000 deep, whose paths pass PATH_MAX further down. */
const MAX_DEPTH = 1000;

type Outcome = { kind: 'tree'; listing: string[] } | { kind: 'refused'; code: string; message: string } | { kind: 'declined' };

function refusal(err: unknown): Outcome {
  if (!isBerthError(err)) throw err;
  return { kind: 'refused', code: err.code, message: err.message };
}

async function drain(chunks: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of chunks) { /* hashing is the point */ }
}

/** The layer through the tar path and through the index, each in a directory of its own under `dir`. */
async function bothPaths(dir: string, bytes: Buffer): Promise<{ tar: Outcome; index: Outcome }> {
  const blobPath = join(dir, 'blob');
  writeFileSync(blobPath, bytes);
  const diffId = sha256Of(bytes);
  const chainId = sha256Of(`chain ${diffId}`);
  const read = (): AsyncIterable<Buffer> => readVerified(blobPath, diffId, bytes.length);
  const scanner = new LayerScanner();
  await scanner.write(bytes);
  const facts = await scanner.finish();
  assert.ok(facts !== undefined, `the layer is a tar (${scanner.problem})`);

  const unpacked = join(dir, 'unpacked');
  mkdirSync(unpacked);
  let tarOutcome: Outcome;
  try {
    // As the store hands it over: a plain layer to GNU tar as it is, any other rewritten.
    await unpackLayer(unpacked, { chainId, diffId, plain: facts.plain, tarSize: bytes.length, blobPath, read });
    tarOutcome = { kind: 'tree', listing: treeListing(layerDir(unpacked, chainId), MAX_DEPTH) };
  } catch (err) {
    tarOutcome = refusal(err);
  }

  const indexed = join(dir, 'indexed');
  mkdirSync(indexed);
  let indexOutcome: Outcome;
  try {
    if (await buildLayerIndex(indexed, { chainId, diffId, blobPath, verify: () => drain(read()) })) {
      const at = join(dir, 'mnt');
      mkdirSync(at);
      mountLayerIndex(indexPath(indexed, chainId), blobPath, at);
      try {
        indexOutcome = { kind: 'tree', listing: treeListing(at, MAX_DEPTH) };
      } finally {
        loadNative('unmount a layer index').umount(at, 2 /* MNT_DETACH */);
        rmdirSync(at);
      }
    } else {
      indexOutcome = { kind: 'declined' };
    }
  } catch (err) {
    indexOutcome = refusal(err);
  }
  return { tar: tarOutcome, index: indexOutcome };
}

/**
 * The one place the two paths are known to differ. GNU tar unpacks a symlink whose target is
 * absolute or climbs as a placeholder and makes the link at the end unless the placeholder was
 * replaced; a later regular file of the same name that reuses the placeholder's inode number
 * goes unnoticed, so the link may remain where the index keeps the last file, as Docker does.
 * Nothing is written through the link either way (the canaries are checked). For these paths the
 * index must show the last file; the tar path may show it or the link.
 */
const LAST_FILE_OR_LINK: Record<string, readonly string[]> = {
  'duplicate entries in a layer (file, symlink to a host file, file): nothing is written through the link (layer 1)': ['dup', 'dup2'],
  'duplicate entries in a layer (file, symlink to a host file, file): nothing is written through the link (layer 2)': ['dup3'],
};

function withoutKnownDivergence(what: string, onlyTar: string[], onlyIndex: string[]): { onlyTar: string[]; onlyIndex: string[] } {
  const paths = LAST_FILE_OR_LINK[what] ?? [];
  const isLink = (line: string): boolean => paths.some((p) => line.startsWith(`${p} symlink `));
  const isFile = (line: string): boolean => paths.some((p) => line.startsWith(`${p} file `));
  return { onlyTar: onlyTar.filter((l) => !isLink(l)), onlyIndex: onlyIndex.filter((l) => !isFile(l)) };
}

interface Tally { trees: number; refusals: number; declined: number; problems: string[] }

/** Runs one layer through both paths; a disagreement is added to the tally's problems. */
async function compareLayer(base: string, what: string, entries: readonly TarEntry[], tally: Tally): Promise<void> {
  const dir = mkdtempSync(join(base, 'layer-'));
  try {
    const { tar: t, index: i } = await bothPaths(dir, tar(entries));
    if (i.kind === 'declined') {
      tally.declined++;
    } else if (t.kind === 'tree' && i.kind === 'tree') {
      for (const path of LAST_FILE_OR_LINK[what] ?? []) {
        if (!i.listing.some((line) => line.startsWith(`${path} file `))) tally.problems.push(`${what}: the index does not keep the last file at ${path}`);
      }
      const { onlyTar, onlyIndex } = withoutKnownDivergence(what, t.listing.filter((line) => !i.listing.includes(line)), i.listing.filter((line) => !t.listing.includes(line)));
      if (onlyTar.length > 0 || onlyIndex.length > 0) tally.problems.push(`${what}: tar path ${JSON.stringify(onlyTar)}, index ${JSON.stringify(onlyIndex)}`);
      else tally.trees++;
    } else if (t.kind === 'refused' && i.kind === 'refused') {
      if (i.code !== t.code) tally.problems.push(`${what}: refused with different codes (tar path: ${t.message}; index: ${i.message})`);
      else tally.refusals++;
    } else {
      tally.problems.push(`${what}: one path refused the layer and the other did not (tar path: ${describe(t)}; index: ${describe(i)})`);
    }
  } finally {
    removeDeepTreeSync(dir);
  }
}

function describe(o: Outcome): string {
  return o.kind === 'tree' ? `a tree of ${o.listing.length} entries` : o.kind === 'refused' ? `${o.code}: ${o.message}` : 'declined';
}

function canUseBoth(t: TestContext): boolean {
  if (!requireOrSkip(t, IS_ROOT, 'unpacking owners and devices and mounting an index need root')) return false;
  return requireOrSkip(t, erofsUsable(tmpdir()), 'the kernel has no EROFS with file-backed mounts (Linux 6.12+)');
}

function scratch(t: TestContext): string {
  const base = mkdtempSync(join(tmpdir(), 'berth-layer-semantics-'));
  t.after(() => removeDeepTreeSync(base));
  return base;
}

test('every layer of every hostile image case: the index and the tar path make the same tree, or both refuse it', async (t) => {
  if (!canUseBoth(t)) return;
  const base = scratch(t);
  const tag = canaryTag();
  const canaries: Canaries = {
    tag,
    tmpDir: `/tmp/berth-canary-${tag}`,
    localDir: join(base, `canary-${tag}`),
    siblingDir: `${base}-evil`,
    tmpName: (name) => `/tmp/berth-canary-${tag}-${name}`,
  };
  const dirs = [canaries.tmpDir, canaries.localDir, canaries.siblingDir];
  t.after(() => {
    removeDeepTreeSync(canaries.tmpDir);
    removeDeepTreeSync(canaries.siblingDir);
  });
  for (const d of dirs) await makeCanaryDir(d);
  const before = dirs.map((d) => treeFacts(d));
  const tally: Tally = { trees: 0, refusals: 0, declined: 0, problems: [] };
  let layers = 0;
  for (const c of HOSTILE_IMAGE_CASES) {
    for (const [n, entries] of c.layers(canaries).entries()) {
      await compareLayer(base, `${c.name} (layer ${n + 1})`, entries, tally);
      layers++;
    }
  }
  t.diagnostic(`${layers} layers: ${tally.trees} same trees, ${tally.refusals} refused by both, ${tally.declined} declined by the index`);
  assert.deepEqual(tally.problems, [], 'the index and the tar path disagree');
  assert.ok(layers >= 40, `the cases gave ${layers} layers`);
  for (const what of Object.keys(LAST_FILE_OR_LINK)) assert.ok(HOSTILE_IMAGE_CASES.some((c) => what.startsWith(c.name)), `the known divergence "${what}" names a case`);
  assert.ok(tally.trees >= 25 && tally.refusals >= 5, `both outcomes are compared: ${JSON.stringify(tally)}`);
  assert.ok(tally.declined <= 3, `the index declines few of them: ${JSON.stringify(tally)}`);
  assert.deepEqual(dirs.map((d) => treeFacts(d)), before, 'no layer reached a canary');
  assert.deepEqual(readdirSync('/tmp').filter((n) => n.startsWith(`berth-canary-${tag}-`)), [], 'no layer made a name under /tmp');
});

/** Whiteouts, opaque directories and hard links in the orders a layer may give them. */
const SEMANTICS: Array<[string, TarEntry[]]> = [
  ['whiteouts of a file, a directory and a name the layer never had', [
    { name: 'etc/', type: 'dir' }, { name: 'etc/.wh.passwd', data: '' }, { name: '.wh.var', data: '' }, { name: 'opt/.wh.never', data: '' },
  ]],
  ['a whiteout, then the same name added again (and the other way round)', [
    { name: '.wh.again', data: '' }, { name: 'again', data: 'back\n' }, { name: 'gone', data: 'here first\n' }, { name: '.wh.gone', data: '' },
  ]],
  ['an opaque directory with entries before and after its marker', [
    { name: 'o/', type: 'dir', mode: 0o750 }, { name: 'o/before', data: 'b\n' }, { name: 'o/.wh..wh..opq', data: '' }, { name: 'o/after', data: 'a\n' },
  ]],
  ['an opaque marker before its directory, whose entry comes later with another mode', [
    { name: 'p/.wh..wh..opq', data: '' }, { name: 'p/in', data: 'in\n' }, { name: 'p/', type: 'dir', mode: 0o700, mtime: 1_600_000_000 },
  ]],
  ['an opaque marker for a directory the layer never lists, and one at the root', [
    { name: 'q/r/.wh..wh..opq', data: '' }, { name: '.wh..wh..opq', data: '' }, { name: 'top', data: 't\n' },
  ]],
  ['a whiteout inside an opaque directory', [
    { name: 'w/', type: 'dir' }, { name: 'w/.wh..wh..opq', data: '' }, { name: 'w/.wh.old', data: '' }, { name: 'w/new', data: 'n\n' },
  ]],
  ['hard links: to a file, to a link of it, with ./ and / prefixes', [
    { name: 'f', data: 'shared\n', mode: 0o640, mtime: 1_650_000_000 }, { name: 'l1', type: 'hardlink', linkname: 'f' },
    { name: 'l2', type: 'hardlink', linkname: 'l1' }, { name: 'l3', type: 'hardlink', linkname: './f' }, { name: 'l4', type: 'hardlink', linkname: '/f' },
  ]],
  ['a hard link to a file that is replaced afterwards', [
    { name: 'orig', data: 'first\n' }, { name: 'link', type: 'hardlink', linkname: 'orig' }, { name: 'orig', data: 'second version\n' },
  ]],
  ['a hard link to a symlink and to a device', [
    { name: 'sym', type: 'symlink', linkname: 'target' }, { name: 'hsym', type: 'hardlink', linkname: 'sym' },
    { name: 'null', type: 'chardev', mode: 0o666, rawHeader: [{ offset: 329, bytes: '0000001\0' }, { offset: 337, bytes: '0000003\0' }] },
    { name: 'hnull', type: 'hardlink', linkname: 'null' },
  ]],
  ['a hard link into an opaque directory and to a whited-out name', [
    { name: 'x/', type: 'dir' }, { name: 'x/.wh..wh..opq', data: '' }, { name: 'x/file', data: 'x\n' }, { name: 'hx', type: 'hardlink', linkname: 'x/file' },
    { name: 'y', data: 'y\n' }, { name: '.wh.y', data: '' }, { name: 'hy', type: 'hardlink', linkname: 'y' },
  ]],
  ['a hard link to a name defined later', [{ name: 'early', type: 'hardlink', linkname: 'late' }, { name: 'late', data: 'late\n' }]],
  ['a hard link to a directory', [{ name: 'd/', type: 'dir' }, { name: 'hd', type: 'hardlink', linkname: 'd' }]],
  ['a file replaced by a directory, and a directory by a file', [
    { name: 'fd', data: 'file\n' }, { name: 'fd/', type: 'dir' }, { name: 'fd/in', data: 'in\n' },
    { name: 'df/', type: 'dir' }, { name: 'df/child', data: 'c\n' }, { name: 'df', data: 'now a file\n' },
  ]],
  ['duplicate directories: the last entry\'s mode and owner', [
    { name: 'dup/', type: 'dir', mode: 0o700 }, { name: 'dup/a', data: 'a\n' }, { name: 'dup/', type: 'dir', mode: 0o755, mtime: 1_500_000_000 },
  ]],
  ['names with ./, // and trailing slashes on non-directories', [
    { name: './dot/', type: 'dir' }, { name: 'dot//two', data: '2\n' }, { name: './dot/./three', data: '3\n' },
  ]],
];

test('whiteouts, opaque directories and hard links: the index and the tar path make the same tree, or both refuse it', async (t) => {
  if (!canUseBoth(t)) return;
  const base = scratch(t);
  const tally: Tally = { trees: 0, refusals: 0, declined: 0, problems: [] };
  for (const [what, entries] of SEMANTICS) await compareLayer(base, what, entries, tally);
  t.diagnostic(`${SEMANTICS.length} layers: ${tally.trees} same trees, ${tally.refusals} refused by both, ${tally.declined} declined by the index`);
  assert.deepEqual(tally.problems, [], 'the index and the tar path disagree');
  assert.ok(tally.trees >= SEMANTICS.length - 4, `most of them unpack: ${JSON.stringify(tally)}`);
  assert.equal(tally.declined, 0, 'the index declines none of them');
  assert.deepEqual(readdirSync(base), [], 'each layer\'s directory is removed');
});
