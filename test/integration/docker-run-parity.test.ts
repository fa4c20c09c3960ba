/**
 * The same image run by Berth and by docker gives the container the same identity and the
 * same limits: `id` for each form of -u (the primary group among the groups, as Docker has
 * it), the environment in Docker's order, the capability sets (also with --cap-add and
 * --cap-drop), the seccomp mode, a user namespace refused by both filters, and the cgroup
 * limits of -m, --cpus and --pids-limit. The busybox image goes to docker through `berth save`,
 * under a unique name that is removed afterwards.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run, type RunResult } from '../support/cli.js';
import { dockerAvailable, IS_ROOT, requireOrSkip } from '../support/env.js';
import { IMAGE } from '../support/busybox-image.js';
import { containerTestSuite, type ContainerStore } from '../support/container-store.js';

const HAVE_DOCKER = IS_ROOT && dockerAvailable();
const { withStore } = containerTestSuite('berth-run-parity-');
const TAG = `berth-run-parity-${process.pid}:1`;

async function docker(args: readonly string[]): Promise<RunResult> {
  return run('docker', args);
}

/** Tags the busybox image TAG in this store, and loads it into docker from there once per file. */
let loaded = false;
async function ensureInDocker(s: ContainerStore): Promise<void> {
  await s.ok(['tag', IMAGE, TAG]); // every test has a store of its own
  if (loaded) return;
  const archive = join(s.work, 'parity.tar');
  await s.ok(['save', '-o', archive, TAG]);
  const r = await docker(['load', '-i', archive]);
  assert.equal(r.code, 0, r.stderr);
  loaded = true;
}

after(async () => {
  if (loaded) await docker(['rmi', '-f', TAG]);
});

/** Runs the same command in both; returns [berth, docker] results. */
async function both(s: ContainerStore, flags: readonly string[], command: readonly string[]): Promise<RunResult[]> {
  await ensureInDocker(s);
  const mine = await s.berth(['run', '--rm', ...flags, TAG, ...command]);
  const theirs = await docker(['run', '--rm', '--network', 'none', ...flags, TAG, ...command]);
  return [mine, theirs];
}

describe('run: what the container is, as in docker', { concurrency: 1 }, () => {
  test('id for every form of -u', async (t) => {
    if (!requireOrSkip(t, HAVE_DOCKER, 'needs root and a docker daemon')) return;
    await withStore(t, async (s) => {
      for (const user of [undefined, 'user', '1000', '1000:0', 'user:staff', 'nobody:staff', '4242', 'user:4242', '0']) {
        const flags = user === undefined ? [] : ['-u', user];
        const [mine, theirs] = await both(s, flags, ['id']);
        assert.equal(theirs!.code, 0, theirs!.stderr);
        assert.equal(mine!.stdout, theirs!.stdout, `-u ${user ?? '(none)'}`);
      }
    });
  });

  test('the environment, in Docker\'s order (HOSTNAME aside)', async (t) => {
    if (!requireOrSkip(t, HAVE_DOCKER, 'needs root and a docker daemon')) return;
    await withStore(t, async (s) => {
      for (const flags of [['-e', 'ZED=1', '-e', 'ABC=2'], ['-e', 'PATH=/usr/bin:/bin', '-e', 'NEW=x'], ['-t'], ['-u', 'user', '-e', 'HOME=/elsewhere']]) {
        const [mine, theirs] = await both(s, flags, ['env']);
        const normal = (text: string): string => text.replace(/\r/g, '').replace(/^HOSTNAME=.*$/m, 'HOSTNAME=<id>');
        const sorted = (text: string): string[] => normal(text).split('\n').sort();
        assert.deepEqual(sorted(mine!.stdout), sorted(theirs!.stdout), `${flags.join(' ')}: the same variables`);
        // docker's own order of -e variables varies from run to run (ABC before ZED in 4 of 30
        // runs of docker 20.10 here): Berth's order must be one docker gives, usually its first.
        const seen = [normal(theirs!.stdout)];
        while (!seen.includes(normal(mine!.stdout)) && seen.length < 5) {
          seen.push(normal((await docker(['run', '--rm', '--network', 'none', ...flags, TAG, 'env'])).stdout));
        }
        assert.ok(seen.includes(normal(mine!.stdout)), `${flags.join(' ')}: Berth's order is docker's\nberth:\n${normal(mine!.stdout)}\ndocker gave:\n${seen.join('\n')}`);
      }
    });
  });

  test('capabilities, seccomp and no-new-privileges, and a refused user namespace', async (t) => {
    if (!requireOrSkip(t, HAVE_DOCKER, 'needs root and a docker daemon')) return;
    await withStore(t, async (s) => {
      const fields = (status: string): string => status.split('\n').filter((l) => /^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):/.test(l)).join('\n');
      const [mine, theirs] = await both(s, [], ['cat', '/proc/self/status']);
      assert.match(fields(theirs!.stdout), /Seccomp:\s+2/);
      assert.equal(fields(mine!.stdout), fields(theirs!.stdout));
      const [mineNnp, theirsNnp] = await both(s, ['--security-opt', 'no-new-privileges'], ['cat', '/proc/self/status']);
      assert.equal(fields(mineNnp!.stdout), fields(theirsNnp!.stdout));
      const [mineUserns, theirsUserns] = await both(s, [], ['unshare', '-U', 'true']);
      assert.notEqual(theirsUserns!.code, 0, 'docker refuses it');
      assert.notEqual(mineUserns!.code, 0, 'berth refuses it');
    });
  });

  test('--cap-add and --cap-drop, and -m, --cpus, --pids-limit in the cgroups', async (t) => {
    if (!requireOrSkip(t, HAVE_DOCKER, 'needs root and a docker daemon')) return;
    await withStore(t, async (s) => {
      const fields = (status: string): string => status.split('\n').filter((l) => /^Cap(Inh|Prm|Eff|Bnd|Amb):/.test(l)).join('\n');
      for (const flags of [['--cap-add', 'net_admin', '--cap-drop', 'CAP_CHOWN'], ['--cap-drop', 'ALL', '--cap-add', 'chown'], ['--cap-add', 'SYS_TIME']]) {
        const [mine, theirs] = await both(s, flags, ['cat', '/proc/self/status']);
        assert.equal(theirs!.code, 0, theirs!.stderr);
        assert.equal(fields(mine!.stdout), fields(theirs!.stdout), flags.join(' '));
      }
      // With CAP_SYS_ADMIN both filters let mount through; without it both refuse.
      const mountTmpfs = ['sh', '-c', 'mkdir -p /mnt/t && mount -t tmpfs none /mnt/t && echo mounted'];
      const [mineAdmin, theirsAdmin] = await both(s, ['--cap-add', 'SYS_ADMIN'], mountTmpfs);
      assert.equal(theirsAdmin!.stdout, 'mounted\n', theirsAdmin!.stderr);
      assert.equal(mineAdmin!.stdout, 'mounted\n', mineAdmin!.stderr);
      const [mineNoAdmin, theirsNoAdmin] = await both(s, [], mountTmpfs);
      assert.notEqual(theirsNoAdmin!.code, 0);
      assert.notEqual(mineNoAdmin!.code, 0);
      // cgroup v1 or v2 file names, whichever the host has.
      const limits = ['sh', '-c', 'cd /sys/fs/cgroup; for f in memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes memory.max memory.swap.max cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpu.max pids/pids.max pids.max; do [ -f $f ] && echo "$f $(cat $f)"; done; true'];
      const [mineLimits, theirsLimits] = await both(s, ['-m', '64m', '--cpus', '1.5', '--pids-limit', '50'], limits);
      assert.equal(theirsLimits!.code, 0, theirsLimits!.stderr);
      assert.match(theirsLimits!.stdout, /67108864/);
      assert.equal(mineLimits!.stdout, theirsLimits!.stdout);
    });
  });
});
