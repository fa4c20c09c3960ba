import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envLookup, extractFlags, InstructionError, parseFlags, parseJsonArray, processWord, processWords, splitWords } from './dockerfile-words.js';

test('extractFlags() takes the leading --flags only', () => {
  assert.deepEqual(extractFlags('--a=1 --b="x y" CMD --c'), { flags: ['--a=1', '--b=x y'], rest: 'CMD --c' });
  assert.deepEqual(extractFlags('CMD x'), { flags: [], rest: 'CMD x' });
  assert.deepEqual(extractFlags('--a=1'), { flags: ['--a=1'], rest: '' });
  assert.deepEqual(extractFlags('-- --x'), { flags: [], rest: '--x' });
});

test('parseFlags() checks names and values', () => {
  assert.deepEqual([...parseFlags(['--interval=5s'], ['interval'])], [['interval', '5s']]);
  assert.throws(() => parseFlags(['--x=1'], []), /^Error: Unknown flag: x$/);
  assert.throws(() => parseFlags(['--interval'], ['interval']), /Missing a value on flag: interval/);
  assert.throws(() => parseFlags(['--a=1', '--a=2'], ['a']), /Duplicate flag specified: a/);
  assert.throws(() => parseFlags(['--x=1'], []), InstructionError, 'a refusal is an InstructionError: the caller tells it from a bug');
});

test('splitWords() keeps quotes for later but does not split inside them', () => {
  assert.deepEqual(splitWords('a=1 b="x y"  c=\'p q\' d=e\\ f'), ['a=1', 'b="x y"', "c='p q'", 'd=e\\ f']);
  assert.deepEqual(splitWords('   '), []);
  assert.deepEqual(splitWords('""'), ['""']);
});

test('parseJsonArray() returns the first array of strings, or undefined for shell form', () => {
  assert.deepEqual(parseJsonArray('["a", "b c"]'), ['a', 'b c']);
  assert.deepEqual(parseJsonArray('  ["a"] trailing'), ['a']);
  assert.deepEqual(parseJsonArray('["a]b", "\\"]"]'), ['a]b', '"]']);
  assert.equal(parseJsonArray('echo [x]'), undefined);
  assert.equal(parseJsonArray('[bad'), undefined);
  assert.equal(parseJsonArray("['single']"), undefined);
  assert.throws(() => parseJsonArray('["a", 1]'), /comprised of strings only/);
  assert.throws(() => parseJsonArray('[["a"]]'), /comprised of strings only/);
});

test('processWord() expands like Docker\'s builder', () => {
  const env = ['A=1', 'E=', 'SP=x y'];
  assert.equal(processWord('$A-${A}-"$A"-\'$A\'-\\$A', env), '1-1-1-$A-$A');
  assert.equal(processWord('${NOPE:-d} ${E:-d} ${E-d} ${A:+s} ${NOPE+s}', env), 'd d  s ');
  assert.equal(processWord('a  b', env), 'a  b');
  assert.equal(processWord('"a\\"b\\\\c\\n"', env), 'a"b\\c\\n');
  assert.equal(processWord('$ $1x ${A}$', env), '$ x 1$');
  assert.throws(() => processWord('${NOPE:?missing}', env), /NOPE: missing/);
  assert.throws(() => processWord('${A%x}', env), /unsupported modifier \(%\) in substitution/);
  assert.throws(() => processWord('${A:=x}', env), /unsupported modifier \(=\) in substitution/);
  assert.throws(() => processWord("'open", env), /single-quote/);
});

test('processWords() splits on unquoted spaces, also inside variables', () => {
  const env = ['SP=x y'];
  assert.deepEqual(processWords('$SP "$SP" a\\ b', env), ['x', 'y', 'x y', 'a b']);
  assert.deepEqual(processWords('""', env), ['']);
});

test('envLookup() finds the last value', () => {
  assert.equal(envLookup(['A=1', 'A=2'], 'A'), '2');
  assert.equal(envLookup(['A'], 'A'), '');
  assert.equal(envLookup([], 'A'), undefined);
});
