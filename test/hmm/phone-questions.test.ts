import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeRng, randNormal } from '../../src/data/random.js';
import { clusterPhones, parseQuestions, questionSets, readExtraQuestions, splitInTwo } from '../../src/hmm/phone-questions.js';
import type { GaussStats } from '../../src/hmm/triphone-stats.js';
import { makeLang, withTmp } from './helpers.js';

/** Statistics of `n` samples around `mean` (unit variance), drawn reproducibly. */
function sampleStats(mean: number[], n: number, seed: number): GaussStats {
  const rng = makeRng(seed, 'q');
  const s: GaussStats = { count: n, sum: new Float64Array(mean.length), sumSq: new Float64Array(mean.length) };
  for (let i = 0; i < n; i++) {
    mean.forEach((m, d) => {
      const x = m + randNormal(rng);
      s.sum[d] += x;
      s.sumSq[d] += x * x;
    });
  }
  return s;
}

// Phones 3..8: {3,4,5} around (0,0), {6,7} around (10,0), {8} around (10,10): the top split must
// separate {3,4,5} from {6,7,8}, and the next one {6,7} from {8}.
const groups: [number, number[]][] = [[3, [0, 0]], [4, [0.2, 0]], [5, [0, 0.2]], [6, [10, 0]], [7, [10.2, 0]], [8, [10, 10]]];
const stats = new Map(groups.map(([p, m], i) => [p, sampleStats(m, 200, i + 1)]));

test('splitInTwo: k-means on Gaussian statistics finds the two clusters', () => {
  const [a, b] = splitInTwo([3, 4, 5, 6, 7, 8], stats);
  const sets = [a, b].map((x) => x.join(',')).sort();
  assert.deepEqual(sets, ['3,4,5', '6,7,8']);
});

test('clusterPhones: every node of the binary tree is a question, down to single phones', () => {
  const q = clusterPhones(stats);
  const keys = q.map((x) => x.join(','));
  assert.equal(keys[0], '3,4,5,6,7,8');
  for (const k of ['3,4,5', '6,7,8', '6,7', '8', '3', '4', '5', '6', '7']) assert.ok(keys.includes(k), `missing ${k} in ${keys.join(' | ')}`);
  // A binary tree over 6 leaves has 11 nodes.
  assert.equal(q.length, 11);
  assert.deepEqual(clusterPhones(new Map()), []);
});

test('questionSets: clusters, the silence set, extra questions, without duplicates', () => {
  assert.deepEqual(questionSets([[3, 4], [3]], [2, 1], [[3, 4], [5]]), [[3, 4], [3], [1, 2], [5]]);
});

test('extra_questions.txt: read by phone name; absent file gives none; unknown phone is an error', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    assert.deepEqual(await readExtraQuestions(lang), []);
    await fs.writeFile(path.join(lang.dir, 'extra_questions.txt'), 'W N\n\nT UW AY\n');
    const q = await readExtraQuestions(lang);
    const id = (p: string) => lang.phoneIds.get(p)!;
    assert.deepEqual(q, [[id('W'), id('N')].sort((a, b) => a - b), [id('T'), id('UW'), id('AY')].sort((a, b) => a - b)]);
  });
  assert.throws(() => parseQuestions('A\nA ZZ\n', new Map([['A', 3]]), 'lang/extra_questions.txt'), {
    message: "lang/extra_questions.txt line 2: phone 'ZZ' is not in phones.txt; list phones of the lang directory only",
  });
});
