/**
 * What a container may ask of the kernel, through the built CLI with runc: Berth's default
 * seccomp filter (on by default, as in Docker, and for exec'd processes too), turning it off,
 * a profile of the user's own, no-new-privileges, capabilities added and dropped, resource
 * limits, how inspect reports them, and refused options.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE } from '../support/busybox-image.js';
import { containerTestSuite, type ContainerStore } from '../support/container-store.js';
import type { Json } from '../support/images.js';

const { withStore } = containerTestSuite('berth-security-');

/** The Seccomp and NoNewPrivs lines of the container process's /proc/self/status. */
function statusField(status: string, field: string): string | undefined {
  return new RegExp(`^${field}:\\s*(\\S+)`, 'm').exec(status)?.[1];
}

async function inspect(s: ContainerStore, name: string): Promise<Json> {
  return (JSON.parse((await s.ok(['container', 'inspect', name])).stdout) as Json[])[0]!;
}

describe('container security options', { concurrency: 2 }, () => {
  test('by default a container runs under the seccomp filter: user namespaces and keyctl are refused, ordinary work is not', async (t) => {
    await withStore(t, async (s) => {
      const status = await s.ok(['run', '--name', 'confined', IMAGE, 'cat', '/proc/self/status']);
      assert.equal(statusField(status.stdout, 'Seccomp'), '2', 'filter mode');
      assert.equal(statusField(status.stdout, 'NoNewPrivs'), '0');
      const userns = await s.berth(['run', IMAGE, 'unshare', '-U', 'true']);
      assert.notEqual(userns.code, 0, 'unshare -U must fail');
      assert.match(userns.stderr, /Operation not permitted/);
      const work = await s.ok(['run', IMAGE, 'sh', '-c', 'mkdir /tmp/d && echo x > /tmp/d/f && cat /tmp/d/f && (sleep 0 & wait) && echo ok']);
      assert.equal(work.stdout, 'x\nok\n');
      assert.equal((await inspect(s, 'confined')).HostConfig.SecurityOpt, null, 'no --security-opt given');
    });
  });

  test('exec\'d processes run under the container\'s filter', async (t) => {
    await withStore(t, async (s) => {
      await s.ok(['run', '-d', '--name', 'bg', IMAGE, 'sleep', '60']);
      try {
        const status = await s.ok(['exec', 'bg', 'cat', '/proc/self/status']);
        assert.equal(statusField(status.stdout, 'Seccomp'), '2');
        const userns = await s.berth(['exec', 'bg', 'unshare', '-U', 'true']);
        assert.notEqual(userns.code, 0);
      } finally {
        await s.ok(['rm', '-f', 'bg']);
      }
    });
  });

  test('--security-opt seccomp=unconfined runs without a filter; no-new-privileges sets the flag; inspect shows both', async (t) => {
    await withStore(t, async (s) => {
      const status = await s.ok(['run', '--name', 'free', '--security-opt', 'seccomp=unconfined', '--security-opt', 'no-new-privileges', IMAGE, 'cat', '/proc/self/status']);
      assert.equal(statusField(status.stdout, 'Seccomp'), '0');
      assert.equal(statusField(status.stdout, 'NoNewPrivs'), '1');
      assert.deepEqual((await inspect(s, 'free')).HostConfig.SecurityOpt, ['seccomp=unconfined', 'no-new-privileges']);
    });
  });

  test('--security-opt seccomp=PROFILE.json applies the user\'s own profile', async (t) => {
    await withStore(t, async (s) => {
      const profile = join(s.work, 'no-mkdir.json');
      await writeFile(profile, JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
      }));
      const r = await s.berth(['run', '--security-opt', `seccomp=${profile}`, IMAGE, 'sh', '-c', 'mkdir /tmp/nope; echo "mkdir=$?"; unshare -U true && echo userns-allowed-by-this-profile']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^mkdir=1$/m);
      assert.match(r.stderr, /Operation not permitted/);
    });
  });

  test('unknown, unsupported and unreadable options are refused with exit 125 and nothing created', async (t) => {
    await withStore(t, async (s) => {
      const cases: Array<[string, string]> = [
        ['seccomp=/nonexistent/profile.json', 'SECURITY_OPT_INVALID'],
        ['apparmor=unconfined', 'SECURITY_OPT_UNSUPPORTED'],
        ['no-new-privileges=maybe', 'SECURITY_OPT_INVALID'],
        ['whatever', 'SECURITY_OPT_INVALID'],
      ];
      for (const [option, code] of cases) {
        const r = await s.berth(['run', '--security-opt', option, IMAGE, 'true']);
        assert.equal(r.code, 125, option);
        assert.match(r.stderr, new RegExp(`\\[${code}\\]`), option);
      }
      assert.equal((await s.ok(['ps', '-aq'])).stdout, '', 'no container was created');
    });
  });

  test('a container killed by its memory limit: exit 137 and State.OOMKilled true, as Docker says; false for one that was not, and again after a start', async (t) => {
    await withStore(t, async (s) => {
      const shared = join(s.work, 'shared');
      await mkdir(shared);
      // Its first run eats memory; the next one only exits.
      const script = '[ -e /shared/ran ] && exit 0; touch /shared/ran; x=$(head -c 50000000 /dev/zero | tr "\\0" a); echo survived';
      const hog = await s.berth(['run', '--name', 'hog', '-m', '8m', '-v', `${shared}:/shared`, IMAGE, 'sh', '-c', script]);
      assert.equal(hog.code, 137, hog.stdout + hog.stderr);
      assert.equal((await s.ok(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'hog'])).stdout, 'true 137\n');
      await s.ok(['run', '--name', 'calm', '-m', '8m', IMAGE, 'true']);
      assert.equal((await s.ok(['inspect', '-f', '{{.State.OOMKilled}}', 'calm'])).stdout, 'false\n');
      // A new start clears it, as Docker's does.
      await s.ok(['start', '-a', 'hog']);
      assert.equal((await s.ok(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'hog'])).stdout, 'false 0\n');
      // conmon writes its mark in the container's directory, never in the caller's working directory.
      assert.equal(existsSync(join(process.cwd(), 'oom')), false);
    });
  });

  test('--cap-add/--cap-drop and -m/--cpus/--pids-limit: the process, the cgroups, inspect, and refusals (125)', async (t) => {
    await withStore(t, async (s) => {
      const flags = ['--cap-add', 'net_admin', '--cap-drop', 'CAP_CHOWN', '-m', '64m', '--cpus', '0.5', '--pids-limit', '40'];
      const r = await s.ok(['run', '--name', 'limited', ...flags, IMAGE, 'sh', '-c', 'cat /proc/self/status; cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes memory.max cpu/cpu.cfs_quota_us cpu.max pids/pids.max pids.max 2>/dev/null; true']);
      // CAP_NET_ADMIN is bit 12, CAP_CHOWN bit 0: Docker's default set a80425fb becomes a80435fa.
      assert.equal(statusField(r.stdout, 'CapEff'), '00000000a80435fa');
      assert.equal(statusField(r.stdout, 'CapBnd'), '00000000a80435fa');
      assert.match(r.stdout, /^67108864$/m, 'the memory limit');
      assert.match(r.stdout, /^(50000|50000 100000)$/m, 'half a CPU: 50 ms per 100 ms');
      assert.match(r.stdout, /^40$/m, 'the pids limit');
      const host = (await inspect(s, 'limited')).HostConfig;
      assert.deepEqual([host.CapAdd, host.CapDrop, host.Memory, host.NanoCpus, host.PidsLimit], [['CAP_NET_ADMIN'], ['CAP_CHOWN'], 67108864, 500000000, 40]);
      const plain = (await inspect(s, (await s.ok(['create', IMAGE, 'true'])).stdout.trim())).HostConfig;
      assert.deepEqual([plain.CapAdd, plain.CapDrop, plain.Memory, plain.NanoCpus, plain.PidsLimit], [null, null, 0, 0, null]);
      // exec'd processes get the container's set; only what --cap-add names is added.
      await s.ok(['run', '-d', '--name', 'bare', '--cap-drop', 'ALL', '--cap-add', 'kill', IMAGE, 'sleep', '1000']);
      assert.equal(statusField((await s.ok(['exec', 'bare', 'cat', '/proc/self/status'])).stdout, 'CapEff'), '0000000000000020');
      await s.ok(['rm', '-f', 'bare']);
      // --cap-add SYS_ADMIN lets mount through the filter, as Docker's profile does.
      const mount = ['sh', '-c', 'mkdir -p /mnt/t && mount -t tmpfs none /mnt/t && echo mounted'];
      assert.equal((await s.ok(['run', '--rm', '--cap-add', 'SYS_ADMIN', IMAGE, ...mount])).stdout, 'mounted\n');
      assert.notEqual((await s.berth(['run', '--rm', IMAGE, ...mount])).code, 0);
      const before = (await s.ok(['ps', '-aq'])).stdout;
      const refused: Array<[string[], string, RegExp]> = [
        [['--cap-add', 'FOO'], 'CAPABILITY_UNKNOWN', /invalid CapAdd: unknown capability: "CAP_FOO"/],
        [['--cap-drop', 'bogus'], 'CAPABILITY_UNKNOWN', /invalid CapDrop/],
        [['-m', '4m'], 'MEMORY_TOO_LOW', /Minimum memory limit allowed is 6MB/],
        [['-m', '12x'], 'MEMORY_INVALID', /"-m, --memory"/],
        [['--cpus', '1000'], 'CPUS_INVALID', /Range of CPUs is from 0.01 to/],
        [['--pids-limit', 'many'], 'PIDS_LIMIT_INVALID', /--pids-limit/],
      ];
      for (const [extra, code, message] of refused) {
        const bad = await s.berth(['run', ...extra, IMAGE, 'true']);
        assert.equal(bad.code, 125, extra.join(' '));
        assert.ok(bad.stderr.includes(`[${code}]`), bad.stderr);
        assert.match(bad.stderr, message);
      }
      assert.equal((await s.ok(['ps', '-aq'])).stdout, before, 'nothing was created');
    });
  });
});
