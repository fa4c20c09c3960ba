/**
 * OCI layouts beyond the fixtures: zstd-compressed layers (made by real skopeo), nested
 * indexes with platform selection, and attestation manifests that must be skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, removeDir, run, tempDir } from '../support/cli.js';
import { expectedFacts, fixture, hasCommand, requireOrSkip } from '../support/env.js';

const facts = expectedFacts();
const SKOPEO_IMAGE = facts.summary['skopeo-oci'].images[0];

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Copies the skopeo-made layout and returns the digest/size of its single manifest. */
async function copyLayout(dir: string): Promise<{ digest: string; size: number }> {
  await cp(fixture('skopeo-oci'), dir, { recursive: true });
  await run('chmod', ['-R', 'u+w', dir]);
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
  return { digest: index.manifests[0].digest, size: index.manifests[0].size };
}

async function writeBlob(dir: string, value: unknown): Promise<{ digest: string; size: number }> {
  const bytes = Buffer.from(JSON.stringify(value));
  const hex = sha256(bytes);
  await writeFile(join(dir, 'blobs', 'sha256', hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

test('an OCI layout with zstd-compressed layers (skopeo --dest-compress-format zstd) loads with the same diff IDs', async (t) => {
  if (!requireOrSkip(t, hasCommand('skopeo'), 'skopeo is not installed')) return;
  const work = await tempDir();
  const root = await tempDir();
  try {
    const copied = await run('skopeo', ['copy', '--dest-compress-format', 'zstd', `oci:${fixture('skopeo-oci')}:latest`, `oci:${join(work, 'zstd')}:latest`]);
    assert.equal(copied.code, 0, copied.stderr);
    const index = JSON.parse(await readFile(join(work, 'zstd', 'index.json'), 'utf8'));
    const manifest = JSON.parse(await readFile(join(work, 'zstd', 'blobs', 'sha256', index.manifests[0].digest.slice(7)), 'utf8'));
    assert.ok(manifest.layers.every((l: { mediaType: string }) => l.mediaType.endsWith('+zstd')), 'skopeo wrote zstd layers');
    const loaded = await berth(['load', '-i', join(work, 'zstd')], { root });
    assert.equal(loaded.code, 0, loaded.stderr);
    const id = /Loaded image ID: (sha256:[a-f0-9]{64})/.exec(loaded.stdout)![1]!;
    const info = JSON.parse((await berth(['image', 'inspect', id], { root })).stdout)[0];
    assert.deepEqual(info.RootFS.Layers, SKOPEO_IMAGE.diff_ids);
  } finally {
    await removeDir(work);
    await removeDir(root);
  }
});

test('a nested index picks the manifest for this platform, skips attestations, and takes the outer name', async () => {
  const dir = await tempDir();
  const root = await tempDir();
  try {
    const image = await copyLayout(dir);
    const arm = await writeBlob(dir, { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'0'.repeat(64)}`, size: 2 }, layers: [] });
    const nested = await writeBlob(dir, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...arm, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...image, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...arm, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
      ],
    });
    await writeFile(join(dir, 'index.json'), JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...nested, annotations: { 'io.containerd.image.name': 'docker.io/library/nested:1', 'org.opencontainers.image.ref.name': '1' } }],
    }));
    const loaded = await berth(['load', '-i', dir], { root });
    if (process.arch !== 'x64') return; // the layout only has an amd64 image
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.equal(loaded.stdout, 'Loaded image: nested:1\n');
    const id = (await berth(['image', 'inspect', '-f', '{{.Id}}', 'nested:1'], { root })).stdout.trim();
    assert.equal(id, SKOPEO_IMAGE.config_digest);
  } finally {
    await removeDir(dir);
    await removeDir(root);
  }
});

test('a nested index without this platform fails with PLATFORM_NOT_FOUND and lists what it has', async () => {
  const dir = await tempDir();
  const root = await tempDir();
  try {
    const image = await copyLayout(dir);
    const nested = await writeBlob(dir, {
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...image, platform: { os: 'linux', architecture: 's390x' } }],
    });
    await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...nested }] }));
    const loaded = await berth(['load', '-i', dir], { root });
    assert.equal(loaded.code, 1);
    assert.match(loaded.stderr, /\[PLATFORM_NOT_FOUND\]/);
    assert.match(loaded.stderr, /linux\/s390x/);
    assert.equal((await berth(['images', '-q'], { root })).stdout, '');
  } finally {
    await removeDir(dir);
    await removeDir(root);
  }
});
