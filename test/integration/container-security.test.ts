/**
 * What a container may ask of the kernel, through the built CLI with runc: Berth's default
 * seccomp filter (on by default, as in Docker, and for exec'd processes too), turning it off,
 * a profile of the user's own, no-new-privileges, how inspect reports them, and refused options.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
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
});
