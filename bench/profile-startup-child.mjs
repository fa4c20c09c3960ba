// Child of `node bench/profile.mjs startup STORE`: one `berth images` worth of work, phase by
// phase, with nothing imported before the first mark (so the first phase is node's own start-up).
// Prints JSON [[phase, ms], ...] on stderr.
async function startupChild(root) {
  const DIST = new URL('../dist/src', import.meta.url).pathname;
  const marks = [['node bootstrap (process start -> user code)', performance.now()]];
  const mark = (name) => marks.push([name, performance.now()]);
  await import(`${DIST}/cli/argv.js`);
  await import(`${DIST}/internal/limits.js`);
  await import(`${DIST}/cli/report-error.js`);
  mark('import CLI core (main.js imports)');
  await import('node:crypto');
  mark('import node:crypto (store.js, digest.js, read-blob.js)');
  const { Store } = await import(`${DIST}/store/store.js`);
  const { listImages } = await import(`${DIST}/engine/list-images.js`);
  const { tabwrite } = await import(`${DIST}/cli/format/tabwriter.js`);
  const { humanSize, timeAgo } = await import(`${DIST}/cli/format/units.js`);
  await import(`${DIST}/cli/commands/images.js`);
  mark('import images command modules (ESM graph)');
  const { createRequire } = await import('node:module');
  createRequire(`${DIST}/store/metadata/database.js`)('better-sqlite3');
  mark('require better-sqlite3 JS (13 CJS files)');
  const store = Store.open(root);
  mark('Store.open (dlopen addon, open, WAL + pragmas, schema, trash)');
  const rows = listImages(store, { all: false });
  mark(`listImages query -> ${rows.length} rows`);
  const now = Date.now();
  const cells = rows.map((r) => [r.repository ?? '<none>', r.tag ?? '<none>', r.image.id.slice(7, 19), timeAgo(r.image.createdMs, now)]);
  mark('row cells except SIZE');
  for (let i = 0; i < rows.length; i++) cells[i].push(humanSize(rows[i].image.size));
  mark('humanSize() per row');
  const text = tabwrite(`${['REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE', ...cells.map((c) => c.join('\t'))].join('\n')}\n`);
  mark('tabwrite');
  await new Promise((resolve) => process.stdout.write(text, resolve));
  mark('write stdout');
  store.close();
  mark('close database');
  const out = marks.map(([name, t], i) => [name, t - (i === 0 ? 0 : marks[i - 1][1])]);
  process.stderr.write(`${JSON.stringify(out)}\n`);
}

await startupChild(process.argv[2]);
