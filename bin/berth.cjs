'use strict';
// The loader bin/berth starts (never run it with node directly: see bin/berth for why the
// arguments come after a `--`). Starts the bundled CLI (dist/berth.cjs) through V8's code cache when one matches, which
// spares compiling the bundle on every start (measured: about 10 ms of `berth images`).
// The cache is written by `npm run build` (scripts/bundle.mjs) and is used only if it was made
// for this exact bundle file (size and mtime in its header) and V8 accepts it (same Node, same
// flags); otherwise the bundle is compiled as usual.
// Berth's hot paths are native (hashing, I/O, SQLite): TurboFan only adds compile time and
// memory that grows with the run (measured: +8 MB peak RSS saving a 1 GB image, no speed gain).
if (process.argv[2] !== '--') {
  process.stderr.write('berth: start Berth with bin/berth, not with node: Node itself would read some of its arguments\n');
  process.exit(125);
}
process.argv.splice(2, 1);
require('node:v8').setFlagsFromString('--max-opt=2');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

const file = path.join(__dirname, '..', 'dist', 'berth.cjs');
const cacheFile = `${file}.cache`;
const source = fs.readFileSync(file, 'utf8');
const stat = fs.statSync(file);
const stamp = `berth-code-cache ${stat.size} ${stat.mtimeMs}\n`;
let cachedData;
try {
  const cache = fs.readFileSync(cacheFile);
  if (cache.subarray(0, stamp.length).toString('latin1') === stamp) cachedData = cache.subarray(stamp.length);
} catch {
  // no cache: compile normally
}
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
if (process.env.BERTH_WRITE_CODE_CACHE === '1') {
  process.on('exit', () => fs.writeFileSync(cacheFile, Buffer.concat([Buffer.from(stamp, 'latin1'), script.createCachedData()])));
}
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
