/**
 * `berth import` end to end through the built CLI: compressed inputs, stdin, URLs (a local
 * node:http server with a redirect and a 404), -m, --change, tags, --platform, refused inputs
 * (nothing left in the store), the config header `berth export` writes, hostile entries, the
 * seed's check (run an imported busybox rootfs), and interop with `docker import`.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, removeDir, run, tempDir, storeRows, type RunResult } from '../support/cli.js';
import { dockerAvailable, hasCommand, IS_ROOT, requireOrSkip } from '../support/env.js';
import { blobNames, historyRows, imageRows, ingestEntries, inspect, ok, sh, sha256, tagsOf, type Json } from '../support/images.js';
import { gzip, paxRecords, tar, type TarEntry } from '../support/tar-builder.js';
import { buildBusyboxImages, removeBusyboxImages } from '../support/busybox-image.js';
import { newStoreDir, storeHelpers, tearDownStore } from '../support/container-store.js';

let work = '';
let counter = 0;

/** A small rootfs tar, with directories, files, a symlink and a hard link. */
const ROOTFS = tar([
  { name: 'etc/', type: 'dir' },
  { name: 'etc/hostname', data: 'imported\n' },
  { name: 'srv/', type: 'dir' },
  { name: 'srv/data.txt', data: 'x'.repeat(3000) },
  { name: 'srv/link', type: 'symlink', linkname: 'data.txt' },
  { name: 'srv/hard', type: 'hardlink', linkname: 'srv/data.txt' },
]);
const ROOTFS_DIFF = sha256(ROOTFS);

before(async () => {
  work = await tempDir('berth-import-');
  await writeFile(join(work, 'rootfs.tar'), ROOTFS);
});

after(async () => {
  await removeDir(work);
  await removeBusyboxImages();
});

function newRoot(): string {
  return join(work, `store-${++counter}`);
}

async function importOk(root: string, args: readonly string[], options: { stdin?: Buffer | { file: string } } = {}): Promise<{ id: string; result: RunResult }> {
  const result = await ok(['import', ...args], root, options);
  assert.match(result.stdout, /^sha256:[0-9a-f]{64}\n$/, 'prints the image ID, as docker import does');
  return { id: result.stdout.trim(), result };
}

/** Asserts that a failed import left no image, no blob and no ingest directory behind. */
async function assertNothingLeft(root: string): Promise<void> {
  assert.deepEqual(await ingestEntries(root), [], 'the ingest directory is empty');
  assert.deepEqual(await blobNames(root), [], 'no blob was stored');
  if (existsSync(join(root, 'v1', 'metadata.db'))) {
    assert.deepEqual(storeRows(root).filter((r) => /^(images|tags|layers|blobs) /.test(r)), [], 'no rows were written');
  }
}

function compressed(kind: 'gzip' | 'bzip2' | 'xz' | 'zstd', path: string): string {
  const out = `${path}.${kind}`;
  const args = kind === 'zstd' ? ['-q', '-c', path] : ['-c', path];
  writeFileSync(out, execFileSync(kind, args, { maxBuffer: 1 << 30 }));
  return out;
}

describe('inputs', () => {
  test('plain, gzip, bzip2, xz and zstd give the same diff ID: the sha256 of the plain tar', async (t: TestContext) => {
    const root = newRoot();
    const plain = join(work, 'rootfs.tar');
    assert.equal(ROOTFS_DIFF, `sha256:${execFileSync('sha256sum', [plain], { encoding: 'utf8' }).split(' ')[0]}`);
    const inputs = [plain];
    for (const kind of ['gzip', 'bzip2', 'xz', 'zstd'] as const) {
      if (!requireOrSkip(t, hasCommand(kind), `${kind} is not installed`)) return;
      inputs.push(compressed(kind, plain));
    }
    const ids = new Set<string>();
    for (const input of inputs) {
      const { id } = await importOk(root, [input]);
      ids.add(id);
      const image = await inspect(root, id);
      assert.deepEqual(image.RootFS.Layers, [ROOTFS_DIFF], input);
      assert.equal(image.Size, 3000 + Buffer.byteLength('imported\n') + 'data.txt'.length, 'Docker\'s layer size: file bytes plus symlink targets, hard links once');
    }
    assert.equal(ids.size, inputs.length, 'each import is a new image (its created time differs)');
    assert.deepEqual(await blobNames(root), [...ids, ROOTFS_DIFF].map((d) => d.slice(7)).sort(), 'one layer blob shared by all, one config each');
    assert.deepEqual(readFileSync(join(root, 'v1', 'blobs', 'sha256', ROOTFS_DIFF.slice(7))), ROOTFS, 'the layer is stored byte for byte');
    assert.deepEqual(await ingestEntries(root), []);
  });

  test('stdin ("-") and a REPO:TAG', async () => {
    const root = newRoot();
    const { id } = await importOk(root, ['-', 'example/rootfs:1.0'], { stdin: gzip(ROOTFS) });
    const image = await inspect(root, 'example/rootfs:1.0');
    assert.equal(image.Id, id);
    assert.deepEqual(image.RootFS.Layers, [ROOTFS_DIFF]);
    assert.deepEqual(image.RepoTags, ['example/rootfs:1.0']);
    assert.equal(image.Comment, 'Imported from -');
    await importOk(root, ['-', 'plainname'], { stdin: ROOTFS });
    assert.deepEqual(tagsOf(await imageRows(root)), ['example/rootfs:1.0', 'plainname:latest']);
    // A tag that moves leaves the older image untagged, as docker import does.
    await importOk(root, ['-', 'plainname'], { stdin: ROOTFS });
    const rows = await imageRows(root);
    assert.equal(rows.length, 3);
    assert.equal(rows.filter((r: Json) => r.Repository === '<none>').length, 1);
  });

  test('a bad REPO[:TAG] is refused before anything is read or stored', async () => {
    const root = newRoot();
    const r = await berth(['import', join(work, 'rootfs.tar'), 'Bad:Name'], { root });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /REFERENCE_INVALID/);
    await assertNothingLeft(root);
  });

  test('a missing file and a directory are refused', async () => {
    const root = newRoot();
    const missing = await berth(['import', join(work, 'nope.tar')], { root });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /INPUT_NOT_FOUND/);
    const dir = await berth(['import', work], { root });
    assert.equal(dir.code, 1);
    assert.match(dir.stderr, /it is a directory \[IMPORT_NOT_TAR\]/);
    await assertNothingLeft(root);
  });

  test('input that is not a tar, a damaged gzip and a truncated tar are refused, leaving nothing behind', async () => {
    const root = newRoot();
    const cases: Array<[string, Buffer, RegExp]> = [
      ['text', Buffer.from('hello, this is not a tar archive at all\n'.repeat(40)), /IMPORT_NOT_TAR/],
      ['damaged gzip', Buffer.concat([gzip(ROOTFS).subarray(0, 200), Buffer.alloc(100, 7)]), /DECOMPRESS_FAILED|IMPORT_NOT_TAR/],
      ['truncated tar', ROOTFS.subarray(0, 1700), /IMPORT_NOT_TAR/],
      ['gzip of text', gzip(Buffer.from('plain words\n'.repeat(100))), /IMPORT_NOT_TAR/],
    ];
    for (const [what, bytes, code] of cases) {
      const path = join(work, `bad-${what.replace(/ /g, '-')}`);
      await writeFile(path, bytes);
      const r = await berth(['import', path, 'bad:1'], { root });
      assert.equal(r.code, 1, what);
      assert.match(r.stderr, code, what);
      await assertNothingLeft(root);
    }
  });

  test('an empty input is an empty layer, as Docker takes it', async () => {
    const root = newRoot();
    const { id } = await importOk(root, ['-'], { stdin: Buffer.alloc(0) });
    assert.deepEqual((await inspect(root, id)).RootFS.Layers, [sha256(Buffer.alloc(0))]);
  });
});

describe('URLs', () => {
  let server: Server;
  let base = '';
  const requests: string[] = [];

  before(async () => {
    const gz = gzip(ROOTFS);
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/rootfs.tar.gz') return void res.writeHead(200, { 'content-length': String(gz.length) }).end(gz);
      if (req.url === '/chunked.tar') {
        res.writeHead(200);
        for (let i = 0; i < ROOTFS.length; i += 700) res.write(ROOTFS.subarray(i, i + 700));
        return void res.end();
      }
      if (req.url === '/moved') return void res.writeHead(302, { location: '/rootfs.tar.gz' }).end();
      if (req.url === '/notatar') return void res.writeHead(200).end('<html>not a tar</html>'.repeat(50));
      res.writeHead(404).end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.close();
  });

  test('a URL is streamed; its comment names it; a redirect is followed', async () => {
    const root = newRoot();
    const { id } = await importOk(root, [`${base}/rootfs.tar.gz`, 'fromurl:1']);
    const image = await inspect(root, 'fromurl:1');
    assert.equal(image.Id, id);
    assert.deepEqual(image.RootFS.Layers, [ROOTFS_DIFF]);
    assert.equal(image.Comment, `Imported from ${base}/rootfs.tar.gz`);
    const moved = await importOk(root, [`${base}/moved`]);
    assert.deepEqual((await inspect(root, moved.id)).RootFS.Layers, [ROOTFS_DIFF]);
    assert.ok(requests.includes('/moved'));
    const chunked = await importOk(root, [`${base}/chunked.tar`]);
    assert.deepEqual((await inspect(root, chunked.id)).RootFS.Layers, [ROOTFS_DIFF]);
    assert.equal(moved.result.stderr, '', 'no progress when stderr is not a terminal');
  });

  test('a 404 and a body that is not a tar are errors that leave nothing', async () => {
    const root = newRoot();
    const missing = await berth(['import', `${base}/missing.tar`, 'x:1'], { root });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /failed to GET .*\/missing\.tar with status 404 Not Found \[URL_FETCH_FAILED\]/);
    const html = await berth(['import', `${base}/notatar`, 'x:1'], { root });
    assert.equal(html.code, 1);
    assert.match(html.stderr, /IMPORT_NOT_TAR/);
    await assertNothingLeft(root);
  });
});

describe('config', () => {
  test('-m sets the comment and the one history entry (no CREATED BY)', async () => {
    const root = newRoot();
    await importOk(root, ['-m', 'my rootfs', join(work, 'rootfs.tar'), 'msg:1']);
    const image = await inspect(root, 'msg:1');
    assert.equal(image.Comment, 'my rootfs');
    const rows = await historyRows(root, 'msg:1');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].Comment, 'my rootfs');
    assert.equal(rows[0].CreatedBy, '');
    const none = await importOk(root, [join(work, 'rootfs.tar')]);
    assert.equal((await historyRows(root, none.id))[0].Comment, 'Imported from -');
  });

  test('--change applies every allowed instruction, in JSON and shell form', async () => {
    const root = newRoot();
    await importOk(root, [
      '-c', 'ENV PATH=/usr/bin:/bin HOME="/home/app"',
      '-c', 'ENV LEGACY with spaces',
      '-c', 'WORKDIR /srv',
      '-c', 'WORKDIR data',
      '-c', 'USER 1000:1000',
      '-c', 'EXPOSE 80 443/udp',
      '-c', 'VOLUME ["/data"]',
      '-c', 'VOLUME /cache /logs',
      '-c', 'LABEL version=1 "maintainer name"="A B"',
      '-c', 'ENTRYPOINT ["/bin/app"]',
      '-c', 'CMD serve --port 80',
      '-c', 'STOPSIGNAL SIGINT',
      '-c', 'HEALTHCHECK --interval=30s --retries=2 CMD ["/bin/check","$HOME"]',
      '-c', 'ONBUILD RUN echo onbuild',
      join(work, 'rootfs.tar'), 'changed:1',
    ]);
    const c = (await inspect(root, 'changed:1')).Config;
    assert.deepEqual(c.Env, ['PATH=/usr/bin:/bin', 'HOME=/home/app', 'LEGACY=with spaces']);
    assert.equal(c.WorkingDir, '/srv/data');
    assert.equal(c.User, '1000:1000');
    assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '443/udp': {} });
    assert.deepEqual(c.Volumes, { '/data': {}, '/cache': {}, '/logs': {} });
    assert.deepEqual(c.Labels, { version: '1', 'maintainer name': 'A B' });
    assert.deepEqual(c.Entrypoint, ['/bin/app']);
    assert.deepEqual(c.Cmd, ['/bin/sh', '-c', 'serve --port 80']);
    assert.equal(c.StopSignal, 'SIGINT');
    assert.deepEqual(c.Healthcheck, { Test: ['CMD', '/bin/check', '$HOME'], Interval: 30_000_000_000, Retries: 2 });
    assert.deepEqual(c.OnBuild, ['RUN echo onbuild']);
  });

  test('--change CMD in shell form, ENTRYPOINT in shell form clears it unless set after', async () => {
    const root = newRoot();
    await importOk(root, ['-c', 'CMD echo hi', join(work, 'rootfs.tar'), 'shell:1']);
    assert.deepEqual((await inspect(root, 'shell:1')).Config.Cmd, ['/bin/sh', '-c', 'echo hi']);
    await importOk(root, ['--change', 'entrypoint top -b', '--change', 'cmd ["-n","1"]', join(work, 'rootfs.tar'), 'shell:2']);
    const c = (await inspect(root, 'shell:2')).Config;
    assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', 'top -b']);
    assert.deepEqual(c.Cmd, ['-n', '1']);
  });

  test('a disallowed or malformed --change exits 1 with Docker\'s message and leaves no image', async () => {
    const root = newRoot();
    for (const [change, message] of [
      ['RUN echo hi', 'run is not a valid change command'],
      ['FROM busybox', 'from is not a valid change command'],
      ['CMD=/bin/sh', 'cmd=/bin/sh is not a valid change command'],
      ['EXPOSE 99999', 'Invalid containerPort: 99999'],
      ['HEALTHCHECK --interval=1ns CMD true', 'Interval "interval" cannot be less than 1ms'],
    ]) {
      const r = await berth(['import', '-c', 'CMD ok', '-c', change!, join(work, 'rootfs.tar'), 'refused:1'], { root });
      assert.equal(r.code, 1, change);
      assert.equal(r.stderr.split('\n')[0], `Error: ${message} [CHANGE_INVALID]`, change);
      await assertNothingLeft(root);
    }
  });

  test('--platform sets os, architecture and variant; other systems are refused', async () => {
    const root = newRoot();
    await importOk(root, ['--platform', 'linux/arm64', join(work, 'rootfs.tar'), 'arm:64']);
    const arm64 = await inspect(root, 'arm:64');
    assert.equal(arm64.Architecture, 'arm64');
    assert.equal(arm64.Os, 'linux');
    await importOk(root, ['--platform', 'linux/arm/v6', join(work, 'rootfs.tar'), 'arm:v6']);
    const v6 = await inspect(root, 'arm:v6');
    assert.equal(v6.Architecture, 'arm');
    assert.equal(v6.Variant, 'v6');
    const win = await berth(['import', '--platform', 'windows/amd64', join(work, 'rootfs.tar'), 'win:1'], { root });
    assert.equal(win.code, 1);
    assert.match(win.stderr, /operating system is not supported \[PLATFORM_UNSUPPORTED\]/);
    const bogus = await berth(['import', '--platform', 'bogus', join(work, 'rootfs.tar')], { root });
    assert.match(bogus.stderr, /"bogus": unknown operating system or architecture: invalid argument \[PLATFORM_INVALID\]/);
  });
});

/** The config header berth export writes (the shared format), built by hand. */
function headerEntry(records: Record<string, string>): TarEntry {
  return { name: 'pax_global_header', typeflag: 'g', mode: 0o666, data: paxRecords(records) };
}

const RECORDED = {
  Hostname: 'c0ffee', Domainname: '', User: 'app', AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false,
  StdinOnce: false, Env: ['PATH=/bin', 'MODE=recorded'], Cmd: ['/bin/sh', '-c', 'echo recorded'], Image: 'busybox', Volumes: null,
  WorkingDir: '/srv', Entrypoint: null, OnBuild: null, Labels: { from: 'export' },
};

describe('the config header berth export writes', () => {
  test('restores Cmd, Env, WorkingDir and the rest; --change overrides it; the diff ID covers the header', async () => {
    const root = newRoot();
    const input = tar([headerEntry({ comment: `berth.image-config.v1 ${JSON.stringify(RECORDED)}` }), { name: 'srv/', type: 'dir' }, { name: 'srv/f', data: 'f' }]);
    const path = join(work, 'exported.tar');
    await writeFile(path, input);
    const restored = await importOk(root, [path, 'restored:1']);
    assert.equal(restored.result.stderr, '');
    const image = await inspect(root, 'restored:1');
    assert.deepEqual(image.RootFS.Layers, [sha256(input)]);
    const c = image.Config;
    assert.deepEqual(c.Cmd, ['/bin/sh', '-c', 'echo recorded']);
    assert.deepEqual(c.Env, ['PATH=/bin', 'MODE=recorded']);
    assert.equal(c.WorkingDir, '/srv');
    assert.equal(c.User, 'app');
    assert.deepEqual(c.Labels, { from: 'export' });
    assert.equal(c.Hostname, '', 'fields that are not restored are dropped');
    assert.equal(c.Image, '');
    assert.equal(c.AttachStdout, false);

    await importOk(root, ['-c', 'CMD ["/bin/true"]', '-c', 'ENV MODE=changed', '-c', 'WORKDIR sub', path, 'restored:2']);
    const changed = (await inspect(root, 'restored:2')).Config;
    assert.deepEqual(changed.Cmd, ['/bin/true']);
    assert.deepEqual(changed.Env, ['PATH=/bin', 'MODE=changed']);
    assert.equal(changed.WorkingDir, '/srv/sub');

    const gz = await importOk(root, ['-'], { stdin: gzip(input) });
    assert.deepEqual((await inspect(root, gz.id)).Config.Cmd, ['/bin/sh', '-c', 'echo recorded'], 'also when compressed');
  });

  test('a foreign or bad global header is imported with a note, and its config ignored', async () => {
    const root = newRoot();
    for (const [what, records] of [
      ['foreign', { comment: '4b825dc642cb6eb9a060e54bf8d69288fbee4904' }],
      ['bad json', { comment: 'berth.image-config.v1 {"Cmd":["x"' }],
    ] as const) {
      const input = tar([headerEntry(records), { name: 'f', data: 'x' }]);
      const { id, result } = await importOk(root, ['-'], { stdin: input });
      assert.match(result.stderr, /^Note: /m, what);
      const image = await inspect(root, id);
      assert.equal(image.Config.Cmd, null, what);
      assert.deepEqual(image.RootFS.Layers, [sha256(input)], what);
    }
  });
});

describe('hostile entries', () => {
  test('".." and absolute names and links out are stored as given', async () => {
    const root = newRoot();
    const input = tar([
      { name: '../escape.txt', data: 'escape' },
      { name: '/abs.txt', data: 'abs' },
      { name: 'etc-link', type: 'symlink', linkname: '/etc' },
      { name: 'etc-link/owned', data: 'owned' },
      { name: 'up', type: 'symlink', linkname: '../../..' },
    ]);
    const { id } = await importOk(root, ['-', 'hostile:1'], { stdin: input });
    assert.deepEqual((await inspect(root, id)).RootFS.Layers, [sha256(input)]);
    assert.deepEqual(await readFile(join(root, 'v1', 'blobs', 'sha256', sha256(input).slice(7))), input);
    assert.equal(existsSync(join(root, 'v1', 'escape.txt')), false);
    assert.equal(existsSync(join(work, 'escape.txt')), false);
  });
});

describe('running an imported image', () => {
  let base = '';
  before(async () => {
    base = await tempDir('berth-import-run-');
    if (IS_ROOT) await buildBusyboxImages();
  });
  after(async () => {
    await removeDir(base);
  });

  test('the seed\'s check: a busybox rootfs imported runs, and /home/test is there', async (t) => {
    if (!requireOrSkip(t, IS_ROOT, 'containers need root')) return;
    const images = await buildBusyboxImages();
    const { root, work: dir } = await newStoreDir(base);
    const s = storeHelpers(root, dir);
    try {
      await s.ok(['import', images.baseLayer, 'imported:1']);
      const r = await s.ok(['run', '--rm', 'imported:1', 'sh', '-c', '[ -d /home/test ] && echo found']);
      assert.equal(r.stdout, 'found\n');
      const none = await s.berth(['run', '--rm', 'imported:1']);
      assert.equal(none.code, 125, 'an import has no CMD');
      assert.match(none.stderr, /No command specified/);
      await s.ok(['import', '-c', 'CMD ["cat","/etc/issue"]', images.baseLayer, 'imported:2']);
      assert.equal((await s.ok(['run', '--rm', 'imported:2'])).stdout, 'busybox test image\n');
    } finally {
      assert.deepEqual(await tearDownStore(s), []);
    }
  });

  const EAGER = { BERTH_IMPORT_UNPACK: '1' };
  test('as root with BERTH_IMPORT_UNPACK=1, a plain layer is unpacked while importing; any other is left for the first run; a refused input leaves no directory', async (t) => {
    if (!requireOrSkip(t, IS_ROOT, 'unpacking with owners needs root')) return;
    const images = await buildBusyboxImages();
    const { root, work: dir } = await newStoreDir(base);
    const s = storeHelpers(root, dir);
    const layers = join(root, 'v1', 'layers');
    const entries = (): string[] => (existsSync(layers) ? readdirSync(layers).sort() : []);
    try {
      // Off by default: nothing is unpacked by a plain import.
      await s.ok(['import', images.baseLayer, 'lazy:1']);
      assert.deepEqual(entries(), [], 'no unpack unless BERTH_IMPORT_UNPACK=1');
      await s.ok(['import', images.baseLayer, 'eager:1'], { env: EAGER });
      const chain = (await inspect(root, 'eager:1')).RootFS.Layers[0].slice(7);
      assert.deepEqual(entries(), [chain], 'unpacked under its chain ID (= diff ID for one layer), no temporary directory left');
      assert.equal(readlinkSync(join(layers, chain, 'bin', 'sh')), 'busybox');
      assert.equal(statSync(join(layers, chain, 'home', 'user')).uid, 1000, 'owners kept');
      assert.equal((await s.ok(['run', '--rm', 'eager:1', 'cat', '/etc/issue'])).stdout, 'busybox test image\n');

      const rootfs = await readFile(images.baseLayer);
      // A berth export tar starts with a global header of one comment record: GNU tar ignores it, so
      // the layer is still plain and unpacked now. A global header with any other record is not.
      const withHeader = Buffer.concat([tar([headerEntry({ comment: `berth.image-config.v1 ${JSON.stringify({ Cmd: ['cat', '/etc/issue'] })}` })], { endBlocks: 0 }), rootfs]);
      await s.ok(['import', '-', 'header:1'], { stdin: withHeader, env: EAGER });
      assert.equal(entries().length, 2, 'the config header keeps the layer plain: unpacked while importing');
      const withPath = Buffer.concat([tar([headerEntry({ path: 'renamed' })], { endBlocks: 0 }), rootfs]);
      await s.ok(['import', '-', 'globalpath:1'], { stdin: withPath, env: EAGER });
      assert.equal(entries().length, 2, 'nothing unpacked for the layer that is not plain');
      assert.equal((await s.ok(['run', '--rm', 'globalpath:1', 'cat', '/etc/issue'])).stdout, 'busybox test image\n', 'the first run unpacks it');
      assert.equal(entries().length, 3);

      const refused = await s.berth(['import', '-'], { stdin: Buffer.concat([rootfs.subarray(0, 4096), Buffer.alloc(1000, 0x41)]), env: EAGER });
      assert.equal(refused.code, 1);
      assert.equal(entries().length, 3, 'a refused import leaves no temporary directory');
    } finally {
      assert.deepEqual(await tearDownStore(s), []);
    }
  });

  test('an image with hostile entries runs, and nothing lands outside its rootfs', async (t) => {
    if (!requireOrSkip(t, IS_ROOT, 'containers need root')) return;
    const images = await buildBusyboxImages();
    const { root, work: dir } = await newStoreDir(base);
    const s = storeHelpers(root, dir);
    const marker = `berth-import-escape-${randomBytes(4).toString('hex')}`;
    const outside = [`/tmp/${marker}`, `/tmp/${marker}-via-link`, join(root, '..', marker), join(root, 'v1', marker), join(root, 'v1', 'layers', marker)];
    try {
      // The busybox rootfs followed by hostile entries: a second tar appended without the first's end blocks.
      const rootfs = await readFile(images.baseLayer);
      const prefix = rootfs.subarray(0, lastMemberEnd(rootfs));
      const hostile = tar([
        { name: `../${marker}`, data: 'escape' },
        { name: `/tmp/${marker}`, data: 'abs' },
        { name: 'hostile-link', type: 'symlink', linkname: '/tmp' },
      ]);
      await s.ok(['import', '-c', `CMD ["sh","-c","cat /tmp/${marker}; echo; readlink /hostile-link; echo done"]`, '-', 'hostile:1'], { stdin: Buffer.concat([prefix, hostile]) });
      const r = await s.ok(['run', '--rm', 'hostile:1']);
      assert.match(r.stdout, /done\n$/);
      assert.match(r.stdout, /^\/tmp$/m, 'the link is kept, as a link inside the container');
      for (const p of outside) assert.equal(existsSync(p), false, `${p} was not written`);

      // A member written through a link that leads out: the unpacker refuses the layer (as for a loaded image).
      const through = tar([
        { name: 'hostile-link', type: 'symlink', linkname: '/tmp' },
        { name: `hostile-link/${marker}-via-link`, data: 'link' },
      ]);
      await s.ok(['import', '-c', 'CMD ["true"]', '-', 'hostile:2'], { stdin: Buffer.concat([prefix, through]) });
      const refused = await s.berth(['run', '--rm', 'hostile:2']);
      assert.equal(refused.code, 125);
      assert.match(refused.stderr, /LAYER_UNPACK_FAILED/);
      for (const p of outside) assert.equal(existsSync(p), false, `${p} was not written`);
    } finally {
      assert.deepEqual(await tearDownStore(s), []);
    }
  });
});

/** Offset just past the last member of a tar (where its end-of-archive blocks start). */
function lastMemberEnd(bytes: Buffer): number {
  let offset = 0;
  while (offset + 512 <= bytes.length) {
    const block = bytes.subarray(offset, offset + 512);
    if (block.every((b) => b === 0)) return offset;
    const size = parseInt(block.toString('latin1', 124, 136).replace(/\0.*$/, '').trim() || '0', 8);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return offset;
}

describe('interop with docker import', () => {
  const HAVE_DOCKER = dockerAvailable();

  test('the same tar (plain and gzip) gives the same diff ID, config and history; only the created time (and so the ID) differs', async (t) => {
    if (!requireOrSkip(t, HAVE_DOCKER, 'docker is not available')) return;
    const root = newRoot();
    const gzPath = join(work, 'rootfs-interop.tar.gz');
    await writeFile(gzPath, gzip(ROOTFS));
    const changes = ['-c', 'ENV A=1 B="two words"', '-c', 'CMD echo hi', '-c', 'WORKDIR /srv', '-c', 'EXPOSE 80', '-c', 'LABEL k=v', '-c', 'USER 1', '-c', 'VOLUME /v', '-c', 'HEALTHCHECK --interval=5s CMD true'];
    for (const input of [join(work, 'rootfs.tar'), gzPath]) {
      const name = `berth-import-it-${randomBytes(4).toString('hex')}:1`;
      const dockerId = (await sh('docker', ['import', ...changes, '-m', 'same', input, name])).stdout.trim();
      try {
        const { id } = await importOk(root, [...changes, '-m', 'same', input, name]);
        const theirs = JSON.parse((await sh('docker', ['image', 'inspect', dockerId])).stdout)[0];
        const ours = await inspect(root, id);
        assert.deepEqual(ours.RootFS, theirs.RootFS, 'same diff ID');
        assert.notEqual(id, dockerId, 'the created time differs, and with it the ID');
        assert.deepEqual(ours.Config, theirs.Config);
        assert.deepEqual(ours.ContainerConfig, theirs.ContainerConfig);
        assert.equal(ours.Comment, theirs.Comment);
        assert.equal(ours.Os, theirs.Os);
        assert.equal(ours.Architecture, theirs.Architecture);
        assert.equal(ours.Size, theirs.Size, 'the same layer size');
        const theirHistory = JSON.parse(execFileSync('docker', ['history', '--no-trunc', '--format', '{{json .}}', dockerId], { encoding: 'utf8' }).trim());
        const ourHistory = (await historyRows(root, id))[0];
        assert.equal(ourHistory.CreatedBy, theirHistory.CreatedBy);
        assert.equal(ourHistory.Comment, theirHistory.Comment);
        assert.equal(ourHistory.Size, theirHistory.Size);
      } finally {
        execFileSync('docker', ['rmi', '-f', name], { stdio: 'ignore' });
      }
    }
  });

  test('--change gives the config docker import gives, or the same error, instruction by instruction', async (t) => {
    if (!requireOrSkip(t, HAVE_DOCKER, 'docker is not available')) return;
    const root = newRoot();
    const input = join(work, 'rootfs.tar');
    // STOPSIGNAL is left out: Docker 20.10 refuses it as a change, current Docker takes it.
    const cases = [
      'ENV A=1 B=${A:-x} C=$A', 'ENV A="a\\"b" B=\'x\\y\' C=a\\\\b', 'ENV LEGACY two  words', 'LABEL "a b" c', 'LABEL a=b=c x',
      'VOLUME /a\\ b', 'VOLUME ["/v", "/w"]', 'WORKDIR rel', 'WORKDIR /a//b/', 'USER "a b"', 'CMD [ ]', 'CMD ["a",', 'CMD echo $HOME "q"',
      'ENTRYPOINT []', 'ENTRYPOINT ["a"] junk', 'ONBUILD   ADD . /x  ', 'ONBUILD ONBUILD x', 'ENV A=${B', 'EXPOSE 80/tcp/x 1-2/udp :3',
      'EXPOSE 1.2.3:80', 'HEALTHCHECK --interval=5s NONE', 'HEALTHCHECK --timeout=1.5s --start-period=2m --retries=3 CMD ["x"]',
      'HEALTHCHECK --interval=1.5 CMD x', 'HEALTHCHECK --interval=0.5ms CMD x', 'ENV A=1 B', 'RUN x', 'cmd=/bin/sh',
    ];
    for (const change of cases) {
      const theirs = await run('docker', ['import', '-c', change, input]);
      const ours = await berth(['import', '-c', change, input], { root });
      if (theirs.code === 0) {
        const dockerId = theirs.stdout.trim();
        try {
          assert.equal(ours.code, 0, `${change}: ${ours.stderr}`);
          const theirConfig = JSON.parse((await sh('docker', ['image', 'inspect', dockerId])).stdout)[0].Config;
          assert.deepEqual((await inspect(root, ours.stdout.trim())).Config, theirConfig, change);
        } finally {
          await run('docker', ['rmi', dockerId]);
        }
      } else {
        assert.equal(ours.code, 1, change);
        const message = theirs.stderr.trim().replace(/^Error response from daemon: /, '');
        assert.equal(ours.stderr.split('\n')[0], `Error: ${message} [CHANGE_INVALID]`, change);
      }
    }
  });
});
