import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../internal/errors.js';
import {
  familiarName,
  familiarRepository,
  familiarTagName,
  fullName,
  isValidTag,
  parseReference,
  parseTagReference,
  splitTagName,
  withDefaultTag,
} from './reference.js';

const HEX = 'a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4';
const DIGEST = `sha256:${HEX}`;

function assertInvalid(input: string, pattern?: RegExp): void {
  assert.throws(() => parseReference(input), (err: unknown) => {
    assert.ok(err instanceof BerthError, `expected a BerthError for ${JSON.stringify(input)}`);
    assert.equal(err.code, 'REFERENCE_INVALID', input);
    assert.equal(err.kind, 'invalid_argument');
    if (pattern !== undefined) assert.match(err.message, pattern, input);
    return true;
  }, `expected ${JSON.stringify(input)} to be refused`);
}

test('parseReference() normalises names as Docker does', () => {
  const cases: Array<[string, string]> = [
    ['busybox', 'docker.io/library/busybox'],
    ['library/busybox', 'docker.io/library/busybox'],
    ['user/app', 'docker.io/user/app'],
    ['user/team/app', 'docker.io/user/team/app'],
    ['docker.io/busybox', 'docker.io/library/busybox'],
    ['docker.io/library/busybox', 'docker.io/library/busybox'],
    ['index.docker.io/busybox', 'docker.io/library/busybox'],
    ['index.docker.io/user/app', 'docker.io/user/app'],
    ['localhost/app', 'localhost/app'],
    ['localhost:5000/app', 'localhost:5000/app'],
    ['localhost:5000/team/app', 'localhost:5000/team/app'],
    ['registry.example.com/team/app', 'registry.example.com/team/app'],
    ['registry.example.com:443/app', 'registry.example.com:443/app'],
    ['myregistry:5000/app', 'myregistry:5000/app'],
    ['[::1]:5000/app', '[::1]:5000/app'],
    ['Registry/app', 'Registry/app'], // an uppercase first component can only be a domain
    ['a.b_c__d-e--f/x', 'a.b_c__d-e--f/x'],
  ];
  for (const [input, repository] of cases) {
    assert.equal(parseReference(input).repository, repository, input);
  }
});

test('parseReference() leaves the tag undefined when absent, and withDefaultTag() adds latest', () => {
  const ref = parseReference('busybox');
  assert.deepEqual(ref, { repository: 'docker.io/library/busybox', tag: undefined, digest: undefined });
  assert.equal(withDefaultTag(ref).tag, 'latest');
  assert.equal(withDefaultTag(parseReference('busybox:1.36')).tag, '1.36');
  assert.equal(withDefaultTag(parseReference(`busybox@${DIGEST}`)).tag, undefined, 'a digest reference gets no tag');
});

test('parseReference() reads tags, including a port-like registry before them', () => {
  assert.deepEqual(parseReference('busybox:1.36.1-musl'), { repository: 'docker.io/library/busybox', tag: '1.36.1-musl', digest: undefined });
  assert.deepEqual(parseReference('localhost:5000/app:v2'), { repository: 'localhost:5000/app', tag: 'v2', digest: undefined });
  assert.equal(parseReference('app:UPPER_case.ok-1').tag, 'UPPER_case.ok-1');
  assert.equal(parseReference(`app:${'t'.repeat(128)}`).tag, 't'.repeat(128));
});

test('parseReference() reads digests, with or without a tag', () => {
  assert.deepEqual(parseReference(`busybox@${DIGEST}`), { repository: 'docker.io/library/busybox', tag: undefined, digest: DIGEST });
  assert.deepEqual(parseReference(`reg.io:5000/a/b:v1@${DIGEST}`), { repository: 'reg.io:5000/a/b', tag: 'v1', digest: DIGEST });
});

test('parseReference() refuses non-sha256 and malformed digests', () => {
  assertInvalid(`busybox@sha512:${'ab'.repeat(64)}`, /only sha256/);
  assertInvalid(`busybox@sha256:${HEX.toUpperCase()}`, /only sha256/);
  assertInvalid(`busybox@sha256:${HEX.slice(0, 63)}`);
  assertInvalid('busybox@sha256:abc');
});

test('parseReference() refuses uppercase repositories and says so', () => {
  assertInvalid('Busybox', /must be lowercase/);
  assertInvalid('user/App', /must be lowercase/);
  assertInvalid('docker.io/User/app', /must be lowercase/);
  assertInvalid('BUSYBOX:latest', /must be lowercase/);
});

test('parseReference() refuses empty, malformed and over-long references', () => {
  assertInvalid('', /empty/);
  assertInvalid('busybox:', /invalid reference format/);
  assertInvalid(':latest');
  assertInvalid('busybox:la$test');
  assertInvalid('busybox:-latest', /invalid reference format/); // a tag cannot start with "-"
  assertInvalid('busybox:.latest');
  assertInvalid(`busybox:${'t'.repeat(129)}`);
  assertInvalid('bad name');
  assertInvalid('name/');
  assertInvalid('/name');
  assertInvalid('a//b');
  assertInvalid('a/-b');
  assertInvalid('a/b-');
  assertInvalid('a/b...c');
  assertInvalid('a/b___c');
  assertInvalid('busybox@');
  assertInvalid(`${'a'.repeat(256)}`, /not be more than 255/);
  assertInvalid(`${'a'.repeat(5000)}`, /too long/);
});

test('parseReference() accepts a repository name of exactly 255 characters', () => {
  const name = `team/${'a'.repeat(250)}`;
  assert.equal(parseReference(`${name}:v1`).repository, `docker.io/${name}`);
});

test('parseReference() refuses a 64-hex repository name (it would look like an image ID)', () => {
  assertInvalid(HEX, /64-character hexadecimal/);
  // Other lengths of hex are fine names.
  assert.equal(parseReference(HEX.slice(0, 12)).repository, `docker.io/library/${HEX.slice(0, 12)}`);
  assert.equal(parseReference(`user/${HEX}`).repository, `docker.io/user/${HEX}`);
});

test('parseReference() clips very long inputs in its message', () => {
  assert.throws(() => parseReference(`${'A'.repeat(300)}`), (err: unknown) => err instanceof BerthError && err.message.length < 250);
});

test('parseTagReference() defaults the tag to latest and refuses digests', () => {
  assert.deepEqual(parseTagReference('busybox'), { repository: 'docker.io/library/busybox', tag: 'latest', digest: undefined });
  assert.equal(parseTagReference('registry.example.com/team/peer-vis:1.0').tag, '1.0');
  for (const input of [`busybox@${DIGEST}`, `busybox:v1@${DIGEST}`]) {
    assert.throws(() => parseTagReference(input), (err: unknown) => {
      assert.ok(err instanceof BerthError);
      assert.equal(err.code, 'REFERENCE_INVALID');
      assert.match(err.message, /refusing to create a tag with a digest reference/);
      return true;
    });
  }
});

test('familiarRepository() shortens docker.io names as Docker displays them', () => {
  assert.equal(familiarRepository('docker.io/library/busybox'), 'busybox');
  assert.equal(familiarRepository('docker.io/user/app'), 'user/app');
  assert.equal(familiarRepository('docker.io/library/a/b'), 'library/a/b');
  assert.equal(familiarRepository('localhost:5000/app'), 'localhost:5000/app');
  assert.equal(familiarRepository('quay.io/library/busybox'), 'quay.io/library/busybox');
});

test('familiarName() and fullName() print references in familiar and stored forms', () => {
  const ref = parseReference(`busybox:1.36@${DIGEST}`);
  assert.equal(fullName(ref), `docker.io/library/busybox:1.36@${DIGEST}`);
  assert.equal(familiarName(ref), `busybox:1.36@${DIGEST}`);
  assert.equal(familiarName(withDefaultTag(parseReference('index.docker.io/user/app'))), 'user/app:latest');
  assert.equal(fullName(withDefaultTag(parseReference('localhost:5000/app'))), 'localhost:5000/app:latest');
});

test('splitTagName() and familiarTagName() split stored tag names at the last colon after the last slash', () => {
  assert.deepEqual(splitTagName('localhost:5000/app:v1'), { repository: 'localhost:5000/app', tag: 'v1' });
  assert.equal(familiarTagName('docker.io/library/busybox:latest'), 'busybox:latest');
  assert.equal(familiarTagName('docker.io/user/app:1.0'), 'user/app:1.0');
  assert.throws(() => splitTagName('localhost:5000/app'), /not a tag name/);
});

test('isValidTag() follows Docker\'s tag grammar', () => {
  assert.equal(isValidTag('latest'), true);
  assert.equal(isValidTag('_x'), true);
  assert.equal(isValidTag('v1.2-rc_3'), true);
  assert.equal(isValidTag('t'.repeat(128)), true);
  assert.equal(isValidTag('t'.repeat(129)), false);
  assert.equal(isValidTag(''), false);
  assert.equal(isValidTag('.x'), false);
  assert.equal(isValidTag('-x'), false);
  assert.equal(isValidTag('a/b'), false);
  assert.equal(isValidTag('a:b'), false);
});
