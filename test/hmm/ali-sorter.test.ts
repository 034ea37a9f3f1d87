import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import * as path from 'node:path';
import { openAliSorter } from '../../src/hmm/ali-sorter.js';
import { withTmp } from './helpers.js';

const ali = (uttId: string, pdfs: number[]) => ({ uttId, pdfIds: Int32Array.from(pdfs), phoneIds: Int32Array.from(pdfs, (p) => p + 100) });

test('openAliSorter gives alignments added in any order back in C-locale order from its scratch file; ids twice are refused', async () => {
  await withTmp(async (dir) => {
    const scratch = path.join(dir, 'scratch');
    const s = openAliSorter(scratch);
    // C-locale: 'B' < 'a' < 'a-b' < 'a.b'; a skipped id still counts for duplicates.
    s.add('a.b', ali('a.b', [3, 4]), 1);
    s.add('skipped', null, 2);
    s.add('a', ali('a', [1]), 3);
    s.add('B', ali('B', []), 4);
    s.add('a-b', ali('a-b', [5, 6, 7]), 5);
    assert.equal(s.numAlis, 4);
    s.sort(() => 'unused');
    assert.deepEqual([...s.sorted()], [ali('B', []), ali('a', [1]), ali('a-b', [5, 6, 7]), ali('a.b', [3, 4])]);
    s.add('skipped', ali('skipped', [1]), 6);
    assert.throws(() => s.sorted().next(), { message: 'openAliSorter: sorted() before sort()' });
    assert.throws(() => s.sort((u, tag) => `${u} again at ${tag}`), { message: 'skipped again at 6' });
    await s.close();
    await assert.rejects(access(scratch), 'the scratch file is deleted');
  });
});
