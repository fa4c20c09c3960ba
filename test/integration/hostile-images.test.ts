/**
 * Images whose layers try to reach outside the container's root when they are unpacked or
 * run: climbing and absolute member names, symbolic links to host paths followed by files
 * written through them (in one layer and across two), hard links out of the layer, whiteouts
 * aimed outside or malformed, overlayfs xattrs smuggled in PAX records (local and global),
 * device nodes, setuid files, and links that the runtime's own mounts would follow.
 *
 * Each case loads the image (busybox base layer + the hostile layers, built with
 * support/tar-builder.ts) into a private store and runs it. Canary files and directories are
 * placed outside the store (in the test's directory and under /tmp) beforehand; afterwards
 * they must be exactly as they were and nothing new may have appeared outside the store. The
 * run either succeeds with the danger neutralised (asserted inside the container) or fails
 * cleanly with a coded error, leaving the container created, nothing mounted, and no
 * half-unpacked layer. Every unpacked layer directory is checked with getfattr: the only
 * trusted.overlay xattrs are the opaque markers Berth translated from .wh..wh..opq.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { run, tempDir, removeDir, type RunResult } from '../support/cli.js';
import { hasCommand, IS_ROOT, requireOrSkip } from '../support/env.js';
import { chainIds, jsonLines } from '../support/images.js';
import { DockerArchive, paxRecords, tar, type TarEntry } from '../support/tar-builder.js';
import { buildBusyboxImages, removeBusyboxImages } from '../support/busybox-image.js';
import { mountsUnder, newStoreDir, storeHelpers, tearDownStore, type ContainerStore } from '../support/container-store.js';

let base = '';
let baseLayer: Buffer = Buffer.alloc(0);

before(async () => {
  base = await tempDir('berth-hostile-images-');
  if (IS_ROOT) baseLayer = await readFile((await buildBusyboxImages()).baseLayer);
});

after(async () => {
  try {
    assert.deepEqual(mountsUnder(base), [], 'nothing is left mounted under the test directory');
  } finally {
    if (mountsUnder(base).length === 0) await removeDir(base);
    await removeBusyboxImages();
  }
});

/** Where a case may aim: canaries that exist, and names that must not appear. */
interface Canaries {
  /** Unique to the test: part of every name it aims at. */
  tag: string;
  /** A directory under /tmp with files in it (keep.txt, sub/deep.txt). */
  tmpDir: string;
  /** A directory beside the test's store directory (under the file's temporary directory). */
  localDir: string;
  /** /tmp/<prefix>-NAME: paths under /tmp a layer aims at, which must not appear. */
  tmpName: (name: string) => string;
}

type Outcome =
  | { ok: true; stdout: string | RegExp }
  | { ok: false; code: string; stderr: RegExp };

interface HostileCase {
  name: string;
  /** Layers above the busybox base layer. */
  layers: (c: Canaries) => TarEntry[][];
  /** Options for run (before the image). */
  runArgs?: (c: Canaries, s: ContainerStore) => string[];
  /** The command run in the container (a shell script). */
  script: (c: Canaries) => string;
  outcome: Outcome;
  /** Directories (relative to the top layer's root) that carried .wh..wh..opq: the only trusted.overlay xattrs allowed. */
  opaque?: string[];
  /** Further checks after the run (the store and container are still there). */
  check?: (s: ContainerStore, c: Canaries, r: RunResult) => Promise<void>;
}

function devHeader(major: number, minor: number): NonNullable<TarEntry['rawHeader']> {
  const octal = (n: number): string => `${n.toString(8).padStart(7, '0')}\0`;
  return [{ offset: 329, bytes: octal(major) }, { offset: 337, bytes: octal(minor) }];
}

function globalHeader(records: Record<string, string>): TarEntry {
  return { name: 'pax_global_header', typeflag: 'g', data: paxRecords(records) };
}

const UNPACK_FAILED = /Cannot unpack layer sha256:[0-9a-f]{64}: tar exited with 2: .*\[LAYER_UNPACK_FAILED\]/;

const CASES: HostileCase[] = [
  {
    name: 'member names climbing out with ../ land inside the container\'s /',
    layers: (c) => [[
      { name: `../../../../tmp/${c.tmpName('dotdot').slice(5)}`, data: 'dotdot\n' },
      { name: `sub/../../../../../../tmp/${c.tmpName('nested').slice(5)}`, data: 'nested\n' },
      { name: '../../escape-dir/', type: 'dir' },
      { name: '../../escape-dir/file', data: 'file\n' },
    ]],
    script: (c) => `cat ${c.tmpName('dotdot')} ${c.tmpName('nested')} /escape-dir/file`,
    outcome: { ok: true, stdout: 'dotdot\nnested\nfile\n' },
    check: async (s) => {
      assert.equal(existsSync(join(s.root, 'v1', 'escape-dir')), false, 'not beside the layer directory either');
      assert.equal(existsSync(join(s.root, 'escape-dir')), false);
    },
  },
  {
    name: 'absolute member names land inside the container\'s /',
    layers: (c) => [[
      { name: '/abs/', type: 'dir' },
      { name: '/abs/escape', data: 'abs\n' },
      { name: c.tmpName('abs'), data: 'abs tmp\n' },
    ]],
    script: (c) => `cat /abs/escape ${c.tmpName('abs')}`,
    outcome: { ok: true, stdout: 'abs\nabs tmp\n' },
  },
  {
    name: 'a symlink to an absolute host directory, then a file through it in the same layer: refused by the unpack',
    layers: (c) => [[
      { name: 'evil', type: 'symlink', linkname: c.tmpDir },
      { name: 'evil/pwned', data: 'pwned\n' },
      { name: 'evil-local', type: 'symlink', linkname: c.localDir },
      { name: 'evil-local/pwned', data: 'pwned\n' },
    ]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: /evil\/pwned: Cannot open: Not a directory/ },
  },
  {
    name: 'a relative symlink climbing to a host directory, then a file through it in the same layer: refused by the unpack',
    layers: (c) => [[
      { name: 'a/', type: 'dir' },
      { name: 'a/evil', type: 'symlink', linkname: `../../../../../../../../..${c.tmpDir}` },
      { name: 'a/evil/pwned', data: 'pwned\n' },
    ]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: UNPACK_FAILED },
  },
  {
    name: 'a symlink to a host directory in one layer, files through it in the next: a directory inside the container',
    layers: (c) => [
      [
        { name: 'evil', type: 'symlink', linkname: c.tmpDir },
        { name: 'evil2', type: 'symlink', linkname: c.tmpDir },
        { name: 'evil3', type: 'symlink', linkname: `../../../../../../../..${c.tmpDir}` },
      ],
      [
        { name: 'evil/pwned', data: 'pwned\n' },
        { name: 'evil/keep.txt', data: 'overwritten\n' },
        { name: 'evil2/', type: 'dir' },
        { name: 'evil2/pwned', data: 'pwned2\n' },
        { name: 'evil3/sub/deep.txt', data: 'overwritten3\n' },
      ],
    ],
    script: () => 'for p in /evil /evil2 /evil3; do test -d $p && test ! -L $p && echo "$p is a directory"; done; cat /evil/pwned /evil/keep.txt /evil2/pwned /evil3/sub/deep.txt; ls -A /evil',
    outcome: { ok: true, stdout: '/evil is a directory\n/evil2 is a directory\n/evil3 is a directory\npwned\noverwritten\npwned2\noverwritten3\nkeep.txt\npwned\n' },
  },
  {
    name: 'a hard link to ../../etc/passwd with no such file in the layer: refused by the unpack',
    layers: () => [[{ name: 'hl', type: 'hardlink', linkname: '../../etc/passwd' }]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: /Cannot hard link to .etc\/passwd.: No such file or directory/ },
  },
  {
    name: 'a hard link to ../../etc/passwd is clamped to the layer\'s own etc/passwd',
    layers: () => [[
      { name: 'etc/', type: 'dir' },
      { name: 'etc/passwd', data: 'root:x:0:0:layer root:/root:/bin/sh\n' },
      { name: 'hl', type: 'hardlink', linkname: '../../etc/passwd' },
      { name: 'hl-abs', type: 'hardlink', linkname: '/etc/passwd' },
    ]],
    script: () => 'cat /hl; stat -c %h /hl; cat /hl-abs',
    outcome: { ok: true, stdout: 'root:x:0:0:layer root:/root:/bin/sh\n3\nroot:x:0:0:layer root:/root:/bin/sh\n' },
  },
  {
    name: 'a hard link through a symlink to the host\'s /etc: refused by the unpack',
    layers: () => [[
      { name: 'hostetc', type: 'symlink', linkname: '/etc' },
      { name: 'hl', type: 'hardlink', linkname: 'hostetc/passwd' },
    ]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: /Cannot hard link to .hostetc\/passwd./ },
  },
  {
    name: 'a hard link through a symlink to the host\'s /etc from the layer below: refused by the unpack',
    layers: () => [
      [{ name: 'hostetc', type: 'symlink', linkname: '/etc' }],
      [{ name: 'hl', type: 'hardlink', linkname: 'hostetc/passwd' }],
    ],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: /Cannot hard link to .hostetc\/passwd.: No such file or directory/ },
  },
  {
    name: 'a whiteout named ".wh.." (of ".") is refused',
    layers: () => [[{ name: '.wh..', data: '' }]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_INVALID', stderr: /Cannot unpack layer: "\.wh\.\." is not a valid whiteout \[LAYER_INVALID\]/ },
  },
  {
    name: 'a whiteout named ".wh..." (of "..") is refused',
    layers: () => [[{ name: 'etc/.wh...', data: '' }]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_INVALID', stderr: /is not a valid whiteout \[LAYER_INVALID\]/ },
  },
  {
    name: 'whiteouts aimed outside (../.wh.x, ../../tmp/<canary>/.wh.keep.txt, a climbing opaque marker) act inside only',
    layers: (c) => [[
      { name: '../.wh.opt', data: '' },
      { name: `../../../..${c.tmpDir}/.wh.keep.txt`, data: '' },
      { name: `../../../..${c.localDir}/.wh.keep.txt`, data: '' },
      { name: 'a/../../.wh..wh..opq', data: '' },
      { name: 'home/', type: 'dir' },
      { name: 'home/../../../home/.wh.test', data: '' },
    ]],
    script: () => 'test -e /opt && echo opt; test -e /home/test && echo test; ls -d /bin /etc /home',
    // /opt and /home/test are whited out in the container; the climbing root opaque marker is ignored (the base stays visible).
    outcome: { ok: true, stdout: '/bin\n/etc\n/home\n' },
  },
  {
    name: 'overlay xattrs in PAX records (opaque, redirect, whiteout, metacopy, origin; SCHILY and LIBARCHIVE) are dropped',
    layers: () => [[
      { name: 'opt/', type: 'dir', pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } },
      { name: 'home/', type: 'dir', pax: { 'LIBARCHIVE.xattr.trusted.overlay.opaque': 'eQ==' } },
      { name: 'etc/', type: 'dir', pax: { 'SCHILY.xattr.trusted.overlay.redirect': '/bin', 'SCHILY.xattr.trusted.overlay.whiteouts': '' } },
      { name: 'etc/issue', data: 'xattr layer issue\n', pax: { 'SCHILY.xattr.trusted.overlay.whiteout': '', 'SCHILY.xattr.trusted.overlay.metacopy': '' } },
      { name: 'srv/', type: 'dir', pax: { 'SCHILY.xattr.user.note': 'kept' } },
      { name: 'srv/.wh..wh..opq', data: '' },
      { name: 'srv/f', data: 'f\n', pax: { 'SCHILY.xattr.trusted.overlay.origin': 'abc', 'SCHILY.xattr.trusted.overlay.upper': 'x' } },
    ]],
    script: () => 'ls /opt/data; ls /home; cat /etc/issue; test -f /etc/passwd && echo passwd; ls /srv',
    outcome: { ok: true, stdout: 'old.txt\nsub\ntest\nuser\nxattr layer issue\npasswd\nf\n' },
    opaque: ['srv'],
    check: async (s) => {
      const top = topLayerDir(s);
      const note = await run('getfattr', ['--absolute-names', '-n', 'user.note', '--only-values', join(top, 'srv')]);
      assert.equal(note.stdout, 'kept', 'other xattrs are extracted: the overlay ones were dropped, not all of them');
    },
  },
  {
    name: 'a PAX global header (xattr, path) is ignored, as Docker does',
    layers: (c) => [[
      globalHeader({ 'SCHILY.xattr.trusted.overlay.opaque': 'y', path: `../../../../tmp/${c.tmpName('global').slice(5)}` }),
      { name: 'opt/', type: 'dir' },
      { name: 'global.txt', data: 'global\n' },
    ]],
    script: () => 'cat /global.txt; ls /opt',
    outcome: { ok: true, stdout: 'global\ndata\ngone\n' },
  },
  {
    name: 'device nodes unpack (as Docker) but cannot be opened in the container; the store is closed to other users',
    layers: () => [[
      { name: 'dev-mem', type: 'chardev', mode: 0o666, rawHeader: devHeader(1, 1) },
      { name: 'disk', type: 'blockdev', mode: 0o666, rawHeader: devHeader(7, 0) },
      { name: 'fifo', type: 'fifo' },
    ]],
    script: () => 'stat -c "%F %t:%T" /dev-mem /disk; head -c1 /dev-mem; echo "mem $?"; head -c1 /disk; echo "disk $?"; test -p /fifo && echo fifo',
    outcome: { ok: true, stdout: 'character special file 1:1\nblock special file 7:0\nmem 1\ndisk 1\nfifo\n' },
    check: async (s, _c, r) => {
      assert.match(r.stderr, /dev-mem: Operation not permitted/);
      assert.match(r.stderr, /disk: Operation not permitted/);
      assertPrivateStore(s);
    },
  },
  {
    name: 'setuid and setgid files keep their bits in the container (as Docker); the store is closed to other users',
    layers: () => [[
      { name: 'suid', mode: 0o4755, data: '#!/bin/sh\nid -u\n' },
      { name: 'sgid', mode: 0o2755, data: 'x\n' },
    ]],
    script: () => 'stat -c "%a %n" /suid /sgid',
    outcome: { ok: true, stdout: '4755 /suid\n2755 /sgid\n' },
    check: async (s) => {
      assertPrivateStore(s);
      assert.equal(statSync(join(topLayerDir(s), 'suid')).mode & 0o7777, 0o4755);
    },
  },
  {
    name: 'an /etc/passwd that links to the host\'s /etc/shadow is read inside the root',
    layers: () => [[
      { name: 'etc/', type: 'dir' },
      { name: 'etc/passwd', type: 'symlink', linkname: '/etc/shadow' },
      { name: 'etc/group', type: 'symlink', linkname: '../../../../../etc/gshadow' },
    ]],
    runArgs: () => ['-u', '0'],
    script: () => 'id -u; test -e /etc/passwd || echo "no passwd"',
    outcome: { ok: true, stdout: '0\nno passwd\n' },
    check: async (s) => {
      const r = await s.berth(['run', '-u', 'root', 'hostile/image:1', 'true']);
      assert.equal(r.code, 125, 'root is not found: the host\'s shadow was not read');
      assert.match(r.stderr, /unable to find user root: no matching entries in passwd file/);
    },
  },
  {
    name: 'an /etc that links to a host directory: the runtime\'s /etc/hosts, hostname and resolv.conf mounts stay inside',
    layers: (c) => [[{ name: 'etc', type: 'symlink', linkname: c.tmpDir }]],
    runArgs: () => ['-u', '0', '-h', 'inside'],
    script: (c) => `cat /etc/hostname; readlink /etc; ls ${c.tmpDir}`,
    outcome: { ok: true, stdout: /^inside\n\/tmp\/berth-canary-[0-9a-f]+\n(hostname\nhosts\nresolv\.conf\n)$/ },
  },
  {
    name: 'a working directory and a volume destination through symlinks to host directories are made inside',
    layers: (c) => [[
      { name: 'work', type: 'symlink', linkname: c.tmpDir },
      { name: 'mnt', type: 'symlink', linkname: c.localDir },
    ]],
    runArgs: (_c, s) => ['-w', '/work/made-by-workdir', '-v', `${join(s.work, 'vol')}:/mnt/vol`],
    script: () => 'pwd; echo in-volume > /mnt/vol/f; ls /work',
    outcome: { ok: true, stdout: /^\/tmp\/berth-canary-[0-9a-f]+\/made-by-workdir\nmade-by-workdir\n$/ },
    check: async (s) => {
      assert.equal(readFileSync(join(s.work, 'vol', 'f'), 'utf8'), 'in-volume\n', 'the volume works (its source is the user\'s choice)');
    },
  },
];

function topLayerDir(s: ContainerStore): string {
  const c = JSON.parse(readFileSync(join(s.work, 'inspect.json'), 'utf8'))[0];
  return (c.GraphDriver.Data.LowerDir as string).split(':')[0]!;
}

function assertPrivateStore(s: ContainerStore): void {
  for (const dir of [join(s.root, 'v1'), join(s.root, 'v1', 'layers'), join(s.root, 'v1', 'containers')]) {
    assert.equal(statSync(dir).mode & 0o077, 0, `${dir} is closed to other users`);
  }
}

/** Every path under `dir` with its type, mode, owner, size, mtime, link target and content hash. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = lstatSync(p);
    let extra = '';
    if (st.isSymbolicLink()) extra = readlinkSync(p);
    else if (st.isFile()) extra = createHash('sha256').update(readFileSync(p)).digest('hex');
    out.push(`${relative(dir, p) || '.'} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs} ${st.nlink} ${extra}`);
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
  };
  walk(dir);
  return out;
}

/** What a hostile layer could change outside the store. */
function hostFacts(c: Canaries): Record<string, unknown> {
  const passwd = statSync('/etc/passwd');
  return {
    tmpDir: tree(c.tmpDir),
    localDir: tree(c.localDir),
    tmpNames: readdirSync('/tmp').filter((n) => n.includes(c.tag)).sort(),
    baseNames: readdirSync(base).filter((n) => !n.startsWith('t-') && !n.startsWith('canary-')).sort(),
    rootNames: ['abs', 'escape-dir', 'evil', 'evil2', 'evil3', 'hl', 'hl-abs', 'pwned', 'global.txt', 'dev-mem', 'disk', 'suid'].filter((n) => existsSync(join('/', n))),
    passwd: `${passwd.ino} ${passwd.nlink} ${passwd.size} ${passwd.mtimeMs} ${createHash('sha256').update(readFileSync('/etc/passwd')).digest('hex')}`,
    opt: existsSync('/opt') ? readdirSync('/opt').sort() : null,
    home: existsSync('/home') ? readdirSync('/home').sort() : null,
  };
}

/** The test directory (beside the store) holds only what the test put there. */
function workNames(work: string): string[] {
  return readdirSync(work).filter((n) => !['store', 'image.tar', 'inspect.json', 'vol'].includes(n)).sort();
}

async function makeCanaries(): Promise<Canaries> {
  const tag = createHash('sha256').update(`${process.pid} ${process.hrtime.bigint()} ${Math.random()}`).digest('hex').slice(0, 12);
  const tmpDir = `/tmp/berth-canary-${tag}`;
  const localDir = join(base, `canary-${tag}`);
  for (const dir of [tmpDir, localDir]) {
    await mkdir(join(dir, 'sub'), { recursive: true });
    await writeFile(join(dir, 'keep.txt'), 'keep\n');
    await writeFile(join(dir, 'sub', 'deep.txt'), 'deep\n');
  }
  return { tag, tmpDir, localDir, tmpName: (name) => `/tmp/berth-canary-${tag}-${name}` };
}

/** trusted.overlay.* xattrs under `dir` (getfattr, no symlink following): "path name=value" lines. */
async function overlayXattrs(dir: string): Promise<string[]> {
  const r = await run('getfattr', ['-R', '-P', '-h', '-d', '-m', '^trusted\\.overlay\\.', '--absolute-names', dir]);
  const lines: string[] = [];
  let file = '';
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# file: ')) file = line.slice(8);
    else if (line.trim() !== '') lines.push(`${relative(dir, file)} ${line}`);
  }
  return lines;
}

async function runCase(t: TestContext, c: HostileCase): Promise<void> {
  if (!requireOrSkip(t, IS_ROOT, 'containers need root')) return;
  if (!requireOrSkip(t, hasCommand('getfattr'), 'getfattr (apt-get install attr)')) return;
  const { root, work } = await newStoreDir(base);
  const s = storeHelpers(root, work);
  const canaries = await makeCanaries();
  const initial = hostFacts(canaries);
  let failure: unknown;
  try {
    const archive = new DockerArchive({ layers: [baseLayer, ...c.layers(canaries).map((l) => tar(l))], tags: ['hostile/image:1'] });
    const config = archive.config as { rootfs: { diff_ids: string[] } };
    await writeFile(join(work, 'image.tar'), archive.tar());
    await s.ok(['load', '-q', '-i', join(work, 'image.tar')]);
    const r = await s.berth(['run', '--name', 'hostile', ...(c.runArgs?.(canaries, s) ?? []), 'hostile/image:1', 'sh', '-c', c.script(canaries)]);
    await writeFile(join(work, 'inspect.json'), (await s.ok(['container', 'inspect', 'hostile'])).stdout);
    const layersDir = join(root, 'v1', 'layers');
    assert.deepEqual(readdirSync(layersDir).filter((n) => n.startsWith('.')), [], 'no half-unpacked layer is left');
    if (c.outcome.ok) {
      assert.equal(r.code, 0, `the run succeeds: ${r.stderr}`);
      if (typeof c.outcome.stdout === 'string') assert.equal(r.stdout, c.outcome.stdout);
      else assert.match(r.stdout, c.outcome.stdout);
      const inspect = JSON.parse(readFileSync(join(work, 'inspect.json'), 'utf8'))[0];
      assert.equal(inspect.State.Status, 'exited');
      assert.equal(inspect.GraphDriver.Data.LowerDir.split(':').length, 1 + c.layers(canaries).length, 'every layer was unpacked');
    } else {
      assert.equal(r.code, 125, `the run fails as Berth's own error: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`\\[${c.outcome.code}\\]`));
      assert.match(r.stderr, c.outcome.stderr);
      const rows = jsonLines((await s.ok(['ps', '-a', '--format', 'json'])).stdout);
      assert.deepEqual(rows.map((row) => [row.Names, row.State]), [['hostile', 'created']], 'the container stays created');
      const chains = chainIds(config.rootfs.diff_ids).map((c) => c.slice(7));
      const unpacked = readdirSync(layersDir);
      assert.ok(unpacked.every((n) => chains.includes(n)), 'only layers of the image are unpacked');
      assert.ok(!unpacked.includes(chains.at(-1)!), 'the refused layer is not unpacked');
    }
    assert.deepEqual(mountsUnder(root), [], 'the finished container is unmounted');
    // The only overlay xattrs in any unpacked layer are Berth's opaque markers.
    const allowed = new Set((c.opaque ?? []).map((d) => `${d} trusted.overlay.opaque="y"`));
    for (const name of readdirSync(layersDir)) {
      const found = await overlayXattrs(join(layersDir, name));
      assert.deepEqual(found.filter((x) => !allowed.has(x)), [], `no overlay xattr from the image in layer ${name.slice(0, 12)}`);
    }
    if (allowed.size > 0) assert.deepEqual(await overlayXattrs(topLayerDir(s)), [...allowed], 'the translated opaque markers are there');
    await c.check?.(s, canaries, r);
    assert.deepEqual(hostFacts(canaries), initial, 'nothing outside the store changed');
    assert.deepEqual(workNames(work), [], 'nothing appeared beside the store');
  } catch (err) {
    failure = err;
  }
  const problems = await tearDownStore(s);
  // Removing the containers (and their upper directories holding the hostile links) changed nothing outside either.
  const afterRemoval = hostFacts(canaries);
  await rm(canaries.tmpDir, { recursive: true, force: true });
  await rm(canaries.localDir, { recursive: true, force: true });
  for (const name of readdirSync('/tmp').filter((n) => n.includes(canaries.tag))) await rm(join('/tmp', name), { recursive: true, force: true });
  if (failure !== undefined) throw failure;
  assert.deepEqual(problems, [], 'the test left a clean store behind');
  assert.deepEqual(afterRemoval, initial, 'nothing outside the store changed after rm either');
}

describe('hostile images: unpacked and run, nothing escapes the container\'s root', { concurrency: 3 }, () => {
  for (const c of CASES) test(c.name, (t) => runCase(t, c));
});
