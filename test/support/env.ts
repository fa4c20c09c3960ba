/**
 * Where tests find things, and the skip rule: a test that needs docker, skopeo or root may
 * skip locally with its reason, but under CI=true a missing prerequisite is a failure.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

/** Repository root (tests run from dist/test/..., the sources live two levels up from dist). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const BERTH_BIN = join(REPO, 'bin', 'berth');

export const IN_CI = process.env.CI === 'true';

function originDir(): string | undefined {
  try {
    const url = execFileSync('git', ['-C', REPO, 'remote', 'get-url', 'origin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return url.startsWith('/') ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The shared fixtures (../shared/fixtures from the repo root, or from the repo this one was cloned from). */
export const FIXTURES: string = (() => {
  const candidates = [process.env.BERTH_FIXTURES, join(REPO, '..', 'shared', 'fixtures')];
  const origin = originDir();
  if (origin !== undefined) candidates.push(join(origin, '..', 'shared', 'fixtures'));
  for (const c of candidates) if (c !== undefined && existsSync(join(c, 'expected.json'))) return c;
  return join(REPO, '..', 'shared', 'fixtures');
})();

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function expectedFacts(): any {
  return JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));
}

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function dockerAvailable(): boolean {
  if (!hasCommand('docker')) return false;
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

export const IS_ROOT = process.getuid?.() === 0;

/**
 * Skips the test when `ok` is false, giving `reason`; under CI=true fails instead, because CI
 * provides every prerequisite and a skip there would hide a broken set-up.
 */
export function requireOrSkip(t: TestContext, ok: boolean, reason: string): boolean {
  if (ok) return true;
  if (IN_CI) throw new Error(`prerequisite missing under CI: ${reason}`);
  t.skip(reason);
  return false;
}

/** Every non-test .ts file under `dir`, recursively. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
