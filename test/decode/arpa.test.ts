import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arpaLog10Prob, arpaToGrammar, parseArpa, readArpa, EOS } from '../../src/decode/arpa.js';
import { trainNgramArpa } from '../../src/decode/ngram-train.js';
import { sentenceLogProb } from '../../src/decode/grammar.js';
import { buildDecodingGraph } from '../../src/decode/graph.js';
import { BeamSearch } from '../../src/decode/beam-search.js';
import { makeRng, oracleLogLikes, randomWords, toyLang, toyTransitionModel } from './toy-model.js';

// An ARPA file written by hand in SRILM's layout (bigram, with backoff weights).
const SRILM_STYLE = `
\\data\\
ngram 1=4
ngram 2=3

\\1-grams:
-0.5229\t</s>
-99\t<s>\t-0.3010
-0.3010\tyes\t-0.1249
-0.6021\tno\t-0.2218

\\2-grams:
-0.1761\t<s> yes
-0.3010\tyes </s>
-0.0969\tno </s>

\\end\\
`;

test('parseArpa reads SRILM-style files; arpaLog10Prob applies backoff', () => {
  const lm = parseArpa(SRILM_STYLE, 'lm.arpa');
  assert.equal(lm.order, 2);
  assert.equal(arpaLog10Prob(lm, ['<s>'], 'yes'), -0.1761);
  assert.ok(Math.abs(arpaLog10Prob(lm, ['<s>'], 'no') - (-0.301 - 0.6021)) < 1e-12);
  assert.ok(Math.abs(arpaLog10Prob(lm, ['no'], 'yes') - (-0.2218 - 0.301)) < 1e-12);
  assert.equal(arpaLog10Prob(lm, ['no'], 'maybe'), -Infinity);
  const g = arpaToGrammar(lm);
  // <s> yes </s>: explicit bigrams all the way (the backoff path is worse).
  assert.ok(Math.abs(sentenceLogProb(g, ['yes']) - (-0.1761 - 0.301) * Math.LN10) < 1e-9);
});

test('ARPA errors name the file and line', () => {
  assert.throws(() => parseArpa('hello\n', 'x.arpa'), { name: 'InputError', message: 'x.arpa: not an ARPA language model (no \\data\\ line)' });
  assert.throws(() => parseArpa('\\data\\\nngram 1=2\n\n\\1-grams:\n-1 a\n\\end\\\n', 'x.arpa'), { name: 'InputError', message: 'x.arpa: header declares 2 1-grams but 1 are listed' });
  assert.throws(() => parseArpa('\\data\\\nngram 1=1\n\n\\1-grams:\n-1 a b c\n\\end\\\n', 'x.arpa'), {
    name: 'InputError',
    message: 'x.arpa line 5: a 1-gram line needs a log-probability, 1 words and an optional backoff; found 4 fields',
  });
  assert.throws(() => parseArpa('\\data\\\nngram 1=1\n\n\\1-grams:\n-1 a\n', 'x.arpa'), { name: 'InputError', message: 'x.arpa: no \\end\\ line; the file is truncated' });
  assert.throws(() => arpaToGrammar(parseArpa('\\data\\\nngram 1=1\n\n\\1-grams:\n-1 a\n\\end\\\n', 'x.arpa'), 'x.arpa'), { name: 'InputError', message: 'x.arpa: no <s> unigram; an ARPA LM needs the sentence-start token' });
});

test('train-lm (interpolated Witten-Bell) writes an ARPA whose conditional distributions sum to 1 for every history', async () => {
  const rng = makeRng(11, 'lm');
  const vocab = ['one', 'two', 'three', 'four', 'oh'];
  const sentences = Array.from({ length: 40 }, () => randomWords(rng, vocab, 1, 6));
  for (const order of [1, 2, 3]) {
    const lm = parseArpa(trainNgramArpa(sentences, { order }), `order${order}.arpa`);
    assert.equal(lm.order, order);
    const histories: string[][] = [[]];
    for (let k = 0; k < order - 1; k++) for (const key of lm.ngrams[k].keys()) if (!key.endsWith(EOS)) histories.push(key.split(' '));
    for (const h of histories) {
      let total = 0;
      for (const w of [...vocab, EOS]) total += 10 ** arpaLog10Prob(lm, h, w);
      assert.ok(Math.abs(total - 1) < 1e-4, `order ${order}, history '${h.join(' ')}': sum ${total}`);
    }
  }
});

test('train-lm matches the Witten-Bell formula on a hand-counted corpus', () => {
  const lm = parseArpa(trainNgramArpa([['a', 'b'], ['b']], { order: 2 }), 'wb.arpa');
  // Unigrams: a 1, b 2, </s> 2 (N=5, T=3, V=3): P(b) = (2 + 3/3) / 8.
  assert.equal(lm.ngrams[0].get('b')!.log10Prob, Number(Math.log10(3 / 8).toFixed(6)));
  // History <s>: followed by a, b once each (c=2, T=2): P(a|<s>) = (1 + 2 P(a)) / 4, P(a) = 2/8.
  assert.equal(lm.ngrams[1].get('<s> a')!.log10Prob, Number(Math.log10((1 + 2 * (2 / 8)) / 4).toFixed(6)));
  assert.equal(lm.ngrams[0].get('<s>')!.log10Backoff, Number(Math.log10(2 / 4).toFixed(6)));
  assert.throws(() => trainNgramArpa([['a', '</s>']], { order: 2 }), { name: 'InputError', message: 'train-lm: the text contains the reserved token </s>; remove it (sentence boundaries are added automatically)' });
  assert.throws(() => trainNgramArpa([['a']], { order: 0 }), { name: 'InputError', message: '--order 0: the n-gram order must be an integer >= 1' });
});

test('oracle decoding with a trained bigram LM returns exactly the reference', async () => {
  const lang = toyLang();
  const tm = toyTransitionModel(lang);
  const rng = makeRng(12, 'lm-oracle');
  const vocab = [...lang.lexicon.keys()];
  const train = Array.from({ length: 60 }, () => randomWords(rng, vocab, 1, 5));
  const g = arpaToGrammar(parseArpa(trainNgramArpa(train, { order: 2 }), 'lm.arpa'));
  const search = new BeamSearch(buildDecodingGraph(g, lang, tm));
  for (let n = 0; n < 10; n++) {
    const words = train[n];
    const { logLikes, numFrames } = oracleLogLikes(rng, lang, tm, words);
    assert.deepEqual(search.decode(logLikes, numFrames, { acousticScale: 1 }).words, words);
  }
  await assert.rejects(readArpa('/nonexistent/lm.arpa'), { name: 'InputError', message: '/nonexistent/lm.arpa: language model file not found' });
});
