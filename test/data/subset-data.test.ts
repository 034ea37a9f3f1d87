import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDataDir } from '../../src/data/data-dir.js';
import { selectUtterances, subsetDataDir } from '../../src/data/subset-data.js';
import { writeToolsFixture } from './data-dir-fixture.js';

test('selectUtterances: N or a fraction drawn with a seed, or whole speakers; sorted', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'subset-'));
  try {
    const data = await readDataDir(await writeToolsFixture(path.join(root, 'src')));
    const three = selectUtterances(data, { utts: 3, seed: 1 });
    assert.equal(three.length, 3);
    assert.deepEqual(three, [...three].sort());
    assert.deepEqual(selectUtterances(data, { utts: 3, seed: 1 }), three, 'same seed, same subset');
    const draws = new Set([1, 2, 3, 4, 5, 6].map((seed) => selectUtterances(data, { utts: 3, seed }).join(' ')));
    assert.ok(draws.size > 1, 'other seeds draw other subsets');
    assert.deepEqual(selectUtterances(data, { fraction: 0.5, seed: 1 }), three, 'half of 6 is the same draw as 3');
    assert.equal(selectUtterances(data, { fraction: 0.01 }).length, 1);
    assert.deepEqual(selectUtterances(data, { utts: 6 }), ['a-1', 'a-2', 'b-1', 'c-1', 'c-2', 'c-3']);
    assert.deepEqual(selectUtterances(data, { speakers: ['c', 'a'] }), ['a-1', 'a-2', 'c-1', 'c-2', 'c-3']);
    assert.throws(() => selectUtterances(data, { utts: 7 }), /--utts 7 but .*src has only 6 utterances/);
    assert.throws(() => selectUtterances(data, { fraction: 1.5 }), /--fraction 1\.5: expected a number in \(0, 1\]/);
    assert.throws(() => selectUtterances(data, { speakers: ['a', 'x', 'y'] }), /src has no speaker x, y; see its spk2utt/);
    assert.throws(() => selectUtterances(data, { utts: 2, fraction: 0.5 }), /give exactly one of --utts, --fraction, --speakers \(got --utts, --fraction\)/);
    assert.throws(() => selectUtterances(data, {}), /give exactly one of --utts, --fraction, --speakers$/);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('subsetDataDir writes a valid directory with the chosen speakers only', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'subset-'));
  try {
    const src = await writeToolsFixture(path.join(root, 'src'));
    const r = await subsetDataDir(src, path.join(root, 'b'), { speakers: ['b'] });
    assert.deepEqual(r.data.utterances.map((u) => u.uttId), ['b-1']);
    assert.equal(await fs.readFile(path.join(root, 'b', 'wav.scp'), 'utf8'), 'rec2 ../src/wav/rec2.wav\n');
    assert.equal(await fs.readFile(path.join(root, 'b', 'spk2gender'), 'utf8'), 'b m\n');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('selectUtterances --speaker-balanced: each speaker in proportion to its utterances, seeded, largest remainders', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'subset-bal-'));
  try {
    // The fixture: speaker a has 2 utterances, b 1, c 3.
    const data = await readDataDir(await writeToolsFixture(path.join(root, 'src')));
    const perSpeaker = (ids: string[]) => ['a', 'b', 'c'].map((s) => ids.filter((id) => id.startsWith(`${s}-`)).length);
    // 4 of 6: exact shares 4/3, 2/3, 2 -> floors 1, 0, 2 and the one left to b (remainder 2/3 > 1/3).
    for (const seed of [1, 2, 3, 4, 5]) {
      const four = selectUtterances(data, { utts: 4, seed, speakerBalanced: true });
      assert.deepEqual(perSpeaker(four), [1, 1, 2], `seed ${seed}: ${four}`);
      assert.deepEqual(four, [...four].sort());
      assert.deepEqual(selectUtterances(data, { utts: 4, seed, speakerBalanced: true }), four, 'same seed, same subset');
    }
    const draws = new Set([1, 2, 3, 4, 5, 6].map((seed) => selectUtterances(data, { utts: 4, seed, speakerBalanced: true }).join(' ')));
    assert.ok(draws.size > 1, 'other seeds draw other utterances within the speakers');
    // Half: exactly 1, 0.5, 1.5 -> floors 1, 0, 1; b and c tie on the remainder, the seed picks one.
    const halves = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => perSpeaker(selectUtterances(data, { fraction: 0.5, seed, speakerBalanced: true })).join(',')));
    assert.deepEqual([...halves].sort(), ['1,0,2', '1,1,1']);
    assert.deepEqual(selectUtterances(data, { fraction: 1, speakerBalanced: true }), ['a-1', 'a-2', 'b-1', 'c-1', 'c-2', 'c-3']);
    assert.throws(() => selectUtterances(data, { speakers: ['a'], speakerBalanced: true }), {
      name: 'InputError',
      message: '--speaker-balanced draws from every speaker; use it with --utts or --fraction, not --speakers',
    });
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
