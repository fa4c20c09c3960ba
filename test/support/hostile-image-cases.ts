/**
 * Images whose layers try to reach outside the container's root when they are unpacked or
 * run, one case each, with the classes it covers. Run by test/integration/hostile-images.test.ts:
 * each case's layers sit on the busybox base layer; the run either succeeds with the danger
 * neutralised (asserted inside the container by the case's script) or fails with a coded error.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from './cli.js';
import type { ContainerStore } from './container-store.js';
import type { HostileClassId } from './hostile-classes.js';
import { paxRecords, type TarEntry } from './tar-builder.js';
import { layerTree } from './layer-trees.js';

/** Where a case may aim: canaries that exist, and names that must not appear. */
export interface Canaries {
  /** Unique to the test: part of every name it aims at. */
  tag: string;
  /** A directory under /tmp with files in it (keep.txt, sub/deep.txt, perm400 of mode 0400). */
  tmpDir: string;
  /** A directory beside the test's store directory (under the file's temporary directory). */
  localDir: string;
  /**
   * "<test directory>-evil", beside the test directory that holds the store: its path starts
   * with the path of every directory of the store (a sibling-prefix target, GHSA-vj76-c3g6-qr5v).
   */
  siblingDir: string;
  /** /tmp/<prefix>-NAME: paths under /tmp a layer aims at, which must not appear. */
  tmpName: (name: string) => string;
}

export type Outcome =
  | { ok: true; stdout: string | RegExp }
  | { ok: false; code: string; stderr: RegExp };

export interface HostileImageCase {
  name: string;
  /** The attack classes it covers (support/hostile-classes.ts). */
  classes: readonly HostileClassId[];
  /** Layers above the busybox base layer. */
  layers: (c: Canaries) => TarEntry[][];
  /** Fields of the image config's "config" (Cmd, Env, WorkingDir, Volumes, ...) on top of the default ones. */
  config?: (c: Canaries) => Record<string, unknown>;
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


export function devHeader(major: number, minor: number): NonNullable<TarEntry['rawHeader']> {
  const octal = (n: number): string => `${n.toString(8).padStart(7, '0')}\0`;
  return [{ offset: 329, bytes: octal(major) }, { offset: 337, bytes: octal(minor) }];
}

export function globalHeader(records: Record<string, string>): TarEntry {
  return { name: 'pax_global_header', typeflag: 'g', data: paxRecords(records) };
}

/** A climbing name: it makes Berth rewrite the layer (not hand it to GNU tar as it is), so a case runs through both paths. */
export const FORCE_REWRITE: TarEntry = { name: 'x/../forced-rewrite', data: '' };

/** A file whose name is the given bytes (each char a byte), written over the header's name field. */
export function rawName(latin1Name: string, data: string): TarEntry {
  const bytes = Buffer.from(`${latin1Name}\0`, 'latin1');
  return { name: 'placeholder', data, rawHeader: [{ offset: 0, bytes }] };
}

/** A PAX body with one record whose value is raw bytes (xattr values are binary). */
export function binaryPax(key: string, value: Buffer): Buffer {
  const tail = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let length = tail.length + String(tail.length).length;
  if (String(length).length !== String(tail.length).length) length = tail.length + String(length).length;
  return Buffer.concat([Buffer.from(String(length)), tail]);
}

/** vfs_cap_data revision 2, effective, permitting CAP_SETUID (7) and CAP_NET_BIND_SERVICE (10): bytes 0x80 and 0x04 are not UTF-8 text. */
export const CAP_SETUID_NET_BIND = Buffer.from([0x01, 0, 0, 0x02, 0x80, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** The container's lower directories, top layer first. */
/** The trees of the container's layers, top first (indexes mounted: support/layer-trees.ts). */
export function lowerDirs(s: ContainerStore): string[] {
  const c = JSON.parse(readFileSync(join(s.work, 'inspect.json'), 'utf8'))[0];
  return (c.GraphDriver.Data.LowerDir as string).split(':').map(layerTree);
}

/** GNU tar's refusal (layers unpacked), or the index's (layers indexed: erofs/layer-tree.ts). */
export const UNPACK_FAILED = /Cannot unpack layer sha256:[0-9a-f]{64}: (tar exited with 2: .*|.*(goes through|replaces a directory|points to|File name too long).*)\[LAYER_UNPACK_FAILED\]/;


export const HOSTILE_IMAGE_CASES: HostileImageCase[] = [
  {
    name: 'member names climbing out with ../ land inside the container\'s /',
    classes: ['issue:traversal-entries', 'CVE-2014-6407', 'GHSA-qffp-2rhf-9h96', 'lesson-1-lexical-checks'],
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
    classes: ['issue:absolute-paths', 'CVE-2021-32804'],
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
    classes: ['issue:symlink-escape-one-layer', 'CVE-2014-6407', 'CVE-2014-9356', 'CVE-2024-12905', 'lesson-1-lexical-checks'],
    layers: (c) => [[
      { name: 'evil', type: 'symlink', linkname: c.tmpDir },
      { name: 'evil/pwned', data: 'pwned\n' },
      { name: 'evil-local', type: 'symlink', linkname: c.localDir },
      { name: 'evil-local/pwned', data: 'pwned\n' },
    ]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: /evil\/pwned: Cannot open: Not a directory|"evil\/pwned" goes through the symlink "evil", which points out of its directory/ },
  },
  {
    name: 'a relative symlink climbing to a host directory, then a file through it in the same layer: refused by the unpack',
    classes: ['issue:symlink-escape-one-layer', 'CVE-2024-12905', 'CVE-2025-48387'],
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
    classes: ['issue:symlink-escape-cross-layer', 'CVE-2025-45582', 'CVE-2014-9356', 'lesson-1-lexical-checks'],
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
    classes: ['issue:hardlink-escape-one-layer', 'lesson-4-hardlink-targets'],
    layers: () => [[{ name: 'hl', type: 'hardlink', linkname: '../../etc/passwd' }]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: /Cannot hard link to .etc\/passwd.: No such file or directory|hard link "hl" points to "etc\/passwd", which is not in the layer before it/ },
  },
  {
    name: 'a hard link to ../../etc/passwd is clamped to the layer\'s own etc/passwd',
    classes: ['issue:hardlink-escape-one-layer', 'lesson-4-hardlink-targets', 'GHSA-8qq5-rm4j-mr97'],
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
    classes: ['issue:hardlink-escape-one-layer', 'GHSA-8qq5-rm4j-mr97', 'CVE-2024-12905', 'lesson-4-hardlink-targets'],
    layers: () => [[
      { name: 'hostetc', type: 'symlink', linkname: '/etc' },
      { name: 'hl', type: 'hardlink', linkname: 'hostetc/passwd' },
    ]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: /Cannot hard link to .hostetc\/passwd.|hard link "hl" points to "hostetc\/passwd", which is not in the layer before it|"hostetc\/passwd" goes through the symlink "hostetc", which points out of its directory/ },
  },
  {
    name: 'a hard link through a symlink to the host\'s /etc from the layer below: refused by the unpack',
    classes: ['issue:hardlink-escape-cross-layer', 'CVE-2014-9356', 'lesson-4-hardlink-targets'],
    layers: () => [
      [{ name: 'hostetc', type: 'symlink', linkname: '/etc' }],
      [{ name: 'hl', type: 'hardlink', linkname: 'hostetc/passwd' }],
    ],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: /Cannot hard link to .hostetc\/passwd.: No such file or directory|hard link "hl" points to "hostetc\/passwd", which is not in the layer before it/ },
  },
  {
    name: 'a whiteout named ".wh.." (of ".") is refused',
    classes: ['lesson-5-whiteout-names'],
    layers: () => [[{ name: '.wh..', data: '' }]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_INVALID', stderr: /Cannot unpack layer( sha256:[0-9a-f]{64})?: "\.wh\.\." is not a valid whiteout \[LAYER_INVALID\]/ },
  },
  {
    name: 'a whiteout named ".wh..." (of "..") is refused',
    classes: ['lesson-5-whiteout-names', 'issue:whiteouts-outside'],
    layers: () => [[{ name: 'etc/.wh...', data: '' }]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_INVALID', stderr: /is not a valid whiteout \[LAYER_INVALID\]/ },
  },
  {
    name: 'whiteouts aimed outside (../.wh.x, ../../tmp/<canary>/.wh.keep.txt, a climbing opaque marker) act inside only',
    classes: ['issue:whiteouts-outside', 'lesson-5-whiteout-names'],
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
    classes: ['issue:overlay-xattrs', 'lesson-6-overlay-xattrs'],
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
    classes: ['issue:overlay-xattrs', 'lesson-6-overlay-xattrs', 'issue:traversal-entries'],
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
    classes: ['issue:device-entries'],
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
    classes: ['issue:setuid-entries'],
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
    classes: ['CVE-2019-14271', 'CVE-2014-9356', 'CVE-2014-6408'],
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
    classes: ['CVE-2021-30465', 'CVE-2018-15664'],
    layers: (c) => [[{ name: 'etc', type: 'symlink', linkname: c.tmpDir }]],
    runArgs: () => ['-u', '0', '-h', 'inside'],
    script: (c) => `cat /etc/hostname; readlink /etc; ls ${c.tmpDir}`,
    outcome: { ok: true, stdout: /^inside\n\/tmp\/berth-canary-[0-9a-f]+\n(hostname\nhosts\nresolv\.conf\n)$/ },
  },
  {
    name: 'a working directory and a volume destination through symlinks to host directories are made inside',
    classes: ['CVE-2021-30465', 'CVE-2018-15664', 'CVE-2022-23648'],
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
  {
    name: 'the root entry as a symlink to a host directory ("./", "/.") or as a file ("."): ignored, later layers land inside',
    classes: ['CVE-2021-29136', 'issue:symlink-escape-cross-layer'],
    layers: (c) => [
      [{ name: './', type: 'symlink', linkname: c.tmpDir }, { name: 'first.txt', data: 'first\n' }],
      [{ name: '/.', type: 'symlink', linkname: c.localDir }],
      [{ name: '.', data: 'root as a file\n' }, { name: 'keep.txt', data: 'inside\n' }, { name: 'sub/deep.txt', data: 'inside deep\n' }],
    ],
    script: () => 'test -d / && test ! -L / && echo root-dir; cat /first.txt /keep.txt /sub/deep.txt; test -x /bin/sh && echo base',
    outcome: { ok: true, stdout: 'root-dir\nfirst\ninside\ninside deep\nbase\n' },
    check: async (s) => {
      for (const dir of lowerDirs(s)) assert.ok(lstatSync(dir).isDirectory(), `${dir} is a directory`);
    },
  },
  {
    name: 'a hard link to a symlink that points at a host file of mode 0400, with mode 4777: no chmod reaches the host file',
    classes: ['CVE-2021-32760', 'lesson-2-no-chmod-through-links', 'issue:hardlink-escape-one-layer', 'issue:setuid-entries'],
    layers: (c) => [[
      { name: 'out', type: 'symlink', linkname: `${c.tmpDir}/perm400` },
      { name: 'hl', type: 'hardlink', linkname: 'out', mode: 0o4777 },
      { name: 'out-local', type: 'symlink', linkname: `../../../../../../../../..${c.localDir}/perm400` },
      { name: 'hl-local', type: 'hardlink', linkname: 'out-local', mode: 0o777 },
    ]],
    script: () => 'for f in /out /hl /out-local /hl-local; do test -L $f && echo "$f link"; done',
    outcome: { ok: true, stdout: /^(\/out link\n\/hl link\n\/out-local link\n\/hl-local link\n)$/ },
  },
  {
    name: 'dir foo, then symlink foo -> host dir, then foo/pwned in one layer: refused by the unpack',
    classes: ['CVE-2021-32803', 'issue:symlink-escape-one-layer', 'lesson-1-lexical-checks', 'lesson-3-unlink-before-create'],
    layers: (c) => [[
      { name: 'foo/', type: 'dir' },
      { name: 'foo', type: 'symlink', linkname: c.tmpDir },
      { name: 'foo/pwned', data: 'pwned\n' },
    ]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: UNPACK_FAILED },
  },
  {
    name: 'the same through Berth\'s rewrite (the layer also has a climbing name): refused by the unpack',
    classes: ['CVE-2021-32803', 'issue:symlink-escape-one-layer', 'lesson-1-lexical-checks'],
    layers: (c) => [[
      { name: 'foo/', type: 'dir' },
      { name: 'foo', type: 'symlink', linkname: `../../../../../../../..${c.localDir}` },
      { name: 'foo/pwned', data: 'pwned\n' },
      FORCE_REWRITE,
    ]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: UNPACK_FAILED },
  },
  {
    name: 'backslash names are plain names: a\\b -> host dir does not alias a/b, ..\\..\\x stays one name',
    classes: ['CVE-2021-37701', 'issue:traversal-entries'],
    layers: (c) => [
      [{ name: 'a/', type: 'dir' }, { name: 'a\\b', type: 'symlink', linkname: c.tmpDir }, { name: 'a/b/pwned', data: 'plain\n' }, { name: '..\\..\\escape', data: 'bs\n' }],
      [{ name: 'r/', type: 'dir' }, { name: 'r\\b', type: 'symlink', linkname: c.localDir }, { name: 'r/b/pwned', data: 'rewritten\n' }, { name: 'r\\..\\..\\escape', data: 'bs2\n' }, FORCE_REWRITE],
    ],
    script: () => "cat /a/b/pwned /r/b/pwned '/..\\..\\escape' '/r\\..\\..\\escape'; test -d /a/b && test -d /r/b && echo dirs; ls /a; ls /r",
    outcome: { ok: true, stdout: 'plain\nrewritten\nbs\nbs2\ndirs\nb\nb\n' },
  },
  {
    name: 'unicode aliases stay distinct: NFC and NFD café, ß and ss, the ﬁ ligature and fi (plain and rewritten layers)',
    classes: ['CVE-2021-37712', 'GHSA-r6q2-hw4h-h46w', 'issue:symlink-escape-one-layer'],
    layers: (c) => [
      [
        { name: 'caf\u00e9/', type: 'dir' }, { name: 'cafe\u0301', type: 'symlink', linkname: c.tmpDir }, { name: 'caf\u00e9/pwned', data: 'nfc\n' },
        { name: 'stra\u00dfe', data: 'sharp s\n' }, { name: 'strasse', data: 'ss\n' }, { name: '\ufb01le', data: 'ligature\n' }, { name: 'file', data: 'fi\n' },
      ],
      [
        { name: 'r/caf\u00e9/', type: 'dir' }, { name: 'r/cafe\u0301', type: 'symlink', linkname: c.localDir }, { name: 'r/caf\u00e9/pwned', data: 'nfc r\n' },
        { name: 'r/stra\u00dfe', data: 'sharp s r\n' }, { name: 'r/strasse', data: 'ss r\n' }, FORCE_REWRITE,
      ],
    ],
    script: (c) => `cat /caf\u00e9/pwned /stra\u00dfe /strasse /\ufb01le /file /r/caf\u00e9/pwned /r/stra\u00dfe /r/strasse; test "$(readlink /cafe\u0301)" = ${c.tmpDir} && test "$(readlink /r/cafe\u0301)" = ${c.localDir} && echo links`,
    outcome: { ok: true, stdout: 'nfc\nsharp s\nss\nligature\nfi\nnfc r\nsharp s r\nss r\nlinks\n' },
  },
  {
    name: 'names that are not UTF-8 keep their bytes and do not alias their Latin-1 reading (plain and rewritten layers)',
    classes: ['issue:non-utf8-names', 'CVE-2021-37712'],
    layers: () => [
      [rawName('n\xff', 'latin1 byte\n'), { name: 'n\u00ff', data: 'utf8 y-umlaut\n' }],
      [rawName('r/n\xff', 'r latin1 byte\n'), { name: 'r/n\u00ff', data: 'r utf8 y-umlaut\n' }, FORCE_REWRITE],
    ],
    script: () => "cat \"$(printf '/n\\377')\" \"$(printf '/n\\303\\277')\" \"$(printf '/r/n\\377')\" \"$(printf '/r/n\\303\\277')\"",
    outcome: { ok: true, stdout: 'latin1 byte\nutf8 y-umlaut\nr latin1 byte\nr utf8 y-umlaut\n' },
  },
  {
    name: 'absolute names with many slashes (////abs) and drive-relative names (c:../x, c:foo) land inside',
    classes: ['CVE-2021-32804', 'CVE-2021-37713', 'GHSA-9ppj-qmqm-q256', 'GHSA-qffp-2rhf-9h96', 'issue:absolute-paths'],
    layers: (c) => [[
      { name: `////${c.tmpName('abs4').slice(1)}`, data: 'four slashes\n' },
      { name: 'c:../../drive', data: 'drive\n' },
      { name: 'c:foo', data: 'c colon foo\n' },
      { name: 'etc/', type: 'dir' },
      { name: 'etc/passwd', data: 'root:x:0:0:layer root:/root:/bin/sh\n' },
      { name: 'hl-drive', type: 'hardlink', linkname: 'c:../../etc/passwd' },
      { name: 'hl-root-dotdot', type: 'hardlink', linkname: '/../../etc/passwd' },
    ]],
    script: (c) => `cat ${c.tmpName('abs4')} /drive /c:foo /hl-drive /hl-root-dotdot`,
    outcome: { ok: true, stdout: 'four slashes\ndrive\nc colon foo\nroot:x:0:0:layer root:/root:/bin/sh\nroot:x:0:0:layer root:/root:/bin/sh\n' },
  },
  {
    // 2000 levels are 4001 bytes of path inside the layer, which tar creates (under PATH_MAX
    // relative to its directory); with the store's own path in front they are past PATH_MAX, and
    // Berth must still be able to remove the layer (rm, rmi, system check).
    name: 'directories nested 2000 deep unpack inside the layer (as Docker; node-tar stops at 1024), and the store can remove them',
    classes: ['CVE-2024-28863', 'lesson-7-bounds', 'issue:long-names'],
    layers: () => [[{ name: `${'d/'.repeat(2000)}f`, data: 'deep\n' }]],
    script: () => `cat /${'d/'.repeat(2000)}f`,
    outcome: { ok: true, stdout: 'deep\n' },
    check: async (s) => {
      await s.ok(['rm', 'hostile']);
      await s.ok(['rmi', 'hostile/image:1']);
      assert.deepEqual(readdirSync(join(s.root, 'v1', 'layers')), [], 'every unpacked or indexed layer is gone, the deep one included');
      const check = await s.berth(['system', 'check']);
      assert.equal(check.code, 0, check.stdout + check.stderr);
    },
  },
  {
    name: 'a name component over 255 bytes: refused by the unpack',
    classes: ['issue:long-names', 'lesson-7-bounds'],
    layers: () => [[{ name: `long/${'n'.repeat(255)}`, data: '255\n' }, { name: `long/${'n'.repeat(300)}`, data: '300\n' }]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: /File name too long/ },
  },
  {
    name: 'links to a sibling-prefix directory of the store ("<dir>-evil") resolve inside the root',
    classes: ['GHSA-vj76-c3g6-qr5v', 'GHSA-8qq5-rm4j-mr97', 'issue:hardlink-escape-one-layer', 'lesson-4-hardlink-targets'],
    layers: (c) => [[
      { name: `${c.siblingDir.slice(1)}/keep.txt`, data: 'inside\n' },
      { name: 'hl-sib', type: 'hardlink', linkname: `${c.siblingDir}/keep.txt` },
      { name: 'hl-rel', type: 'hardlink', linkname: `../../../../../../../../..${c.siblingDir}/keep.txt` },
      { name: 'sym-sib', type: 'symlink', linkname: c.siblingDir },
    ]],
    script: (c) => `cat /hl-sib /hl-rel /sym-sib/keep.txt; readlink /sym-sib; echo over > /sym-sib/keep.txt; cat ${c.siblingDir}/keep.txt /hl-sib`,
    // The write through /sym-sib copies the file up: /hl-sib, its hard link in the layer, keeps the layer's content.
    outcome: { ok: true, stdout: /^inside\ninside\ninside\n\/.*-evil\nover\ninside\n$/ },
  },
  {
    name: 'a self-referential hard link (self -> self) in an otherwise plain layer is dropped too: the layer is rewritten',
    classes: ['lesson-4-hardlink-targets', 'GHSA-8qq5-rm4j-mr97'],
    layers: () => [[{ name: 'self', type: 'hardlink', linkname: 'self' }, { name: 'ok.txt', data: 'ok\n' }]],
    script: () => 'cat /ok.txt; test -e /self || echo none',
    outcome: { ok: true, stdout: 'ok\nnone\n' },
  },
  {
    name: 'a self-referential hard link (./self2 -> self2) in a rewritten layer is dropped, as node-tar ignores them',
    classes: ['lesson-4-hardlink-targets', 'GHSA-8qq5-rm4j-mr97'],
    layers: () => [[{ name: './self2', type: 'hardlink', linkname: 'self2' }, { name: 'ok2.txt', data: 'ok2\n' }, FORCE_REWRITE]],
    script: () => 'cat /ok2.txt; test -e /self2 || echo none',
    outcome: { ok: true, stdout: 'ok2\nnone\n' },
  },
  {
    name: 'a two-hop symlink chain (go_up -> .., go_up/escape -> host dir) in one layer: refused by the unpack',
    classes: ['CVE-2026-17106', 'issue:symlink-escape-one-layer', 'lesson-1-lexical-checks'],
    layers: (c) => [[
      { name: 'go_up', type: 'symlink', linkname: '..' },
      { name: 'go_up/escape', type: 'symlink', linkname: `../../../../../../../..${c.tmpDir}` },
      { name: 'go_up/escape/pwned', data: 'pwned\n' },
    ]],
    script: () => 'true',
    outcome: { ok: false, code: 'LAYER_UNPACK_FAILED', stderr: UNPACK_FAILED },
  },
  {
    name: 'a two-hop symlink chain over three layers (go_up -> .., go_up/escape -> host dir, escape/pwned) stays inside',
    classes: ['CVE-2026-17106', 'CVE-2025-45582', 'issue:symlink-escape-cross-layer'],
    layers: (c) => [
      [{ name: 'go_up', type: 'symlink', linkname: '..' }],
      [{ name: 'go_up/escape', type: 'symlink', linkname: `../../../../../../../..${c.tmpDir}` }, { name: 'x', type: 'symlink', linkname: `../../../../../../../..${c.localDir}` }],
      [{ name: 'go_up/escape/pwned', data: 'pwned\n' }, { name: 'x/keep.txt', data: 'x file\n' }],
    ],
    script: () => 'cat /go_up/escape/pwned /x/keep.txt; test -d /go_up && test ! -L /go_up && test -d /x && echo dirs',
    outcome: { ok: true, stdout: 'pwned\nx file\ndirs\n' },
  },
  {
    name: 'image config WorkingDir and Volumes with ../ are resolved inside the root',
    classes: ['CVE-2022-23648', 'CVE-2014-6408', 'CVE-2018-15664'],
    layers: () => [[{ name: 'marker', data: 'm\n' }]],
    config: (c) => ({ WorkingDir: `/../../../../../..${c.tmpDir}/wd`, Volumes: { [`/../../../../..${c.localDir}`]: {}, '../../../etc': {} } }),
    // The volumes are the container's own directories, mounted at the cleaned paths: a write
    // into the one named after the host directory lands in the store, not in that directory.
    script: (c) => `pwd; echo made > made; ls ${c.tmpDir}/wd; cat /marker; echo v > ${c.localDir}/in-volume && cat ${c.localDir}/in-volume; grep -c " ${c.localDir} " /proc/self/mountinfo`,
    outcome: { ok: true, stdout: /^\/(\.\.\/)*tmp\/berth-canary-[0-9a-f]+\/wd\nmade\nm\nv\n1\n$/ },
  },
  {
    name: 'a file capability (security.capability in PAX) is kept, as Docker keeps it (plain and rewritten layers)',
    classes: ['issue:capability-xattrs', 'lesson-6-overlay-xattrs'],
    layers: () => [
      [{ name: 'capbin', mode: 0o755, data: '#!/bin/sh\necho cap\n', paxBody: binaryPax('SCHILY.xattr.security.capability', CAP_SETUID_NET_BIND) }],
      [{ name: 'capbin2', mode: 0o755, data: '#!/bin/sh\necho cap2\n', paxBody: binaryPax('SCHILY.xattr.security.capability', CAP_SETUID_NET_BIND) }, FORCE_REWRITE],
    ],
    script: () => '/capbin; /capbin2',
    outcome: { ok: true, stdout: 'cap\ncap2\n' },
    check: async (s) => {
      const [top, below] = lowerDirs(s);
      for (const file of [join(below!, 'capbin'), join(top!, 'capbin2')]) {
        const r = await run('getfattr', ['--absolute-names', '-e', 'hex', '-n', 'security.capability', '--only-values', file]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdoutBytes.toString('hex'), CAP_SETUID_NET_BIND.toString('hex'), `${file} keeps its capability bytes`);
      }
    },
  },
  {
    // GNU tar unpacks a symlink whose target is absolute or climbs as a placeholder and makes the
    // link at the end, unless the placeholder was replaced; a later regular file that reuses the
    // placeholder's inode number goes unnoticed, so the link or the last file remains (Docker
    // keeps the last file). Either way nothing is written through the link.
    name: 'duplicate entries in a layer (file, symlink to a host file, file): nothing is written through the link',
    classes: ['issue:duplicate-entries', 'lesson-3-unlink-before-create', 'issue:symlink-escape-one-layer'],
    layers: (c) => [
      [
        { name: 'dup', data: 'first\n' }, { name: 'dup', type: 'symlink', linkname: `${c.tmpDir}/keep.txt` }, { name: 'dup', data: 'third\n' },
        { name: 'dup2', type: 'symlink', linkname: `../../../../../../../../..${c.localDir}/keep.txt` }, { name: 'dup2', data: 'over\n', mode: 0o600 },
        { name: 'dup4', type: 'symlink', linkname: 'plain-target' }, { name: 'dup4', data: 'last\n' },
      ],
      [{ name: 'dup3', type: 'symlink', linkname: `${c.tmpDir}/sub/deep.txt` }, { name: 'dup3', data: 'rewritten\n' }, FORCE_REWRITE],
    ],
    script: () => 'for f in /dup /dup2 /dup3 /dup4; do if test -L $f; then echo "$f link"; else echo "$f $(cat $f)"; fi; done',
    outcome: { ok: true, stdout: /^\/dup (link|third)\n\/dup2 (link|over)\n\/dup3 (link|rewritten)\n\/dup4 last\n$/ },
  },
];

/** The top layer's tree (an unpacked directory, or its index mounted: support/layer-trees.ts). */
export function topLayerDir(s: ContainerStore): string {
  const c = JSON.parse(readFileSync(join(s.work, 'inspect.json'), 'utf8'))[0];
  return layerTree((c.GraphDriver.Data.LowerDir as string).split(':')[0]!);
}

export function assertPrivateStore(s: ContainerStore): void {
  for (const dir of [join(s.root, 'v1'), join(s.root, 'v1', 'layers'), join(s.root, 'v1', 'containers')]) {
    assert.equal(statSync(dir).mode & 0o077, 0, `${dir} is closed to other users`);
  }
}

