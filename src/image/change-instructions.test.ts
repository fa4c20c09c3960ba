import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../internal/errors.js';
import { applyChanges, parseGoDuration } from './change-instructions.js';

// Expected values are what Docker 20.10's daemon wrote for `docker import -c ...` (observed),
// except where a comment says the current Docker differs (STOPSIGNAL, --retries=0).

function changed(instructions: string[], base: Record<string, unknown> = {}): Record<string, unknown> {
  return applyChanges(base, instructions, 'import');
}

function assertRefused(instructions: string[], message: string | RegExp, base: Record<string, unknown> = {}): void {
  assert.throws(() => applyChanges(base, instructions, 'commit'), (err: unknown) => {
    assert.ok(err instanceof BerthError, `expected a BerthError for ${JSON.stringify(instructions)}`);
    assert.equal(err.code, 'CHANGE_INVALID');
    assert.equal(err.kind, 'invalid_argument');
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    assert.match(err.hint ?? '', /berth commit --change/);
    return true;
  });
}

test('instructions outside the allow-list are refused with Docker\'s message', () => {
  for (const [line, word] of [
    ['RUN echo', 'run'],
    ['run echo', 'run'],
    ['Run echo', 'run'],
    ['FROM busybox', 'from'],
    ['COPY a b', 'copy'],
    ['ARG x', 'arg'],
    ['SHELL ["/bin/bash","-c"]', 'shell'],
    ['MAINTAINER me', 'maintainer'],
    ['FOO bar', 'foo'],
    // podman's KEY=VALUE form is not Docker's: the whole first word is the instruction.
    ['CMD=/bin/bash', 'cmd=/bin/bash'],
  ] as const) {
    assertRefused([line], `${word} is not a valid change command`);
  }
});

test('a newline inside one change starts another instruction, which is checked too', () => {
  assertRefused(['CMD a\nRUN b'], 'run is not a valid change command');
  assert.deepEqual(changed(['ENV A=1\nUSER u']), { Env: ['A=1'], User: 'u' });
});

test('empty changes and comments are skipped; names are case-insensitive', () => {
  assert.deepEqual(changed(['# comment', '', '   ', 'user u']), { User: 'u' });
  assert.deepEqual(changed(['cmd echo hi']), { Cmd: ['/bin/sh', '-c', 'echo hi'] });
});

test('the input config is not modified', () => {
  const base = { Env: ['A=1'], Labels: { a: 'b' }, Cmd: ['x'] };
  const copy = structuredClone(base);
  const out = changed(['ENV A=2', 'LABEL a=c', 'CMD y'], base);
  assert.deepEqual(base, copy);
  assert.deepEqual(out, { Env: ['A=2'], Labels: { a: 'c' }, Cmd: ['/bin/sh', '-c', 'y'] });
});

test('CMD: exec form, shell form, and their edge cases', () => {
  assert.deepEqual(changed(['CMD echo hi']).Cmd, ['/bin/sh', '-c', 'echo hi']);
  assert.deepEqual(changed(['CMD ["a","b"]']).Cmd, ['a', 'b']);
  assert.deepEqual(changed(['CMD  [ "a" ]  ']).Cmd, ['a']);
  assert.deepEqual(changed(['CMD ["a"] x']).Cmd, ['a'], 'what follows the JSON array is ignored');
  assert.deepEqual(changed(['CMD [bad']).Cmd, ['/bin/sh', '-c', '[bad']);
  assert.deepEqual(changed(['CMD']).Cmd, ['/bin/sh', '-c']);
  assert.deepEqual(changed(['CMD []']).Cmd, []);
  assertRefused(['CMD ["a", 1]'], 'when using JSON array syntax, arrays must be comprised of strings only');
  assertRefused(['CMD --x y'], 'Unknown flag: x');
});

test('shell form uses the config\'s Shell when it has one', () => {
  assert.deepEqual(changed(['CMD echo'], { Shell: ['/bin/bash', '-ec'] }).Cmd, ['/bin/bash', '-ec', 'echo']);
  assert.deepEqual(changed(['ENTRYPOINT top'], { Shell: ['/bin/ash', '-c'] }).Entrypoint, ['/bin/ash', '-c', 'top']);
});

test('ENTRYPOINT clears the image CMD unless these changes set one first', () => {
  assert.deepEqual(changed(['ENTRYPOINT ["x"]'], { Cmd: ['old'] }), { Cmd: null, Entrypoint: ['x'] });
  assert.deepEqual(changed(['ENTRYPOINT e f'], { Cmd: ['old'] }), { Cmd: null, Entrypoint: ['/bin/sh', '-c', 'e f'] });
  assert.deepEqual(changed(['CMD ["c"]', 'ENTRYPOINT e f']), { Cmd: ['c'], Entrypoint: ['/bin/sh', '-c', 'e f'] });
  assert.deepEqual(changed(['ENTRYPOINT e', 'CMD ["c"]']), { Cmd: ['c'], Entrypoint: ['/bin/sh', '-c', 'e'] });
  // An empty CMD does not count as set.
  assert.deepEqual(changed(['CMD []', 'ENTRYPOINT ["e"]'], { Cmd: ['old'] }).Cmd, null);
  assert.equal(changed(['ENTRYPOINT']).Entrypoint, null);
  assert.equal(changed(['ENTRYPOINT []']).Entrypoint, null);
  assertRefused(['ENTRYPOINT --x'], 'Unknown flag: x');
});

test('ENV: name=value pairs with quotes and escapes, the legacy form, replacement, expansion', () => {
  assert.deepEqual(changed(['ENV A=1 B="v 2" C=x\\ y']).Env, ['A=1', 'B=v 2', 'C=x y']);
  assert.deepEqual(changed(['ENV A 1  2 "q"']).Env, ['A=1  2 q']);
  assert.deepEqual(changed(['ENV A=1', 'ENV A=2 B=$A C=${A}x D=${Z:-def}']).Env, ['A=2', 'B=1', 'C=1x', 'D=def']);
  assert.deepEqual(changed(['ENV A=']).Env, ['A=']);
  assert.deepEqual(changed(['ENV A="x" "B"=y C=\'s $q\' D=\\$x']).Env, ['A=x', 'B=y', 'C=s $q', 'D=$x']);
  assert.deepEqual(changed(['ENV A=1', 'ENV A 2']).Env, ['A=2']);
  assert.deepEqual(changed(['ENV PATH=/x:$PATH'], { Env: ['PATH=/bin', 'HOME=/root'] }).Env, ['PATH=/x:/bin', 'HOME=/root']);
  assert.deepEqual(changed(['ENV X=${HOME:+set} Y=${NOPE:+set} Z=${HOME-u}'], { Env: ['HOME=/root'] }).Env, ['HOME=/root', 'X=set', 'Y=', 'Z=/root']);
  assertRefused(['ENV A'], 'ENV must have two arguments');
  assertRefused(['ENV'], 'ENV requires at least one argument');
  assertRefused(['ENV =x'], 'ENV names can not be blank');
  assertRefused(['ENV A=1 b'], 'Syntax error - can\'t find = in "b". Must be of the form: name=value');
  assertRefused(['ENV A="open'], 'failed to process "\\"open": unexpected end of statement while looking for matching double-quote');
  assertRefused(['LABEL "a b" c'], 'failed to process "\\"a": unexpected end of statement while looking for matching double-quote');
  assertRefused(['ENV A=${}'], 'failed to process "${}": syntax error: bad substitution');
  assertRefused(['ENV A=${B'], 'failed to process "${B": missing \':\' in substitution');
  assert.deepEqual(changed(['ENV A=$ B=\\$B C=\\\\ D==1']).Env, ['A=$', 'B=$B', 'C=\\', 'D==1']);
  assertRefused(['ENV --x=1'], 'Unknown flag: x');
});

test('EXPOSE: ports, protocols, ranges, mappings, variables', () => {
  assert.deepEqual(changed(['EXPOSE 80 443/udp']).ExposedPorts, { '80/tcp': {}, '443/udp': {} });
  assert.deepEqual(changed(['EXPOSE 80 443/udp 8000-8002 1.2.3.4:90:91/tcp']).ExposedPorts, {
    '80/tcp': {}, '443/udp': {}, '8000/tcp': {}, '8001/tcp': {}, '8002/tcp': {}, '91/tcp': {},
  });
  assert.deepEqual(changed(['EXPOSE 80/TCP']).ExposedPorts, { '80/tcp': {} });
  assert.deepEqual(changed(['EXPOSE 0']).ExposedPorts, { '0/tcp': {} });
  assert.deepEqual(changed(['ENV P=81', 'EXPOSE $P ${P}/udp']).ExposedPorts, { '81/tcp': {}, '81/udp': {} });
  assert.deepEqual(changed(['ENV PS="1 2"', 'EXPOSE $PS']).ExposedPorts, { '1/tcp': {}, '2/tcp': {} });
  assert.deepEqual(changed(['EXPOSE 2'], { ExposedPorts: { '1/tcp': {} } }).ExposedPorts, { '1/tcp': {}, '2/tcp': {} });
  assertRefused(['EXPOSE 80/xyz'], 'Invalid proto: xyz');
  assertRefused(['EXPOSE abc'], 'Invalid containerPort: abc');
  assertRefused(['EXPOSE 70000'], 'Invalid containerPort: 70000');
  assertRefused(['EXPOSE 5-3'], 'Invalid containerPort: 5-3');
  assertRefused(['EXPOSE'], 'EXPOSE requires at least one argument');
  assertRefused(['EXPOSE 1.2.3:80'], 'Invalid hostPort: 1.2.3');
  assertRefused(['EXPOSE 1.2.3:8080:80'], 'Invalid ip address: 1.2.3');
  assert.deepEqual(changed(['EXPOSE [::1]:8080:80 :81']).ExposedPorts, { '80/tcp': {}, '81/tcp': {} });
});

test('LABEL: pairs, quoted names, legacy form, merged into the existing labels', () => {
  assert.deepEqual(changed(['LABEL a=b "c d"="e f"']).Labels, { a: 'b', 'c d': 'e f' });
  assert.deepEqual(changed(['LABEL a b c']).Labels, { a: 'b c' });
  assert.deepEqual(changed(['LABEL "k"="v" x=$HOME']).Labels, { k: 'v', x: '' });
  assert.deepEqual(changed(['LABEL b=2'], { Labels: { a: '1', b: '1' } }).Labels, { a: '1', b: '2' });
  assert.deepEqual(changed(['LABEL b=2'], { Labels: null }).Labels, { b: '2' });
  assertRefused(['LABEL a'], 'LABEL must have two arguments');
  assertRefused(['LABEL'], 'LABEL requires at least one argument');
});

test('VOLUME: JSON and whitespace forms; empty paths refused', () => {
  assert.deepEqual(changed(['VOLUME ["/a","/b"]']).Volumes, { '/a': {}, '/b': {} });
  assert.deepEqual(changed(['VOLUME /a /b']).Volumes, { '/a': {}, '/b': {} });
  assert.deepEqual(changed(['VOLUME /c'], { Volumes: { '/a': {} } }).Volumes, { '/a': {}, '/c': {} });
  assert.deepEqual(changed(['ENV D=/data', 'VOLUME $D']).Volumes, { '/data': {} });
  assertRefused(['VOLUME'], 'VOLUME requires at least one argument');
  assertRefused(['VOLUME ["/a", ""]'], 'VOLUME specified can not be an empty string');
  assertRefused(['VOLUME $HOME'], 'VOLUME specified can not be an empty string');
});

test('WORKDIR: relative to the previous one; an absolute one kept as written', () => {
  assert.equal(changed(['WORKDIR a']).WorkingDir, '/a');
  assert.equal(changed(['WORKDIR a', 'WORKDIR b/../c/']).WorkingDir, '/a/c');
  assert.equal(changed(['WORKDIR ../../x']).WorkingDir, '/x');
  assert.equal(changed(['WORKDIR sub'], { WorkingDir: '/srv' }).WorkingDir, '/srv/sub');
  assert.equal(changed(['WORKDIR a', 'WORKDIR b/../c/', 'WORKDIR /x/../y/']).WorkingDir, '/x/../y/');
  assert.equal(changed(['ENV D=/d', 'WORKDIR $D/x']).WorkingDir, '/d/x');
  assertRefused(['WORKDIR'], 'WORKDIR requires exactly one argument');
});

test('USER and STOPSIGNAL', () => {
  assert.equal(changed(['USER 1:2']).User, '1:2');
  assert.equal(changed(['USER a b']).User, 'a b');
  assert.equal(changed(['ENV D=/d', 'USER ${D}']).User, '/d');
  assertRefused(['USER'], 'USER requires exactly one argument');
  // Docker 20.10 refused STOPSIGNAL as a change; current Docker allows it.
  assert.equal(changed(['STOPSIGNAL SIGKILL']).StopSignal, 'SIGKILL');
  assert.equal(changed(['STOPSIGNAL 9']).StopSignal, '9');
  assert.equal(changed(['STOPSIGNAL term']).StopSignal, 'term');
  assert.equal(changed(['STOPSIGNAL SIGRTMIN+3']).StopSignal, 'SIGRTMIN+3');
  assertRefused(['STOPSIGNAL SIGNOPE'], 'Invalid signal: SIGNOPE');
  assertRefused(['STOPSIGNAL 0'], 'Invalid signal: 0');
  assertRefused(['STOPSIGNAL'], 'STOPSIGNAL requires exactly one argument');
});

test('ONBUILD: the trigger appended as written; chaining and FROM refused', () => {
  assert.deepEqual(changed(['ONBUILD  RUN echo  hi']).OnBuild, ['RUN echo  hi']);
  assert.deepEqual(changed(['ONBUILD   ADD . /x  ']).OnBuild, ['ADD . /x  '], 'trailing blanks kept, as Docker does');
  assert.deepEqual(changed(['CMD echo hi   ', 'USER u  ', 'WORKDIR /x  ']), { Cmd: ['/bin/sh', '-c', 'echo hi'], User: 'u', WorkingDir: '/x' });
  assert.deepEqual(changed(['onbuild COPY . /app'], { OnBuild: ['RUN a'] }).OnBuild, ['RUN a', 'COPY . /app']);
  assert.deepEqual(changed(['ONBUILD bogus x']).OnBuild, ['bogus x']);
  assertRefused(['ONBUILD ONBUILD x'], 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
  assertRefused(['ONBUILD FROM x'], 'FROM isn\'t allowed as an ONBUILD trigger');
  assertRefused(['ONBUILD MAINTAINER x'], 'MAINTAINER isn\'t allowed as an ONBUILD trigger');
  assertRefused(['ONBUILD'], 'ONBUILD requires at least one argument');
});

test('HEALTHCHECK: NONE, CMD in both forms, flags in nanoseconds', () => {
  assert.deepEqual(changed(['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
  assert.deepEqual(changed(['healthcheck none']).Healthcheck, { Test: ['NONE'] });
  assert.deepEqual(changed(['HEALTHCHECK --interval=5s --timeout=1m --start-period=1500ms --retries=3 CMD curl x']).Healthcheck, {
    Test: ['CMD-SHELL', 'curl x'], Interval: 5_000_000_000, Timeout: 60_000_000_000, StartPeriod: 1_500_000_000, Retries: 3,
  });
  assert.deepEqual(changed(['HEALTHCHECK CMD ["a","b"]']).Healthcheck, { Test: ['CMD', 'a', 'b'] });
  assert.deepEqual(changed(['HEALTHCHECK cmd echo']).Healthcheck, { Test: ['CMD-SHELL', 'echo'] });
  assert.deepEqual(changed(['HEALTHCHECK --interval=0s CMD x']).Healthcheck, { Test: ['CMD-SHELL', 'x'] });
  assert.deepEqual(changed(['HEALTHCHECK --start-interval=2s CMD x']).Healthcheck, { Test: ['CMD-SHELL', 'x'], StartInterval: 2_000_000_000 });
  // Docker 20.10 wanted --retries >= 1; current Docker takes 0 (the default).
  assert.deepEqual(changed(['HEALTHCHECK --retries=0 CMD x']).Healthcheck, { Test: ['CMD-SHELL', 'x'] });
  assert.deepEqual(changed(['HEALTHCHECK CMD y'], { Healthcheck: { Test: ['NONE'] } }).Healthcheck, { Test: ['CMD-SHELL', 'y'] });
  assertRefused(['HEALTHCHECK FOO x'], 'Unknown type "FOO" in HEALTHCHECK (try CMD)');
  assertRefused(['HEALTHCHECK --interval=1ns CMD x'], 'Interval "interval" cannot be less than 1ms');
  assertRefused(['HEALTHCHECK --timeout=-5s CMD x'], 'Interval "timeout" cannot be less than 1ms');
  assertRefused(['HEALTHCHECK --bogus=1 CMD x'], 'Unknown flag: bogus');
  assertRefused(['HEALTHCHECK --interval 5s CMD x'], 'Missing a value on flag: interval');
  assertRefused(['HEALTHCHECK --interval=5 CMD x'], 'time: missing unit in duration "5"');
  assertRefused(['HEALTHCHECK --retries=x CMD x'], 'strconv.ParseInt: parsing "x": invalid syntax');
  assertRefused(['HEALTHCHECK --retries=-1 CMD x'], '--retries cannot be negative (-1)');
  assertRefused(['HEALTHCHECK NONE x'], 'HEALTHCHECK NONE takes no arguments');
  assertRefused(['HEALTHCHECK CMD'], 'Missing command after HEALTHCHECK CMD');
  assertRefused(['HEALTHCHECK'], 'HEALTHCHECK requires at least one argument');
});

test('parseGoDuration() reads Go durations', () => {
  assert.equal(parseGoDuration('0'), 0n);
  assert.equal(parseGoDuration('1h2m3.5s'), 3_723_500_000_000n);
  assert.equal(parseGoDuration('1.5ms'), 1_500_000n);
  assert.equal(parseGoDuration('300us'), 300_000n);
  assert.equal(parseGoDuration('-2s'), -2_000_000_000n);
  assert.throws(() => parseGoDuration('5'), /missing unit/);
  assert.throws(() => parseGoDuration('5x'), /unknown unit "x"/);
  assert.throws(() => parseGoDuration(''), /invalid duration/);
  assert.throws(() => parseGoDuration('s'), /invalid duration/);
});

test('one bad instruction anywhere refuses the whole set', () => {
  assertRefused(['CMD ok', 'ENV A=1', 'RUN x'], 'run is not a valid change command');
  assertRefused(['CMD ok', 'EXPOSE nope'], 'Invalid containerPort: nope');
});
