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
 *
 * The cases are in test/support/hostile-image-cases.ts.
 */
import { before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { run } from '../support/cli.js';
import { hasCommand, IS_ROOT, requireOrSkip } from '../support/env.js';
import { chainIds, jsonLines } from '../support/images.js';
import { DockerArchive, tar } from '../support/tar-builder.js';
import { buildBusyboxImages } from '../support/busybox-image.js';
import { containerTestSuite, mountsUnder, newStoreDir, storeHelpers, tearDownStore } from '../support/container-store.js';
import { canaryTag, makeCanaryDir, tmpNamesWith, treeFacts } from '../support/host-canaries.js';
import { layerTree } from '../support/layer-trees.js';
import { HOSTILE_IMAGE_CASES, topLayerDir, type Canaries, type HostileImageCase } from '../support/hostile-image-cases.js';

// The test directory and the busybox images, made before and removed after (with nothing left mounted).
const suite = containerTestSuite('berth-hostile-images-');
let baseLayer: Buffer = Buffer.alloc(0);

before(async () => {
  if (IS_ROOT) baseLayer = await readFile((await buildBusyboxImages()).baseLayer);
});

/** What a hostile layer could change outside the store. */
function hostFacts(c: Canaries): Record<string, unknown> {
  const passwd = statSync('/etc/passwd');
  return {
    tmpDir: treeFacts(c.tmpDir),
    localDir: treeFacts(c.localDir),
    siblingDir: treeFacts(c.siblingDir),
    tmpNames: tmpNamesWith(c.tag),
    baseNames: readdirSync(suite.baseDir()).filter((n) => !n.startsWith('t-') && !n.startsWith('canary-')).sort(),
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

async function makeCanaries(work: string): Promise<Canaries> {
  const tag = canaryTag();
  const c: Canaries = {
    tag,
    tmpDir: `/tmp/berth-canary-${tag}`,
    localDir: join(suite.baseDir(), `canary-${tag}`),
    siblingDir: `${work}-evil`,
    tmpName: (name) => `/tmp/berth-canary-${tag}-${name}`,
  };
  for (const dir of [c.tmpDir, c.localDir, c.siblingDir]) await makeCanaryDir(dir);
  return c;
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

async function runCase(t: TestContext, c: HostileImageCase): Promise<void> {
  if (!requireOrSkip(t, IS_ROOT, 'containers need root')) return;
  if (!requireOrSkip(t, hasCommand('getfattr'), 'getfattr (apt-get install attr)')) return;
  const { root, work } = await newStoreDir(suite.baseDir());
  const s = storeHelpers(root, work);
  const canaries = await makeCanaries(work);
  const initial = hostFacts(canaries);
  let failure: unknown;
  try {
    const archive = new DockerArchive({
      layers: [baseLayer, ...c.layers(canaries).map((l) => tar(l))],
      tags: ['hostile/image:1'],
      ...(c.config === undefined ? {} : { containerConfig: c.config(canaries) }),
    });
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
      if (c.outcome.code === 'LAYER_UNPACK_FAILED') assert.match(r.stderr, /Hint: The layer cannot be unpacked as it is \(it was crafted, or is damaged\)/, 'the hint blames the layer, not the disk');
      const rows = jsonLines((await s.ok(['ps', '-a', '--format', 'json'])).stdout);
      assert.deepEqual(rows.map((row) => [row.Names, row.State]), [['hostile', 'created']], 'the container stays created');
      const chains = chainIds(config.rootfs.diff_ids).map((c) => c.slice(7));
      const unpacked = readdirSync(layersDir).map((n) => n.replace(/\.erofs$/, ''));
      assert.ok(unpacked.every((n) => chains.includes(n)), 'only layers of the image are unpacked');
      assert.ok(!unpacked.includes(chains.at(-1)!), 'the refused layer is not unpacked');
    }
    assert.deepEqual(mountsUnder(root), [], 'the finished container is unmounted');
    // The only overlay xattrs in any unpacked layer are Berth's opaque markers.
    const allowed = new Set((c.opaque ?? []).map((d) => `${d} trusted.overlay.opaque="y"`));
    for (const name of readdirSync(layersDir)) {
      const found = await overlayXattrs(layerTree(join(layersDir, name)));
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
  await rm(canaries.siblingDir, { recursive: true, force: true });
  for (const name of readdirSync('/tmp').filter((n) => n.includes(canaries.tag))) await rm(join('/tmp', name), { recursive: true, force: true });
  if (failure !== undefined) throw failure;
  assert.deepEqual(problems, [], 'the test left a clean store behind');
  assert.deepEqual(afterRemoval, initial, 'nothing outside the store changed after rm either');
}

describe('hostile images: unpacked and run, nothing escapes the container\'s root', { concurrency: 3 }, () => {
  for (const c of HOSTILE_IMAGE_CASES) test(c.name, (t) => runCase(t, c));
});
