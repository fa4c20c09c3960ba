/**
 * The image verbs with Docker's semantics and output formats: images (table, -q, --no-trunc,
 * --digests, --format json, filters, --tree), history, inspect, tag, rmi, image prune, how
 * references resolve, and exit codes. Where expected.json holds what docker 20.10 printed for
 * the same images, the output is compared with it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, removeDir, run, storeRows, storeSnapshot, tempDir } from '../support/cli.js';
import { expectedFacts, fixture } from '../support/env.js';
import { blobNames, chainIds, craftDockerArchive, extractPeerVis, historyRows, imageRows, inspect, ok, parseHumanSize, shortId, tagsOf, type Json } from '../support/images.js';

const facts = expectedFacts();

const PEER_VIS = 'sha256:5d59d30f19bb602783727906b0fca6934e80385d88675ced20df2ed124476ebd';
const PEER_VIS_B = 'sha256:28760e165edbc64ba3c7055e7a27cfec49429b2cc62428975f65137b0a3da0d0';
const SKOPEO_OCI = 'sha256:5e37de1f59eac35a6ee969877f3649360d57c1a0cf9c84ab6bad5ea63a8c5c32';
const UMOCI_BASE = 'sha256:c9dd057eec8ea308d64d2e8572d925f99329b3731ed0637ea0814b18162068f6';
const UMOCI_V2 = 'sha256:b2ce4180dde5fd1222bc81f4a4c2d9a7f74e09689ea723c1923476e134fbfbd9';
const VIS_DIFF_IDS: string[] = facts.summary['docker-save-multi'].images[0].diff_ids;
const VIS_B_DIFF_IDS: string[] = facts.summary['docker-save-multi'].images[1].diff_ids;
const AGO = /^(\d+ \w+|About an? \w+|Less than a second) ago$/;

async function withStore(fixtures: readonly string[], fn: (root: string, work: string) => Promise<void>): Promise<void> {
  const work = await tempDir();
  const root = join(work, 'store');
  try {
    for (const f of fixtures) await ok(['load', '-q', '-i', fixture(f)], root);
    await fn(root, work);
  } finally {
    await removeDir(work);
  }
}

/** Go's text/tabwriter as Docker configures it (minwidth 10, padding 3), for single-line cells. */
function tabulate(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { if (i < row.length - 1) widths[i] = Math.max(widths[i] ?? 10, cell.length + 3); });
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('')).join('\n') + '\n';
}

/** Splits a Docker table (single-line cells) into cells, by the header's column offsets. */
function cellsOf(table: string): string[][] {
  const lines = table.replace(/\n$/, '').split('\n');
  const header = lines[0]!;
  const starts = [0, ...[...header.matchAll(/ {2,}(\S)/g)].map((m) => m.index! + m[0].length - 1)];
  return lines.map((line) => starts.map((s, i) => line.slice(s, starts[i + 1]).trim()));
}

async function blobBytes(root: string): Promise<number> {
  let total = 0;
  for (const name of await blobNames(root)) total += (await stat(join(root, 'v1', 'blobs', 'sha256', name))).size;
  return total;
}

describe('verbs', { concurrency: 4 }, () => {
  describe('images', { concurrency: 2 }, () => {
    test('table: Docker\'s header, columns and alignment, one row per tag, newest first', async () => {
      await withStore(['docker-save-3layer.tar', 'docker-save-multi.tar'], async (root) => {
        const r = await ok(['images'], root);
        // The ages are read from the table itself (a second command could straddle "N minutes" -> "N+1 minutes");
        // if the columns were misaligned, the comparison with the re-tabulated table below fails anyway.
        const created = cellsOf(r.stdout).slice(1).map((row) => row[3]!);
        const expected = tabulate([
          ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
          ['peer-vis-b', '1.0', '28760e165edb', created[0]!, '1.98MB'],
          ['peer-vis', 'latest', '5d59d30f19bb', created[1]!, '1.98MB'],
          ['peer-vis', 'v3', '5d59d30f19bb', created[2]!, '1.98MB'],
        ]);
        assert.equal(r.stdout, expected);
        for (const c of created) assert.match(c, AGO);

        // The same line docker 20.10 printed for peer-vis:v3, apart from the age.
        const single = await ok(['images', 'peer-vis:v3'], root);
        const docker = cellsOf(facts.docker['peer-vis:v3'].images_line as string);
        docker[1]![3] = cellsOf(single.stdout)[1]![3]!;
        assert.match(docker[1]![3]!, AGO);
        assert.equal(single.stdout, tabulate(docker));
      });
    });

    test('-q, -q --no-trunc, --no-trunc, --digests', async () => {
      await withStore(['docker-save-multi.tar', 'skopeo-oci'], async (root) => {
        const table = cellsOf((await ok(['images'], root)).stdout).slice(1);
        const q = await ok(['images', '-q'], root);
        assert.equal(q.stdout, table.map((row) => `${row[2]}\n`).join(''));
        assert.deepEqual(q.stdout.trim().split('\n').sort(), [PEER_VIS, PEER_VIS_B, SKOPEO_OCI].map(shortId).sort());
        const full = await ok(['images', '-q', '--no-trunc'], root);
        assert.deepEqual(full.stdout.trim().split('\n').sort(), [PEER_VIS, PEER_VIS_B, SKOPEO_OCI].sort());
        const noTrunc = cellsOf((await ok(['images', '--no-trunc'], root)).stdout);
        assert.equal(noTrunc[0]![2], 'IMAGE ID');
        assert.deepEqual(noTrunc.slice(1).map((row) => row[2]).sort(), [PEER_VIS, PEER_VIS_B, SKOPEO_OCI].sort());

        // Docker's DIGEST column shows an image's RepoDigest for the row's repository: a docker
        // archive carries none, and an untagged image has no repository to have one under.
        const digests = cellsOf((await ok(['images', '--digests'], root)).stdout);
        assert.deepEqual(digests[0], ['REPOSITORY', 'TAG', 'DIGEST', 'IMAGE ID', 'CREATED', 'SIZE']);
        assert.deepEqual(digests.slice(1).map((row) => row[2]), ['<none>', '<none>', '<none>']);
        await ok(['tag', SKOPEO_OCI, 'oci-one:1'], root);
        const tagged = cellsOf((await ok(['images', '--digests', 'oci-one'], root)).stdout);
        const skopeoManifest = JSON.parse(await readFile(fixture('skopeo-oci/index.json'), 'utf8')).manifests[0].digest as string;
        assert.deepEqual(tagged.slice(1), [['oci-one', '1', skopeoManifest, shortId(SKOPEO_OCI), tagged[1]![4]!, '1.98MB']], 'tagged, the image loaded from an OCI layout shows the manifest it arrived with');
        assert.deepEqual((await inspect(root, 'oci-one:1')).RepoDigests, [`oci-one@${skopeoManifest}`], 'the same digest as its RepoDigests');
      });
    });

    test('--format json: one object per line with Docker\'s field names and value formats', async () => {
      await withStore(['docker-save-multi.tar'], async (root) => {
        const rows = await imageRows(root);
        assert.equal(rows.length, 2);
        for (const row of rows) {
          assert.deepEqual(Object.keys(row), ['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize']);
          assert.equal(row.Containers, 'N/A');
          assert.equal(row.SharedSize, 'N/A');
          assert.equal(row.UniqueSize, 'N/A');
          assert.equal(row.Digest, '<none>', 'a docker archive gives no RepoDigest');
          assert.match(row.ID, /^[0-9a-f]{12}$/);
          assert.match(row.CreatedAt, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
          assert.match(row.CreatedSince, AGO);
        }
        const vis = rows.find((row) => row.Repository === 'peer-vis')!;
        assert.deepEqual([vis.Tag, vis.ID, vis.CreatedAt, vis.Size, vis.VirtualSize], ['latest', '5d59d30f19bb', '2026-11-28 06:47:28 +0000 UTC', '1.98MB', '1.983MB']);
        const noTrunc = await imageRows(root, ['--no-trunc']);
        assert.deepEqual(noTrunc.map((row) => row.ID).sort(), [PEER_VIS, PEER_VIS_B].sort());
        const templated = (await ok(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}', 'peer-vis'], root)).stdout;
        assert.equal(templated, 'peer-vis:latest 5d59d30f19bb\n');
        const table = (await ok(['images', '--format', 'table {{.Tag}}\\t{{.Size}}', 'peer-vis'], root)).stdout;
        assert.equal(table, 'TAG       SIZE\nlatest    1.98MB\n');
      });
    });

    test('the REPOSITORY[:TAG] filter argument, with * within a component', async () => {
      await withStore(['docker-save-3layer.tar', 'docker-save-multi.tar'], async (root) => {
        await ok(['tag', 'peer-vis-b:1.0', 'team/tool:2.0'], root);
        const cases: Array<[string, string[]]> = [
          ['peer-vis', ['peer-vis:latest', 'peer-vis:v3']],
          ['peer-vis:v3', ['peer-vis:v3']],
          ['peer-vis:v*', ['peer-vis:v3']],
          ['peer-vis*', ['peer-vis-b:1.0', 'peer-vis:latest', 'peer-vis:v3']],
          ['docker.io/library/peer-vis:latest', ['peer-vis:latest']],
          ['team/*', ['team/tool:2.0']],
          ['*', ['peer-vis-b:1.0', 'peer-vis:latest', 'peer-vis:v3']],
          ['nothing-here', []],
        ];
        for (const [filter, tags] of cases) assert.deepEqual(tagsOf(await imageRows(root, [filter])), tags, filter);
        const none = await ok(['images', 'nothing-here'], root);
        assert.equal(none.stdout, tabulate([['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']]));
      });
    });

    test('--tree: images that share a base share its node; tags sit at the image\'s top layer; sizes and virtual sizes', async () => {
      await withStore(['docker-save-multi.tar'], async (root) => {
        const vis = chainIds(VIS_DIFF_IDS).map(shortId);
        const visB = chainIds(VIS_B_DIFF_IDS).map(shortId);
        assert.equal(vis[0], '7603dc847753');
        assert.equal(visB[0], vis[0]);
        const expected = [
          `└─${vis[0]} Size: 1.983MB (virtual 1.983MB)`,
          `  ├─${vis[1]} Size: 116B (virtual 1.983MB)`,
          `  │ └─${vis[2]} Size: 7B (virtual 1.983MB) Tags: peer-vis:latest`,
          `  └─${visB[1]} Size: 8B (virtual 1.983MB) Tags: peer-vis-b:1.0`,
        ].join('\n') + '\n';
        assert.equal((await ok(['images', '--tree'], root)).stdout, expected);

        // More tags on the same image, an untagged image, and a second root.
        await ok(['tag', 'peer-vis:latest', 'peer-vis:v3'], root);
        await ok(['load', '-q', '-i', fixture('umoci-oci')], root);
        const tree = (await ok(['images', '--tree'], root)).stdout.split('\n');
        assert.ok(tree.includes(`│ │ └─${vis[2]} Size: 7B (virtual 1.983MB) Tags: peer-vis:latest, peer-vis:v3`), tree.join('\n'));
        const umoci = chainIds(facts.summary['umoci-oci'].images[1].diff_ids).map(shortId);
        assert.ok(tree.includes(`└─${umoci[0]} Size: 1.983MB (virtual 1.983MB) Images: ${shortId(UMOCI_BASE)}`), tree.join('\n'));
        assert.ok(tree.includes(`  └─${umoci[1]} Size: 25B (virtual 1.983MB) Images: ${shortId(UMOCI_V2)}`), tree.join('\n'));
        assert.equal(tree.filter((l) => l.includes(vis[0]!)).length, 1, 'the shared base is drawn once');

        const filtered = await ok(['images', '--tree', 'peer-vis-b'], root);
        assert.equal(filtered.stdout, `└─${vis[0]} Size: 1.983MB (virtual 1.983MB)\n  └─${visB[1]} Size: 8B (virtual 1.983MB) Tags: peer-vis-b:1.0\n`);
        const noTrunc = await ok(['images', '--tree', '--no-trunc', 'peer-vis-b'], root);
        assert.ok(noTrunc.stdout.startsWith(`└─${VIS_DIFF_IDS[0]} Size:`), noTrunc.stdout);
      });
    });
  });

  describe('history and inspect', { concurrency: 2 }, () => {
    test('history table matches docker\'s for the same image (apart from ages, and named rows where docker had its local parents)', async () => {
      await withStore(['docker-save-multi.tar'], async (root) => {
        const table = (await ok(['history', 'peer-vis-b:1.0'], root)).stdout;
        const mine = cellsOf(table);
        const docker = cellsOf(facts.docker['peer-vis-b:1.0'].history_table as string);
        docker[1]![1] = mine[1]![1]!;
        docker[2]![1] = mine[2]![1]!;
        for (const age of [mine[1]![1]!, mine[2]![1]!]) assert.match(age, AGO);
        // Docker had the parent image (peer-vis:base, 23e8b890473d) locally; after a load it prints <missing>
        // there, and Berth names the step by its chain ID.
        assert.equal(docker[2]![0], '23e8b890473d');
        docker[2]![0] = shortId(VIS_DIFF_IDS[0]!);
        assert.equal(table, tabulate(docker));
      });
    });

    test('history -q, --no-trunc, --format json and -H=false', async () => {
      await withStore(['docker-save-multi.tar'], async (root) => {
        const chains = chainIds(VIS_DIFF_IDS);
        const q = await ok(['history', '-q', 'peer-vis:latest'], root);
        assert.equal(q.stdout, `${shortId(PEER_VIS)}\n${shortId(chains[1]!)}\n${shortId(chains[0]!)}\n`);
        const qFull = await ok(['history', '-q', '--no-trunc', 'peer-vis:latest'], root);
        assert.equal(qFull.stdout, `${PEER_VIS}\n${chains[1]}\n${chains[0]}\n`);

        const json = await historyRows(root, 'peer-vis:latest');
        const docker = facts.docker['peer-vis:v3'].history_json as Json[];
        assert.equal(json.length, docker.length);
        json.forEach((row, i) => {
          assert.deepEqual(Object.keys(row), ['Comment', 'CreatedAt', 'CreatedBy', 'CreatedSince', 'ID', 'Size']);
          for (const key of ['Comment', 'CreatedAt', 'CreatedBy', 'Size']) assert.equal(row[key], docker[i][key], `row ${i} ${key}`);
          assert.match(row.CreatedSince, AGO);
        });
        assert.deepEqual(json.map((row) => row.ID), [PEER_VIS, chains[1], chains[0]]);

        const table = (await ok(['history', 'peer-vis:latest'], root)).stdout;
        assert.match(table, /rm -rf \/v…/, 'CREATED BY is cut at 45 characters with an ellipsis');
        const noTrunc = (await ok(['history', '--no-trunc', 'peer-vis:latest'], root)).stdout;
        assert.ok(noTrunc.includes(PEER_VIS) && noTrunc.includes('echo v3 > /etc/version'), noTrunc);
        assert.doesNotMatch(noTrunc, /…/);

        const raw = (await ok(['history', '-H=false', 'peer-vis-b:1.0'], root)).stdout;
        const cells = cellsOf(raw);
        assert.deepEqual(cells[0], ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT']);
        assert.deepEqual(cells.slice(1).map((row) => [row[1], row[3]]), [['2026-11-28T06:47:28Z', '8'], ['2026-11-28T06:47:27Z', '1982591']]);
      });
    });

    test('history of an image with empty_layer steps (umoci config) shows them as 0B rows', async () => {
      await withStore(['umoci-oci'], async (root) => {
        const rows = await historyRows(root, UMOCI_V2);
        assert.deepEqual(rows.map((row) => [row.CreatedBy, row.Size]), [['umoci repack', '25B'], ['umoci config', '0B'], ['umoci repack', '1.98MB']]);
        assert.deepEqual(rows.map((row) => row.ID), [UMOCI_V2, UMOCI_BASE, UMOCI_BASE], 'steps that are exactly a local image are named by it');
      });
    });

    test('image inspect: Docker\'s fields, in Docker\'s order, with the values docker reported; inspect -f templates', async () => {
      await withStore(['docker-save-3layer.tar'], async (root) => {
        const info = await inspect(root, 'peer-vis:latest');
        assert.deepEqual(Object.keys(info), ['Id', 'RepoTags', 'RepoDigests', 'Parent', 'Comment', 'Created', 'Container', 'ContainerConfig', 'DockerVersion', 'Author', 'Config', 'Architecture', 'Os', 'Size', 'VirtualSize', 'RootFS', 'Metadata']);
        const docker = facts.docker['peer-vis:v3'].inspect;
        for (const key of ['Id', 'RepoTags', 'RepoDigests', 'Comment', 'Created', 'Author', 'Size', 'RootFS']) assert.deepEqual(info[key], docker[key], key);
        for (const key of ['Cmd', 'Env', 'WorkingDir', 'Entrypoint']) assert.deepEqual(info.Config[key], docker.Config[key], `Config.${key}`);
        assert.equal(info.Parent, '', 'a loaded image has no parent, as after docker load');
        assert.equal(info.VirtualSize, info.Size);
        assert.equal(info.DockerVersion, '20.10.24+dfsg1');
        assert.equal(info.Os, 'linux');
        assert.match(info.Metadata.LastTagTime, /^\d{4}-\d\d-\d\dT/);

        const f = await ok(['inspect', '-f', '{{.Id}}', 'peer-vis:v3'], root);
        assert.equal(f.stdout, `${PEER_VIS}\n`);
        const layers = await ok(['inspect', '-f', '{{.Os}}/{{.Architecture}} {{json .RootFS.Layers}} {{.Config.WorkingDir}}', 'peer-vis:v3'], root);
        assert.equal(layers.stdout, `linux/amd64 ${JSON.stringify(docker.RootFS.Layers)} /opt/app\n`);
        const two = JSON.parse((await ok(['image', 'inspect', 'peer-vis:latest', shortId(PEER_VIS)], root)).stdout) as Json[];
        assert.equal(two.length, 2);
        assert.deepEqual(two[0], two[1]);

        const missing = await berth(['inspect', 'peer-vis:latest', 'nope'], { root });
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /No such object: nope \[OBJECT_NOT_FOUND\]/, 'berth inspect looks for containers and images, as docker inspect does');
        assert.equal(JSON.parse(missing.stdout).length, 1, 'the images that exist are still printed');
      });
    });
  });

  describe('tag, load over a tag, rmi, prune', { concurrency: 2 }, () => {
    test('tag adds a name; moving a tag leaves the old image dangling as <none>', async () => {
      await withStore(['docker-save-multi.tar'], async (root) => {
        await ok(['tag', 'peer-vis:latest', 'registry.example.com:5000/team/app:1.0'], root);
        await ok(['tag', shortId(PEER_VIS_B).slice(0, 6), 'peer-vis-b:rollback'], root);
        assert.deepEqual((await inspect(root, 'peer-vis:latest')).RepoTags, ['peer-vis:latest', 'registry.example.com:5000/team/app:1.0']);
        assert.equal((await inspect(root, 'registry.example.com:5000/team/app:1.0')).Id, PEER_VIS);
        assert.equal((await inspect(root, 'peer-vis-b:rollback')).Id, PEER_VIS_B);
        const bare = await ok(['tag', 'peer-vis-b:1.0', 'bare'], root);
        assert.equal(bare.stdout, '');
        assert.equal((await inspect(root, 'bare:latest')).Id, PEER_VIS_B, 'a target without a tag gets :latest');

        // Move both of peer-vis's tags away: it is left with none.
        await ok(['tag', 'peer-vis-b:1.0', 'peer-vis:latest'], root);
        await ok(['tag', 'peer-vis-b:1.0', 'registry.example.com:5000/team/app:1.0'], root);
        const rows = await imageRows(root);
        const dangling = rows.filter((row) => row.Repository === '<none>');
        assert.deepEqual(dangling.map((row) => [row.Tag, row.ID]), [['<none>', shortId(PEER_VIS)]]);
        assert.deepEqual((await inspect(root, PEER_VIS)).RepoTags, []);

        const bad = await berth(['tag', 'peer-vis-b:1.0', 'UPPER:case'], { root });
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /\[REFERENCE_INVALID\]/);
        const digestTarget = await berth(['tag', 'peer-vis-b:1.0', `x@${PEER_VIS}`], { root });
        assert.equal(digestTarget.code, 1);
        assert.match(digestTarget.stderr, /\[REFERENCE_INVALID\]/);
      });
    });

    test('load of an archive whose tag points elsewhere renames the old image to <none>, with docker\'s message', async () => {
      await withStore(['umoci-oci'], async (root) => {
        await ok(['tag', UMOCI_BASE, 'peer-vis:latest'], root);
        const r = await ok(['load', '-i', fixture('docker-save-3layer.tar')], root);
        assert.equal(r.stdout, [
          `The image peer-vis:latest already exists, renaming the old one with ID ${UMOCI_BASE} to empty string`,
          'Loaded image: peer-vis:latest',
          'Loaded image: peer-vis:v3',
        ].join('\n') + '\n');
        assert.deepEqual((await inspect(root, UMOCI_BASE)).RepoTags, []);
        assert.equal((await inspect(root, 'peer-vis:latest')).Id, PEER_VIS);
        // Loading the same archive again changes nothing and says nothing about renaming.
        const again = await ok(['load', '-i', fixture('docker-save-3layer.tar')], root);
        assert.equal(again.stdout, 'Loaded image: peer-vis:latest\nLoaded image: peer-vis:v3\n');
      });
    });

    test('rmi untags while other tags remain, deletes with the last one, and frees the blobs', async () => {
      await withStore(['docker-save-3layer.tar'], async (root) => {
        const v3 = await ok(['rmi', 'peer-vis:v3'], root);
        assert.equal(v3.stdout, 'Untagged: peer-vis:v3\n');
        assert.equal((await blobNames(root)).length, 4, 'config and three layers are still there');
        const last = await ok(['rmi', 'peer-vis'], root);
        assert.equal(last.stdout, `Untagged: peer-vis:latest\nDeleted: ${PEER_VIS}\n`);
        assert.deepEqual(await blobNames(root), []);
        assert.deepEqual(storeRows(root), []);
      });
    });

    test('rmi by ID: tags in one repository are all removed; tags in two repositories need -f', async () => {
      await withStore(['docker-save-3layer.tar'], async (root) => {
        await ok(['tag', 'peer-vis:latest', 'other/repo:x'], root);
        const before = await storeSnapshot(root);
        const refused = await berth(['rmi', shortId(PEER_VIS)], { root });
        assert.equal(refused.code, 1);
        assert.equal(refused.stdout, '');
        assert.match(refused.stderr, /^Error: conflict: unable to delete 5d59d30f19bb \(must be forced\) - image is referenced in multiple repositories \[IMAGE_CONFLICT\]$/m);
        assert.deepEqual(await storeSnapshot(root), before, 'a refused rmi changes nothing');

        const forced = await ok(['rmi', '-f', shortId(PEER_VIS)], root);
        // Docker lists the references sorted by their full names: docker.io/library/peer-vis:* before docker.io/other/repo:x.
        assert.equal(forced.stdout, `Untagged: peer-vis:latest\nUntagged: peer-vis:v3\nUntagged: other/repo:x\nDeleted: ${PEER_VIS}\n`);
        assert.deepEqual(await blobNames(root), []);
      });
      await withStore(['docker-save-3layer.tar'], async (root) => {
        const r = await ok(['rmi', PEER_VIS], root);
        assert.equal(r.stdout, `Untagged: peer-vis:latest\nUntagged: peer-vis:v3\nDeleted: ${PEER_VIS}\n`);
      });
    });

    test('rmi of a missing image fails with docker\'s message while the other arguments still proceed', async () => {
      await withStore(['docker-save-multi.tar'], async (root) => {
        const r = await berth(['rmi', 'x', 'peer-vis-b:1.0', 'nope:2'], { root });
        assert.equal(r.code, 1);
        assert.equal(r.stdout, `Untagged: peer-vis-b:1.0\nDeleted: ${PEER_VIS_B}\n`);
        assert.match(r.stderr, /^Error: No such image: x:latest \[IMAGE_NOT_FOUND\]$/m);
        assert.match(r.stderr, /^Error: No such image: nope:2 \[IMAGE_NOT_FOUND\]$/m);
        assert.deepEqual(tagsOf(await imageRows(root)), ['peer-vis:latest']);
        // The base layer is shared with peer-vis: it stays; only peer-vis-b's own layer and config go.
        assert.deepEqual(await blobNames(root), [PEER_VIS, ...VIS_DIFF_IDS].map((d) => d.slice(7)).sort());
      });
    });

    test('rmi NAME@DIGEST: only a RepoDigest the image has, and only that reference goes', async () => {
      await withStore(['docker-save-3layer.tar', 'skopeo-oci'], async (root, work) => {
        // The reported bug: a digest the image does not have as a RepoDigest untagged every tag and deleted the image.
        const saved = join(work, 'peer-vis.tar');
        await ok(['save', '-o', saved, 'peer-vis:latest'], root);
        const berthManifest = JSON.parse((await run('tar', ['-xOf', saved, 'index.json'])).stdout).manifests[0].digest as string;
        assert.deepEqual((await inspect(root, 'peer-vis:latest')).RepoDigests, []);
        const before = await storeSnapshot(root);
        for (const ref of [`peer-vis@${berthManifest}`, `peer-vis@${PEER_VIS}`]) {
          const refused = await berth(['rmi', ref], { root });
          assert.equal(refused.code, 1, ref);
          assert.equal(refused.stdout, '');
          assert.match(refused.stderr, new RegExp(`^Error: No such image: ${ref} \\[IMAGE_NOT_FOUND\\]$`, 'm'));
        }
        assert.deepEqual(await storeSnapshot(root), before, 'nothing untagged, nothing deleted');
        // sha256:<image ID> is the image's ID, not a digest reference: it still removes the image.
        assert.equal((await ok(['rmi', '-f', PEER_VIS], root)).stdout, `Untagged: peer-vis:latest\nUntagged: peer-vis:v3\nDeleted: ${PEER_VIS}\n`);

        // A RepoDigest (a manifest the image arrived with, under a repository it is tagged in): rmi
        // removes that reference only, as Docker does; Berth keeps one digest for all of an image's
        // repositories, so both lose it and both are reported.
        const skopeoManifest = JSON.parse(await readFile(fixture('skopeo-oci/index.json'), 'utf8')).manifests[0].digest as string;
        await ok(['tag', SKOPEO_OCI, 'oci-one:1'], root);
        await ok(['tag', SKOPEO_OCI, 'other/oci:2'], root);
        assert.deepEqual((await inspect(root, SKOPEO_OCI)).RepoDigests, [`oci-one@${skopeoManifest}`, `other/oci@${skopeoManifest}`]);
        const removed = await ok(['rmi', `other/oci@${skopeoManifest}`], root);
        assert.equal(removed.stdout, `Untagged: other/oci@${skopeoManifest}\nUntagged: oci-one@${skopeoManifest}\n`);
        const after = await inspect(root, SKOPEO_OCI);
        assert.deepEqual([after.RepoTags, after.RepoDigests], [['oci-one:1', 'other/oci:2'], []], 'the image and its tags stay');
        assert.deepEqual(cellsOf((await ok(['images', '--digests', 'oci-one'], root)).stdout)[1]!.slice(0, 3), ['oci-one', '1', '<none>']);
        const again = await berth(['rmi', `oci-one@${skopeoManifest}`], { root });
        assert.equal(again.code, 1);
        assert.match(again.stderr, /No such image: oci-one@sha256:[0-9a-f]{64} \[IMAGE_NOT_FOUND\]/);
      });
    });

    test('parent chains: a parent with children cannot be deleted; rmi prunes untagged parents unless --no-prune', async () => {
      const work = await tempDir();
      try {
        const parts = await extractPeerVis(work);
        const history = parts.config.history as Json[];
        const baseConfig = {
          architecture: parts.config.architecture, os: parts.config.os, created: history[0].created, config: parts.config.config,
          rootfs: { type: 'layers', diff_ids: [VIS_DIFF_IDS[0]] }, history: [history[0]],
        };
        const archive = join(work, 'chain.tar');
        const baseId = (await craftDockerArchive(work, join(work, 'base-only.tar'), [{ config: baseConfig, layers: [parts.layers[0]!], tags: [] }]))[0]!;
        await craftDockerArchive(work, archive, [
          { config: baseConfig, layers: [parts.layers[0]!], tags: ['it/base:1'] },
          { config: parts.configBytes, layers: parts.layers, tags: ['it/app:1'], parent: baseId },
        ]);
        for (const noPrune of [false, true]) {
          const root = join(work, `store-${noPrune}`);
          await ok(['load', '-i', archive], root);
          assert.equal((await inspect(root, 'it/app:1')).Parent, baseId);
          assert.deepEqual((await historyRows(root, 'it/app:1')).map((row) => row.ID).at(-1), baseId, 'history names the local parent');

          const conflict = await berth(['rmi', '-f', baseId], { root });
          assert.equal(conflict.code, 1);
          assert.match(conflict.stderr, new RegExp(`conflict: unable to delete ${shortId(baseId)} \\(cannot be forced\\) - image has dependent child images \\[IMAGE_CONFLICT\\]`));

          assert.equal((await ok(['rmi', 'it/base:1'], root)).stdout, 'Untagged: it/base:1\n', 'a parent with children is only untagged');
          assert.deepEqual((await imageRows(root)).map((row) => row.ID), [shortId(PEER_VIS)], 'an untagged parent is hidden from images');
          assert.deepEqual((await imageRows(root, ['-a'])).map((row) => row.ID).sort(), [shortId(PEER_VIS), shortId(baseId)].sort(), 'and shown by images -a');

          const r = await ok(['rmi', ...(noPrune ? ['--no-prune'] : []), 'it/app:1'], root);
          if (noPrune) {
            assert.equal(r.stdout, `Untagged: it/app:1\nDeleted: ${PEER_VIS}\n`);
            assert.deepEqual((await imageRows(root)).map((row) => [row.Repository, row.ID]), [['<none>', shortId(baseId)]], 'the parent is kept, now dangling');
            assert.deepEqual(await blobNames(root), [baseId, VIS_DIFF_IDS[0]!].map((d) => d.slice(7)).sort());
          } else {
            assert.equal(r.stdout, `Untagged: it/app:1\nDeleted: ${PEER_VIS}\nDeleted: ${baseId}\n`);
            assert.deepEqual(await imageRows(root, ['-a']), []);
            assert.deepEqual(await blobNames(root), []);
          }
        }
      } finally {
        await removeDir(work);
      }
    });

    test('image prune -f removes dangling images only and reports the space reclaimed; without -f it asks', async () => {
      await withStore(['docker-save-multi.tar', 'umoci-oci'], async (root) => {
        const declined = await berth(['image', 'prune'], { root, stdin: Buffer.from('n\n') });
        assert.equal(declined.code, 0);
        assert.match(declined.stdout, /WARNING! This will remove all dangling images\.\nAre you sure you want to continue\? \[y\/N\] $/);
        assert.equal((await imageRows(root)).length, 4, 'answering no removes nothing');

        const before = await blobBytes(root);
        const r = await ok(['image', 'prune', '-f'], root);
        const freed = before - (await blobBytes(root));
        assert.match(r.stdout, /^Deleted Images:\n/);
        assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('deleted: ')).sort(), [`deleted: ${UMOCI_BASE}`, `deleted: ${UMOCI_V2}`].sort());
        const reported = /^Total reclaimed space: (\S+)$/m.exec(r.stdout);
        assert.ok(reported, r.stdout);
        assert.ok(freed > 1_900_000, `umoci's layers and configs were freed (${freed} bytes)`);
        assert.ok(Math.abs(parseHumanSize(reported[1]!) - freed) / freed < 0.01, `reported ${reported[1]} for ${freed} bytes`);
        assert.deepEqual(tagsOf(await imageRows(root)), ['peer-vis-b:1.0', 'peer-vis:latest']);

        const nothing = await ok(['image', 'prune', '-f'], root);
        assert.equal(nothing.stdout, 'Total reclaimed space: 0B\n');
      });
    });

    test('image prune -a -f removes every image and leaves no blob file', async () => {
      await withStore(['docker-save-multi.tar', 'skopeo-oci', 'umoci-oci'], async (root) => {
        const r = await ok(['image', 'prune', '-a', '-f'], root);
        assert.match(r.stdout, /^untagged: peer-vis:latest$/m);
        assert.match(r.stdout, /^untagged: peer-vis-b:1.0$/m);
        for (const id of [PEER_VIS, PEER_VIS_B, SKOPEO_OCI, UMOCI_BASE, UMOCI_V2]) assert.match(r.stdout, new RegExp(`^deleted: ${id}$`, 'm'));
        assert.match(r.stdout, /^Total reclaimed space: \d/m);
        assert.deepEqual(await blobNames(root), []);
        assert.deepEqual(storeRows(root), []);
        assert.equal((await ok(['images', '-q', '-a'], root)).stdout, '');
      });
    });
  });

  describe('references and exit codes', { concurrency: 2 }, () => {
    test('an image is found by short ID, ID prefix, full ID with and without sha256:, name, and name@digest for a RepoDigest it has', async () => {
      await withStore(['docker-save-multi.tar', 'skopeo-oci', 'umoci-oci'], async (root) => {
        const hex = PEER_VIS.slice(7);
        const refs: Array<[string, string]> = [hex.slice(0, 12), hex.slice(0, 4), '5d', PEER_VIS, hex, `sha256:${hex.slice(0, 10)}`, 'peer-vis', 'peer-vis:latest', 'docker.io/library/peer-vis:latest', 'index.docker.io/library/peer-vis']
          .map((ref) => [ref, PEER_VIS]);
        const skopeoManifest = JSON.parse(await readFile(fixture('skopeo-oci/index.json'), 'utf8')).manifests[0].digest as string;
        await ok(['tag', SKOPEO_OCI, 'oci-one:1'], root);
        refs.push([`oci-one@${skopeoManifest}`, SKOPEO_OCI], [`docker.io/library/oci-one@${skopeoManifest}`, SKOPEO_OCI]);
        // One inspect with every reference: one line per argument, in order.
        const r = await ok(['inspect', '-f', '{{.Id}}', ...refs.map(([ref]) => ref)], root);
        assert.deepEqual(r.stdout.trim().split('\n'), refs.map(([, id]) => id), refs.map(([ref]) => ref).join(' '));

        // A digest reference names a RepoDigest, nothing else (docker 20.10: `docker rmi NAME@sha256:<its image ID>`
        // and NAME@<a digest it does not have> both say "No such image: NAME@sha256:..."): not the image ID, not the
        // manifest berth save writes, not a manifest under a repository the image is not tagged in, nor an untagged image's.
        const saved = join(root, '..', 'peer-vis.tar');
        await ok(['save', '-o', saved, 'peer-vis:latest'], root);
        const berthManifest = JSON.parse((await run('tar', ['-xOf', saved, 'index.json'])).stdout).manifests[0].digest as string;
        const umociIndex = JSON.parse(await readFile(fixture('umoci-oci/index.json'), 'utf8'));
        const missing = [`peer-vis@sha256:${'0'.repeat(64)}`, `peer-vis@${PEER_VIS}`, `peer-vis@${berthManifest}`, `peer-vis@${skopeoManifest}`, `umoci@${umociIndex.manifests[0].digest}`];
        for (const ref of missing) {
          const refused = await berth(['image', 'inspect', ref], { root });
          assert.equal(refused.code, 1, ref);
          assert.equal(refused.stderr, `Error: No such image: ${ref} [IMAGE_NOT_FOUND]\nHint: Run "berth images" to list local images\n`, ref);
        }
      });
    });

    test('an ambiguous ID prefix is REFERENCE_AMBIGUOUS and changes nothing', async () => {
      await withStore(['docker-save-multi.tar', 'skopeo-oci'], async (root) => {
        // 5d59d30f… (peer-vis) and 5e37de1f… (skopeo's OCI config) share the first hex digit.
        const before = await storeSnapshot(root);
        for (const args of [['inspect', '5'], ['rmi', '5'], ['tag', '5', 'x:1'], ['history', '5'], ['save', '-o', '/dev/null', '5']]) {
          const r = await berth(args, { root });
          assert.equal(r.code, 1, args.join(' '));
          assert.match(r.stderr, /Cannot resolve "5": it is the prefix of more than one image ID \[REFERENCE_AMBIGUOUS\]/, args.join(' '));
        }
        assert.deepEqual(await storeSnapshot(root), before);
        assert.equal((await ok(['inspect', '-f', '{{.Id}}', '5e'], root)).stdout.trim(), SKOPEO_OCI);
      });
    });

    // Docker 28's CLI: `docker frobnicate` and `docker image frobnicate` exit 1 ("docker: unknown command: docker frobnicate");
    // an unknown flag exits 125, also after an unknown command (`docker frobnicate --foo`: "unknown flag: --foo").
    test('exit codes: unknown flag 125, unknown command 1, wrong argument count 1, with Docker\'s words', async () => {
      await withStore([], async (root) => {
        const cases: Array<[string[], number, RegExp]> = [
          [['images', '--bogus'], 125, /unknown flag: --bogus \[USAGE\]/],
          [['rmi', '-z', 'x'], 125, /unknown shorthand flag: 'z' in -z \[USAGE\]/],
          [['image', 'frobnicate'], 1, /^Error: unknown command: berth image frobnicate \[UNKNOWN_COMMAND\]\nRun 'berth image --help' for more information\n$/],
          [['frobnicate'], 1, /^Error: unknown command: berth frobnicate \[UNKNOWN_COMMAND\]\nRun 'berth --help' for more information\n$/],
          [['frobnicate', 'x', '-D'], 1, /unknown command: berth frobnicate \[UNKNOWN_COMMAND\]/],
          [['frobnicate', '--foo'], 125, /unknown flag: --foo \[USAGE\]/],
          [['image', 'frobnicate', '--foo'], 125, /unknown flag: --foo \[USAGE\]/],
          [['image', '--foo'], 125, /unknown flag: --foo \[USAGE\]/],
          [['history', '-H=maybe', 'x'], 125, /invalid argument "maybe" for "-H" flag/],
          [['save', '--output'], 125, /flag needs an argument: --output/],
          [['rmi'], 1, /"berth rmi" requires at least 1 argument\. \[USAGE_ARGS\]/],
          [['save'], 1, /"berth save" requires at least 1 argument\./],
          [['inspect'], 1, /"berth inspect" requires at least 1 argument\./],
          [['tag', 'a'], 1, /"berth tag" requires exactly 2 arguments\./],
          [['history'], 1, /"berth history" requires exactly 1 argument\./],
          [['image', 'prune', 'x'], 1, /"berth image prune" accepts no arguments\./],
          [['history', 'nope'], 1, /No such image: nope:latest \[IMAGE_NOT_FOUND\]/],
        ];
        for (const [args, code, message] of cases) {
          const r = await berth(args, { root });
          assert.equal(r.code, code, `berth ${args.join(' ')}: ${r.stderr}`);
          assert.match(r.stderr, message, args.join(' '));
          assert.equal(r.stdout, '', `berth ${args.join(' ')} prints nothing on stdout`);
        }
        assert.match((await ok(['frobnicate', '--help'], root)).stdout, /Usage:\s+berth \[OPTIONS\] COMMAND/, 'help wins over an unknown command, as in Docker');
        const help = await ok(['rmi', '--help'], root);
        assert.match(help.stdout, /Usage:\s+berth rmi \[OPTIONS\] IMAGE \[IMAGE\.\.\.\]/);
        assert.match(help.stdout, /--no-prune/);
      });
    });
  });
});
