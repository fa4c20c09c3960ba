/**
 * Helpers for the verb and interop tests: read what Berth reports about images (through the
 * CLI, as a user would), hash files, and craft small docker-save archives with GNU tar from the
 * shared fixtures, for cases no fixture covers (a unique image, a parent chain).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, run, type RunResult } from './cli.js';
import { fixture } from './env.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** Runs berth and asserts exit 0, with stderr in the failure message. */
export async function ok(args: readonly string[], root: string, options: { stdin?: Buffer | { file: string }; env?: Record<string, string> } = {}): Promise<RunResult> {
  const r = await berth(args, { root, ...options });
  assert.equal(r.code, 0, `berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

export async function inspect(root: string, ref: string): Promise<Json> {
  const r = await ok(['image', 'inspect', ref], root);
  const parsed = JSON.parse(r.stdout) as Json[];
  assert.equal(parsed.length, 1);
  return parsed[0];
}

/** `images --format json` rows (one object per line). */
export async function imageRows(root: string, extra: readonly string[] = []): Promise<Json[]> {
  const r = await ok(['images', '--format', 'json', ...extra], root);
  return jsonLines(r.stdout);
}

/** `history --no-trunc --format json`, newest first. */
export async function historyRows(root: string, ref: string): Promise<Json[]> {
  const r = await ok(['history', '--no-trunc', '--format', 'json', ref], root);
  return jsonLines(r.stdout);
}

export function jsonLines(text: string): Json[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Json);
}

/** "repo:tag" of every row that has one, sorted. */
export function tagsOf(rows: Json[]): string[] {
  return rows.filter((r) => r.Repository !== '<none>').map((r) => `${r.Repository}:${r.Tag}`).sort();
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** OCI chain IDs: chain[0] = diff[0], chain[n] = sha256(chain[n-1] + " " + diff[n]). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256(`${out.at(-1)!} ${d}`));
  return out;
}

/** Parses a go-units decimal size ("1.98MB") back to bytes. */
export function parseHumanSize(text: string): number {
  const m = /^([\d.]+)(B|kB|MB|GB)$/.exec(text);
  assert.ok(m, `not a size: ${text}`);
  return Number(m[1]) * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as 'B'];
}

export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Names of the files in the store's blobs/sha256 directory, sorted. */
export async function blobNames(root: string): Promise<string[]> {
  try {
    return (await readdir(join(root, 'v1', 'blobs', 'sha256'))).sort();
  } catch {
    return [];
  }
}

export async function ingestEntries(root: string): Promise<string[]> {
  try {
    return await readdir(join(root, 'v1', 'ingest'));
  } catch {
    return [];
  }
}

/** Runs a command and asserts exit 0. */
export async function sh(command: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  const r = await run(command, args, options);
  assert.equal(r.code, 0, `${command} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** Lists the member names of a (plain) tar with GNU tar. */
export async function tarMembers(path: string): Promise<string[]> {
  return (await sh('tar', ['-tf', path])).stdout.split('\n').filter((l) => l !== '');
}

/** Reads one member of a (plain) tar with GNU tar. */
export async function tarMember(path: string, member: string): Promise<Buffer> {
  return (await sh('tar', ['-xOf', path, member])).stdoutBytes;
}

/** Single-quotes a word for sh -c / script -c. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** peer-vis:latest (= v3) as docker saved it: its config, and its layer tars in order. */
export interface PeerVisParts {
  dir: string;
  configBytes: Buffer;
  config: Json;
  layers: string[];
}

export async function extractPeerVis(work: string): Promise<PeerVisParts> {
  const dir = join(work, 'peer-vis-src');
  await mkdir(dir, { recursive: true });
  await sh('tar', ['-xf', fixture('docker-save-3layer.tar'), '-C', dir]);
  const [entry] = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Array<{ Config: string; Layers: string[] }>;
  const configBytes = await readFile(join(dir, entry!.Config));
  return { dir, configBytes, config: JSON.parse(configBytes.toString('utf8')), layers: entry!.Layers.map((l) => join(dir, l)) };
}

export interface CraftedImage {
  /** Config bytes (its sha256 is the image ID) or an object serialised with JSON.stringify. */
  config: Buffer | Json;
  /** Paths of uncompressed layer tars, base first. */
  layers: string[];
  tags: string[];
  /** Declared parent image ID (manifest.json "Parent"). */
  parent?: string;
}

/**
 * Writes a Docker-style archive (manifest.json + <id>.json + layer tars, no `repositories`)
 * with GNU tar, and returns the image IDs in order.
 */
export async function craftDockerArchive(work: string, out: string, images: readonly CraftedImage[]): Promise<string[]> {
  const stage = join(work, `stage-${Math.random().toString(16).slice(2)}`);
  await mkdir(stage, { recursive: true });
  const members: string[] = [];
  const layerNames = new Map<string, string>();
  const manifest: Json[] = [];
  const ids: string[] = [];
  for (const image of images) {
    const bytes = Buffer.isBuffer(image.config) ? image.config : Buffer.from(JSON.stringify(image.config));
    const id = sha256(bytes);
    ids.push(id);
    const configName = `${id.slice(7)}.json`;
    await writeFile(join(stage, configName), bytes);
    members.push(configName);
    const layers: string[] = [];
    for (const path of image.layers) {
      let name = layerNames.get(path);
      if (name === undefined) {
        name = `layer-${layerNames.size}.tar`;
        layerNames.set(path, name);
        await copyFile(path, join(stage, name));
        members.push(name);
      }
      layers.push(name);
    }
    const item: Json = { Config: configName, RepoTags: image.tags.length === 0 ? null : image.tags, Layers: layers };
    if (image.parent !== undefined) item.Parent = image.parent;
    manifest.push(item);
  }
  await writeFile(join(stage, 'manifest.json'), JSON.stringify(manifest));
  members.push('manifest.json');
  await sh('tar', ['--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '-C', stage, '-cf', out, ...members]);
  return ids;
}

/** A one-file layer tar made with GNU tar (deterministic: owner 0, mtime 0). */
export async function makeLayer(work: string, name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work, `${name}-content`);
  await mkdir(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) await writeFile(join(dir, path), content);
  const out = join(work, `${name}.tar`);
  await sh('tar', ['--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '--sort=name', '--format=ustar', '-C', dir, '-cf', out, ...Object.keys(files)]);
  return out;
}

/** peer-vis:latest plus one layer with the given files: a new image ID and a new top layer. */
export async function derivedImage(work: string, parts: PeerVisParts, files: Record<string, string>, comment: string): Promise<CraftedImage & { diffIds: string[] }> {
  const layer = await makeLayer(work, `extra-${Math.random().toString(16).slice(2)}`, files);
  const diffIds = [...(parts.config.rootfs.diff_ids as string[]), await sha256File(layer)];
  const config = {
    ...parts.config,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [...(parts.config.history as Json[]), { created: parts.config.created, created_by: `/bin/sh -c #(nop) ${comment}`, comment }],
  };
  return { config, layers: [...parts.layers, layer], tags: [], diffIds };
}
