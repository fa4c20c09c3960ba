import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../internal/errors.js';
import { formatFlagHelp, parseArgs, type FlagSpec } from './argv.js';

const FLAGS: FlagSpec[] = [
  { long: 'all', short: 'a', type: 'bool', description: 'Show all images' },
  { long: 'quiet', short: 'q', type: 'bool', description: 'Only show IDs' },
  { long: 'no-trunc', type: 'bool', description: 'Do not truncate output' },
  { long: 'output', short: 'o', type: 'string', description: 'Write to a file', valueName: 'FILE' },
  { long: 'format', type: 'string', description: 'Format output', default: 'table' },
  { long: 'filter', short: 'f', type: 'list', description: 'Filter output' },
];

function parse(argv: string[], interspersed = true): ReturnType<typeof parseArgs> {
  return parseArgs(argv, FLAGS, 'berth images', interspersed);
}

function usageFails(argv: string[], message: string): void {
  assert.throws(() => parse(argv), (err: unknown) => {
    assert.ok(err instanceof BerthError, `expected a BerthError for ${JSON.stringify(argv)}`);
    assert.equal(err.kind, 'usage');
    assert.equal(err.code, 'USAGE');
    assert.equal(err.message, message);
    assert.equal(err.hint, "See 'berth images --help'.");
    return true;
  }, `expected ${JSON.stringify(argv)} to fail`);
}

test('parseArgs() fills defaults: false for bools, [] for lists, the declared default, else undefined', () => {
  const { flags, args } = parse([]);
  assert.equal(flags.output, undefined);
  assert.deepEqual(flags, { all: false, quiet: false, 'no-trunc': false, format: 'table', filter: [] });
  assert.deepEqual(args, []);
});

test('parseArgs() reads bundled short bools (-aq)', () => {
  const { flags } = parse(['-aq']);
  assert.equal(flags.all, true);
  assert.equal(flags.quiet, true);
});

test('parseArgs() reads a short flag value glued, separate or after "=" (-oFILE, -o FILE, -o=FILE)', () => {
  assert.equal(parse(['-oout.tar']).flags.output, 'out.tar');
  assert.equal(parse(['-o', 'out.tar']).flags.output, 'out.tar');
  assert.equal(parse(['-o=out.tar']).flags.output, 'out.tar');
  assert.equal(parse(['-o', '-weird-name']).flags.output, '-weird-name', 'the next argument is taken even if it looks like a flag');
});

test('parseArgs() ends a bundle at a flag that takes a value (-qoFILE, -qo FILE)', () => {
  const glued = parse(['-qoout.tar', 'x']);
  assert.equal(glued.flags.quiet, true);
  assert.equal(glued.flags.output, 'out.tar');
  assert.deepEqual(glued.args, ['x']);
  const separate = parse(['-qo', 'out.tar']);
  assert.equal(separate.flags.output, 'out.tar');
  assert.deepEqual(separate.args, []);
  assert.equal(parse(['-oaq']).flags.output, 'aq', 'letters after a value flag are its value');
  assert.equal(parse(['-oaq']).flags.all, false);
});

test('parseArgs() reads long flag values after "=" or as the next argument', () => {
  assert.equal(parse(['--output=out.tar']).flags.output, 'out.tar');
  assert.equal(parse(['--output', 'out.tar']).flags.output, 'out.tar');
  assert.equal(parse(['--output=']).flags.output, '', '--flag= sets an empty value');
  assert.equal(parse(['--output=a=b']).flags.output, 'a=b', 'only the first "=" separates');
  assert.equal(parse(['--format', 'json']).flags.format, 'json');
});

test('parseArgs() reads --bool, --bool=true and --bool=false', () => {
  assert.equal(parse(['--no-trunc']).flags['no-trunc'], true);
  assert.equal(parse(['--no-trunc=true']).flags['no-trunc'], true);
  assert.equal(parse(['--no-trunc=false']).flags['no-trunc'], false);
  assert.equal(parse(['--all=0']).flags.all, false);
  assert.equal(parse(['--all=T']).flags.all, true);
  assert.equal(parse(['-a=false']).flags.all, false);
  const { flags, args } = parse(['--all', 'false']);
  assert.equal(flags.all, true, 'a bool never takes the next argument');
  assert.deepEqual(args, ['false']);
});

test('parseArgs() refuses a bool value that is not a Go bool', () => {
  usageFails(['--all=yes'], 'invalid argument "yes" for "--all" flag: strconv.ParseBool: parsing "yes": invalid syntax');
});

test('parseArgs() lets a later flag override an earlier one', () => {
  assert.equal(parse(['-o', 'a', '--output=b']).flags.output, 'b');
  assert.equal(parse(['--all', '--all=false']).flags.all, false);
});

test('parseArgs() collects repeated list flags in order', () => {
  const { flags } = parse(['-f', 'dangling=true', '--filter=label=a', '--filter', 'before=x', '-freference=busybox']);
  assert.deepEqual(flags.filter, ['dangling=true', 'label=a', 'before=x', 'reference=busybox']);
});

test('parseArgs() keeps positionals interspersed with flags', () => {
  const { flags, args } = parse(['busybox', '-q', 'alpine', '--output', 'x']);
  assert.deepEqual(args, ['busybox', 'alpine']);
  assert.equal(flags.quiet, true);
  assert.equal(flags.output, 'x');
});

test('parseArgs() stops parsing at "--"', () => {
  const { flags, args } = parse(['-q', '--', '-a', '--output', 'x', '--']);
  assert.equal(flags.quiet, true);
  assert.equal(flags.all, false);
  assert.deepEqual(args, ['-a', '--output', 'x', '--']);
});

test('parseArgs() treats "-" as a positional', () => {
  const { flags, args } = parse(['-', '-o', '-']);
  assert.deepEqual(args, ['-']);
  assert.equal(flags.output, '-');
});

test('parseArgs() in non-interspersed mode stops at the first positional', () => {
  const { flags, args } = parse(['-q', 'image', '-a', '--output', 'x'], false);
  assert.equal(flags.quiet, true);
  assert.equal(flags.all, false);
  assert.equal(flags.output, undefined);
  assert.deepEqual(args, ['image', '-a', '--output', 'x']);
});

test('parseArgs() reports an unknown long flag as pflag does', () => {
  usageFails(['--x'], 'unknown flag: --x');
  usageFails(['--nope=1'], 'unknown flag: --nope');
});

test('parseArgs() reports an unknown shorthand flag as pflag does, naming the rest of the group', () => {
  usageFails(['-x'], "unknown shorthand flag: 'x' in -x");
  // docker images -ax: "unknown shorthand flag: 'x' in -x"
  usageFails(['-ax'], "unknown shorthand flag: 'x' in -x");
  usageFails(['-qxa'], "unknown shorthand flag: 'x' in -xa");
});

test('parseArgs() reports a missing value as pflag does', () => {
  usageFails(['--output'], 'flag needs an argument: --output');
  usageFails(['-o'], "flag needs an argument: 'o' in -o");
  usageFails(['-qo'], "flag needs an argument: 'o' in -o");
  usageFails(['--filter'], 'flag needs an argument: --filter');
});

test('formatFlagHelp() aligns the options with their value names', () => {
  const help = formatFlagHelp(FLAGS);
  const lines = help.split('\n');
  assert.equal(lines.length, FLAGS.length);
  assert.equal(lines[0], '  -a, --all             Show all images');
  assert.equal(lines[2], '      --no-trunc        Do not truncate output');
  assert.equal(lines[3], '  -o, --output FILE     Write to a file');
  assert.equal(lines[4], '      --format string   Format output');
  assert.equal(lines[5], '  -f, --filter list     Filter output');
});
