import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ellipsis, formatG, goTime, humanDuration, humanSize, timeAgo } from './units.js';

// Expected values are what Docker prints: go-units HumanSizeWithPrecision, i.e.
// fmt.Sprintf("%.*g%s", precision, size, unit). They were checked against Go's fmt.

test('humanSize() matches go-units for plain byte counts', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(1), '1B');
  assert.equal(humanSize(7), '7B');
  assert.equal(humanSize(116), '116B');
  assert.equal(humanSize(999), '999B');
});

test('humanSize() matches go-units for decimal units', () => {
  assert.equal(humanSize(1000), '1kB');
  assert.equal(humanSize(1001), '1kB');
  assert.equal(humanSize(2500), '2.5kB');
  assert.equal(humanSize(1982591), '1.98MB');
  assert.equal(humanSize(256272384), '256MB');
  assert.equal(humanSize(1_000_000), '1MB');
  assert.equal(humanSize(12_345_678_901_234), '12.3TB');
  assert.equal(humanSize(1e24), '1YB');
});

test('humanSize() reproduces Go\'s %g exponent form when rounding reaches the next power of ten', () => {
  assert.equal(humanSize(999_999), '1e+03kB');
  assert.equal(humanSize(999_500), '1e+03kB');
  assert.equal(humanSize(999_499), '999kB');
  assert.equal(humanSize(99_950), '100kB');
  assert.equal(humanSize(1.5e27), '1.5e+03YB', 'beyond YB the number just grows');
});

test('humanSize() takes a precision, as images --tree and VirtualSize use 4', () => {
  assert.equal(humanSize(1982591, 4), '1.983MB');
  assert.equal(humanSize(256272384, 4), '256.3MB');
  assert.equal(humanSize(999_999, 4), '1000kB');
  assert.equal(humanSize(1001, 4), '1.001kB');
  assert.equal(humanSize(116, 4), '116B');
  assert.equal(humanSize(12_345_678_901_234, 4), '12.35TB');
});

test('humanSize() rounds exact ties to even, as Go does', () => {
  // 1.125, 1.625, 2.125 and 1.0625 are exact in binary: Go rounds them to even, JavaScript up.
  assert.equal(humanSize(1125), '1.12kB');
  assert.equal(humanSize(1625), '1.62kB');
  assert.equal(humanSize(2125), '2.12kB');
  assert.equal(humanSize(1_125_000), '1.12MB');
  assert.equal(humanSize(1375), '1.38kB', 'an odd last digit rounds up');
  assert.equal(humanSize(1_062_500, 4), '1.062MB');
  assert.equal(humanSize(1_062_500_000, 4), '1.062GB');
  assert.equal(humanSize(1125, 4), '1.125kB', 'no rounding needed');
});

test('humanSize() prints fractions of a byte (transfer rates) like Go', () => {
  assert.equal(humanSize(0.5), '0.5B');
  assert.equal(humanSize(0.0625), '0.0625B');
});

test('formatG() follows Go\'s %g: exponent form below 1e-4 and at the precision, trailing zeros removed', () => {
  assert.equal(formatG(0, 3), '0');
  assert.equal(formatG(100, 3), '100');
  assert.equal(formatG(1000, 3), '1e+03');
  assert.equal(formatG(123456, 3), '1.23e+05');
  assert.equal(formatG(0.0001, 3), '0.0001');
  assert.equal(formatG(0.00001234, 3), '1.23e-05');
  assert.equal(formatG(1.5, 3), '1.5');
  assert.equal(formatG(2.5, 1), '2', 'a tie at precision 1 rounds to even');
  assert.equal(formatG(3.5, 1), '4');
  assert.equal(formatG(9.9999, 3), '10');
});

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

test('humanDuration() matches go-units below a minute', () => {
  assert.equal(humanDuration(0), 'Less than a second');
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(999), 'Less than a second');
  assert.equal(humanDuration(1 * S), '1 second');
  assert.equal(humanDuration(1999), '1 second');
  assert.equal(humanDuration(2 * S), '2 seconds');
  assert.equal(humanDuration(59 * S), '59 seconds');
  assert.equal(humanDuration(59.9 * S), '59 seconds');
});

test('humanDuration() matches go-units for minutes and hours (hours round half up)', () => {
  assert.equal(humanDuration(60 * S), 'About a minute');
  assert.equal(humanDuration(119 * S), 'About a minute');
  assert.equal(humanDuration(2 * M), '2 minutes');
  assert.equal(humanDuration(59 * M + 59 * S), '59 minutes');
  assert.equal(humanDuration(60 * M), 'About an hour');
  assert.equal(humanDuration(89 * M), 'About an hour');
  assert.equal(humanDuration(90 * M), '2 hours');
  assert.equal(humanDuration(47 * H), '47 hours');
  assert.equal(humanDuration(47 * H + 29 * M), '47 hours');
});

test('humanDuration() matches go-units for days, weeks, months and years', () => {
  assert.equal(humanDuration(47 * H + 30 * M), '2 days', '47.5 hours rounds to 48');
  assert.equal(humanDuration(48 * H), '2 days');
  assert.equal(humanDuration(13 * D), '13 days');
  assert.equal(humanDuration(14 * D), '2 weeks');
  assert.equal(humanDuration(59 * D), '8 weeks');
  assert.equal(humanDuration(60 * D), '2 months');
  assert.equal(humanDuration(729 * D), '24 months');
  assert.equal(humanDuration(730 * D), '2 years');
  assert.equal(humanDuration(3 * 365 * D + 100 * D), '3 years');
});

test('timeAgo() appends "ago" and prints N/A for an unknown time', () => {
  const now = Date.UTC(2026, 10, 28, 7, 0, 0);
  assert.equal(timeAgo(now - 51 * S, now), '51 seconds ago');
  assert.equal(timeAgo(now - 3 * D, now), '3 days ago');
  assert.equal(timeAgo(now + 10 * S, now), 'Less than a second ago', 'a time in the future');
  assert.equal(timeAgo(0, now), 'N/A');
  assert.equal(timeAgo(-5, now), 'N/A');
});

test('goTime() prints Go\'s time.String() form in UTC', () => {
  assert.equal(goTime(Date.UTC(2026, 10, 28, 6, 46, 46, 999)), '2026-11-28 06:46:46 +0000 UTC');
  assert.equal(goTime(Date.UTC(2001, 0, 2, 3, 4, 5)), '2001-01-02 03:04:05 +0000 UTC');
  assert.equal(goTime(0), '1970-01-01 00:00:00 +0000 UTC');
  assert.equal(goTime(-1000), '1970-01-01 00:00:00 +0000 UTC');
});

test('ellipsis() keeps text that fits and cuts longer text to max characters ending in "…"', () => {
  const created = 'sh -c \n mkdir -p /opt/app &&\n echo "hello from layer 2" > /opt/app/file.txt';
  const cut = ellipsis(created, 45);
  assert.equal(cut, 'sh -c \n mkdir -p /opt/app &&\n echo "hello fr…');
  assert.equal([...cut].length, 45);
  assert.equal(ellipsis('a'.repeat(45), 45), 'a'.repeat(45));
  assert.equal(ellipsis('a'.repeat(46), 45), `${'a'.repeat(44)}…`);
  assert.equal(ellipsis('', 45), '');
});

test('ellipsis() counts characters (runes), not UTF-16 units or bytes', () => {
  assert.equal(ellipsis('é'.repeat(45), 45), 'é'.repeat(45));
  assert.equal(ellipsis('😀'.repeat(45), 45), '😀'.repeat(45), '45 astral characters are 90 UTF-16 units but fit');
  assert.equal(ellipsis('😀'.repeat(46), 45), `${'😀'.repeat(44)}…`);
  assert.equal(ellipsis(`${'x'.repeat(43)}😀😀😀`, 45), `${'x'.repeat(43)}😀…`);
});
