/**
 * Verbs that take several containers work on them at once, as Docker's CLI does, and print
 * in the order the containers were named. The proof needs no clock: each container, on the
 * stop signal, waits until every other one got it too, and only then exits 0. Stopped one
 * after the other, the first would wait for the others until its timeout and die by SIGKILL.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { containerTestSuite } from '../support/container-store.js';
import { IMAGE } from '../support/busybox-image.js';

const { withStore } = containerTestSuite('berth-multi-');
const COUNT = 5;

/** A container that, on SIGTERM, marks it in /shared and waits for COUNT marks before it exits 0. */
function barrierScript(name: string): string {
  return `trap 'touch /shared/${name}; while [ $(ls /shared | wc -l) -lt ${COUNT} ]; do sleep 0.1; done; exit 0' TERM; while :; do sleep 0.1; done`;
}

describe('verbs on several containers at once', () => {
  test(`stop of ${COUNT} containers signals them all at once and prints their names in order`, (t) => withStore(t, async (s) => {
    const shared = join(s.work, 'shared');
    await mkdir(shared);
    const names = Array.from({ length: COUNT }, (_, i) => `m${i}`);
    for (const n of names) await s.ok(['run', '-d', '--name', n, '-v', `${shared}:/shared`, IMAGE, 'sh', '-c', barrierScript(n)]);
    // Named out of creation order: the output follows the arguments.
    const order = [...names].reverse();
    const stop = await s.ok(['stop', '-t', '60', ...order]);
    assert.equal(stop.stdout, order.map((n) => `${n}\n`).join(''));
    for (const n of names) {
      assert.equal((await s.ok(['inspect', '-f', '{{.State.ExitCode}}', n])).stdout.trim(), '0', `${n} exited by itself after seeing every other stop signal`);
    }
  }));

  test('restart, kill, rm -f: every container named, output in order, a missing one reported in its place with exit 1', (t) => withStore(t, async (s) => {
    const names = ['r0', 'r1', 'r2'];
    for (const n of names) await s.ok(['run', '-d', '--name', n, IMAGE, 'sleep', '1000']);
    const restart = await s.ok(['restart', '-t', '0', ...names]);
    assert.equal(restart.stdout, 'r0\nr1\nr2\n');
    for (const n of names) assert.equal((await s.ok(['inspect', '-f', '{{.State.Running}}', n])).stdout.trim(), 'true');
    const kill = await s.berth(['kill', 'r2', 'nosuch', 'r0']);
    assert.equal(kill.code, 1);
    assert.equal(kill.stdout, 'r2\nr0\n');
    assert.match(kill.stderr, /No such container: nosuch/);
    const rm = await s.ok(['rm', '-f', ...names]);
    assert.equal(rm.stdout, 'r0\nr1\nr2\n');
    assert.equal((await s.ok(['ps', '-aq'])).stdout, '');
  }));
});
