import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderChanges, sortedNames, treeChanges, upperNodes, type Change, type FsNode } from './fs-changes.js';
import { LowerView } from './lower-view.js';
import { runtimeStubs } from './mount-stubs.js';
import { requireOrSkip } from '../../../test/support/env.js';

function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-fs-changes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function put(root: string, rel: string, content = `${rel}\n`): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), content);
}

function whiteout(root: string, rel: string): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  execFileSync('mknod', [join(root, rel), 'c', '0', '0']);
}

function opaque(root: string, rel: string): void {
  mkdirSync(join(root, rel), { recursive: true });
  execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', join(root, rel)]);
}

/**
 * Two image layers (the second deletes data/a and adds data/b) and an upper dir holding what a
 * container did: deleted etc/group, replaced data/sub, added data/new, changed data/mod, and the
 * runtime's stubs (etc/hosts, proc) the image does not have.
 */
function fixture(t: TestContext): { base: string; top: string; upper: string; dir: string } {
  const dir = scratch(t);
  const base = join(dir, 'l0');
  const top = join(dir, 'l1');
  const upper = join(dir, 'upper');
  for (const rel of ['etc/passwd', 'etc/group', 'data/sub/old.txt', 'data/keep/k', 'data/a', 'data/mod']) put(base, rel);
  symlinkSync('busybox', join(base, 'data', 'link'));
  whiteout(top, 'data/a');
  put(top, 'data/b');
  whiteout(upper, 'etc/group');
  opaque(upper, 'data/sub');
  put(upper, 'data/sub/n.txt');
  put(upper, 'data/new');
  put(upper, 'data/mod', 'changed\n');
  put(upper, 'etc/hosts', '');
  mkdirSync(join(upper, 'proc'));
  return { base, top, upper, dir };
}

const lines = (changes: Change[]): string[] => renderChanges(changes).toString('utf8').trimEnd().split('\n');

test('the lower view applies whiteouts and opaque directories, top layer first', async (t) => {
  if (!requireOrSkip(t, process.getuid?.() === 0, 'whiteouts and trusted xattrs need root')) return;
  const { base, top } = fixture(t);
  const lower = new LowerView([base, top]);
  assert.deepEqual([...(await lower.list('data')).keys()].sort(), ['b', 'keep', 'link', 'mod', 'sub']);
  assert.equal(await lower.lookup('data/a'), undefined, 'deleted by the top layer');
  assert.equal((await lower.lookup('data/b'))?.path, join(top, 'data', 'b'));
  assert.equal(await lower.lookup('data/link/x'), undefined, 'nothing below a symlink');
  const replacing = join(top, '..', 'l2');
  opaque(replacing, 'data');
  put(replacing, 'data/only');
  const three = new LowerView([base, top, replacing]);
  assert.deepEqual([...(await three.list('data')).keys()], ['only'], 'an opaque directory hides every layer below it');
});

test('diff over an overlay upper dir: Docker\'s A/C/D, parents of changes as C, stubs left out', async (t) => {
  if (!requireOrSkip(t, process.getuid?.() === 0, 'whiteouts and trusted xattrs need root')) return;
  const { base, top, upper } = fixture(t);
  const lower = new LowerView([base, top]);
  const skip = await runtimeStubs(upper, lower);
  assert.deepEqual([...skip].sort(), ['etc/hosts', 'proc']);
  const changes = await treeChanges({ root: upper, layered: true }, lower, { skip });
  assert.deepEqual(lines(changes), [
    'C /data', 'C /data/mod', 'A /data/new', 'C /data/sub', 'A /data/sub/n.txt', 'D /data/sub/old.txt', 'C /etc', 'D /etc/group',
  ]);
});

test('diff of a full copy (vfs) gives the same list; for a layer, a directory made anew becomes opaque', async (t) => {
  if (!requireOrSkip(t, process.getuid?.() === 0, 'whiteouts and trusted xattrs need root')) return;
  const { base, top, dir } = fixture(t);
  const rootfs = join(dir, 'rootfs');
  execFileSync('cp', ['-a', `${base}/.`, rootfs]);
  rmSync(join(rootfs, 'data', 'a'));
  execFileSync('cp', ['-a', join(top, 'data', 'b'), join(rootfs, 'data', 'b')]);
  const lower = new LowerView([base, top]);
  // the copy is done: what the container does from now on is born later (the kernel's clock is coarse: let it tick)
  writeFileSync(join(dir, 'started'), '');
  const started = lstatSync(join(dir, 'started'), { bigint: true }).birthtimeNs;
  await new Promise((r) => setTimeout(r, 30));
  rmSync(join(rootfs, 'etc', 'group'));
  rmSync(join(rootfs, 'data', 'sub'), { recursive: true });
  put(rootfs, 'data/sub/n.txt');
  put(rootfs, 'data/new');
  put(rootfs, 'data/mod', 'changed\n');
  put(rootfs, 'etc/hosts', '');
  mkdirSync(join(rootfs, 'proc'));
  const skip = await runtimeStubs(rootfs, lower);
  const tree = { root: rootfs, layered: false };
  assert.deepEqual(lines(await treeChanges(tree, lower, { skip })), [
    'C /data', 'C /data/mod', 'A /data/new', 'C /data/sub', 'A /data/sub/n.txt', 'D /data/sub/old.txt', 'C /etc', 'D /etc/group',
  ]);
  rmSync(join(rootfs, 'data', 'keep', 'k'));
  rmSync(join(rootfs, 'data', 'link'));
  mkdirSync(join(rootfs, 'data', 'link'));
  const forLayer = await treeChanges(tree, lower, { skip, recreatedAfter: started });
  assert.deepEqual(forLayer.map((c) => `${c.node.whiteout ? 'wh ' : ''}${c.rel}${c.node.opaque ? ' (opaque)' : ''}`), [
    'data', 'data/keep', 'wh data/keep/k', 'data/link (opaque)', 'data/mod', 'data/new', 'data/sub (opaque)', 'data/sub/n.txt', 'etc', 'wh etc/group',
  ], 'a directory made anew (or over a non-directory) is opaque, as overlay makes it; one emptied in place keeps its whiteouts');
});

test('a mode change is C; an unchanged copy-up (etc/motd) is nothing; a stub the container filled is kept', async (t) => {
  if (!requireOrSkip(t, process.getuid?.() === 0, 'whiteouts and trusted xattrs need root')) return;
  const dir = scratch(t);
  const base = join(dir, 'l0');
  const upper = join(dir, 'upper');
  put(base, 'etc/motd');
  put(base, 'etc/issue');
  mkdirSync(upper, { recursive: true });
  execFileSync('cp', ['-a', join(base, 'etc'), upper]);
  chmodSync(join(upper, 'etc', 'issue'), 0o600);
  put(upper, 'etc/hostname', 'mine\n');
  put(upper, 'etc/resolv.conf', '');
  const lower = new LowerView([base]);
  const skip = await runtimeStubs(upper, lower);
  assert.deepEqual([...skip], ['etc/resolv.conf'], 'a non-empty file at a mount point is the container\'s');
  assert.deepEqual(lines(await treeChanges({ root: upper, layered: true }, lower, { skip })), ['C /etc', 'A /etc/hostname', 'C /etc/issue']);
});

test('a directory copied up only for a stub is left out with it', async (t) => {
  if (!requireOrSkip(t, process.getuid?.() === 0, 'ownership checks need root')) return;
  const dir = scratch(t);
  const base = join(dir, 'l0');
  const upper = join(dir, 'upper');
  put(base, 'etc/passwd');
  mkdirSync(join(upper, 'etc'), { recursive: true });
  put(upper, 'etc/hosts', '');
  put(upper, 'etc/hostname', '');
  mkdirSync(join(upper, 'dev'));
  const lower = new LowerView([base]);
  const skip = await runtimeStubs(upper, lower);
  assert.deepEqual([...skip].sort(), ['dev', 'etc', 'etc/hostname', 'etc/hosts']);
  const nodes: FsNode[] = [];
  for await (const n of upperNodes(upper, skip)) nodes.push(n);
  assert.deepEqual(nodes, [], 'nothing is left to commit');
  assert.deepEqual(await treeChanges({ root: upper, layered: true }, lower, { skip }), []);
});

test('upperNodes: byte order of names, a directory before its contents, whiteouts and opaque flags', async (t) => {
  if (!requireOrSkip(t, process.getuid?.() === 0, 'whiteouts and trusted xattrs need root')) return;
  const dir = scratch(t);
  const upper = join(dir, 'upper');
  put(upper, 'a.b');
  put(upper, 'a/z');
  put(upper, 'B');
  whiteout(upper, 'a/gone');
  opaque(upper, 'o');
  put(upper, 'é');
  const nodes: FsNode[] = [];
  for await (const n of upperNodes(upper, new Set())) nodes.push(n);
  assert.deepEqual(nodes.map((n) => `${n.rel}${n.whiteout ? ' wh' : ''}${n.opaque ? ' opq' : ''}`), ['B', 'a', 'a/gone wh', 'a/z', 'a.b', 'o opq', 'é']);
  assert.deepEqual(await sortedNames(upper), ['B', 'a', 'a.b', 'o', 'é']);
});

test('renderChanges prints Docker\'s lines', () => {
  const n = {} as FsNode;
  assert.equal(renderChanges([{ kind: 'C', rel: 'etc', node: n }, { kind: 'D', rel: 'etc/passwd', node: n }, { kind: 'A', rel: 'x y', node: n }]).toString('utf8'), 'C /etc\nD /etc/passwd\nA /x y\n');
  assert.equal(renderChanges([]).length, 0);
  assert.deepEqual(renderChanges([{ kind: 'A', rel: 'n\udcff', node: n }]), Buffer.from([0x41, 0x20, 0x2f, 0x6e, 0xff, 0x0a]), 'a name that is not UTF-8 as its bytes');
});

test('the walk never follows a symlink the container planted, nor one it swaps in mid-walk', async (t) => {
  const dir = scratch(t);
  const upper = join(dir, 'upper');
  put(upper, 'a/inside.txt');
  put(upper, 'b/inside.txt');
  symlinkSync('/', join(upper, 'escape'));
  const nodes: FsNode[] = [];
  for await (const n of upperNodes(upper, new Set())) nodes.push(n);
  assert.deepEqual(nodes.map((n) => `${n.rel}${n.linkTarget === undefined ? '' : ` -> ${n.linkTarget}`}`), ['a', 'a/inside.txt', 'b', 'b/inside.txt', 'escape -> /']);

  // a directory replaced by a symlink to the host after it was listed: refused, nothing of the host listed
  const swapped: string[] = [];
  const walk = upperNodes(upper, new Set());
  await assert.rejects(async () => {
    for await (const n of walk) {
      swapped.push(n.rel);
      if (n.rel === 'a') {
        rmSync(join(upper, 'a'), { recursive: true });
        symlinkSync('/etc', join(upper, 'a'));
      }
    }
  }, (err: Error & { code?: string }) => err.code === 'CHANGE_FILE_CHANGED');
  assert.deepEqual(swapped, ['a']);

  // a directory replaced by another directory (renamed over it) after it was listed: refused too
  rmSync(join(upper, 'a'));
  put(upper, 'a/inside.txt');
  const other: string[] = [];
  await assert.rejects(async () => {
    for await (const n of upperNodes(upper, new Set())) {
      other.push(n.rel);
      if (n.rel === 'a') {
        renameSync(join(upper, 'a'), join(upper, 'a-listed'));
        renameSync(join(upper, 'b'), join(upper, 'a'));
      }
    }
  }, (err: Error & { code?: string }) => err.code === 'CHANGE_FILE_CHANGED');
  assert.deepEqual(other, ['a']);
});

test('a directory the container changed after the stubs were made is kept (Docker commits it)', async (t) => {
  if (!requireOrSkip(t, process.getuid?.() === 0, 'ownership checks need root')) return;
  const dir = scratch(t);
  const base = join(dir, 'l0');
  const upper = join(dir, 'upper');
  put(base, 'etc/passwd');
  put(upper, 'etc/hosts', '');
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(upper, 'etc'), later, later); // as `touch /etc/x; rm /etc/x` a while after the start leaves it
  const lower = new LowerView([base]);
  const skip = await runtimeStubs(upper, lower);
  assert.deepEqual([...skip], ['etc/hosts']);
  const nodes: FsNode[] = [];
  for await (const n of upperNodes(upper, skip)) nodes.push(n);
  assert.deepEqual(nodes.map((n) => n.rel), ['etc']);
  assert.deepEqual(await treeChanges({ root: upper, layered: true }, lower, { skip }), [], 'no visible change for diff');
});
