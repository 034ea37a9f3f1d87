import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { openAliWriter } from '../../src/hmm/ali-writer.js';
import { encodeAlignments, type UttAlignment } from '../../src/hmm/ali-archive.js';
import { withTmp } from './helpers.js';

const ali = (uttId: string, n: number): UttAlignment => ({ uttId, pdfIds: Int32Array.from({ length: n }, (_, t) => t % 3), phoneIds: new Int32Array(n).fill(1) });

test('openAliWriter writes the bytes of encodeAlignments, batch by batch; it refuses ids out of order', () =>
  withTmp(async (dir) => {
    const alis = [ali('a', 3), ali('b', 4), ali('c', 5), ali('d', 0)];
    const w = await openAliWriter(path.join(dir, 'ali.arrow'), 8);
    for (const a of alis) await w.add(a);
    assert.deepEqual(await w.close(), { numUtts: 4, numFrames: 12 });
    assert.deepEqual(await fs.readFile(path.join(dir, 'ali.arrow')), Buffer.from(encodeAlignments(alis, 8)));
    // No utterance at all: still a readable (empty) archive.
    const e = await openAliWriter(path.join(dir, 'empty.arrow'));
    await e.close();
    assert.deepEqual(await fs.readFile(path.join(dir, 'empty.arrow')), Buffer.from(encodeAlignments([])));
    const bad = await openAliWriter(path.join(dir, 'bad.arrow'));
    await bad.add(ali('b', 1));
    await assert.rejects(bad.add(ali('a', 1)), /utterance a after b; add them in C-locale order, once each/);
    await bad.abort();
    assert.deepEqual((await fs.readdir(dir)).sort(), ['ali.arrow', 'empty.arrow']);
  }));
