import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BerthError } from '../internal/errors.js';
import { digestFromHex, hexOf, isDigest, parseDigest, shortId, type Digest } from './digest.js';
import { chainIds, sha256Of } from './sha256.js';

const HEX = '7603dc84775345655b454cc166d377f27b446b7507e93ef30d6ce672418d9b0a';

function assertCode(fn: () => unknown, code: string, kind: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BerthError, `expected a BerthError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.kind, kind);
    return true;
  });
}

test('parseDigest() accepts sha256:<64 lowercase hex> and returns it unchanged', () => {
  assert.equal(parseDigest(`sha256:${HEX}`), `sha256:${HEX}`);
  assert.equal(isDigest(`sha256:${HEX}`), true);
});

test('parseDigest() refuses other algorithms with DIGEST_UNSUPPORTED', () => {
  assertCode(() => parseDigest(`sha512:${'ab'.repeat(64)}`), 'DIGEST_UNSUPPORTED', 'unsupported');
  assertCode(() => parseDigest(`sha384:${'ab'.repeat(48)}`), 'DIGEST_UNSUPPORTED', 'unsupported');
  assertCode(() => parseDigest(`blake3:${'ab'.repeat(32)}`), 'DIGEST_UNSUPPORTED', 'unsupported');
  assertCode(() => parseDigest(`sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564`), 'DIGEST_UNSUPPORTED', 'unsupported');
});

test('parseDigest() refuses malformed sha256 digests and non-strings with DIGEST_INVALID', () => {
  const bad: unknown[] = [
    `sha256:${HEX.toUpperCase()}`,
    `sha256:${HEX.slice(0, 63)}`,
    `sha256:${HEX}0`,
    `sha256:${HEX.slice(0, 63)}g`,
    HEX,
    `SHA256:${HEX}`,
    ` sha256:${HEX}`,
    `sha256:${HEX}\n`,
    `sha256:../../${HEX.slice(6)}`,
    '',
    undefined,
    null,
    42,
    { digest: `sha256:${HEX}` },
  ];
  for (const value of bad) {
    assertCode(() => parseDigest(value), 'DIGEST_INVALID', 'invalid_archive');
    assert.equal(isDigest(value), false);
  }
});

test('parseDigest() names what it was parsing and clips long values', () => {
  assert.throws(() => parseDigest('x'.repeat(500), 'config digest'), (err: unknown) => {
    assert.ok(err instanceof BerthError);
    assert.match(err.message, /^Cannot parse config digest "x{77}\.\.\."/);
    return true;
  });
});

test('digestFromHex(), hexOf() and shortId() convert between forms', () => {
  const d = digestFromHex(HEX);
  assert.equal(d, `sha256:${HEX}`);
  assert.equal(hexOf(d), HEX);
  assert.equal(shortId(d), '7603dc847753');
  assertCode(() => digestFromHex(HEX.toUpperCase()), 'DIGEST_INVALID', 'invalid_archive');
  assertCode(() => digestFromHex('abc'), 'DIGEST_INVALID', 'invalid_archive');
});

test('sha256Of() hashes strings as UTF-8 and bytes as they are', () => {
  assert.equal(sha256Of(''), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Of('é'), `sha256:${createHash('sha256').update(Buffer.from([0xc3, 0xa9])).digest('hex')}`);
  assert.equal(sha256Of(new Uint8Array([1, 2, 3])), `sha256:${createHash('sha256').update(Buffer.from([1, 2, 3])).digest('hex')}`);
});

// The diff IDs of ../shared/fixtures/expected.json summary["docker-save-3layer"].images[0]
// (peer-vis:latest, loaded by docker 20.10), whose chain IDs docker prints as
// 7603dc847753, 84610e0f4be3 and 2ce702c5219b.
const DIFF_IDS = [
  'sha256:7603dc84775345655b454cc166d377f27b446b7507e93ef30d6ce672418d9b0a',
  'sha256:f096d1d5e140630554330208dba043787d22d70ffd885df10658aee529e42c40',
  'sha256:f35fd6a541ce0bba0fb01bc70e1119d0afc88e0184e3f8d6f686a732338ad814',
].map((d) => parseDigest(d));

/** The OCI image-spec definition, computed independently: ChainID(n) = SHA256(ChainID(n-1) + " " + DiffID(n)). */
function referenceChain(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? diffId : `sha256:${createHash('sha256').update(`${prev} ${diffId}`, 'utf8').digest('hex')}`);
  }
  return out;
}

test('chainIds() gives the chain IDs docker reports for the 3-layer fixture', () => {
  const chain = chainIds(DIFF_IDS);
  assert.deepEqual(chain.map((c) => shortId(c)), ['7603dc847753', '84610e0f4be3', '2ce702c5219b']);
  assert.deepEqual(chain, referenceChain(DIFF_IDS));
  assert.deepEqual(chain, [
    'sha256:7603dc84775345655b454cc166d377f27b446b7507e93ef30d6ce672418d9b0a',
    'sha256:84610e0f4be32a7a9493af7bd5276d45beee0f3e3494113f3def24e16df299d3',
    'sha256:2ce702c5219be495a834ac617daf4ded029e72a890fbba26e033a49ef4d65ec6',
  ]);
  assert.equal(chain[0], DIFF_IDS[0], 'the first chain ID is the first diff ID');
  assert.ok(chain.every((c) => isDigest(c)));
});

test('chainIds() of a prefix is a prefix of the chain IDs, and order matters', () => {
  const chain = chainIds(DIFF_IDS);
  assert.deepEqual(chainIds(DIFF_IDS.slice(0, 2)), chain.slice(0, 2));
  assert.deepEqual(chainIds([]), []);
  const swapped = chainIds([DIFF_IDS[1]!, DIFF_IDS[0]!]);
  assert.notEqual(swapped[1], chain[1]);
  assert.deepEqual(swapped, referenceChain([DIFF_IDS[1]!, DIFF_IDS[0]!]));
});

test('chainIds() handles a repeated diff ID (the same layer twice) as a new chain link', () => {
  const twice: Digest[] = [DIFF_IDS[0]!, DIFF_IDS[0]!];
  const chain = chainIds(twice);
  assert.notEqual(chain[1], chain[0]);
  assert.deepEqual(chain, referenceChain(twice));
});
