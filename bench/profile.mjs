#!/usr/bin/env node
// Profiling helpers behind the findings in bench/results.md: each experiment isolates one cost
// of berth's load/save/start-up paths using the compiled modules in dist/ (run `npm run build`).
// Every line reports wall ms, CPU ms (user/sys, whole process incl. the libuv pool) and minor
// page faults; run each a few times, the machine is shared.
//
//   node bench/profile.mjs read FILE                 fresh 1 MiB chunks (createReadStream) vs a reused ring of buffers
//   node bench/profile.mjs load-stages FILE          berth's ingest path stage by stage, with both readers
//   node bench/profile.mjs save-sim STORE IMAGE OUT  what save does per blob (read, sha256, write, fsync), with both readers
//   node bench/profile.mjs scan FILE                 outer tar parse alone vs + LayerScanner on every member
//   node bench/profile.mjs startup STORE [N]         phases of `berth images` (module loading, SQLite, query, formatting)
//   node bench/profile.mjs cpuprof FILE.cpuprofile [N]  self time by function and by file of a node --cpu-prof output
import { createReadStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(REPO, 'dist', 'src');
const CHUNK = 1 << 20;

function meter() {
  const c0 = process.cpuUsage();
  const r0 = process.resourceUsage();
  const t0 = performance.now();
  return (label) => {
    const c = process.cpuUsage(c0);
    const faults = process.resourceUsage().minorPageFault - r0.minorPageFault;
    console.log(`${label.padEnd(34)} wall ${(performance.now() - t0).toFixed(0).padStart(5)} ms  cpu user ${(c.user / 1000).toFixed(0).padStart(4)} sys ${(c.system / 1000).toFixed(0).padStart(4)} ms  minor faults ${String(faults).padStart(6)}`);
  };
}

/** What berth does today: createReadStream, a new 1 MiB Buffer for every chunk. */
function freshChunks(path) {
  return createReadStream(path, { highWaterMark: CHUNK });
}

/** The alternative: a ring of preallocated buffers, reused once the consumer is done with them. */
async function* ringChunks(path, slots = 8) {
  const fh = await open(path, 'r');
  const bufs = Array.from({ length: slots }, () => Buffer.allocUnsafeSlow(CHUNK));
  try {
    for (let i = 0; ; i++) {
      const b = bufs[i % slots];
      const { bytesRead } = await fh.read(b, 0, CHUNK, null);
      if (bytesRead === 0) return;
      yield b.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
const READERS = { fresh: freshChunks, ring: ringChunks };

async function read(file) {
  for (const [name, reader] of Object.entries(READERS)) {
    const done = meter();
    let n = 0;
    for await (const c of reader(file)) n += c.length;
    done(`read ${(n / 1e6).toFixed(0)} MB, ${name}`);
  }
  for (const [name, reader] of Object.entries(READERS)) {
    const done = meter();
    const h = createHash('sha256');
    for await (const c of reader(file)) h.update(c);
    h.digest();
    done(`read + sha256, ${name}`);
  }
}

async function loadStages(file) {
  const { TarParser } = await import(`${DIST}/archive/tar/tar-parser.js`);
  const { LayerScanner } = await import(`${DIST}/archive/tar/layer-scanner.js`);
  const { DigestingFileWriter } = await import(`${DIST}/digest/file-writer.js`);
  const dir = join(REPO, '.bench', 'prof-ingest');
  const stages = ['parse', 'parse+sha256', 'parse+sha256+scan', 'parse+write(sha256)+scan', 'parse+write(sha256)+scan+fsync'];
  for (const readerName of Object.keys(READERS)) {
    for (const stage of stages) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      spawnSync('sync');
      const done = meter();
      const durables = [];
      const parser = new TarParser({
        entry: () => {
          if (stage === 'parse') return undefined;
          const scanner = stage.includes('scan') ? new LayerScanner() : undefined;
          const hash = stage.includes('write') ? undefined : createHash('sha256');
          let writer;
          const opening = stage.includes('write') ? DigestingFileWriter.create(dir).then((w) => (writer = w)) : undefined;
          return {
            async write(c) {
              if (opening) { await opening; await writer.write(c); } else hash.update(c);
              if (scanner) await scanner.write(c);
            },
            async end() {
              if (opening) {
                await opening;
                const f = await writer.finish();
                if (stage.includes('fsync')) durables.push(f.durable); else f.durable.catch(() => undefined);
              } else hash.digest();
              if (scanner) await scanner.finish();
            },
          };
        },
      }, { maxMetaBytes: 1 << 20 });
      for await (const c of READERS[readerName](file)) await parser.write(c);
      await parser.end();
      await Promise.all(durables);
      done(`${stage}, ${readerName}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

async function saveSim(store, image, out) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(store, 'v1', 'metadata.db'), { readonly: true });
  const id = db.prepare('SELECT image_id FROM tags WHERE name = ? OR name = ?').pluck().get(image, `docker.io/library/${image}`) ?? image;
  const blobs = [id, ...db.prepare('SELECT diff_id FROM image_layers WHERE image_id = ? ORDER BY position').pluck().all(id)]
    .map((d) => join(store, 'v1', 'blobs', 'sha256', d.slice(7)));
  db.close();
  for (const readerName of Object.keys(READERS)) {
    rmSync(out, { force: true });
    spawnSync('sync');
    const done = meter();
    const o = await open(out, 'w');
    let pos = 0;
    const inFlight = [];
    for (const blob of blobs) {
      const h = createHash('sha256');
      for await (const c of READERS[readerName](blob)) {
        h.update(c);
        inFlight.push(o.write(c, 0, c.length, pos));
        pos += c.length;
        if (inFlight.length >= 4) await inFlight.shift(); // ring has 8 slots: a slot is never rewritten while queued
      }
      h.digest();
    }
    await Promise.all(inFlight);
    done(`read+sha256+write ${(pos / 1e6).toFixed(0)} MB, ${readerName}`);
    const f = meter();
    await o.sync();
    await o.close();
    f(`  fsync of the output`);
  }
  rmSync(out, { force: true });
}

async function scan(file) {
  const { TarParser } = await import(`${DIST}/archive/tar/tar-parser.js`);
  const { LayerScanner } = await import(`${DIST}/archive/tar/layer-scanner.js`);
  for (const withScanner of [false, true]) {
    let entries = 0;
    const done = meter();
    const parser = new TarParser({
      entry: () => {
        if (!withScanner) return undefined;
        const s = new LayerScanner();
        return { write: (c) => s.write(c), end: async () => { entries += (await s.finish())?.entries ?? 0; } };
      },
    }, { maxMetaBytes: 1 << 20 });
    for await (const c of ringChunks(file)) await parser.write(c);
    await parser.end();
    done(withScanner ? `outer parse + LayerScanner (${entries} layer entries)` : `outer parse only (${parser.entries} members)`);
  }
}

function startup(store, n = 30) {
  const runs = [];
  for (let i = 0; i < n; i++) {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS; // see bench/run.sh
    const r = spawnSync(process.execPath, [join(REPO, 'bench', 'profile-startup-child.mjs'), store], { encoding: 'utf8', env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(r.stderr);
    runs.push(JSON.parse(r.stderr.trim().split('\n').pop()));
  }
  const median = (v) => v.sort((a, b) => a - b)[v.length >> 1];
  let total = 0;
  runs[0].forEach(([name], i) => {
    const m = median(runs.map((r) => r[i][1]));
    total += m;
    console.log(`${m.toFixed(1).padStart(7)} ms  ${name}`);
  });
  console.log(`${total.toFixed(1).padStart(7)} ms  sum of medians (${n} runs)`);
}

function cpuprof(file, top = 25) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const byFn = new Map();
  const byFile = new Map();
  for (const [id, t] of self) {
    const cf = byId.get(id).callFrame;
    const url = cf.url.replace(`file://${REPO}/`, '');
    const fn = `${cf.functionName || '(anonymous)'} ${url || '(native)'}${url ? `:${cf.lineNumber + 1}` : ''}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + t);
    const f = url === '' ? cf.functionName : url.startsWith('node:') ? 'node: internals' : url;
    byFile.set(f, (byFile.get(f) ?? 0) + t);
  }
  const ms = (us) => (us / 1000).toFixed(1).padStart(8);
  console.log(`profile ${ms(p.endTime - p.startTime)} ms`);
  console.log('self time by function:');
  for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(ms(t), k);
  console.log('self time by file:');
  for (const [k, t] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(ms(t), k);
}

const [cmd, ...args] = process.argv.slice(2);
switch (cmd) {
  case 'read': await read(args[0]); break;
  case 'load-stages': await loadStages(args[0]); break;
  case 'save-sim': await saveSim(args[0], args[1], args[2]); break;
  case 'scan': await scan(args[0]); break;
  case 'startup': startup(args[0], Number(args[1] ?? 30)); break;
  case 'cpuprof': cpuprof(args[0], Number(args[1] ?? 25)); break;
  default:
    console.error(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
    process.exit(2);
}
