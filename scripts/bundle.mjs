// Bundles the CLI into one CommonJS file, dist/berth.cjs. One file and the CommonJS loader start
// faster than ~60 ES modules (measured: `berth images` spends most of its time starting up).
// The SQLite addon (.node) stays in node_modules; everything else, better-sqlite3's JS included,
// is inlined. Commands stay lazily evaluated: their modules run only when the command is used.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/berth.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'import.meta.url': '__berthModuleUrl' },
  banner: { js: "const __berthModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// Warm the code cache with the start-up-critical path (`images`), in a throw-away store.
const { mkdtempSync, rmSync, unlinkSync } = await import('node:fs');
const { execFileSync } = await import('node:child_process');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const root = mkdtempSync(join(tmpdir(), 'berth-cache-'));
try {
  try {
    unlinkSync('dist/berth.cjs.cache');
  } catch {
    // none yet
  }
  execFileSync('bin/berth', ['--root', root, 'images'], { env: { ...process.env, BERTH_WRITE_CODE_CACHE: '1' }, stdio: 'ignore' });
} finally {
  rmSync(root, { recursive: true, force: true });
}
