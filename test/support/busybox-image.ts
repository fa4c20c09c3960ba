/**
 * A busybox image for container tests, built with GNU tar from Debian's busybox-static (no
 * docker, no network), as docker-archive files `berth load` reads:
 *
 *   bbtest:latest  one layer: /bin/busybox with every applet (`busybox --list`) linked in /bin,
 *                  /etc/passwd (root, user 1000 with home /home/user, nobody), /etc/group (root,
 *                  user, staff:50 with member user, nogroup), /home/test (the seed's check),
 *                  /tmp 1777, /root 0700, and /etc/issue, /opt/data/{old.txt,sub/deep.txt},
 *                  /opt/gone/file.txt for the 2-layer variant to delete; Env PATH=/bin, Cmd /bin/sh
 *   bbtest:nocmd   the same layer, no Cmd and no Entrypoint (what `import` gives)
 *   bbtest:2layer  the same layer plus one that deletes /etc/issue (.wh.issue) and /opt/gone
 *                  (.wh.gone), replaces /opt/data by a directory holding only new.txt (an opaque
 *                  directory, .wh..wh..opq), and adds /opt/added.txt
 *
 * Building takes a fraction of a second; a test file builds once (buildBusyboxImages caches
 * the promise) and loads the combined archive into each of its private stores.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmod, chown, copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, tempDir } from './cli.js';
import { IS_ROOT } from './env.js';

export const BUSYBOX = '/usr/bin/busybox';
export const IMAGE = 'bbtest:latest';
export const IMAGE_NO_CMD = 'bbtest:nocmd';
export const IMAGE_TWO_LAYERS = 'bbtest:2layer';

export interface BusyboxImages {
  /** The temporary directory holding the archives (removed by removeBusyboxImages). */
  dir: string;
  /** One docker-archive per image, and one holding all three. */
  main: string;
  noCmd: string;
  twoLayer: string;
  all: string;
  /** Image IDs (sha256:...) by tag. */
  ids: Record<string, string>;
  /** Diff IDs of the base layer and of the 2-layer variant's top layer. */
  baseDiffId: string;
  topDiffId: string;
  /** The base layer's tar (to build other images on busybox). */
  baseLayer: string;
  /** Applet names linked in /bin. */
  applets: string[];
}

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'user:x:1000:1000:user:/home/user:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  '',
].join('\n');

export const GROUP = ['root:x:0:', 'user:x:1000:', 'staff:x:50:user', 'nogroup:x:65534:', ''].join('\n');

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
const MTIME = '@1700000000';
const CREATED = '2023-11-14T22:13:20Z';

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** GNU tar of a directory's contents, members "./...", deterministic. */
function tarDir(dir: string, out: string): void {
  const owner = IS_ROOT ? [] : ['--owner=0', '--group=0'];
  execFileSync('tar', ['--numeric-owner', ...owner, `--mtime=${MTIME}`, '--sort=name', '--format=gnu', '-C', dir, '-cf', out, '.'], { stdio: ['ignore', 'ignore', 'pipe'] });
}

async function writeBaseLayer(dir: string, applets: string[]): Promise<void> {
  for (const d of ['bin', 'etc', 'home/test', 'home/user', 'root', 'tmp', 'opt/data/sub', 'opt/gone']) await mkdir(join(dir, d), { recursive: true });
  await copyFile(BUSYBOX, join(dir, 'bin', 'busybox'));
  await chmod(join(dir, 'bin', 'busybox'), 0o755);
  for (const a of applets) await symlink('busybox', join(dir, 'bin', a));
  await writeFile(join(dir, 'etc', 'passwd'), PASSWD);
  await writeFile(join(dir, 'etc', 'group'), GROUP);
  await writeFile(join(dir, 'etc', 'issue'), 'busybox test image\n');
  await writeFile(join(dir, 'opt', 'data', 'old.txt'), 'old\n');
  await writeFile(join(dir, 'opt', 'data', 'sub', 'deep.txt'), 'deep\n');
  await writeFile(join(dir, 'opt', 'gone', 'file.txt'), 'gone\n');
  await chmod(join(dir, 'tmp'), 0o1777);
  await chmod(join(dir, 'root'), 0o700);
  if (IS_ROOT) await chown(join(dir, 'home', 'user'), 1000, 1000);
}

async function writeTopLayer(dir: string): Promise<void> {
  await mkdir(join(dir, 'etc'), { recursive: true });
  await mkdir(join(dir, 'opt', 'data'), { recursive: true });
  await writeFile(join(dir, 'etc', '.wh.issue'), '');
  await writeFile(join(dir, 'opt', '.wh.gone'), '');
  await writeFile(join(dir, 'opt', 'data', '.wh..wh..opq'), '');
  await writeFile(join(dir, 'opt', 'data', 'new.txt'), 'new\n');
  await writeFile(join(dir, 'opt', 'added.txt'), 'added\n');
}

function config(diffIds: string[], cmd: boolean): Buffer {
  const cfg = {
    architecture: ARCH[process.arch] ?? process.arch,
    os: 'linux',
    created: CREATED,
    config: { Env: ['PATH=/bin'], ...(cmd ? { Cmd: ['/bin/sh'] } : {}) },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created: CREATED, created_by: i === 0 ? 'ADD busybox-static /' : 'whiteouts and an opaque directory' })),
  };
  return Buffer.from(JSON.stringify(cfg));
}

interface ImageSpec {
  tag: string;
  config: Buffer;
  layers: string[]; // layer hex digests
}

/** A legacy docker-archive (<layer hex>/layer.tar, <config hex>.json, manifest.json) of `images`. */
async function writeArchive(out: string, work: string, layers: Map<string, string>, images: ImageSpec[]): Promise<void> {
  const dir = join(work, `archive-${sha256Hex(out).slice(0, 8)}`);
  await mkdir(dir);
  const used = new Set(images.flatMap((i) => i.layers));
  for (const hex of used) {
    await mkdir(join(dir, hex));
    await copyFile(layers.get(hex)!, join(dir, hex, 'layer.tar'));
  }
  for (const image of images) await writeFile(join(dir, `${sha256Hex(image.config)}.json`), image.config);
  const manifest = images.map((i) => ({ Config: `${sha256Hex(i.config)}.json`, RepoTags: [i.tag], Layers: i.layers.map((h) => `${h}/layer.tar`) }));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  tarDir(dir, out);
  await rm(dir, { recursive: true, force: true });
}

let cached: Promise<BusyboxImages> | undefined;

/** Builds the archives once per process (per test file). */
export function buildBusyboxImages(): Promise<BusyboxImages> {
  cached ??= build();
  return cached;
}

async function build(): Promise<BusyboxImages> {
  const dir = await tempDir('berth-busybox-');
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a !== '' && a !== 'busybox');
  await writeBaseLayer(join(dir, 'l1'), applets);
  await writeTopLayer(join(dir, 'l2'));
  tarDir(join(dir, 'l1'), join(dir, 'layer1.tar'));
  tarDir(join(dir, 'l2'), join(dir, 'layer2.tar'));
  await rm(join(dir, 'l1'), { recursive: true, force: true });
  await rm(join(dir, 'l2'), { recursive: true, force: true });
  const h1 = sha256Hex(await readFile(join(dir, 'layer1.tar')));
  const h2 = sha256Hex(await readFile(join(dir, 'layer2.tar')));
  const layers = new Map([[h1, join(dir, 'layer1.tar')], [h2, join(dir, 'layer2.tar')]]);
  const main: ImageSpec = { tag: IMAGE, config: config([`sha256:${h1}`], true), layers: [h1] };
  const noCmd: ImageSpec = { tag: IMAGE_NO_CMD, config: config([`sha256:${h1}`], false), layers: [h1] };
  const twoLayer: ImageSpec = { tag: IMAGE_TWO_LAYERS, config: config([`sha256:${h1}`, `sha256:${h2}`], true), layers: [h1, h2] };
  const images: BusyboxImages = {
    dir,
    main: join(dir, 'busybox.tar'),
    noCmd: join(dir, 'busybox-nocmd.tar'),
    twoLayer: join(dir, 'busybox-2layer.tar'),
    all: join(dir, 'busybox-all.tar'),
    ids: Object.fromEntries([main, noCmd, twoLayer].map((i) => [i.tag, `sha256:${sha256Hex(i.config)}`])),
    baseDiffId: `sha256:${h1}`,
    topDiffId: `sha256:${h2}`,
    baseLayer: join(dir, 'layer1.tar'),
    applets,
  };
  await writeArchive(images.main, dir, layers, [main]);
  await writeArchive(images.noCmd, dir, layers, [noCmd]);
  await writeArchive(images.twoLayer, dir, layers, [twoLayer]);
  await writeArchive(images.all, dir, layers, [main, noCmd, twoLayer]);
  await rm(join(dir, 'layer2.tar'));
  return images;
}

/** Loads an archive (default: all three images) into the store at `root`; throws with berth's stderr on failure. */
export async function loadBusybox(root: string, archive?: string): Promise<void> {
  const images = await buildBusyboxImages();
  const r = await berth(['load', '-q', '-i', archive ?? images.all], { root });
  if (r.code !== 0) throw new Error(`berth load exited ${r.code}: ${r.stderr}`);
}

export async function removeBusyboxImages(): Promise<void> {
  if (cached === undefined) return;
  const images = await cached.catch(() => undefined);
  cached = undefined;
  if (images !== undefined) await rm(images.dir, { recursive: true, force: true });
}
