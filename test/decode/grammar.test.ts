import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LOOP_PROB, DIGIT_WORDS, EPSILON, digitLoopGrammar, minimizeGrammar, refinePartition, removeEpsilons, sentenceLogProb, trim, validateGrammar, wordLoopGrammar, type Grammar } from '../../src/decode/grammar.js';

const close = (a: number, b: number) => assert.ok(a === b || Math.abs(a - b) < 1e-9, `${a} != ${b}`);

test('digit loop: each digit log(1/11), continue 0.75, stop 0.25', () => {
  const g = digitLoopGrammar();
  assert.equal(g.words.length, 11);
  assert.deepEqual(g.words, DIGIT_WORDS);
  close(sentenceLogProb(g, ['one']), Math.log(1 / 11) + Math.log(1 - DEFAULT_LOOP_PROB));
  close(sentenceLogProb(g, ['one', 'oh', 'nine']), 3 * Math.log(1 / 11) + 2 * Math.log(0.75) + Math.log(0.25));
  assert.equal(sentenceLogProb(g, []), -Infinity);
  assert.equal(sentenceLogProb(g, ['ten']), -Infinity);
});

test('word loop: probabilities of all sentences up to length 6 sum towards 1', () => {
  const g = wordLoopGrammar(['a', 'b', 'c'], { loopProb: 0.5 });
  let total = 0;
  const rec = (prefix: string[]) => {
    if (prefix.length > 0) total += Math.exp(sentenceLogProb(g, prefix));
    if (prefix.length < 6) for (const w of g.words) rec([...prefix, w]);
  };
  rec([]);
  close(total, 1 - 0.5 ** 6);
  assert.throws(() => wordLoopGrammar([]), { name: 'InputError', message: 'word loop: the vocabulary is empty; give at least one word' });
  assert.throws(() => wordLoopGrammar(['a'], { loopProb: 1 }), { name: 'InputError', message: 'word loop: loop probability 1 must be in [0, 1)' });
});

test('removeEpsilons keeps every sentence score (Viterbi) and drops epsilon arcs', () => {
  // 0 -a-> 1 -eps(0.5)-> 2 -b-> 3(final); 1 -eps(0.5)-> 3; 2 -eps(0.2)-> 3
  const g: Grammar = {
    words: ['a', 'b'],
    numStates: 4,
    start: 0,
    arcs: [
      { from: 0, to: 1, word: 0, logProb: 0 },
      { from: 1, to: 2, word: EPSILON, logProb: Math.log(0.5) },
      { from: 1, to: 3, word: EPSILON, logProb: Math.log(0.5) },
      { from: 2, to: 3, word: EPSILON, logProb: Math.log(0.2) },
      { from: 2, to: 3, word: 1, logProb: Math.log(0.8) },
    ],
    finalLogProb: [-Infinity, -Infinity, -Infinity, 0],
  };
  const r = removeEpsilons(g);
  assert.ok(r.arcs.every((a) => a.word !== EPSILON));
  for (const s of [['a'], ['a', 'b'], ['b'], ['a', 'a']]) close(sentenceLogProb(r, s), sentenceLogProb(g, s));
  close(sentenceLogProb(r, ['a']), Math.log(0.5));
  validateGrammar(r, 'r');
});

test('trim drops unreachable states; validateGrammar names the problem', () => {
  const g: Grammar = { words: ['a'], numStates: 3, start: 0, arcs: [{ from: 0, to: 1, word: 0, logProb: 0 }, { from: 2, to: 1, word: 0, logProb: 0 }], finalLogProb: [-Infinity, 0, 0] };
  const t = trim(g);
  assert.equal(t.numStates, 2);
  assert.equal(t.arcs.length, 1);
  assert.throws(() => validateGrammar({ ...g, finalLogProb: [-Infinity, -Infinity, -Infinity] }, 'g.jsgf'), { name: 'InputError', message: 'g.jsgf: no final state; the grammar accepts no sentence' });
  assert.throws(() => validateGrammar({ ...g, arcs: [{ from: 0, to: 5, word: 0, logProb: 0 }] }, 'g.jsgf'), { name: 'InputError', message: 'g.jsgf: arc 0 -> 5 leaves the 3 states' });
  assert.throws(() => validateGrammar({ ...g, arcs: [{ from: 0, to: 1, word: 3, logProb: 0 }] }, 'g.jsgf'), { name: 'InputError', message: 'g.jsgf: arc 0 -> 1 has word label 3' });
});

test('minimizeGrammar merges bisimilar states and keeps every sentence score', () => {
  // A loop unrolled into one state per word: 0 -a-> 1, 0 -b-> 2, {1,2} -a-> 1, {1,2} -b-> 2, 1 and 2 final.
  const arcs = [0, 1, 2].flatMap((from) => [
    { from, to: 1, word: 0, logProb: Math.log(0.5) },
    { from, to: 2, word: 1, logProb: Math.log(0.5) },
  ]);
  const g: Grammar = { words: ['a', 'b'], numStates: 3, start: 0, arcs, finalLogProb: [-Infinity, Math.log(0.2), Math.log(0.2)] };
  const m = minimizeGrammar(g);
  assert.equal(m.numStates, 2);
  assert.equal(m.arcs.length, 4);
  for (const s of [['a'], ['b', 'a', 'b'], [], ['a', 'a']]) close(sentenceLogProb(m, s), sentenceLogProb(g, s));
  // Different final weights keep states apart.
  assert.equal(minimizeGrammar({ ...g, finalLogProb: [-Infinity, Math.log(0.2), Math.log(0.3)] }).numStates, 3);
});

test('refinePartition splits classes by their neighbours\' classes until stable (Moore)', () => {
  // A chain 0 -> 1 -> 2 -> 3 with 3 marked: every item ends a different distance from 3, so all split;
  // 4 -> 5 marked like 2 -> 3 joins their classes.
  const next = [1, 2, 3, -1, 5, -1];
  const marked = [false, false, false, true, false, true];
  const { cls, numClasses } = refinePartition(6, (i) => String(marked[i]), (i, c) => (next[i] < 0 ? '' : String(c[next[i]])));
  assert.equal(numClasses, 4);
  assert.equal(cls[2], cls[4]);
  assert.equal(cls[3], cls[5]);
  assert.equal(new Set([cls[0], cls[1], cls[2], cls[3]]).size, 4);
});
