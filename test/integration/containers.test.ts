/**
 * Containers end to end, through the built CLI with runc, conmon and overlayfs: run (the
 * seed's check, exit codes, output streams, options), the detached lifecycle (ps, logs, stop,
 * kill, wait, restart, create + start), names, rm and prune, inspect, rmi of a used image,
 * shared layers, whiteouts, and state that stays true when the monitor dies or the machine
 * "reboots". Each test has a private store with the busybox images (support/busybox-image.ts)
 * and removes its containers; the file checks at the end that nothing is left mounted.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { run, type RunResult } from '../support/cli.js';

import { jsonLines, type Json } from '../support/images.js';
import { DockerArchive, tar, type TarEntry } from '../support/tar-builder.js';
import { ptySession } from '../support/pty-session.js';
import { dockerAvailable, requireOrSkip } from '../support/env.js';
import { BUSYBOX, buildBusyboxImages, IMAGE, IMAGE_NO_CMD, IMAGE_TWO_LAYERS } from '../support/busybox-image.js';
import { mountsUnder, runtimeBase, sleep, until, type ContainerStore, containerTestSuite } from '../support/container-store.js';
import { layerTree } from '../support/layer-trees.js';

const HEX64 = /^[0-9a-f]{64}$/;
const { withStore } = containerTestSuite('berth-containers-');

async function inspectContainer(s: ContainerStore, ref: string): Promise<Json> {
  const r = await s.ok(['container', 'inspect', ref]);
  const parsed = JSON.parse(r.stdout) as Json[];
  assert.equal(parsed.length, 1);
  return parsed[0];
}

async function psRows(s: ContainerStore, extra: readonly string[] = ['-a']): Promise<Json[]> {
  return jsonLines((await s.ok(['ps', '--format', 'json', ...extra])).stdout);
}

async function psRow(s: ContainerStore, name: string): Promise<Json | undefined> {
  return (await psRows(s)).find((r) => r.Names === name);
}

async function statusOf(s: ContainerStore, name: string): Promise<string> {
  const row = await psRow(s, name);
  assert.ok(row !== undefined, `ps -a lists ${name}`);
  return row.Status as string;
}

/** Waits until the container's log holds `text`. */
async function logsContain(s: ContainerStore, name: string, text: string): Promise<RunResult> {
  return until(`"${text}" in the logs of ${name}`, async () => {
    const r = await s.ok(['logs', name]);
    return r.stdout.includes(text) ? r : undefined;
  });
}

function containerDirs(s: ContainerStore): string[] {
  try {
    return readdirSync(join(s.root, 'v1', 'containers'));
  } catch {
    return [];
  }
}

/** The prepared layers (unpacked directories or indexes), by chain ID. */
function layerDirs(s: ContainerStore): string[] {
  return readdirSync(join(s.root, 'v1', 'layers')).filter((n) => !n.startsWith('.')).map((n) => n.replace(/\.erofs$/, ''));
}

/** Where the layer of this chain is: its directory, or its index. */
function preparedLayer(s: ContainerStore, chainHex: string): string {
  const dir = join(s.root, 'v1', 'layers', chainHex);
  return existsSync(dir) ? dir : `${dir}.erofs`;
}

function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

describe('containers', { concurrency: 4 }, () => {
  describe('run: the command and its exit status', { concurrency: 2 }, () => {
    test('the seed\'s check: [ -d /home/test ] exits 0, [ -d /nope ] exits 1, and the CLI exits with the container\'s status', async (t) => {
      await withStore(t, async (s) => {
        const yes = await s.berth(['run', IMAGE, '[', '-d', '/home/test', ']']);
        assert.equal(yes.code, 0, yes.stderr);
        assert.equal(yes.stdout, '');
        assert.equal(yes.stderr, '');
        const no = await s.berth(['run', IMAGE, '[', '-d', '/nope', ']']);
        assert.equal(no.code, 1, no.stderr);
        assert.equal(no.stderr, '', 'a command that fails is not an error of berth');
        const rows = await psRows(s);
        assert.equal(rows.length, 2);
        assert.deepEqual(rows.map((r) => r.Status.replace(/\) .*/, ')')).sort(), ['Exited (0)', 'Exited (1)']);
        assert.deepEqual(mountsUnder(s.root), [], 'a finished foreground container is unmounted');
      });
    });

    test('what cannot run: no command 125, a missing executable 127, a non-executable file 126, a missing image 125', async (t) => {
      await withStore(t, async (s) => {
        const noCmd = await s.berth(['run', IMAGE_NO_CMD]);
        assert.equal(noCmd.code, 125);
        assert.match(noCmd.stderr, /No command specified/);
        assert.match(noCmd.stderr, /\[NO_COMMAND\]/);
        const withCmd = await s.berth(['run', IMAGE_NO_CMD, 'echo', 'given']);
        assert.equal(withCmd.code, 0, withCmd.stderr);
        assert.equal(withCmd.stdout, 'given\n', 'an image without CMD runs the command given');

        const missing = await s.berth(['run', '--name', 'missing', IMAGE, '/no/such/program']);
        assert.equal(missing.code, 127, missing.stderr);
        assert.match(missing.stderr, /no such file or directory/i, 'the runtime\'s own message');
        assert.match(missing.stderr, /\[COMMAND_NOT_FOUND\]/);
        const notOnPath = await s.berth(['run', IMAGE, 'nosuchprogram']);
        assert.equal(notOnPath.code, 127, notOnPath.stderr);
        assert.match(notOnPath.stderr, /executable file not found in \$PATH/);

        const notExecutable = await s.berth(['run', '--name', 'notexec', IMAGE, '/etc/passwd']);
        assert.equal(notExecutable.code, 126, notExecutable.stderr);
        assert.match(notExecutable.stderr, /permission denied/i);
        assert.match(notExecutable.stderr, /\[COMMAND_NOT_EXECUTABLE\]/);

        const noImage = await s.berth(['run', 'no-such-image:1', 'true']);
        assert.equal(noImage.code, 125);
        assert.match(noImage.stderr, /No such image/);

        // The containers that could not start stay, created, unmounted (Docker's "Created").
        for (const name of ['missing', 'notexec']) {
          const c = await inspectContainer(s, name);
          assert.equal(c.State.Status, 'created', name);
          assert.equal(c.State.Running, false);
        }
        assert.equal((await inspectContainer(s, 'missing')).State.ExitCode, 127);
        assert.equal((await inspectContainer(s, 'notexec')).State.ExitCode, 126);
        assert.deepEqual(mountsUnder(s.root), []);

        // With --rm they go, as in Docker: nothing is left of a run whose command was not found.
        const gone = await s.berth(['run', '--rm', '--name', 'rm-missing', IMAGE, 'nosuchprogram']);
        assert.equal(gone.code, 127, gone.stderr);
        const goneDetached = await s.berth(['run', '-d', '--rm', '--name', 'rm-notexec', IMAGE, '/etc/passwd']);
        assert.equal(goneDetached.code, 126, goneDetached.stderr);
        assert.equal(await psRow(s, 'rm-missing'), undefined);
        assert.equal(await psRow(s, 'rm-notexec'), undefined);
        assert.deepEqual(mountsUnder(s.root), []);
      });
    });

    test('stdout and stderr stay separate; exit N is kept; a container killed by a signal exits 128+N', async (t) => {
      await withStore(t, async (s) => {
        const streams = await s.berth(['run', IMAGE, 'sh', '-c', 'echo out; echo err >&2; echo out2']);
        assert.equal(streams.code, 0, streams.stderr);
        assert.equal(streams.stdout, 'out\nout2\n');
        assert.equal(streams.stderr, 'err\n');
        const three = await s.berth(['run', IMAGE, 'sh', '-c', 'exit 3']);
        assert.equal(three.code, 3);
        // A pid namespace's init cannot be killed by a signal sent from inside it (the kernel
        // drops it): `kill -9 $$` from sh as PID 1 does nothing and sh exits 0, as with Docker.
        const self = await s.berth(['run', IMAGE, 'sh', '-c', 'kill -9 $$; echo survived']);
        assert.equal(self.code, 0);
        assert.equal(self.stdout, 'survived\n');
        // A process below init can be: sh reports 128+9 for its child.
        const child = await s.berth(['run', IMAGE, 'sh', '-c', 'sh -c \'kill -9 $$\'; exit $?']);
        assert.equal(child.code, 137);
        // Killed from outside (the host), the container's init dies of SIGKILL: the foreground run exits 137.
        const fg = s.berth(['run', '--name', 'victim', IMAGE, 'sleep', '1000']);
        const pid = await until('the container to run', async () => {
          const r = await s.berth(['container', 'inspect', '-f', '{{.State.Pid}}', 'victim']);
          const n = Number(r.stdout.trim());
          return r.code === 0 && n > 0 ? n : undefined;
        });
        process.kill(pid, 'SIGKILL');
        const killed = await fg;
        assert.equal(killed.code, 137, killed.stderr);
        assert.match(await statusOf(s, 'victim'), /^Exited \(137\) /);
        // berth kill -s gives the same: 128 + the signal's number.
        const detached = (await s.ok(['run', '-d', '--name', 'hup', IMAGE, 'sh', '-c', 'trap "exit 0" USR1; sleep 1000 & wait'])).stdout.trim();
        assert.match(detached, HEX64);
        await s.ok(['kill', '-s', 'KILL', 'hup']);
        assert.equal((await s.ok(['wait', 'hup'])).stdout, '137\n');
      });
    });
  });

  describe('run: options', { concurrency: 2 }, () => {
    test('-e, --env-file, the image Env, HOSTNAME and HOME', async (t) => {
      await withStore(t, async (s) => {
        const envFile = join(s.work, 'env.list');
        await writeFile(envFile, '# a comment\nFROM_FILE=file value\n\nOVERRIDDEN=from file\nFROM_HOST\n');
        const r = await s.ok(['run', '--name', 'envy', '-e', 'A=1', '-e', 'B', '-e', 'OVERRIDDEN=from flag', '--env-file', envFile, IMAGE, 'env'],
          { env: { B: 'from the host', FROM_HOST: 'also from the host' } });
        const env = new Map(r.stdout.split('\n').filter((l) => l !== '').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
        const id = (await inspectContainer(s, 'envy')).Id as string;
        assert.equal(env.get('A'), '1');
        assert.equal(env.get('B'), 'from the host', 'a bare -e KEY takes the host\'s value');
        assert.equal(env.get('FROM_FILE'), 'file value');
        assert.equal(env.get('FROM_HOST'), 'also from the host');
        assert.equal(env.get('OVERRIDDEN'), 'from flag', '-e wins over --env-file');
        assert.equal(env.get('PATH'), '/bin', 'the image\'s Env');
        assert.equal(env.get('HOSTNAME'), id.slice(0, 12));
        assert.equal(env.get('HOME'), '/root', 'HOME from /etc/passwd');
        const home = await s.ok(['run', '-e', 'HOME=/elsewhere', IMAGE, 'sh', '-c', 'echo $HOME']);
        assert.equal(home.stdout, '/elsewhere\n', 'an explicit HOME is kept');
      });
    });

    test('-w: the working directory, created if missing; a relative one is refused', async (t) => {
      await withStore(t, async (s) => {
        assert.equal((await s.ok(['run', IMAGE, 'pwd'])).stdout, '/\n');
        assert.equal((await s.ok(['run', '-w', '/home/test', IMAGE, 'pwd'])).stdout, '/home/test\n');
        const made = await s.ok(['run', '-w', '/made/on/demand', IMAGE, 'sh', '-c', 'pwd; ls -ld . | cut -c1-10']);
        assert.equal(made.stdout, '/made/on/demand\ndrwxr-xr-x\n');
        const relative = await s.berth(['run', '-w', 'relative', IMAGE, 'pwd']);
        assert.equal(relative.code, 125);
        assert.match(relative.stderr, /absolute path/);
      });
    });

    test('-u: a name (HOME and groups from the image), uid:gid, a uid not in passwd, and an unknown name (125)', async (t) => {
      await withStore(t, async (s) => {
        const byName = await s.ok(['run', '-u', 'user', IMAGE, 'sh', '-c', 'id -u; id -g; id -G; echo $HOME; touch ~/mine && echo writable']);
        const [uid, gid, groups, home, writable] = byName.stdout.trim().split('\n');
        assert.equal(uid, '1000');
        assert.equal(gid, '1000');
        assert.ok(groups!.split(' ').includes('50'), `supplementary group staff (50) from /etc/group: ${groups}`);
        assert.equal(home, '/home/user');
        assert.equal(writable, 'writable', 'the user owns its home (the layer kept ownership)');
        const numeric = await s.ok(['run', '-u', '1000:50', IMAGE, 'sh', '-c', 'id -u; id -g; echo $HOME']);
        assert.equal(numeric.stdout, '1000\n50\n/home/user\n');
        const groupName = await s.ok(['run', '-u', 'nobody:staff', IMAGE, 'sh', '-c', 'id -u; id -g; echo $HOME']);
        assert.equal(groupName.stdout, '65534\n50\n/nonexistent\n');
        const unknownUid = await s.ok(['run', '-u', '4242', IMAGE, 'sh', '-c', 'id -u; id -g; echo $HOME']);
        assert.equal(unknownUid.stdout, '4242\n0\n/\n', 'a uid the image does not know: gid 0, HOME /');
        const noUser = await s.berth(['run', '-u', 'nosuch', IMAGE, 'true']);
        assert.equal(noUser.code, 125);
        assert.match(noUser.stderr, /unable to find user nosuch/);
        const noGroup = await s.berth(['run', '-u', 'user:nosuchgroup', IMAGE, 'true']);
        assert.equal(noGroup.code, 125);
        assert.match(noGroup.stderr, /unable to find group nosuchgroup/);
        const root = await s.ok(['run', IMAGE, 'id', '-u']);
        assert.equal(root.stdout, '0\n');
      });
    });

    test('an image without /etc/passwd (FROM scratch) runs as root with HOME /', async (t) => {
      await withStore(t, async (s) => {
        const bin = (name: string): TarEntry => ({ name: `bin/${name}`, type: 'symlink', linkname: 'busybox' });
        const layer = tar([
          { name: 'bin/', type: 'dir' },
          { name: 'bin/busybox', mode: 0o755, data: await readFile(BUSYBOX) },
          bin('sh'), bin('id'), bin('ls'),
        ]);
        const archive = join(s.work, 'scratch.tar');
        await writeFile(archive, new DockerArchive({ layers: [layer], tags: ['scratch/busybox:1'] }).tar());
        await s.ok(['load', '-q', '-i', archive]);
        const r = await s.berth(['run', '--rm', 'scratch/busybox:1', 'sh', '-c', 'id -u; id -g; echo $HOME; ls /etc']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, '0\n0\n/\nhostname\nhosts\nresolv.conf\n', 'root, HOME /, and the files Berth provides');
        const byName = await s.berth(['run', '--rm', '-u', 'root', 'scratch/busybox:1', 'true']);
        assert.equal(byName.code, 125, 'a user name needs a passwd file');
        assert.match(byName.stderr, /unable to find user root/);
        assert.equal((await s.ok(['run', '--rm', '-u', '1000:1000', 'scratch/busybox:1', 'id', '-u'])).stdout, '1000\n');
      });
    });

    test('--entrypoint replaces the image\'s and drops its Cmd; arguments follow it', async (t) => {
      await withStore(t, async (s) => {
        const bare = await s.ok(['run', '--name', 'ep', '--entrypoint', '/bin/echo', IMAGE]);
        assert.equal(bare.stdout, '\n', 'echo with no arguments: the image Cmd (/bin/sh) is not passed on');
        const c = await inspectContainer(s, 'ep');
        assert.deepEqual(c.Config.Entrypoint, ['/bin/echo']);
        assert.equal(c.Config.Cmd, null);
        assert.equal(c.Path, '/bin/echo');
        assert.deepEqual(c.Args, []);
        const withArgs = await s.ok(['run', '--entrypoint', 'echo', IMAGE, 'hello', 'world']);
        assert.equal(withArgs.stdout, 'hello world\n');
        const plain = await s.ok(['run', '--name', 'plain', IMAGE]);
        assert.equal(plain.stdout, '', 'the image Cmd /bin/sh with no input exits at once');
        const p = await inspectContainer(s, 'plain');
        assert.deepEqual(p.Config.Cmd, ['/bin/sh']);
        assert.equal(p.State.ExitCode, 0);
      });
    });

    test('-h and the default hostname (the short ID); /etc/hosts, /etc/hostname and /etc/resolv.conf are there', async (t) => {
      await withStore(t, async (s) => {
        const named = await s.ok(['run', '-h', 'myhost', IMAGE, 'sh', '-c', 'hostname; cat /etc/hostname; grep -c myhost /etc/hosts || true']);
        const [h1, h2] = named.stdout.split('\n');
        assert.equal(h1, 'myhost');
        assert.equal(h2, 'myhost');
        const dflt = await s.ok(['run', '--name', 'hn', IMAGE, 'sh', '-c', 'hostname; cat /etc/hostname; test -f /etc/resolv.conf && echo resolv; grep localhost /etc/hosts | head -1']);
        const id = (await inspectContainer(s, 'hn')).Id as string;
        const lines = dflt.stdout.split('\n');
        assert.equal(lines[0], id.slice(0, 12));
        assert.equal(lines[1], id.slice(0, 12));
        assert.equal(lines[2], 'resolv');
        assert.match(lines[3]!, /^127\.0\.0\.1\s+localhost/);
        const c = await inspectContainer(s, 'hn');
        assert.equal(c.Config.Hostname, id.slice(0, 12));
        for (const key of ['HostsPath', 'HostnamePath', 'ResolvConfPath']) assert.ok(existsSync(c[key]), `${key} ${c[key]} exists`);
      });
    });

    test('--rm removes the container when it exits: not listed, no directory, nothing mounted', async (t) => {
      await withStore(t, async (s) => {
        const r = await s.berth(['run', '--rm', '--name', 'gone', IMAGE, 'sh', '-c', 'echo bye; exit 7']);
        assert.equal(r.code, 7, 'the exit status survives the removal');
        assert.equal(r.stdout, 'bye\n');
        assert.equal(await psRow(s, 'gone'), undefined, 'forgotten by the time run returns');
        assert.deepEqual(containerDirs(s).filter((d) => !d.startsWith('.removed-')), [], 'its directory is retired at once');
        // Unmounting and deleting the files happen in the background (an overlay unmount syncs the disk).
        await until('the retired directory to be deleted', () => containerDirs(s).length === 0, 60_000);
        assert.deepEqual(mountsUnder(s.root), []);
        // Detached: conmon's exit command removes it.
        const id = (await s.ok(['run', '-d', '--rm', '--name', 'gone-d', IMAGE, 'sleep', '0.5'])).stdout.trim();
        assert.match(id, HEX64);
        await until('the --rm container to be removed', async () => (await psRow(s, 'gone-d')) === undefined && containerDirs(s).length === 0, 60_000);
        assert.deepEqual(mountsUnder(s.root), []);
        // Killed: removed as well.
        await s.ok(['run', '-d', '--rm', '--name', 'gone-k', IMAGE, 'sleep', '1000']);
        await s.ok(['kill', 'gone-k']);
        await until('the killed --rm container to be removed', async () => (await psRow(s, 'gone-k')) === undefined && containerDirs(s).length === 0, 60_000);
        assert.deepEqual(mountsUnder(s.root), []);
        const inspect = await s.berth(['container', 'inspect', 'gone-k']);
        assert.equal(inspect.code, 1);
        assert.match(inspect.stderr, /No such container/);
      });
    });

    test('-v binds a host directory (created if missing), :ro refuses writes; --read-only root', async (t) => {
      await withStore(t, async (s) => {
        const host = join(s.work, 'host-data');
        const rw = await s.ok(['run', '-v', `${host}:/data`, IMAGE, 'sh', '-c', 'echo from-container > /data/out; ls /data']);
        assert.equal(rw.stdout, 'out\n');
        assert.ok(statSync(host).isDirectory(), 'the missing host directory was created');
        assert.equal(readFileSync(join(host, 'out'), 'utf8'), 'from-container\n');

        const ro = await s.berth(['run', '-v', `${host}:/data:ro`, IMAGE, 'sh', '-c', 'cat /data/out; echo again > /data/out2']);
        assert.notEqual(ro.code, 0);
        assert.equal(ro.stdout, 'from-container\n', 'a read-only bind is readable');
        assert.match(ro.stderr, /Read-only file system/);
        assert.equal(existsSync(join(host, 'out2')), false);

        const readOnly = await s.berth(['run', '--read-only', IMAGE, 'touch', '/newfile']);
        assert.equal(readOnly.code, 1);
        assert.match(readOnly.stderr, /Read-only file system/);
        const readOnlyWithVolume = await s.ok(['run', '--read-only', '-v', `${host}:/data`, IMAGE, 'sh', '-c', 'echo fine > /data/ro-root && cat /data/ro-root']);
        assert.equal(readOnlyWithVolume.stdout, 'fine\n', 'a bind mount stays writable under --read-only');
        const badVolume = await s.berth(['run', '-v', 'relative:/data', IMAGE, 'true']);
        assert.equal(badVolume.code, 125);
      });
    });
  });

  describe('detached lifecycle', { concurrency: 3 }, () => {
    test('run -d prints the ID; ps shows Up; logs; stop -t 1 of a container that ignores SIGTERM gives Exited (137)', async (t) => {
      await withStore(t, async (s) => {
        const r = await s.ok(['run', '-d', '--name', 'sleeper', IMAGE, 'sh', '-c', 'echo started; echo oops >&2; exec sleep 1000']);
        const id = r.stdout.trim();
        assert.match(id, HEX64);
        assert.equal(r.stdout, `${id}\n`);
        const row = await psRow(s, 'sleeper');
        assert.equal(row.ID, id.slice(0, 12));
        assert.equal(row.State, 'running');
        assert.match(row.Status, /^Up /);
        assert.deepEqual((await s.ok(['ps', '-q'])).stdout, `${id.slice(0, 12)}\n`);
        assert.deepEqual((await s.ok(['ps', '-q', '--no-trunc'])).stdout, `${id}\n`);
        const table = (await s.ok(['ps'])).stdout;
        assert.match(table, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\n/);
        assert.match(table, new RegExp(`${id.slice(0, 12)}\\s+bbtest:latest\\s+"sh -c echo started.*\\s+Up .*sleeper`));
        const logs = await logsContain(s, 'sleeper', 'started');
        assert.equal(logs.stdout, 'started\n');
        assert.equal(logs.stderr, 'oops\n', 'the log keeps stderr apart');
        const inspect = await inspectContainer(s, 'sleeper');
        assert.equal(inspect.State.Status, 'running');
        assert.ok(inspect.State.Pid > 0);
        assert.ok(processAlive(inspect.State.Pid));

        const stop = await s.ok(['stop', '-t', '1', 'sleeper']);
        assert.equal(stop.stdout, 'sleeper\n');
        assert.match(await statusOf(s, 'sleeper'), /^Exited \(137\) /);
        const after = await inspectContainer(s, 'sleeper');
        assert.equal(after.State.Status, 'exited');
        assert.equal(after.State.ExitCode, 137);
        assert.equal(after.State.Pid, 0);
        assert.ok(!processAlive(inspect.State.Pid));
        assert.deepEqual(mountsUnder(s.root), [], 'a stopped container is unmounted');
        assert.equal((await s.ok(['ps', '-q'])).stdout, '', 'ps without -a lists running containers only');
        assert.equal((await s.ok(['wait', 'sleeper'])).stdout, '137\n');
        const again = await s.ok(['stop', 'sleeper']);
        assert.equal(again.stdout, 'sleeper\n', 'stopping a stopped container is not an error');
      });
    });

    test('a container that traps SIGTERM and exits 0 stops with Exited (0); logs -f follows it to the end', async (t) => {
      await withStore(t, async (s) => {
        await s.ok(['run', '-d', '--name', 'polite', IMAGE, 'sh', '-c', 'trap "echo got TERM; exit 0" TERM; echo ready; while :; do sleep 0.1; done']);
        await logsContain(s, 'polite', 'ready');
        const follow = s.berth(['logs', '-f', 'polite']);
        await sleep(300);
        await s.ok(['stop', 'polite']);
        const followed = await follow;
        assert.equal(followed.code, 0, followed.stderr);
        assert.equal(followed.stdout, 'ready\ngot TERM\n', 'logs -f printed everything and returned when the container exited');
        assert.match(await statusOf(s, 'polite'), /^Exited \(0\) /);
        assert.equal((await inspectContainer(s, 'polite')).State.ExitCode, 0);
      });
    });

    test('logs: --tail N, -t timestamps, -f on a container that exits by itself', async (t) => {
      await withStore(t, async (s) => {
        await s.ok(['run', '-d', '--name', 'talker', IMAGE, 'sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done; echo to-stderr >&2; sleep 1; echo last; exit 4']);
        const followed = await s.ok(['logs', '-f', 'talker']);
        assert.equal(followed.stdout, 'line1\nline2\nline3\nline4\nline5\nlast\n');
        assert.equal(followed.stderr, 'to-stderr\n');
        assert.equal((await s.ok(['wait', 'talker'])).stdout, '4\n');
        const tail = await s.ok(['logs', '--tail', '2', 'talker']);
        assert.equal(tail.stdout, 'last\n', 'the last two records, whichever stream');
        assert.equal(tail.stderr, 'to-stderr\n');
        assert.equal((await s.ok(['logs', '--tail', '0', 'talker'])).stdout, '');
        const stamped = await s.ok(['logs', '-t', 'talker']);
        const lines = stamped.stdout.trim().split('\n');
        assert.equal(lines.length, 6);
        for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z line\d|last$/);
        const badTail = await s.berth(['logs', '--tail', 'x', 'talker']);
        assert.equal(badTail.code, 125);
      });
    });

    test('kill -s sends a signal (the container handles it), kill sends SIGKILL; wait prints the exit code', async (t) => {
      await withStore(t, async (s) => {
        await s.ok(['run', '-d', '--name', 'sig', IMAGE, 'sh', '-c', 'trap "echo usr1" USR1; echo ready; while :; do sleep 0.1; done']);
        await logsContain(s, 'sig', 'ready');
        assert.equal((await s.ok(['kill', '-s', 'USR1', 'sig'])).stdout, 'sig\n');
        await logsContain(s, 'sig', 'usr1');
        assert.match(await statusOf(s, 'sig'), /^Up /, 'a handled signal does not stop it');
        await s.ok(['kill', '-s', 'SIGUSR1', 'sig']);
        await until('the second usr1', async () => (await s.ok(['logs', 'sig'])).stdout === 'ready\nusr1\nusr1\n');
        const waiting = s.berth(['wait', 'sig']);
        await sleep(200);
        await s.ok(['kill', 'sig']);
        const waited = await waiting;
        assert.equal(waited.code, 0, waited.stderr);
        assert.equal(waited.stdout, '137\n');
        assert.match(await statusOf(s, 'sig'), /^Exited \(137\) /);
        const notRunning = await s.berth(['kill', 'sig']);
        assert.equal(notRunning.code, 1);
        assert.match(notRunning.stderr, /is not running/);
        const badSignal = await s.berth(['kill', '-s', 'NO SUCH', 'sig']);
        assert.notEqual(badSignal.code, 0);

        await s.ok(['run', '-d', '--name', 'five', IMAGE, 'sh', '-c', 'sleep 0.3; exit 5']);
        assert.equal((await s.ok(['wait', 'five'])).stdout, '5\n');
        const missing = await s.berth(['wait', 'no-such-container']);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /No such container/);
      });
    });

    test('restart stops and starts again; create + start runs a created container', async (t) => {
      await withStore(t, async (s) => {
        await s.ok(['run', '-d', '--name', 'again', IMAGE, 'sleep', '1000']);
        const first = await inspectContainer(s, 'again');
        assert.equal((await s.ok(['restart', '-t', '1', 'again'])).stdout, 'again\n');
        const second = await inspectContainer(s, 'again');
        assert.equal(second.State.Status, 'running');
        assert.notEqual(second.State.Pid, first.State.Pid);
        assert.ok(second.State.StartedAt > first.State.StartedAt, 'a new start time');
        assert.ok(!processAlive(first.State.Pid), 'the first process is gone');
        assert.match(await statusOf(s, 'again'), /^Up /);
        // A stopped container restarts too.
        await s.ok(['stop', '-t', '0', 'again']);
        await s.ok(['restart', 'again']);
        assert.match(await statusOf(s, 'again'), /^Up /);

        const created = await s.ok(['create', '--name', 'later', IMAGE, 'sh', '-c', 'echo hello from later; exec sleep 1000']);
        const id = created.stdout.trim();
        assert.match(id, HEX64);
        const row = await psRow(s, 'later');
        assert.equal(row.Status, 'Created');
        assert.equal(row.State, 'created');
        assert.equal((await s.ok(['ps', '-q', '-f', 'status=created'])).stdout, `${id.slice(0, 12)}\n`);
        assert.deepEqual(mountsUnder(join(s.root, 'v1', 'containers', id)), [], 'created is not mounted yet');
        assert.equal((await s.ok(['start', 'later'])).stdout, 'later\n');
        assert.match(await statusOf(s, 'later'), /^Up /);
        await logsContain(s, 'later', 'hello from later');
        assert.equal((await s.ok(['start', 'later'])).stdout, 'later\n', 'starting a running container is a no-op');
        await s.ok(['stop', '-t', '0', 'later']);
        assert.match(await statusOf(s, 'later'), /^Exited \(137\) /);
        // start -a streams the output and exits with the container's status.
        await s.ok(['create', '--name', 'attached', IMAGE, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
        const attached = await s.berth(['start', '-a', 'attached']);
        assert.equal(attached.code, 3, attached.stderr);
        assert.equal(attached.stdout, 'out\n');
        assert.equal(attached.stderr, 'err\n');
        assert.match(await statusOf(s, 'attached'), /^Exited \(3\) /);
        // A second start -a shows only its own output; logs keeps both runs, as Docker does.
        const again = await s.berth(['start', '-a', 'attached']);
        assert.equal(again.code, 3);
        assert.equal(again.stdout, 'out\n', 'the earlier run is not replayed');
        const logs = await s.ok(['logs', 'attached']);
        assert.equal(logs.stdout, 'out\nout\n');
        assert.equal(logs.stderr, 'err\nerr\n');
      });
    });

    test('a --rm container is mounted volatile, survives restart as in Docker, and goes when it stops', async (t) => {
      await withStore(t, async (s) => {
        const id = (await s.ok(['run', '-d', '--rm', '--name', 'brief', IMAGE, 'sleep', '1000'])).stdout.trim();
        const kept = (await s.ok(['run', '-d', '--name', 'kept', IMAGE, 'sleep', '1000'])).stdout.trim();
        const overlayOptions = (cid: string): string => {
          const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === join(s.root, 'v1', 'containers', cid, 'rootfs'));
          assert.ok(line !== undefined, `the rootfs of ${cid} is mounted`);
          return line.split(' - ')[1]!;
        };
        // overlayfs has `volatile` since Linux 5.10 (shown as fsync=volatile from 6.x).
        const [major, minor] = readFileSync('/proc/sys/kernel/osrelease', 'utf8').split('.').map(Number) as [number, number];
        if (major > 5 || (major === 5 && minor >= 10)) assert.match(overlayOptions(id), /\bvolatile\b/, '--rm: no syncs, and no flush of the whole filesystem at unmount');
        assert.doesNotMatch(overlayOptions(kept), /volatile/, 'a container that outlives its process keeps every fsync');
        const first = await inspectContainer(s, 'brief');
        assert.equal((await s.ok(['restart', '-t', '1', 'brief'])).stdout, 'brief\n');
        const second = await inspectContainer(s, 'brief');
        assert.equal(second.State.Status, 'running', 'Docker keeps a --rm container through restart');
        assert.notEqual(second.State.Pid, first.State.Pid);
        assert.ok(!existsSync(join(s.root, 'v1', 'containers', id, 'restarting')), 'the hold is released');
        assert.match(overlayOptions(id), /volatile|lowerdir/, 'mounted again over the volatile mount\'s leftovers');
        await s.ok(['stop', '-t', '1', 'brief']);
        await until('the stopped --rm container to be removed', async () => (await s.berth(['inspect', 'brief'])).code !== 0);
        await until('its directory to go', () => !containerDirs(s).some((n) => n.endsWith(id)));
        assert.deepEqual(mountsUnder(join(s.root, 'v1', 'containers')).filter((m) => !m.includes(kept)), []);
        assert.deepEqual((await s.ok(['ps', '-aq', '--no-trunc'])).stdout, `${kept}\n`);
        // A restart whose process dies leaves no lasting hold: the hold names a dead process.
        await s.ok(['run', '-d', '--rm', '--name', 'orphan', IMAGE, 'sleep', '1000']);
        const orphanId = (await inspectContainer(s, 'orphan')).Id;
        await writeFile(join(s.root, 'v1', 'containers', orphanId, 'restarting'), '999999999-1');
        await s.ok(['stop', '-t', '1', 'orphan']);
        await until('the --rm container with a stale hold to be removed', async () => (await s.berth(['inspect', 'orphan'])).code !== 0);
        await s.ok(['rm', '-f', 'kept']);
      });
    });

    test('run -dit IMG /bin/sh stays Up (the seed\'s long-lived container) until stopped', async (t) => {
      await withStore(t, async (s) => {
        const id = (await s.ok(['run', '-dit', '--name', 'shell', IMAGE, '/bin/sh'])).stdout.trim();
        assert.match(id, HEX64);
        await sleep(1500);
        const row = await psRow(s, 'shell');
        assert.match(row.Status, /^Up /, 'sh with a terminal and stdin waits for input');
        const c = await inspectContainer(s, 'shell');
        assert.equal(c.Config.Tty, true);
        assert.equal(c.Config.OpenStdin, true);
        assert.ok(processAlive(c.State.Pid));
        await s.ok(['stop', '-t', '1', 'shell']);
        assert.match(await statusOf(s, 'shell'), /^Exited \(137\) /, 'an interactive sh ignores SIGTERM: killed after the timeout');
        assert.deepEqual(mountsUnder(s.root), []);
      });
    });
  });

  describe('names, ps, rm, prune, inspect', { concurrency: 2 }, () => {
    test('--name, a name already in use, generated names, and ps --format json / -q / -f', async (t) => {
      await withStore(t, async (s) => {
        const first = (await s.ok(['create', '--name', 'web', IMAGE, 'sleep', '1000'])).stdout.trim();
        const dup = await s.berth(['run', '--name', 'web', IMAGE, 'true']);
        assert.equal(dup.code, 125);
        assert.match(dup.stderr, /The container name "\/web" is already in use by container "[0-9a-f]{64}"/);
        const dupCreate = await s.berth(['create', '--name', 'web', IMAGE, 'true']);
        assert.notEqual(dupCreate.code, 0);
        assert.match(dupCreate.stderr, /is already in use/);
        const badName = await s.berth(['create', '--name', 'bad name!', IMAGE, 'true']);
        assert.notEqual(badName.code, 0);
        assert.match(badName.stderr, /Invalid container name/);

        for (let i = 0; i < 4; i++) await s.ok(['create', IMAGE, 'true']);
        const rows = await psRows(s);
        assert.equal(rows.length, 5, 'the duplicates created nothing');
        const names = rows.map((r) => r.Names as string);
        assert.equal(new Set(names).size, 5, `generated names are unique: ${names.join(' ')}`);
        for (const n of names.filter((x) => x !== 'web')) assert.match(n, /^[a-z]+_[a-z]+\d*$/);
        const table = (await s.ok(['ps', '-a'])).stdout;
        for (const n of names) assert.ok(table.includes(n), `ps -a shows ${n}`);

        await s.ok(['start', 'web']);
        assert.equal((await s.berth(['run', '--name', 'done', IMAGE, 'sh', '-c', 'exit 2'])).code, 2);
        const web = (await psRows(s, [])).find((r) => r.Names === 'web');
        assert.ok(web !== undefined);
        for (const field of ['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Ports', 'RunningFor', 'Size', 'State', 'Status']) {
          assert.ok(field in web, `ps --format json has ${field}`);
        }
        assert.equal(web.ID, first.slice(0, 12));
        assert.equal(web.Image, IMAGE);
        assert.equal(web.Command, '"sleep 1000"');
        assert.equal(web.State, 'running');
        assert.match(web.CreatedAt, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
        assert.match(web.RunningFor, / ago$/);
        assert.equal((await s.ok(['ps', '-q'])).stdout, `${first.slice(0, 12)}\n`);
        const exited = await psRows(s, ['-f', 'status=exited']);
        assert.deepEqual(exited.map((r) => r.Names), ['done']);
        assert.match(exited[0].Status, /^Exited \(2\) /);
        const byName = await psRows(s, ['-a', '-f', 'name=we']);
        assert.deepEqual(byName.map((r) => r.Names), ['web']);
        assert.equal((await psRows(s, ['-a', '-f', 'status=created'])).length, 4);
        const byId = await psRows(s, ['-a', '-f', `id=${first.slice(0, 8)}`]);
        assert.deepEqual(byId.map((r) => r.Names), ['web']);
        assert.equal((await psRows(s, ['-a', '-f', `ancestor=${IMAGE}`])).length, 6);
        const badFilter = await s.berth(['ps', '-f', 'colour=red']);
        assert.equal(badFilter.code, 125);
        assert.deepEqual((await psRows(s, ['-a', '-f', 'exited=2'])).map((r) => r.Names), ['done']);
        assert.deepEqual(await psRows(s, ['-a', '-f', 'exited=0']), []);
        assert.equal((await s.berth(['ps', '-f', 'exited=two'])).code, 125);
        // -l and -n: the latest created, whatever their state (no -a needed), as in Docker.
        assert.deepEqual((await psRows(s, ['-l'])).map((r) => r.Names), ['done']);
        const lastTwo = await psRows(s, ['-n', '2']);
        assert.equal(lastTwo.length, 2);
        assert.equal(lastTwo[0]!.Names, 'done');
        assert.equal((await s.ok(['ps', '-n', '-1', '-q'])).stdout.trim().split('\n').length, 1, '-n -1 is no limit: running ones only, as without it');
      });
    });

    test('ps IMAGE: the reference the container was created with while it names its image, else the short image ID (Docker\'s column)', async (t) => {
      await withStore(t, async (s) => {
        const ids = (await buildBusyboxImages()).ids;
        const first = ids[IMAGE]!;
        await s.ok(['tag', IMAGE, 'moving:1']);
        await s.ok(['create', '--name', 'by-tag', 'moving:1', 'true']);
        await s.ok(['create', '--name', 'by-prefix', first.slice(7, 15), 'true']);
        await s.ok(['create', '--name', 'by-full-name', 'docker.io/library/bbtest:latest', 'true']);
        const images = async (extra: readonly string[] = []): Promise<Record<string, string>> => Object.fromEntries(
          (await s.ok(['ps', '-a', ...extra, '--format', '{{.Names}} {{.Image}}'])).stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));
        assert.deepEqual(await images(), { 'by-tag': 'moving:1', 'by-prefix': first.slice(7, 15), 'by-full-name': 'bbtest:latest' });

        // The tag moves to another image: the container's image is no longer what it names.
        await s.ok(['tag', IMAGE_NO_CMD, 'moving:1']);
        assert.deepEqual(await images(), { 'by-tag': first.slice(7, 19), 'by-prefix': first.slice(7, 15), 'by-full-name': 'bbtest:latest' });
        assert.deepEqual(await images(['--no-trunc']), { 'by-tag': first, 'by-prefix': first.slice(7, 15), 'by-full-name': 'docker.io/library/bbtest:latest' });
        assert.equal((await psRow(s, 'by-tag'))!.Image, first.slice(7, 19), 'ps --format json too');
        const table = (await s.ok(['ps', '-a', '-f', 'name=by-tag'])).stdout.split('\n')[1]!;
        assert.match(table, new RegExp(`^[0-9a-f]{12} +${first.slice(7, 19)} +"true" `), table);
        assert.equal((await inspectContainer(s, 'by-tag')).Config.Image, 'moving:1', 'inspect keeps what it was created with, as Docker');
        // The tag removed altogether: the ID as well.
        await s.ok(['rmi', 'moving:1']);
        assert.equal((await images())['by-tag'], first.slice(7, 19));
        await s.ok(['rm', 'by-tag', 'by-prefix', 'by-full-name']);
      });
    });

    test('ps IMAGE after the tag moved: the same as docker ps shows (docker CLI on PATH, daemon 20.10 here)', async (t) => {
      if (!requireOrSkip(t, dockerAvailable(), 'no docker daemon to compare with')) return;
      await withStore(t, async (s) => {
        // Two one-file images made from the same tars by both tools; IDs differ between the tools, so each is written <A>/<a>.
        for (const n of ['a', 'b']) {
          await mkdir(join(s.work, n), { recursive: true });
          await writeFile(join(s.work, n, n), `${n}\n`);
          const made = await run('tar', ['-C', join(s.work, n), '-cf', join(s.work, `${n}.tar`), '.']);
          assert.equal(made.code, 0, made.stderr);
        }
        const suffix = randomBytes(4).toString('hex');
        const name = `berth-ps-parity-${suffix}`;
        const repo = `berth-ps-parity-${suffix}`;
        const sequence = async (tool: (args: string[]) => Promise<RunResult>, made: string[]): Promise<string> => {
          const ok = async (args: string[]): Promise<string> => {
            const r = await tool(args);
            assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
            return r.stdout.trim();
          };
          const a = await ok(['import', '-c', 'CMD ["/a"]', join(s.work, 'a.tar'), `${repo}:1`]);
          const b = await ok(['import', '-c', 'CMD ["/b"]', join(s.work, 'b.tar'), `${repo}-other:1`]);
          made.push(a, b);
          await ok(['create', '--name', name, `${repo}:1`]);
          const shown: string[] = [];
          const ps = async (): Promise<void> => {
            shown.push(await ok(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Image}}']));
            shown.push(await ok(['ps', '-a', '--no-trunc', '--filter', `name=${name}`, '--format', '{{.Image}}']));
          };
          await ps();
          await ok(['tag', `${repo}-other:1`, `${repo}:1`]);
          await ps();
          return shown.join('\n').replaceAll(a, '<A>').replaceAll(a.slice(7, 19), '<a>').replaceAll(b, '<B>').replaceAll(b.slice(7, 19), '<b>');
        };
        const docker = (args: string[]): Promise<RunResult> => run('docker', args);
        const dockerImages: string[] = [];
        let fromDocker: string;
        try {
          fromDocker = await sequence(docker, dockerImages);
        } finally {
          await docker(['rm', '-f', name]);
          if (dockerImages.length > 0) await docker(['rmi', '-f', ...dockerImages]);
        }
        assert.equal(fromDocker, [`${repo}:1`, `${repo}:1`, '<a>', '<A>'].join('\n'), 'what docker shows');
        assert.equal(await sequence((args) => s.berth(args), []), fromDocker);
        await s.ok(['rm', name]);
      });
    });

    test('pause freezes until unpause (ps, inspect, exec, attach, commit, stop and kill as in Docker)', async (t) => {
      await withStore(t, async (s) => {
        // The container counts; frozen, the count stands still.
        await s.ok(['run', '-d', '--name', 'ticker', IMAGE, 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /count; sleep 0.05; done']);
        const count = async (): Promise<number> => Number((await s.ok(['exec', 'ticker', 'cat', '/count'])).stdout.trim());
        await until('the counter to run', async () => (await count()) > 2);
        assert.equal((await s.ok(['pause', 'ticker'])).stdout, 'ticker\n');
        const upper = join(s.root, 'v1', 'containers', (await inspectContainer(s, 'ticker')).Id as string, 'upper', 'count');
        const frozenAt = readFileSync(upper, 'utf8');
        await sleep(400);
        assert.equal(readFileSync(upper, 'utf8'), frozenAt, 'nothing runs while paused');
        const row = await psRow(s, 'ticker');
        assert.match(row!.Status, /^Up .* \(Paused\)$/);
        assert.equal(row!.State, 'paused');
        assert.deepEqual((await psRows(s, ['-f', 'status=paused'])).map((r) => r.Names), ['ticker']);
        assert.deepEqual(await psRows(s, ['-f', 'status=running']), [], 'paused is not running, in Docker\'s filter');
        const state = (await inspectContainer(s, 'ticker')).State;
        assert.deepEqual([state.Status, state.Paused, state.Running], ['paused', true, true]);
        const refusals: Array<[string[], RegExp, string]> = [
          [['pause', 'ticker'], /is already paused/, 'CONTAINER_PAUSED'],
          [['exec', 'ticker', 'true'], /is paused, unpause the container before exec/, 'CONTAINER_PAUSED'],
          [['attach', 'ticker'], /You cannot attach to a paused container, unpause it first/, 'CONTAINER_PAUSED'],
        ];
        for (const [argv, message, code] of refusals) {
          const r = await s.berth(argv);
          assert.equal(r.code, 1, `${argv.join(' ')}: ${r.stderr}`);
          assert.match(r.stderr, message);
          assert.ok(r.stderr.includes(`[${code}]`), r.stderr);
        }
        // commit of a paused container works and leaves it paused.
        await s.ok(['commit', 'ticker', 'paused:commit']);
        assert.equal((await inspectContainer(s, 'ticker')).State.Status, 'paused');
        assert.equal((await s.ok(['unpause', 'ticker'])).stdout, 'ticker\n');
        assert.match(await statusOf(s, 'ticker'), /^Up (?!.*Paused)/);
        await until('the counter to move again', () => readFileSync(upper, 'utf8') !== frozenAt);
        const notPaused = await s.berth(['unpause', 'ticker']);
        assert.equal(notPaused.code, 1);
        assert.match(notPaused.stderr, /is not paused \[CONTAINER_NOT_PAUSED\]/);
        // A frozen process cannot act on SIGTERM: stop ends with SIGKILL after its timeout (137), as in Docker.
        await s.ok(['pause', 'ticker']);
        await s.ok(['stop', '-t', '1', 'ticker']);
        assert.match(await statusOf(s, 'ticker'), /^Exited \(137\) /);
        assert.equal((await inspectContainer(s, 'ticker')).State.Paused, false, 'the pause ends with the container');
        const exited = await s.berth(['pause', 'ticker']);
        assert.equal(exited.code, 1);
        assert.match(exited.stderr, /is not running/);
        await s.ok(['start', 'ticker']);
        assert.equal((await inspectContainer(s, 'ticker')).State.Status, 'running', 'started again, not paused');
        await s.ok(['pause', 'ticker']);
        await s.ok(['kill', 'ticker']);
        assert.match(await statusOf(s, 'ticker'), /^Exited \(137\) /);
        await s.ok(['start', 'ticker']);
        await s.ok(['pause', 'ticker']);
        await s.ok(['rm', '-f', 'ticker']);
        assert.deepEqual(await psRows(s), []);
        await s.ok(['rmi', 'paused:commit']);
      });
    });

    test('labels: --label and --label-file over the image\'s, in inspect, ps and its label= filter, and carried by commit', async (t) => {
      await withStore(t, async (s) => {
        await s.ok(['create', '--name', 'base', IMAGE, 'true']);
        await s.ok(['commit', '-c', 'LABEL img=1 shared=image', 'base', 'labelled:1']);
        const file = join(s.work, 'labels.txt');
        await writeFile(file, 'fromfile=yes\n# a comment\n\n');
        await s.ok(['create', '--name', 'lab', '-l', 'a=1', '--label', 'b', '--label', 'shared=mine', '--label-file', file, 'labelled:1', 'true']);
        await s.ok(['create', '--name', 'nolab', 'labelled:1', 'true']);
        const expected = { a: '1', b: '', fromfile: 'yes', img: '1', shared: 'mine' };
        const labels = (await inspectContainer(s, 'lab')).Config.Labels;
        assert.deepEqual(labels, expected);
        assert.deepEqual(Object.keys(labels), Object.keys(expected), 'keys in order, as Go writes a map');
        assert.deepEqual((await inspectContainer(s, 'nolab')).Config.Labels, { img: '1', shared: 'image' });
        const row = await psRow(s, 'lab');
        assert.equal(row!.Labels, 'a=1,b=,fromfile=yes,img=1,shared=mine');
        const names = async (filter: string): Promise<string[]> => (await psRows(s, ['-a', '-f', filter])).map((r) => r.Names as string).sort();
        assert.deepEqual(await names('label=a'), ['lab']);
        assert.deepEqual(await names('label=b='), ['lab'], 'an empty value matches KEY=');
        assert.deepEqual(await names('label=img'), ['lab', 'nolab'], 'the image\'s labels count');
        assert.deepEqual(await names('label=shared=image'), ['nolab']);
        assert.deepEqual(await names('label=nope'), []);
        await s.ok(['commit', 'lab', 'labelled:2']);
        const committed = JSON.parse((await s.ok(['image', 'inspect', 'labelled:2'])).stdout)[0];
        assert.deepEqual(committed.Config.Labels, expected, 'commit carries the container\'s labels, as docker commit does');
        const bad = await s.berth(['create', '-l', '=x', IMAGE, 'true']);
        assert.equal(bad.code, 125);
        assert.match(bad.stderr, /invalid label '=x': empty name \[LABEL_INVALID\]/);
        await s.ok(['rm', 'base', 'lab', 'nolab']);
      });
    });

    test('--init: tini is PID 1 at /sbin/docker-init and passes SIGTERM on (143, where a bare PID 1 ignores it)', async (t) => {
      await withStore(t, async (s) => {
        const r = await s.ok(['run', '--rm', '--init', IMAGE, 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline']);
        assert.equal(r.stdout, '/sbin/docker-init -- sh -c tr "\\0" " " < /proc/1/cmdline ');
        await s.ok(['run', '-d', '--init', '--name', 'tini', IMAGE, 'sleep', '1000']);
        const c = await inspectContainer(s, 'tini');
        assert.deepEqual([c.HostConfig.Init, c.Path, c.Args], [true, 'sleep', ['1000']], 'inspect shows the command, as Docker does');
        await s.ok(['stop', '-t', '60', 'tini']);
        assert.match(await statusOf(s, 'tini'), /^Exited \(143\) /, 'sleep got the SIGTERM through tini');
        assert.equal((await inspectContainer(s, (await s.ok(['create', IMAGE, 'true'])).stdout.trim())).HostConfig.Init, null);
      });
    });

    test('--tmpfs, --stop-signal and --stop-timeout, as Docker takes them', async (t) => {
      await withStore(t, async (s) => {
        const mounts = (await s.ok(['run', '--rm', '--tmpfs', '/run:size=1m', '--tmpfs', '/scratch', IMAGE, 'cat', '/proc/mounts'])).stdout;
        assert.match(mounts, /^tmpfs \/run tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k /m);
        assert.match(mounts, /^tmpfs \/scratch tmpfs rw,nosuid,nodev,noexec,relatime /m);
        assert.equal((await s.ok(['run', '--rm', '--tmpfs', '/scratch:exec', IMAGE, 'sh', '-c', 'cp /bin/busybox /scratch/busybox && /scratch/busybox true && echo ran'])).stdout, 'ran\n', 'exec overrides the default noexec');
        // The container traps SIGINT (its stop signal here) and exits 3; --stop-timeout is the default wait.
        await s.ok(['run', '-d', '--name', 'sig', '--stop-signal', 'SIGINT', '--stop-timeout', '30', '--tmpfs', '/run:size=1m', IMAGE, 'sh', '-c', 'trap "exit 3" INT; while :; do sleep 0.1; done']);
        const c = await inspectContainer(s, 'sig');
        assert.deepEqual([c.Config.StopSignal, c.Config.StopTimeout, c.HostConfig.Tmpfs], ['SIGINT', 30, { '/run': 'size=1m' }]);
        await s.ok(['stop', 'sig']);
        assert.match(await statusOf(s, 'sig'), /^Exited \(3\) /, 'stop sent SIGINT');
        // A container that ignores its stop signal is killed after its --stop-timeout when stop has no -t.
        await s.ok(['run', '-d', '--name', 'deaf', '--stop-timeout', '1', IMAGE, 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done']);
        await s.ok(['stop', 'deaf']);
        assert.match(await statusOf(s, 'deaf'), /^Exited \(137\) /);
        const refused: Array<[string[], string]> = [
          [['--stop-signal', 'FOO'], 'SIGNAL_INVALID'],
          [['--stop-timeout', 'soon'], 'STOP_TIMEOUT_INVALID'],
          [['--tmpfs', 'relative'], 'TMPFS_INVALID'],
          [['--tmpfs', '/'], 'TMPFS_INVALID'],
        ];
        for (const [flags, code] of refused) {
          const r = await s.berth(['create', ...flags, IMAGE, 'true']);
          assert.notEqual(r.code, 0, flags.join(' '));
          assert.ok(r.stderr.includes(`[${code}]`), r.stderr);
        }
        await s.ok(['rm', 'sig', 'deaf']);
      });
    });

    test('top: the container\'s processes from the host\'s ps, in Docker\'s table; ps options; refusals', async (t) => {
      await withStore(t, async (s) => {
        await s.ok(['run', '-d', '--name', 'busy', IMAGE, 'sh', '-c', 'sleep 1001 & exec sleep 1002']);
        const pid = (await inspectContainer(s, 'busy')).State.Pid as number;
        const lines = async (): Promise<string[]> => (await s.ok(['top', 'busy'])).stdout.trimEnd().split('\n');
        await until('both sleeps to run', async () => (await lines()).length === 3);
        const [head, ...rows] = await lines();
        assert.equal(head, ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME'].map((c) => c.padEnd(20)).join('') + 'CMD');
        const commands = rows.map((r) => r.slice(140)).sort();
        assert.deepEqual(commands, ['sleep 1001', 'sleep 1002']);
        assert.ok(rows.some((r) => r.slice(20, 40).trim() === String(pid)), 'the container\'s first process, by its host PID');
        const custom = (await s.ok(['top', 'busy', '-o', 'pid,comm'])).stdout.trimEnd().split('\n');
        assert.equal(custom[0], `${'PID'.padEnd(20)}COMMAND`);
        assert.deepEqual(custom.slice(1).map((l) => l.slice(20)), ['sleep', 'sleep']);
        const noPid = await s.berth(['top', 'busy', '-o', 'comm']);
        assert.equal(noPid.code, 1);
        assert.match(noPid.stderr, /Couldn't find PID field in ps output \[TOP_NO_PID\]/);
        await s.ok(['stop', '-t', '0', 'busy']);
        const stopped = await s.berth(['top', 'busy']);
        assert.equal(stopped.code, 1);
        assert.match(stopped.stderr, /is not running \[CONTAINER_NOT_RUNNING\]/);
        await s.ok(['rm', 'busy']);
      });
    });

    test('stats --no-stream: CPU, memory against the limit, processes, from the cgroups, in Docker\'s shapes', async (t) => {
      await withStore(t, async (s) => {
        await s.ok(['run', '-d', '--name', 'spin', '-m', '64m', IMAGE, 'sh', '-c', 'while :; do :; done']);
        await s.ok(['run', '-d', '--name', 'idle', IMAGE, 'sh', '-c', 'sleep 1000 & exec sleep 1001']);
        await s.ok(['create', '--name', 'never', IMAGE, 'true']);
        const rows = jsonLines((await s.ok(['stats', '--no-stream', '--format', 'json'])).stdout);
        assert.deepEqual(rows.map((r) => r.Name).sort(), ['idle', 'spin'], 'running containers only, by default');
        const spin = rows.find((r) => r.Name === 'spin')!;
        const idle = rows.find((r) => r.Name === 'idle')!;
        assert.deepEqual(Object.keys(spin), ['BlockIO', 'CPUPerc', 'Container', 'ID', 'MemPerc', 'MemUsage', 'Name', 'NetIO', 'PIDs']);
        const cpu = (r: Json): number => Number((r.CPUPerc as string).replace(/%$/, ''));
        assert.ok(cpu(spin) > 10, `a busy loop shows CPU: ${spin.CPUPerc}`);
        assert.ok(cpu(spin) > cpu(idle), `more than a sleeping one: ${spin.CPUPerc} against ${idle.CPUPerc}`);
        assert.match(spin.MemUsage, /^[\d.]+[KMG]?i?B \/ 64MiB$/, 'against its -m limit');
        assert.match(spin.MemPerc, /^\d+\.\d\d%$/);
        assert.equal(idle.PIDs, '2');
        assert.equal(spin.NetIO, '0B / 0B');
        const table = (await s.ok(['stats', '--no-stream', 'spin'])).stdout.split('\n');
        assert.match(table[0]!, /^CONTAINER ID {3}NAME {6}CPU % {5}MEM USAGE \/ LIMIT {3}MEM % {5}NET I\/O {3}BLOCK I\/O {3}PIDS$/);
        assert.match(table[1]!, /^[0-9a-f]{12} {3}spin /);
        const all = jsonLines((await s.ok(['stats', '--no-stream', '-a', '--format', 'json'])).stdout);
        const never = all.find((r) => r.Name === 'never')!;
        assert.deepEqual([never.CPUPerc, never.MemUsage, never.PIDs], ['0.00%', '0B / 0B', '0'], 'a container that does not run shows zeros');
        const missing = await s.berth(['stats', '--no-stream', 'no-such']);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /No such container: no-such/);
        await s.ok(['rm', '-f', 'spin', 'idle', 'never']);
      });
    });

    test('logs --since and --until take the times logs -t prints; a bad one is refused', async (t) => {
      await withStore(t, async (s) => {
        await s.ok(['run', '--name', 'twice', IMAGE, 'sh', '-c', 'echo first; sleep 1.2; echo second']);
        const stamped = (await s.ok(['logs', '-t', 'twice'])).stdout.trimEnd().split('\n').map((l) => l.split(' ')[0]!);
        assert.equal(stamped.length, 2);
        const [first, second] = stamped as [string, string];
        assert.equal((await s.ok(['logs', '--since', second, 'twice'])).stdout, 'second\n');
        assert.equal((await s.ok(['logs', '--until', first, 'twice'])).stdout, 'first\n');
        assert.equal((await s.ok(['logs', '--since', first, '--until', second, 'twice'])).stdout, 'first\nsecond\n');
        assert.equal((await s.ok(['logs', '--until', '2000-01-01T00:00:00Z', 'twice'])).stdout, '');
        const bad = await s.berth(['logs', '--since', 'yesterday', 'twice']);
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /invalid value for "since": failed to parse value as time or duration: "yesterday" \[LOG_TIME_INVALID\]/);
        await s.ok(['rm', '-v', 'twice']); // Docker's -v is accepted: anonymous volumes go either way
      });
    });

    test('rename: a running container keeps running under its new name; Docker\'s refusals', async (t) => {
      await withStore(t, async (s) => {
        const id = (await s.ok(['run', '-d', '--name', 'before', IMAGE, 'sleep', '1000'])).stdout.trim();
        await s.ok(['create', '--name', 'other', IMAGE, 'true']);
        const renamed = await s.ok(['rename', 'before', 'after']);
        assert.equal(renamed.stdout, '', 'no output, as in Docker');
        assert.match(await statusOf(s, 'after'), /^Up /);
        assert.equal((await inspectContainer(s, 'after')).Id, id);
        assert.equal((await inspectContainer(s, 'after')).Name, '/after');
        const gone = await s.berth(['inspect', 'before']);
        assert.notEqual(gone.code, 0, 'the old name is free');
        await s.ok(['rename', id.slice(0, 12), '/again']);
        assert.equal((await inspectContainer(s, id)).Name, '/again', 'an ID prefix, and a leading / as Docker takes it');
        const refusals: Array<[string[], RegExp, string]> = [
          [['rename', 'again', 'again'], /same name as its current name/, 'CONTAINER_NAME_SAME'],
          [['rename', 'again', 'other'], /The container name "\/other" is already in use by container "[0-9a-f]{64}"/, 'CONTAINER_NAME_IN_USE'],
          [['rename', 'again', 'bad name!'], /Invalid container name/, 'CONTAINER_NAME_INVALID'],
          [['rename', 'no-such', 'x'], /No such container: no-such/, 'CONTAINER_NOT_FOUND'],
        ];
        for (const [argv, message, code] of refusals) {
          const r = await s.berth(argv);
          assert.equal(r.code, 1, `${argv.join(' ')} exits 1, as docker rename does`);
          assert.match(r.stderr, message);
          assert.ok(r.stderr.includes(`[${code}]`), r.stderr);
        }
        assert.deepEqual((await psRows(s)).map((r) => r.Names).sort(), ['again', 'other'], 'the refusals changed nothing');
        await s.ok(['rm', '-f', 'again', 'other']);
      });
    });

    test('ps -s: a fresh container\'s size is 0B (virtual the image), one that wrote 1 MB shows it', async (t) => {
      await withStore(t, async (s) => {
        await s.ok(['run', '--name', 'small', IMAGE, 'true']);
        await s.ok(['run', '--name', 'big', IMAGE, 'dd', 'if=/dev/zero', 'of=/big', 'bs=1024', 'count=1024']);
        const rows = await psRows(s, ['-a', '-s']);
        const small = rows.find((r) => r.Names === 'small');
        const big = rows.find((r) => r.Names === 'big');
        assert.match(small.Size, /^0B \(virtual 1\.\d+MB\)$/);
        assert.equal(big.Size.split(' ')[0], '1.05MB', `1 MiB written: ${big.Size}`);
        assert.match(big.Size, /^1\.05MB \(virtual 3\.\d+MB\)$/);
        const table = (await s.ok(['ps', '-a', '-s'])).stdout;
        assert.match(table.split('\n')[0]!, /NAMES\s+SIZE$/);
        assert.match(table, /big\s+1\.05MB \(virtual/);
        assert.equal((await psRows(s, ['-a'])).find((r) => r.Names === 'big').Size, '0B', 'without -s no size is computed');
      });
    });

    test('rm of a running container needs -f; prune removes only stopped containers', async (t) => {
      await withStore(t, async (s) => {
        const running = (await s.ok(['run', '-d', '--name', 'busy', IMAGE, 'sleep', '1000'])).stdout.trim();
        const refused = await s.berth(['rm', 'busy']);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /You cannot remove a running container/);
        assert.match(await statusOf(s, 'busy'), /^Up /, 'still running');
        assert.ok(existsSync(join(s.root, 'v1', 'containers', running)));
        const forced = await s.ok(['rm', '-f', 'busy']);
        assert.equal(forced.stdout, 'busy\n');
        assert.equal(await psRow(s, 'busy'), undefined);
        assert.equal(existsSync(join(s.root, 'v1', 'containers', running)), false, 'its directory is gone');
        assert.deepEqual(mountsUnder(s.root), []);
        assert.equal(existsSync(join(runtimeBase(s.root), 'runc', running)), false, 'the runtime forgot it');
        const noSuch = await s.berth(['rm', 'busy']);
        assert.equal(noSuch.code, 1);
        assert.match(noSuch.stderr, /No such container: busy/);

        const keep = (await s.ok(['run', '-d', '--name', 'keep', IMAGE, 'sleep', '1000'])).stdout.trim();
        const stopped1 = (await s.ok(['run', '-d', '--name', 'stopped1', IMAGE, 'true'])).stdout.trim();
        const stopped2 = (await s.ok(['create', '--name', 'stopped2', IMAGE, 'true'])).stdout.trim();
        await s.ok(['wait', 'stopped1']);
        const prune = await s.ok(['container', 'prune', '-f']);
        assert.match(prune.stdout, /^Deleted Containers:\n/);
        assert.ok(prune.stdout.includes(`${stopped1}\n`));
        assert.ok(prune.stdout.includes(`${stopped2}\n`));
        assert.ok(!prune.stdout.includes(keep));
        assert.match(prune.stdout, /Total reclaimed space: /);
        assert.deepEqual((await psRows(s)).map((r) => r.Names), ['keep']);
        assert.deepEqual(containerDirs(s), [keep]);
        const declined = await s.ok(['container', 'prune'], { stdin: Buffer.from('n\n') });
        assert.match(declined.stdout, /Are you sure you want to continue\? \[y\/N\]/);
        assert.deepEqual((await psRows(s)).map((r) => r.Names), ['keep']);
      });
    });

    test('container inspect and inspect: state, config, host config, graph driver', async (t) => {
      await withStore(t, async (s) => {
        await s.berth(['run', '--name', 'insp', '-e', 'X=1', '-w', '/tmp', '-u', 'user', IMAGE, 'sh', '-c', 'exit 6']);
        const c = await inspectContainer(s, 'insp');
        assert.match(c.Id, HEX64);
        assert.equal(c.Name, '/insp');
        assert.equal(c.State.Status, 'exited');
        assert.equal(c.State.Running, false);
        assert.equal(c.State.ExitCode, 6);
        assert.ok(Date.parse(c.State.FinishedAt) >= Date.parse(c.State.StartedAt));
        assert.equal(c.Path, 'sh');
        assert.deepEqual(c.Args, ['-c', 'exit 6']);
        assert.deepEqual(c.Config.Cmd, ['sh', '-c', 'exit 6']);
        assert.equal(c.Config.Image, IMAGE);
        assert.equal(c.Config.User, 'user');
        assert.equal(c.Config.WorkingDir, '/tmp');
        assert.ok(c.Config.Env.includes('X=1'));
        assert.equal(c.HostConfig.AutoRemove, false);
        assert.equal(c.HostConfig.ReadonlyRootfs, false);
        const images = await buildBusyboxImages();
        assert.equal(c.Image, images.ids[IMAGE]);
        assert.equal(c.Driver, 'overlay');
        assert.ok(statSync(c.GraphDriver.Data.UpperDir).isDirectory(), 'UpperDir exists');
        assert.ok(statSync(c.GraphDriver.Data.WorkDir).isDirectory(), 'WorkDir exists');
        for (const lower of (c.GraphDriver.Data.LowerDir as string).split(':')) {
          // An unpacked layer's directory, or a layer's index (a file the kernel mounts).
          assert.ok(lower.endsWith('.erofs') ? statSync(lower).isFile() : statSync(lower).isDirectory(), `LowerDir ${lower} exists`);
        }
        assert.ok(c.LogPath.startsWith(join(s.root, 'v1', 'containers', c.Id)));

        await s.ok(['create', '--rm', '--read-only', '--name', 'auto', IMAGE, 'true']);
        const auto = await inspectContainer(s, 'auto');
        assert.equal(auto.HostConfig.AutoRemove, true);
        assert.equal(auto.HostConfig.ReadonlyRootfs, true);
        assert.equal(auto.State.Status, 'created');

        const generic = await s.ok(['inspect', 'insp']);
        const parsed = JSON.parse(generic.stdout) as Json[];
        assert.equal(parsed[0].Id, c.Id, 'berth inspect finds a container by name');
        assert.equal((await s.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', c.Id.slice(0, 10)])).stdout, 'exited 6\n');
        const both = JSON.parse((await s.ok(['inspect', 'insp', IMAGE])).stdout) as Json[];
        assert.equal(both.length, 2);
        assert.equal(both[1].Id, images.ids[IMAGE], 'and an image in the same call');
        const none = await s.berth(['container', 'inspect', IMAGE]);
        assert.equal(none.code, 1, 'container inspect does not take an image');
        assert.match(none.stderr, /No such container/);
      });
    });

    test('rmi refuses an image a container uses, and the image stays', async (t) => {
      await withStore(t, async (s) => {
        const images = await buildBusyboxImages();
        const id = images.ids[IMAGE]!;
        await s.ok(['create', '--name', 'user-of-image', IMAGE, 'true']);
        const byTag = await s.berth(['rmi', IMAGE]);
        assert.equal(byTag.code, 1);
        assert.match(byTag.stderr, /must force|is using its referenced image|image is being used by/);
        const byId = await s.berth(['rmi', id]);
        assert.equal(byId.code, 1);
        assert.match(byId.stderr, /image is being used by stopped container [0-9a-f]{12}/);
        await s.ok(['start', 'user-of-image']);
        await s.ok(['run', '-d', '--name', 'runner', IMAGE, 'sleep', '1000']);
        const forcedRunning = await s.berth(['rmi', '-f', id]);
        assert.equal(forcedRunning.code, 1);
        assert.match(forcedRunning.stderr, /cannot be forced\) - image is being used by running container/);
        const listed = (await s.ok(['images', '--format', 'json'])).stdout;
        assert.ok(listed.includes('"Tag":"latest"'), 'bbtest:latest is still there');
        assert.equal((await s.ok(['run', '--rm', IMAGE, 'echo', 'still usable'])).stdout, 'still usable\n');
        // Once no container uses it, it goes.
        await s.ok(['rm', '-f', 'runner', 'user-of-image']);
        await s.ok(['rmi', IMAGE]);
      });
    });
  });

  describe('volumes the image declares (VOLUME)', () => {
    test('each is a directory of the container\'s own, seeded from the image, kept across restarts, left out of diff, commit and export, gone with the container', async (t) => {
      await withStore(t, async (s) => {
        const base = await readFile((await buildBusyboxImages()).baseLayer);
        const data = tar([
          { name: 'data/', type: 'dir', mode: 0o750, pax: { uid: '1000', gid: '1000' } },
          { name: 'data/seed.txt', data: 'from the image\n', pax: { uid: '1000', gid: '1000' } },
        ]);
        const archive = join(s.work, 'volume.tar');
        // "/srv/../cache/" is the image's spelling; it is the volume /cache.
        await writeFile(archive, new DockerArchive({ layers: [base, data], tags: ['vol/image:1'], containerConfig: { Volumes: { '/data': {}, '/srv/../cache/': {} } } }).tar());
        await s.ok(['load', '-q', '-i', archive]);

        const first = await s.ok(['run', '--name', 'vol', 'vol/image:1', 'sh', '-c',
          'cat /data/seed.txt; stat -c "%u:%g %a" /data; echo written > /data/new.txt; echo cached > /cache/c.txt; echo layer > /layer.txt; grep -c " /data \\| /cache " /proc/self/mountinfo']);
        assert.equal(first.stdout, 'from the image\n1000:1000 750\n2\n', 'seeded with the image\'s content, owner and mode; both are mounts');

        const inspect = await inspectContainer(s, 'vol');
        const volumes = (inspect.Mounts as Json[]).filter((m) => m.Type === 'volume');
        assert.deepEqual(volumes.map((m) => m.Destination).sort(), ['/cache', '/data']);
        for (const m of volumes) {
          assert.match(m.Name as string, HEX64);
          assert.equal(m.Source, join(s.root, 'v1', 'containers', inspect.Id as string, 'volumes', m.Name as string));
        }

        // What the container wrote there is not part of its layer.
        const diff = (await s.ok(['diff', 'vol'])).stdout;
        assert.match(diff, /^A \/layer\.txt$/m);
        assert.doesNotMatch(diff, /new\.txt|c\.txt/);
        const exported = join(s.work, 'vol.tar');
        await s.ok(['export', '-o', exported, 'vol']);
        const names = (await run('tar', ['-tf', exported])).stdout.split('\n');
        assert.ok(names.includes('data/seed.txt') && names.includes('layer.txt'), 'the image\'s content under the mount point is exported');
        assert.ok(!names.some((n) => n.endsWith('new.txt') || n.endsWith('c.txt')), 'the volumes\' content is not');
        await s.ok(['commit', 'vol', 'vol/committed:1']);
        const committed = await s.ok(['run', '--rm', 'vol/committed:1', 'sh', '-c', 'cat /layer.txt; ls /data']);
        assert.equal(committed.stdout, 'layer\nseed.txt\n', 'the commit keeps the layer, not the volume');

        // A restart finds the volume as the container left it.
        const again = await s.ok(['start', '-a', 'vol']);
        assert.equal(again.stdout, 'from the image\n1000:1000 750\n2\n');
        const volumeDir = join(s.root, 'v1', 'containers', inspect.Id as string, 'volumes');
        const dataVolume = volumes.find((m) => m.Destination === '/data')!;
        assert.equal(readFileSync(join(volumeDir, dataVolume.Name as string, 'new.txt'), 'utf8'), 'written\n');

        await s.ok(['rm', 'vol']);
        await until('the container directory, volumes included, to be deleted', () => !existsSync(volumeDir), 60_000);
      });
    });

    test('a -v on the same path replaces the image\'s volume', async (t) => {
      await withStore(t, async (s) => {
        const base = await readFile((await buildBusyboxImages()).baseLayer);
        const archive = join(s.work, 'volume.tar');
        await writeFile(archive, new DockerArchive({ layers: [base], tags: ['vol/image:2'], containerConfig: { Volumes: { '/data': {} } } }).tar());
        await s.ok(['load', '-q', '-i', archive]);
        const host = join(s.work, 'host-data');
        await s.ok(['run', '--rm', '-v', `${host}:/data`, 'vol/image:2', 'sh', '-c', 'echo from-container > /data/f']);
        assert.equal(readFileSync(join(host, 'f'), 'utf8'), 'from-container\n');
        await s.ok(['create', '--name', 'bound', '-v', `${host}:/data/`, 'vol/image:2', 'true']);
        const mounts = (await inspectContainer(s, 'bound')).Mounts as Json[];
        assert.deepEqual(mounts.map((m) => [m.Type, m.Destination]), [['bind', '/data']]);
        await s.ok(['rm', 'bound']);
      });
    });
  });

  describe('layers', { concurrency: 2 }, () => {
    test('two containers on one image share its unpacked layer and do not see each other\'s changes', async (t) => {
      await withStore(t, async (s) => {
        const images = await buildBusyboxImages();
        const one = (await s.ok(['run', '-d', '--name', 'one', IMAGE, 'sh', '-c', 'echo changed > /etc/issue; echo mine > /only-one; rm /etc/group; exec sleep 1000'])).stdout.trim();
        const two = (await s.ok(['run', '-d', '--name', 'two', IMAGE, 'sleep', '1000'])).stdout.trim();
        const layers = layerDirs(s);
        assert.deepEqual(layers, [images.baseDiffId.slice(7)], 'one layer (an index, or a directory where the kernel cannot mount one), named by the chain ID');
        const c1 = await inspectContainer(s, 'one');
        const c2 = await inspectContainer(s, 'two');
        const prepared = preparedLayer(s, layers[0]!);
        assert.equal(c1.GraphDriver.Data.LowerDir, prepared);
        assert.equal(c2.GraphDriver.Data.LowerDir, prepared);
        const lower = layerTree(prepared);
        assert.notEqual(c1.GraphDriver.Data.UpperDir, c2.GraphDriver.Data.UpperDir);
        // Both roots are mounted, from the same lower directory (the kernel's view).
        assert.deepEqual(mountsUnder(s.root).sort(), [c1.GraphDriver.Data.MergedDir, c2.GraphDriver.Data.MergedDir].sort());
        await until('container one to make its changes', () => existsSync(join(c1.GraphDriver.Data.UpperDir, 'only-one')));
        await sleep(100);
        const merged1 = c1.GraphDriver.Data.MergedDir as string;
        const merged2 = c2.GraphDriver.Data.MergedDir as string;
        assert.equal(readFileSync(join(merged1, 'etc', 'issue'), 'utf8'), 'changed\n');
        assert.equal(existsSync(join(merged1, 'etc', 'group')), false);
        assert.equal(readFileSync(join(merged2, 'etc', 'issue'), 'utf8'), 'busybox test image\n', 'two still sees the image\'s file');
        assert.equal(existsSync(join(merged2, 'only-one')), false);
        assert.ok(existsSync(join(merged2, 'etc', 'group')));
        assert.equal(readFileSync(join(lower, 'etc', 'issue'), 'utf8'), 'busybox test image\n', 'the shared layer is unchanged');
        assert.ok(existsSync(join(lower, 'etc', 'group')));
        const third = await s.ok(['run', '--rm', IMAGE, 'sh', '-c', 'cat /etc/issue; test -e /only-one && echo leaked; test -f /etc/group && echo group']);
        assert.equal(third.stdout, 'busybox test image\ngroup\n', 'a new container starts from the image');
        assert.deepEqual(layerDirs(s), layers, 'no second unpack');
        assert.ok(one !== two);
      });
    });

    test('the 2-layer image: the deleted file and directory are absent, the replaced directory shows only its new contents', async (t) => {
      await withStore(t, async (s) => {
        const images = await buildBusyboxImages();
        const r = await s.ok(['run', '--name', 'wh', IMAGE_TWO_LAYERS, 'sh', '-c',
          'test -e /etc/issue && echo issue; test -e /opt/gone && echo gone; ls -A /opt/data; ls -A /opt; cat /opt/added.txt; test -e /etc/.wh.issue && echo marker; true']);
        assert.equal(r.stdout, 'new.txt\nadded.txt\ndata\nadded\n');
        const c = await inspectContainer(s, 'wh');
        const lowers = (c.GraphDriver.Data.LowerDir as string).split(':');
        assert.equal(lowers.length, 2);
        const [topLayer, bottomLayer] = lowers as [string, string];
        const top = layerTree(topLayer);
        const bottom = layerTree(bottomLayer);
        assert.equal(bottomLayer, preparedLayer(s, images.baseDiffId.slice(7)), 'the base layer is the lowest (Docker lists top first)');
        // On disk: the base layer whole, the top layer with overlayfs whiteouts as Berth made them.
        assert.ok(existsSync(join(bottom, 'etc', 'issue')));
        assert.ok(existsSync(join(bottom, 'opt', 'data', 'sub', 'deep.txt')));
        const wo = lstatSync(join(top, 'etc', 'issue'));
        assert.ok(wo.isCharacterDevice() && wo.rdev === 0, 'a .wh. file became a 0/0 character device');
        assert.ok(lstatSync(join(top, 'opt', 'gone')).isCharacterDevice());
        assert.equal(existsSync(join(top, 'etc', '.wh.issue')), false);
        assert.equal(existsSync(join(top, 'opt', 'data', '.wh..wh..opq')), false);
        const xattr = await run('getfattr', ['--absolute-names', '-n', 'trusted.overlay.opaque', '--only-values', join(top, 'opt', 'data')]);
        assert.equal(xattr.code, 0, xattr.stderr);
        assert.equal(xattr.stdout, 'y');
        // The base image, run beside it, still has everything.
        const baseRun = await s.ok(['run', '--rm', IMAGE, 'sh', '-c', 'cat /etc/issue; ls /opt/data /opt/gone']);
        assert.equal(baseRun.stdout, 'busybox test image\n/opt/data:\nold.txt\nsub\n\n/opt/gone:\nfile.txt\n');
      });
    });
  });

  describe('terminals: run -it, attach, exec, detach keys (on a real pty)', { concurrency: 2 }, () => {
    test('run -it: an interactive shell on a terminal, exiting with its status', async (t) => {
      await withStore(t, async (s) => {
        const pty = ptySession(s.root, ['run', '-it', '--name', 'inter', IMAGE, 'sh']);
        await pty.waitFor('/ # ');
        pty.type('tty; echo in""side; exit 3\n');
        await pty.waitFor('inside');
        assert.equal(await pty.exit(), 3, `the terminal showed ${JSON.stringify(pty.output())}`);
        assert.match(pty.output(), /\/dev\/pts\/\d+/, 'the shell had a terminal of its own');
        assert.match(await statusOf(s, 'inter'), /^Exited \(3\) /);
        assert.equal((await inspectContainer(s, 'inter')).State.ExitCode, 3);
      });
    });

    test('Ctrl-P Ctrl-Q detaches and leaves it running; attach and exec -it reach it; exit from attach ends it', async (t) => {
      await withStore(t, async (s) => {
        const run = ptySession(s.root, ['run', '-it', '--name', 'det', IMAGE, 'sh']);
        await run.waitFor('/ # ');
        run.type('echo fi""rst\n');
        await run.waitFor('first');
        run.type('\x10\x11');
        assert.equal(await run.exit(), 0, `run -it returns 0 on detach; the terminal showed ${JSON.stringify(run.output())}`);
        assert.match(await statusOf(s, 'det'), /^Up /, 'still running after the detach');

        const exec = ptySession(s.root, ['exec', '-it', 'det', 'sh']);
        await exec.waitFor('/ # ');
        exec.type('tty; echo ex""ec-$TERM; exit 4\n');
        await exec.waitFor('exec-xterm');
        assert.equal(await exec.exit(), 4, `exec -it exits with its command's status; terminal: ${JSON.stringify(exec.output())}`);
        assert.match(exec.output(), /\/dev\/pts\/\d+/);
        assert.match(await statusOf(s, 'det'), /^Up /, 'the container outlives the exec');

        const attach = ptySession(s.root, ['attach', 'det']);
        await sleep(300);
        attach.type('echo ba""ck\n');
        await attach.waitFor('back');
        const mark = attach.output().length;
        attach.type('exit 5\n');
        assert.equal(await attach.exit(), 5, `attach exits with the container's status; terminal: ${JSON.stringify(attach.output().slice(mark))}`);
        await until('det to be exited', async () => (await statusOf(s, 'det')).startsWith('Exited (5)'));
      });
    });

    test('--detach-keys on attach; a -dit container stays up with a terminal; exec without -t', async (t) => {
      await withStore(t, async (s) => {
        const id = (await s.ok(['run', '-dit', '--name', 'bg', IMAGE, 'sh'])).stdout.trim();
        assert.match(id, HEX64);
        await sleep(500);
        assert.match(await statusOf(s, 'bg'), /^Up /, 'sh with a terminal and open stdin does not exit');
        const c = await inspectContainer(s, 'bg');
        assert.equal(c.Config.Tty, true);
        assert.equal(c.Config.OpenStdin, true);
        const plain = await s.berth(['exec', '-e', 'X=1', '-w', '/etc', '-u', '1000', 'bg', 'sh', '-c', 'echo $X $(pwd) $(id -u); exit 7']);
        assert.equal(plain.code, 7);
        assert.equal(plain.stdout, '1 /etc 1000\n');
        const missing = await s.berth(['exec', 'bg', 'no-such-command']);
        assert.equal(missing.code, 127);
        assert.equal(missing.stderr.split('\n').filter((l) => /executable file not found/.test(l)).length, 1, `the failure is told once: ${missing.stderr}`);
        assert.match(missing.stderr, /\[COMMAND_NOT_FOUND\]/);
        const ownLine = await s.berth(['exec', 'bg', 'sh', '-c', 'echo "exec failed: the program\'s own words" >&2']);
        assert.equal(ownLine.code, 0);
        assert.equal(ownLine.stderr, 'exec failed: the program\'s own words\n', 'a process\'s own stderr is never held back');
        const attach = ptySession(s.root, ['attach', '--detach-keys', 'ctrl-x,x', 'bg']);
        await sleep(300);
        attach.type('echo wi""th-keys\n');
        await attach.waitFor('with-keys');
        attach.type('\x10\x11'); // the default keys mean nothing now
        await sleep(300);
        attach.type('\x18x');
        assert.equal(await attach.exit(), 0, `terminal: ${JSON.stringify(attach.output())}`);
        assert.match(await statusOf(s, 'bg'), /^Up /);
        const stdinRun = await s.berth(['exec', '-i', 'bg', 'sh', '-c', 'cat | tr a-z A-Z'], { stdin: Buffer.from('piped in\n') });
        assert.equal(stdinRun.stdout, 'PIPED IN\n', 'exec -i passes stdin and ends at its EOF');
      });
    });
  });

  describe('the vfs storage driver', { concurrency: 2 }, () => {
    test('--storage-driver vfs: a private copy with the same view as overlay, nothing mounted, sizes from the changes', async (t) => {
      await withStore(t, async (s) => {
        const script = 'test -e /etc/issue && echo issue; test -e /opt/gone && echo gone; ls -A /opt/data; ls -A /opt; cat /opt/added.txt; test -e /etc/.wh.issue && echo marker; true';
        const r = await s.ok(['run', '--storage-driver', 'vfs', '--name', 'copy', IMAGE_TWO_LAYERS, 'sh', '-c', `${script}; head -c 5000 /dev/zero > /written`]);
        assert.equal(r.stdout, 'new.txt\nadded.txt\ndata\nadded\n', 'whiteouts and the opaque directory applied as overlay does');
        const c = await inspectContainer(s, 'copy');
        assert.equal(c.GraphDriver.Name, 'vfs');
        const rootfs = c.GraphDriver.Data.Dir as string;
        assert.deepEqual(mountsUnder(s.root), [], 'a vfs root is a directory, not a mount');
        assert.ok(lstatSync(rootfs).isDirectory());
        assert.equal(existsSync(join(rootfs, 'etc', 'issue')), false, 'no whiteout device left in the copy');
        assert.equal(existsSync(join(rootfs, 'opt', 'data', 'old.txt')), false);
        const xattr = await run('getfattr', ['--absolute-names', '-n', 'trusted.overlay.opaque', join(rootfs, 'opt', 'data')]);
        assert.notEqual(xattr.code, 0, 'no overlay xattr left in the copy');
        assert.equal(readFileSync(join(rootfs, 'written')).length, 5000);
        const row = await psRow(s, 'copy');
        const sized = (await jsonLines((await s.ok(['ps', '-a', '-s', '--format', 'json'])).stdout)).find((x) => x.Names === 'copy')!;
        assert.ok(row !== undefined);
        assert.match(sized.Size as string, /^5kB \(virtual [0-9.]+[kM]B\)$/, 'only the written file counts, not the copied image');
        // A second start reuses the copy (the file written by the first run is still there).
        const again = await s.ok(['start', '-a', 'copy']);
        assert.equal(again.stdout, r.stdout);
        assert.equal(readFileSync(join(rootfs, 'written')).length, 5000);
        // Another vfs container on the same image does not see it.
        const other = await s.ok(['run', '--rm', '--storage-driver', 'vfs', IMAGE_TWO_LAYERS, 'sh', '-c', 'test -e /written && echo leaked; cat /opt/added.txt']);
        assert.equal(other.stdout, 'added\n');
        await s.ok(['rm', 'copy']);
        assert.equal(existsSync(rootfs), false, 'rm deletes the copy');
      });
    });

    test('an unknown storage driver is refused before anything is created', async (t) => {
      await withStore(t, async (s) => {
        const r = await s.berth(['run', '--storage-driver', 'zfs', IMAGE, 'true']);
        assert.equal(r.code, 125);
        assert.match(r.stderr, /storage driver "zfs" is not supported: use overlay \(the default\) or vfs/);
        assert.equal((await psRows(s)).length, 0);
      });
    });
  });

  describe('ps --format templates', () => {
    test('a Go template per line, and a table template with Docker\'s column names', async (t) => {
      await withStore(t, async (s) => {
        await s.ok(['create', '--name', 'tpl', IMAGE, 'true']);
        assert.equal((await s.ok(['ps', '-a', '--format', '{{.Names}} {{.State}}'])).stdout, 'tpl created\n');
        assert.equal((await s.ok(['ps', '-a', '--format', 'table {{.Names}}\\t{{.Status}}'])).stdout, 'NAMES     STATUS\ntpl       Created\n');
        await s.ok(['rm', 'tpl']);
      });
    });
  });

  describe('state stays true', { concurrency: 2 }, () => {
    test('what a killed --rm cleanup leaves (a retired directory, still mounted; a directory without a record) is swept by the next create or prune', async (t) => {
      await withStore(t, async (s) => {
        await s.ok(['run', '-d', '--name', 'keep', IMAGE, 'sleep', '1000']); // running: prune keeps it
        const containers = join(s.root, 'v1', 'containers');
        const retired = join(containers, `.removed-${'a'.repeat(64)}`);
        const orphan = join(containers, 'b'.repeat(64));
        for (const dir of [join(retired, 'rootfs'), join(orphan, 'rootfs')]) await run('mkdir', ['-p', dir]);
        await writeFile(join(retired, 'cleaner'), '999999999-1'); // a cleaner that is long gone
        const mounted = await run('mount', ['-t', 'tmpfs', 'tmpfs', join(retired, 'rootfs')]);
        assert.equal(mounted.code, 0, mounted.stderr);
        await writeFile(join(retired, 'rootfs', 'inside'), 'x');
        assert.equal(mountsUnder(retired).length, 1);
        await s.ok(['container', 'prune', '-f']);
        assert.deepEqual(mountsUnder(retired), [], 'the retired root was unmounted');
        assert.equal(existsSync(retired), false);
        assert.equal(existsSync(orphan), false, 'a directory without a record is removed');
        assert.equal(containerDirs(s).length, 1, 'the running container is untouched');
        assert.match(await statusOf(s, 'keep'), /^Up /);
        await run('mkdir', ['-p', join(retired, 'rootfs')]);
        await s.ok(['create', '--name', 'next', IMAGE, 'true']);
        assert.equal(existsSync(retired), false, 'create sweeps as well');
        await s.ok(['rm', '-f', 'keep', 'next']);
      });
    });

    test('a killed monitor: the container still shows Up while it runs, Exited once it is gone', async (t) => {
      await withStore(t, async (s) => {
        const id = (await s.ok(['run', '-d', '--name', 'orphan', IMAGE, 'sleep', '1000'])).stdout.trim();
        const dir = join(s.root, 'v1', 'containers', id);
        const conmon = Number(readFileSync(join(dir, 'conmon.pid'), 'utf8').trim());
        const pid = Number(readFileSync(join(dir, 'pid'), 'utf8').trim());
        assert.ok(processAlive(conmon) && processAlive(pid));
        process.kill(conmon, 'SIGKILL');
        await until('conmon to die', () => !processAlive(conmon));
        assert.match(await statusOf(s, 'orphan'), /^Up /, 'the container itself still runs');
        assert.ok(processAlive(pid));
        process.kill(pid, 'SIGKILL');
        await until('the container process to die', () => !processAlive(pid));
        assert.match(await statusOf(s, 'orphan'), /^Exited \(255\) /, 'nobody saw its status: 255');
        const c = await inspectContainer(s, 'orphan');
        assert.equal(c.State.Status, 'exited');
        assert.deepEqual(mountsUnder(s.root), [], 'refreshing the state released the root');
        assert.equal(existsSync(join(runtimeBase(s.root), 'runc', id)), false, 'and the runtime\'s state');
        // It can run again.
        await s.ok(['start', 'orphan']);
        assert.match(await statusOf(s, 'orphan'), /^Up /);
        await s.ok(['rm', '-f', 'orphan']);
        assert.equal(existsSync(dir), false);
      });
    });

    test('a simulated reboot (monitor and container gone, root unmounted, /run emptied): Exited (255), and rm cleans up', async (t) => {
      await withStore(t, async (s) => {
        const id = (await s.ok(['run', '-d', '--name', 'rebooted', IMAGE, 'sleep', '1000'])).stdout.trim();
        const id2 = (await s.ok(['run', '-d', '--name', 'rebooted2', IMAGE, 'sleep', '1000'])).stdout.trim();
        for (const cid of [id, id2]) {
          const dir = join(s.root, 'v1', 'containers', cid);
          const conmon = Number(readFileSync(join(dir, 'conmon.pid'), 'utf8').trim());
          const pid = Number(readFileSync(join(dir, 'pid'), 'utf8').trim());
          process.kill(conmon, 'SIGKILL');
          process.kill(pid, 'SIGKILL');
          await until('the processes to die', () => !processAlive(conmon) && !processAlive(pid));
          const umount = await run('umount', [join(dir, 'rootfs')]);
          assert.equal(umount.code, 0, umount.stderr);
          // What a reboot takes with it: the runtime's state (tmpfs) and the container's cgroups.
          await rm(join(runtimeBase(s.root), 'runc', cid), { recursive: true, force: true });
          for (const controller of readdirSync('/sys/fs/cgroup')) {
            try {
              rmdirSync(join('/sys/fs/cgroup', controller, 'berth', cid));
            } catch {
              // not in this hierarchy
            }
          }
        }
        await rm(runtimeBase(s.root), { recursive: true, force: true });
        const rows = await psRows(s);
        assert.deepEqual(rows.map((r) => r.Names).sort(), ['rebooted', 'rebooted2']);
        for (const row of rows) assert.match(row.Status, /^Exited \(255\) /);
        assert.deepEqual((await s.ok(['ps', '-q'])).stdout, '', 'nothing claims to run');
        assert.equal((await s.ok(['rm', 'rebooted'])).stdout, 'rebooted\n', 'rm needs no -f: it is not running');
        assert.equal(existsSync(join(s.root, 'v1', 'containers', id)), false);
        // The other one starts again after the "reboot".
        await s.ok(['start', 'rebooted2']);
        assert.match(await statusOf(s, 'rebooted2'), /^Up /);
        await s.ok(['rm', '-f', 'rebooted2']);
        assert.deepEqual(containerDirs(s), []);
        assert.deepEqual(mountsUnder(s.root), []);
      });
    });
  });
});
