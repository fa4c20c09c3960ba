/**
 * `berth export` end to end, through the built CLI with runc, conmon and overlayfs: a container
 * that adds, changes and deletes files, makes a hard link, a symlink, a setuid file, a sticky
 * directory, a device node and a FIFO, and replaces a directory of the image, is exported
 * stopped and running, with both storage drivers; the tar is read by GNU tar and busybox tar
 * and checked file by file. Then what surrounds it: determinism, volumes, a container never
 * started, the refusal to write to a terminal, -o into a missing directory. Last, against
 * docker (skipped without a daemon, except under CI=true): the same changes give the same files
 * as `docker export`, and `docker import` of Berth's tar gives an image with the same files.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../support/cli.js';
import { BERTH_BIN, dockerAvailable, IS_ROOT, requireOrSkip } from '../support/env.js';
import { DockerArchive, tar } from '../support/tar-builder.js';
import { ptySession } from '../support/pty-session.js';
import { buildBusyboxImages, IMAGE } from '../support/busybox-image.js';
import { mountsUnder, until, type ContainerStore, containerTestSuite } from '../support/container-store.js';

const XATTR_IMAGE = 'bbtest:xattr';

/** What the container does; every check below follows from it. */
const CHANGES = [
  'echo new > /new.txt', 'chown 1000:50 /new.txt',
  'echo changed >> /etc/passwd',
  'rm /etc/group', 'rm -rf /opt/gone',
  'ln /bin/busybox /bin/hardbox',
  'ln -s /etc/passwd /passwd-link',
  'echo s > /suid', 'chmod 4755 /suid',
  'mkdir /sticky', 'chmod 1777 /sticky',
  'mknod /null-copy c 1 3',
  'mkfifo /fifo',
  'rm -rf /opt/data', 'mkdir /opt/data', 'echo again > /opt/data/again.txt',
].join(' && ');

/** Mount points runc creates in a root that lacks them (Berth's counterpart of Docker's init layer). */
const BERTH_INIT = new Set(['dev/', 'proc/', 'sys/', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf']);
/** Docker's init layer (docker-compat.md §1.1). */
const DOCKER_INIT = new Set(['.dockerenv', 'dev/', 'dev/console', 'dev/pts/', 'dev/shm/', 'etc/hostname', 'etc/hosts', 'etc/mtab', 'etc/resolv.conf', 'proc/', 'sys/']);

const suite = containerTestSuite('berth-export-');

/** bbtest's layer plus one that gives /etc/xattr.txt the xattr user.berth=kept (busybox has no setfattr). */
async function loadXattrImage(s: ContainerStore): Promise<void> {
  const images = await buildBusyboxImages();
  const xattrLayer = tar([
    { name: 'etc/', type: 'dir', mode: 0o755, mtime: 1_700_000_000 },
    { name: 'etc/xattr.txt', data: 'xattr\n', mode: 0o644, mtime: 1_700_000_000, pax: { 'SCHILY.xattr.user.berth': 'kept' } },
  ]);
  const archive = new DockerArchive({ layers: [await readFile(images.baseLayer), xattrLayer], tags: [XATTR_IMAGE] });
  const path = join(s.work, 'xattr-image.tar');
  await writeFile(path, archive.tar());
  await s.ok(['load', '-q', '-i', path]);
}

/** A suite store with the xattr image loaded too. */
async function withStore(t: TestContext, fn: (s: ContainerStore) => Promise<void>): Promise<void> {
  await suite.withStore(t, async (s) => {
    await loadXattrImage(s);
    await fn(s);
  });
}

/** Runs a tool; asserts exit 0 and a silent stderr (no warning). */
function quiet(command: string, args: readonly string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `${command} ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr, '', `${command} ${args.join(' ')} warns nothing`);
  return r.stdout;
}

interface Listed {
  name: string;
  /** "perms owner size-or-device link" as GNU tar shows them (no date). */
  meta: string;
}

/** GNU tar's verbose listing, in archive order, without dates. */
function listing(file: string): Listed[] {
  return quiet('tar', ['--numeric-owner', '-tvf', file]).split('\n').filter((l) => l !== '').map((line) => {
    const m = /^(\S+) (\d+\/\d+) +(\S+) \S+ \S+ (.*)$/.exec(line);
    assert.ok(m !== null, `a listing line: ${line}`);
    const [, perms, owner, size, rest] = m;
    const link = / (->|link to) /.exec(rest!);
    const name = link === null ? rest! : rest!.slice(0, link.index);
    return { name, meta: `${perms} ${owner} ${size} ${link === null ? '' : rest!.slice(link.index + 1)}`.trim() };
  });
}

function extract(file: string, dir: string, tool: 'gnu' | 'busybox' = 'gnu'): void {
  mkdirSync(dir, { recursive: true });
  if (tool === 'gnu') quiet('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=*', '-xpf', file, '-C', dir]);
  else quiet('busybox', ['tar', '-xf', file, '-C', dir]);
}

function getXattr(path: string, name: string): string | undefined {
  const r = spawnSync('getfattr', ['--only-values', '-h', '-n', name, path], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

/** The config recorded in the tar's first entry (config-header.md). */
function configHeader(bytes: Buffer): Record<string, unknown> {
  assert.equal(bytes.toString('latin1', 0, 18), 'pax_global_header\0', 'the first entry is the config header');
  assert.equal(String.fromCharCode(bytes[156]!), 'g', 'a PAX global header');
  const size = parseInt(bytes.toString('latin1', 124, 135), 8);
  const body = bytes.toString('utf8', 512, 512 + size);
  const m = /^\d+ comment=berth\.image-config\.v1 (.*)\n$/s.exec(body);
  assert.ok(m !== null, `one comment record: ${body.slice(0, 80)}`);
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

/** Every check of an export of a container that ran CHANGES (on the xattr image when `xattr`). */
function checkExport(file: string, work: string, options: { xattr: boolean; init: boolean; cmd: string[] }): void {
  const bytes = readFileSync(file);
  const config = configHeader(bytes);
  assert.deepEqual(config.Cmd, options.cmd, 'the config header holds the container\'s command');
  assert.equal(config.Image, XATTR_IMAGE);
  const list = listing(file);
  const names = list.map((e) => e.name);
  assert.ok(!names.includes('pax_global_header'), 'GNU tar does not show the config header as a file');
  assert.deepEqual(names.filter((n) => /(^|\/)\.wh\./.test(n)), [], 'no whiteouts');
  assert.equal(new Set(names).size, names.length, 'no name twice');
  for (const gone of ['etc/group', 'opt/gone/', 'opt/gone/file.txt', 'opt/data/old.txt', 'opt/data/sub/', 'opt/data/sub/deep.txt']) {
    assert.ok(!names.includes(gone), `${gone} was deleted`);
  }
  assert.ok(!names.some((n) => n.startsWith('./') || n.startsWith('/')), 'names as docker export writes them: no "./", no "/"');
  const meta = new Map(list.map((e) => [e.name, e.meta]));
  assert.equal(meta.get('bin/'), 'drwxr-xr-x 0/0 0');
  assert.equal(meta.get('bin/hardbox'), 'hrwxr-xr-x 0/0 0 link to bin/busybox', 'the hard link is a link entry to the first name');
  assert.equal(meta.get('passwd-link'), 'lrwxrwxrwx 0/0 0 -> /etc/passwd');
  assert.equal(meta.get('suid'), '-rwsr-xr-x 0/0 2');
  assert.equal(meta.get('sticky/'), 'drwxrwxrwt 0/0 0');
  assert.equal(meta.get('tmp/'), 'drwxrwxrwt 0/0 0');
  assert.equal(meta.get('root/'), 'drwx------ 0/0 0');
  assert.equal(meta.get('null-copy'), 'crw-r--r-- 0/0 1,3');
  assert.equal(meta.get('fifo'), 'prw-r--r-- 0/0 0');
  assert.equal(meta.get('new.txt'), '-rw-r--r-- 1000/50 4');
  assert.equal(meta.get('home/user/'), 'drwxr-xr-x 1000/1000 0');
  assert.deepEqual(names.filter((n) => n.startsWith('opt/data/')), ['opt/data/', 'opt/data/again.txt'], 'the replaced directory holds only its new file');
  assert.equal(names.filter((n) => BERTH_INIT.has(n)).length, options.init ? BERTH_INIT.size : 0, 'runc\'s mount points, when the container ran');
  // Names sorted as docker export walks: each directory before its contents, names bytewise.
  const bin = names.filter((n) => n.startsWith('bin/') && n !== 'bin/');
  assert.deepEqual(bin, [...bin].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  assert.ok(names.indexOf('opt/') < names.indexOf('opt/added.txt') || !names.includes('opt/added.txt'));

  const out = join(work, `x-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  extract(file, join(out, 'gnu'));
  const root = join(out, 'gnu');
  assert.equal(readFileSync(join(root, 'new.txt'), 'utf8'), 'new\n');
  assert.match(readFileSync(join(root, 'etc/passwd'), 'utf8'), /changed\n$/);
  assert.equal(readFileSync(join(root, 'etc/issue'), 'utf8'), 'busybox test image\n');
  assert.equal(statSync(join(root, 'etc/issue')).mtimeMs, 1_700_000_000_000, 'an untouched file keeps its mtime');
  assert.equal(statSync(join(root, 'bin/hardbox')).ino, statSync(join(root, 'bin/busybox')).ino, 'extracted as one inode');
  assert.equal(readlinkSync(join(root, 'passwd-link')), '/etc/passwd');
  assert.equal(lstatSync(join(root, 'suid')).mode & 0o7777, 0o4755);
  assert.equal(lstatSync(join(root, 'sticky')).mode & 0o7777, 0o1777);
  assert.ok(lstatSync(join(root, 'null-copy')).isCharacterDevice());
  assert.ok(lstatSync(join(root, 'fifo')).isFIFO());
  assert.equal(lstatSync(join(root, 'new.txt')).uid, 1000);
  assert.equal(lstatSync(join(root, 'new.txt')).gid, 50);
  assert.deepEqual(readdirSync(join(root, 'opt/data')), ['again.txt']);
  if (options.xattr) assert.equal(getXattr(join(root, 'etc/xattr.txt'), 'user.berth'), 'kept', 'the image layer\'s xattr is kept');
  extract(file, join(out, 'busybox'), 'busybox');
  const diff = spawnSync('diff', ['-r', '--no-dereference', '-q', join(out, 'gnu'), join(out, 'busybox')], { encoding: 'utf8' });
  // diff cannot compare device files and FIFOs; it names them, and nothing else may differ.
  const other = diff.stdout.split('\n').filter((l) => l !== '' && !/null-copy|fifo/.test(l));
  assert.deepEqual(other, [], 'busybox tar extracts the same files');
}

/** A listing of a directory tree (names, modes, sizes, mtimes), to see that export changed nothing. */
function treeState(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = join(dir, rel, name);
      const st = lstatSync(path);
      out.push(`${join(rel, name)} ${st.mode} ${st.size} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(join(rel, name));
    }
  };
  walk('');
  return out;
}

function containerId(s: ContainerStore, name: string): Promise<string> {
  return s.ok(['inspect', '-f', '{{.Id}}', name]).then((r) => r.stdout.trim());
}

describe('berth export', { concurrency: 2 }, () => {
  for (const driver of ['overlay', 'vfs'] as const) {
    test(`${driver}: a stopped container, then the same one running: the merged files, twice the same bytes`, async (t) => {
      await withStore(t, async (s) => {
        const stopped = await s.berth(['run', '--storage-driver', driver, '--name', 'done', XATTR_IMAGE, 'sh', '-c', CHANGES]);
        assert.equal(stopped.code, 0, stopped.stderr);
        const id = await containerId(s, 'done');
        const dir = join(s.root, 'v1', 'containers', id);
        const before = treeState(dir);
        const file = join(s.work, 'stopped.tar');
        await s.ok(['export', '-o', file, 'done']);
        checkExport(file, s.work, { xattr: true, init: true, cmd: ['sh', '-c', CHANGES] });
        assert.deepEqual(mountsUnder(s.root), [], 'nothing is left mounted');
        assert.deepEqual(treeState(dir), before, 'the container is unchanged');
        const again = await s.ok(['container', 'export', 'done']);
        assert.ok(again.stdoutBytes.equals(readFileSync(file)), 'a second export (to stdout, by container export) gives the same bytes');
        assert.equal(again.stderr, '');

        const liveCmd = ['sh', '-c', `${CHANGES} && touch /ready && exec sleep 600`];
        await s.ok(['run', '-d', '--storage-driver', driver, '--name', 'live', XATTR_IMAGE, ...liveCmd]);
        await until('the running container to make its changes', async () => (await s.berth(['exec', 'live', 'test', '-f', '/ready'])).code === 0, 30_000);
        const liveFile = join(s.work, 'live.tar');
        await s.ok(['export', '-o', liveFile, 'live']);
        checkExport(liveFile, s.work, { xattr: true, init: true, cmd: liveCmd });
        const liveAgain = await s.ok(['export', 'live']);
        assert.ok(liveAgain.stdoutBytes.equals(readFileSync(liveFile)), 'a running container exported twice: the same bytes');
        const ps = await s.ok(['ps', '--format', '{{.Names}} {{.Status}}']);
        assert.match(ps.stdout, /^live Up/m, 'export leaves the container running');
        // The same changes from the same image: the same files, whether the container runs or not.
        assert.deepEqual(listing(liveFile).filter((e) => e.name !== 'ready'), listing(file));
      });
    });

    test(`${driver}: a container never started exports the image's files`, async (t) => {
      await withStore(t, async (s) => {
        await s.ok(['create', '--storage-driver', driver, '--name', 'fresh', XATTR_IMAGE, 'true']);
        const r = await s.ok(['export', 'fresh']);
        const file = join(s.work, 'fresh.tar');
        writeFileSync(file, r.stdoutBytes);
        const config = configHeader(r.stdoutBytes);
        assert.deepEqual(config.Cmd, ['true']);
        const names = listing(file).map((e) => e.name);
        assert.ok(names.includes('bin/busybox') && names.includes('opt/data/sub/deep.txt') && names.includes('etc/group'));
        assert.ok(!names.includes('proc/'), 'no mount points: nothing ran');
        const out = join(s.work, 'fresh');
        extract(file, out);
        assert.equal(getXattr(join(out, 'etc/xattr.txt'), 'user.berth'), 'kept');
        assert.deepEqual(mountsUnder(s.root), []);
      });
    });
  }

  test('the config header holds the container\'s Docker Config (the run\'s command, env, user, workdir)', async (t) => {
    await withStore(t, async (s) => {
      await s.ok(['create', '--name', 'cfg', '-e', 'GREETING=hi', '-u', '1000', '-w', '/home/user', IMAGE, 'sh', '-c', 'echo $GREETING']);
      const config = configHeader((await s.ok(['export', 'cfg'])).stdoutBytes);
      assert.deepEqual(config.Cmd, ['sh', '-c', 'echo $GREETING']);
      assert.ok((config.Env as string[]).includes('GREETING=hi') && (config.Env as string[]).includes('PATH=/bin'), JSON.stringify(config.Env));
      assert.equal(config.User, '1000');
      assert.equal(config.WorkingDir, '/home/user');
      assert.equal(config.Image, IMAGE);
    });
  });

  test('volumes are not exported; what lies under the mount point is', async (t) => {
    await withStore(t, async (s) => {
      const host = join(s.work, 'vol');
      mkdirSync(host);
      writeFileSync(join(host, 'host-only.txt'), 'not in the export\n');
      await s.ok(['run', '-d', '--name', 'vol', '-v', `${host}:/opt/data`, IMAGE, 'sh', '-c', 'echo via-volume > /opt/data/written.txt && exec sleep 600']);
      await until('the volume write', () => existsSync(join(host, 'written.txt')), 30_000);
      const file = join(s.work, 'vol.tar');
      await s.ok(['export', '-o', file, 'vol']);
      const names = listing(file).map((e) => e.name);
      assert.ok(names.includes('opt/data/old.txt'), 'the image\'s files under the mount point');
      assert.ok(!names.includes('opt/data/host-only.txt') && !names.includes('opt/data/written.txt'), 'nothing of the volume');
    });
  });

  test('refuses to write a tar to a terminal; -o works there', async (t) => {
    await withStore(t, async (s) => {
      await s.ok(['create', '--name', 'tty', IMAGE, 'true']);
      const pty = ptySession(s.root, ['export', 'tty']);
      assert.equal(await pty.exit(), 1);
      assert.match(pty.output(), /cowardly refusing to save to a terminal\. Use the -o flag or redirect/);
      assert.match(pty.output(), /\[OUTPUT_IS_TERMINAL\]/);
      assert.ok(!pty.output().includes('pax_global_header'), 'no tar bytes on the terminal');
      const file = join(s.work, 'tty.tar');
      const withO = ptySession(s.root, ['export', '-o', file, 'tty']);
      assert.equal(await withO.exit(), 0, withO.output());
      assert.ok(listing(file).some((e) => e.name === 'bin/busybox'));
    });
  });

  test('-o into a missing directory fails before anything is written; -o leaves no temporary file', async (t) => {
    await withStore(t, async (s) => {
      await s.ok(['create', '--name', 'out', IMAGE, 'true']);
      const missing = join(s.work, 'missing', 'out.tar');
      const r = await s.berth(['export', '-o', missing, 'out']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\[OUTPUT_PATH_INVALID\]/);
      assert.equal(existsSync(join(s.work, 'missing')), false);
      const dir = join(s.work, 'outdir');
      mkdirSync(dir);
      await s.ok(['export', '-o', join(dir, 'out.tar'), 'out']);
      assert.deepEqual(readdirSync(dir), ['out.tar']);
      assert.equal(statSync(join(dir, 'out.tar')).mode & 0o777, 0o600, 'as docker export -o creates it');
      const none = await s.berth(['export', 'nosuch']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /No such container: nosuch/);
      assert.deepEqual(mountsUnder(s.root), []);
    });
  });

  test('a reader that closes the pipe early: OUTPUT_CLOSED, nothing left mounted', async (t) => {
    await withStore(t, async (s) => {
      await s.ok(['create', '--name', 'piped', IMAGE, 'true']);
      const child = spawn(BERTH_BIN, ['export', 'piped'], { env: { ...process.env, BERTH_ROOT: s.root }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      assert.equal(code, 1, stderr);
      assert.match(stderr, /\[OUTPUT_CLOSED\]/);
      assert.deepEqual(mountsUnder(s.root), []);
    });
  });

  test('SIGTERM during export -o: the temporary file is removed, nothing is left mounted', async (t) => {
    await withStore(t, async (s) => {
      const made = await s.berth(['run', '--name', 'large', IMAGE, 'dd', 'if=/dev/zero', 'of=/large', 'bs=1048576', 'count=256']);
      assert.equal(made.code, 0, made.stderr);
      const dir = join(s.work, 'interrupted');
      mkdirSync(dir);
      const child = spawn(BERTH_BIN, ['export', '-o', join(dir, 'out.tar'), 'large'], {
        env: { ...process.env, BERTH_ROOT: s.root }, stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await until('the temporary output file', () => readdirSync(dir).some((n) => n.startsWith('.out.tar.berth-')), 60_000);
      child.kill('SIGTERM');
      assert.equal(await exited, 143, `exits as a command killed by SIGTERM, having cleaned up: ${stderr}`);
      assert.match(stderr, /interrupted by SIGTERM \[OUTPUT_INTERRUPTED\]/);
      assert.deepEqual(readdirSync(dir), [], 'no output and no temporary file');
      assert.deepEqual(mountsUnder(s.root), []);
    });
  });
});

// ------------------------------------------------------------------------------------- docker

const HAVE_DOCKER = IS_ROOT && dockerAvailable();

function docker(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run('docker', args);
}

async function dockerOk(args: readonly string[]): Promise<string> {
  const r = await docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A listing without the init files of the tool that wrote it. */
function userFiles(list: Listed[], init: Set<string>): Listed[] {
  return list.filter((e) => !init.has(e.name));
}

describe('berth export against docker', () => {
  test('the same changes give the same files as docker export; docker import reads berth export', async (t) => {
    if (!requireOrSkip(t, HAVE_DOCKER, 'no docker daemon (or not root)')) return;
    await withStore(t, async (s) => {
      const tag = `berth-export-it/bb:${process.pid}`;
      const imported = `berth-export-it/imported:${process.pid}`;
      const names = [`berth-export-d-${process.pid}`, `berth-export-i-${process.pid}`];
      try {
        await s.ok(['tag', IMAGE, tag]);
        const saved = join(s.work, 'image.tar');
        await s.ok(['save', '-o', saved, tag]);
        await dockerOk(['load', '-i', saved]);
        await dockerOk(['create', '--network', 'none', '--name', names[0]!, tag, 'sh', '-c', CHANGES]);
        const started = await docker(['start', '-a', names[0]!]);
        assert.equal(started.code, 0, started.stderr);
        const dockerTar = join(s.work, 'docker.tar');
        await dockerOk(['export', '-o', dockerTar, names[0]!]);

        const ran = await s.berth(['run', '--name', 'same', tag, 'sh', '-c', CHANGES]);
        assert.equal(ran.code, 0, ran.stderr);
        const berthTar = join(s.work, 'berth.tar');
        await s.ok(['export', '-o', berthTar, 'same']);

        const ours = userFiles(listing(berthTar), BERTH_INIT);
        const theirs = userFiles(listing(dockerTar), DOCKER_INIT);
        assert.ok(ours.length > 250 && ours.some((e) => e.name === 'bin/hardbox'), `a real comparison: ${ours.length} entries`);
        assert.deepEqual(ours.map((e) => e.name), theirs.map((e) => e.name), 'the same names, in the same order');
        assert.deepEqual(ours, theirs, 'the same types, modes, owners, sizes, devices and link targets');
        const xb = join(s.work, 'xb');
        const xd = join(s.work, 'xd');
        extract(berthTar, xb);
        extract(dockerTar, xd);
        for (const e of ours) {
          if (!e.meta.startsWith('-')) continue;
          assert.ok(readFileSync(join(xb, e.name)).equals(readFileSync(join(xd, e.name))), `${e.name}: same content`);
        }

        // docker import: the config header is skipped, the files are Berth's.
        const id = (await dockerOk(['import', berthTar, imported])).trim();
        assert.match(id, /^sha256:[0-9a-f]{64}$/);
        await dockerOk(['create', '--network', 'none', '--name', names[1]!, imported, '/bin/true']);
        const reexported = join(s.work, 'reexported.tar');
        await dockerOk(['export', '-o', reexported, names[1]!]);
        const again = userFiles(listing(reexported), DOCKER_INIT);
        assert.ok(!again.some((e) => e.name.includes('pax_global_header')), 'the config header did not become a file');
        assert.deepEqual(again, ours, 'docker import of berth export: the same files');
        const xi = join(s.work, 'xi');
        extract(reexported, xi);
        for (const e of ours) {
          if (!e.meta.startsWith('-')) continue;
          assert.ok(readFileSync(join(xi, e.name)).equals(readFileSync(join(xb, e.name))), `${e.name}: same content after docker import`);
        }
      } finally {
        await docker(['rm', '-f', ...names]);
        await docker(['rmi', tag, imported]);
      }
    });
  });
});
