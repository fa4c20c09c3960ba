import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeSpec } from '../runtime/oci-spec.js';
import { RUNTIME_MOUNT_POINTS } from './mount-stubs.js';

test('the stub list covers every mount the runtime spec gives a container, and the files Berth binds', () => {
  for (const network of ['none', 'host'] as const) {
    const spec = runtimeSpec({
      rootfs: '/r', readonlyRootfs: false, args: ['sh'], env: [], cwd: '/', uid: 0, gid: 0, additionalGids: [], terminal: false,
      hostname: 'h', network, cgroupsPath: '/berth/x', seccomp: undefined, noNewPrivileges: false,
      binds: ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'].map((destination) => ({ source: `/src${destination}`, destination, readonly: false })),
    });
    const destinations = (spec.mounts as Array<{ destination: string }>).map((m) => m.destination.slice(1));
    assert.deepEqual(destinations.filter((d) => !RUNTIME_MOUNT_POINTS.includes(d)), [], `network ${network}`);
  }
  assert.ok(!RUNTIME_MOUNT_POINTS.some((p) => p.startsWith('/') || p.endsWith('/')), 'relative paths, as the walks name entries');
});
