import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { alignWords, formatPercent, formatWer, scoreTranscripts } from '../../src/score/wer.js';
import { werToJson } from '../../src/score/details.js';
import { parseTranscript } from '../../src/score/text-file.js';
import { makeRng, randInt } from '../../src/data/random.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sclite');
const w = (s: string) => (s ? s.split(' ') : []);

// Textbook unit-cost edit distance by memoized recursion: an independent check of the DP total.
function editDistance(a: string[], b: string[]): number {
  const memo = new Map<string, number>();
  const go = (i: number, j: number): number => {
    if (i === 0) return j;
    if (j === 0) return i;
    const k = `${i},${j}`;
    const m = memo.get(k);
    if (m !== undefined) return m;
    const v = Math.min(go(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1), go(i - 1, j) + 1, go(i, j - 1) + 1);
    memo.set(k, v);
    return v;
  };
  return go(a.length, b.length);
}

test('kaldi alignment: total equals the minimum edit distance on random pairs, and the pairs replay the input', () => {
  const rng = makeRng(7, 'wer');
  const vocab = ['a', 'b', 'c', 'd'];
  for (let n = 0; n < 300; n++) {
    const ref = Array.from({ length: randInt(rng, 0, 8) }, () => vocab[randInt(rng, 0, 3)]);
    const hyp = Array.from({ length: randInt(rng, 0, 8) }, () => vocab[randInt(rng, 0, 3)]);
    const ali = alignWords(ref, hyp);
    assert.equal(ali.sub + ali.ins + ali.del, editDistance(ref, hyp));
    assert.equal(ali.cor + ali.sub + ali.del, ref.length);
    assert.equal(ali.cor + ali.sub + ali.ins, hyp.length);
    assert.deepEqual(ali.pairs.filter((p) => p.ref !== null).map((p) => p.ref), ref);
    assert.deepEqual(ali.pairs.filter((p) => p.hyp !== null).map((p) => p.hyp), hyp);
    for (const p of ali.pairs) assert.equal(p.op === 'C', p.ref === p.hyp);
  }
});

test('kaldi tie-breaking: insertion before deletion before substitution when costs are equal (edit-distance-inl.h)', () => {
  // a b -> b c costs 2 either way; Kaldi's counting DP keeps `b` correct: 1 del + 1 ins.
  const ali = alignWords(w('a b'), w('b c'));
  assert.deepEqual([ali.cor, ali.sub, ali.del, ali.ins], [1, 0, 1, 1]);
  assert.deepEqual(ali.pairs.map((p) => p.op), ['D', 'C', 'I']);
});

test('kaldi is case-sensitive, sclite folds ASCII case unless told not to', () => {
  assert.equal(alignWords(w('Hello World'), w('hello world')).sub, 2);
  assert.equal(alignWords(w('Hello World'), w('hello world'), { algorithm: 'sclite' }).cor, 2);
  assert.equal(alignWords(w('Hello World'), w('hello world'), { algorithm: 'sclite', foldCase: false }).sub, 2);
  assert.equal(alignWords(w('Hello'), w('hello'), { foldCase: true }).cor, 1);
});

test('sclite weights count 6 errors on c c c a a -> a a b b b where the minimum is 5', () => {
  const k = alignWords(w('c c c a a'), w('a a b b b'));
  assert.equal(k.sub + k.ins + k.del, 5);
  const s = alignWords(w('c c c a a'), w('a a b b b'), { algorithm: 'sclite' });
  assert.deepEqual([s.cor, s.sub, s.del, s.ins], [2, 0, 3, 3]);
});

// sclite.pra was produced by NIST sclite itself (see test/fixtures/sclite/README.md).
function scliteGoldens(): Map<string, number[]> {
  const text = readFileSync(path.join(fixtures, 'sclite.pra'), 'utf8');
  const out = new Map<string, number[]>();
  const re = /^id: \((\S+)\)\nScores: \(#C #S #D #I\) (\d+) (\d+) (\d+) (\d+)$/gm;
  for (const m of text.matchAll(re)) out.set(m[1], m.slice(2, 6).map(Number));
  return out;
}

test('--sclite counts equal sclite on every utterance of the tricky set (empty lines/refs, insertions only, repeats, case, tabs)', () => {
  const ref = parseTranscript(readFileSync(path.join(fixtures, 'ref.txt'), 'utf8'), 'ref.txt');
  const hyp = parseTranscript(readFileSync(path.join(fixtures, 'hyp.txt'), 'utf8'), 'hyp.txt');
  const golden = scliteGoldens();
  assert.equal(golden.size, ref.size, 'one golden per reference utterance');
  const r = scoreTranscripts(ref, hyp, { algorithm: 'sclite' });
  for (const u of r.utts) {
    // sclite lower-cases utterance ids in its report.
    assert.deepEqual([u.cor, u.sub, u.del, u.ins], golden.get(u.uttId.toLowerCase()), u.uttId);
  }
  // sclite's Sum/Avg line: 254 words, Sub 14.2 Del 18.9 Ins 21.7 Err 54.7 S.Err 73.3.
  const sum = readFileSync(path.join(fixtures, 'sclite.sum'), 'utf8').match(/Sum\/Avg\|\s+(\d+)\s+(\d+) \|\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/)!;
  assert.equal(r.numSent, Number(sum[1]));
  assert.equal(r.numWords, Number(sum[2]));
  const pct = (x: number) => ((100 * x) / r.numWords).toFixed(1);
  assert.deepEqual([pct(r.cor), pct(r.sub), pct(r.del), pct(r.ins), pct(r.errors)], sum.slice(3, 8));
});

test('scoreTranscripts: modes strict, present, all and the compute-wer lines', () => {
  const ref = parseTranscript('u1 a b c\nu2 d e\nu3 f\n', 'ref');
  const hyp = parseTranscript('u1 a x c\nu3 f g\n', 'hyp');
  assert.throws(() => scoreTranscripts(ref, hyp, { refFile: 'ref.txt', hypFile: 'hyp.txt' }), {
    name: 'InputError',
    message: 'hyp.txt: no hypothesis for reference utterance u2; use --mode present to score only those present, or --mode all to count them as all deletions',
  });
  const present = scoreTranscripts(ref, hyp, { mode: 'present' });
  assert.equal(formatWer(present), '%WER 50.00 [ 2 / 4, 1 ins, 0 del, 1 sub ] [PARTIAL]\n%SER 100.00 [ 2 / 2 ]\nScored 2 sentences, 1 not present in hyp.\n');
  const all = scoreTranscripts(ref, hyp, { mode: 'all' });
  assert.equal(formatWer(all), '%WER 66.67 [ 4 / 6, 1 ins, 2 del, 1 sub ] [PARTIAL]\n%SER 100.00 [ 3 / 3 ]\nScored 3 sentences, 1 not present in hyp.\n');
  assert.equal(all.utts[1].hyp, null);
  const full = scoreTranscripts(ref, parseTranscript('u1 a b c\nu2 d e\nu3 f\n', 'h'));
  assert.equal(formatWer(full), '%WER 0.00 [ 0 / 6, 0 ins, 0 del, 0 sub ]\n%SER 0.00 [ 0 / 3 ]\nScored 3 sentences, 0 not present in hyp.\n');
});

test('scoreTranscripts: a hypothesis id missing from the reference is an error naming it', () => {
  const ref = parseTranscript('u1 a\n', 'ref');
  const hyp = parseTranscript('u1 a\nzz b\n', 'hyp');
  assert.throws(() => scoreTranscripts(ref, hyp, { refFile: 'ref.txt', hypFile: 'hyp.txt', mode: 'all' }), {
    name: 'InputError',
    message: 'hyp.txt: utterance zz not in the reference ref.txt; remove it or score against the right reference',
  });
});

test('an all-empty reference gives an undefined WER, with hypothesis words counted as insertions', () => {
  const r = scoreTranscripts(parseTranscript('u1\nu2\n', 'ref'), parseTranscript('u1 a b\nu2\n', 'hyp'));
  assert.equal(r.wer, null);
  assert.equal(r.ins, 2);
  assert.equal(formatWer(r), '%WER undefined [ 2 / 0, 2 ins, 0 del, 0 sub ]\n%SER 50.00 [ 1 / 2 ]\nScored 2 sentences, 0 not present in hyp.\n');
  const json = werToJson(r);
  assert.equal(json.wer, null);
  assert.equal((json.utts as unknown[]).length, 2);
  const none = scoreTranscripts(new Map(), new Map());
  assert.equal(formatWer(none), '%WER undefined [ 0 / 0, 0 ins, 0 del, 0 sub ]\n%SER undefined [ 0 / 0 ]\nScored 0 sentences, 0 not present in hyp.\n');
});

test('formatPercent rounds exact ties to even like printf, others correctly', () => {
  assert.equal(formatPercent(12.125), '12.12');
  assert.equal(formatPercent(12.375), '12.38');
  assert.equal(formatPercent(Math.fround(200 / 3)), '66.67');
  assert.equal(formatPercent(0), '0.00');
});
