import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFrameCorpus, concatFrameCorpora, corpusFrames, createBatchSource, frameUtterances, perturbedSource, spliceFrames, splitCorpus, type CorpusUtterance, type FrameTargets } from '../../src/nnet/batches.js';
import { spliceUtterance } from '../../src/nnet/splice.js';
import { makeRng } from '../../src/data/random.js';

const dim = 3;
const numPdfs = 4;

function corpusUtts(): CorpusUtterance[] {
  const rng = makeRng(7);
  return [5, 1, 8].map((n, u) => {
    const data = new Float32Array(n * dim);
    for (let i = 0; i < data.length; i++) data[i] = Math.round(rng() * 1000) / 10;
    const pdfIds = new Int32Array(n);
    for (let t = 0; t < n; t++) pdfIds[t] = (t + u) % numPdfs;
    return { uttId: `utt${u}`, numFrames: n, data, pdfIds };
  });
}

test('buildFrameCorpus concatenates utterances and labels', () => {
  const utts = corpusUtts();
  const c = buildFrameCorpus(utts, dim, numPdfs);
  assert.equal(corpusFrames(c), 14);
  assert.deepEqual(Array.from(c.uttStart), [0, 5, 6, 14]);
  assert.deepEqual(Array.from(c.feats.subarray(6 * dim, 7 * dim)), Array.from(utts[2].data.subarray(0, dim)));
  assert.equal(c.labels[6], utts[2].pdfIds![0]);
  assert.deepEqual(Array.from(frameUtterances(c)), [0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
});

test('concatFrameCorpora joins corpora in order (unlabeled frames keep -1) and refuses a repeated utterance or another dim', () => {
  const utts = corpusUtts();
  const labeled = buildFrameCorpus(utts.slice(0, 2), dim, numPdfs);
  const unlabeled = buildFrameCorpus([{ ...utts[2], uttId: 'x', pdfIds: undefined }], dim, numPdfs);
  const c = concatFrameCorpora([labeled, unlabeled]);
  const whole = buildFrameCorpus([...utts.slice(0, 2), { ...utts[2], uttId: 'x', pdfIds: undefined }], dim, numPdfs);
  assert.deepEqual(c, whole);
  assert.deepEqual(Array.from(c.labels.subarray(6)), new Array(8).fill(-1));
  assert.equal(concatFrameCorpora([labeled]), labeled);
  assert.throws(() => concatFrameCorpora([labeled, labeled]), { name: 'InputError', message: 'utterance utt0 appears in two of the joined sets; give each set distinct utterance ids' });
  const other = buildFrameCorpus([{ uttId: 'y', numFrames: 1, data: new Float32Array(2) }], 2, numPdfs);
  assert.throws(() => concatFrameCorpora([labeled, other]), { name: 'InputError', message: 'cannot join corpora with features of dim 3 and 2; extract them with the same config' });
});

test('buildFrameCorpus rejects labels out of range and length mismatches', () => {
  const utts = corpusUtts();
  utts[1].pdfIds = new Int32Array([9]);
  assert.throws(() => buildFrameCorpus(utts, dim, numPdfs), {
    name: 'InputError',
    message: 'utterance utt1 frame 0: pdf id 9 outside [0, 4); the alignment does not match its transition model',
  });
  utts[1].pdfIds = new Int32Array([0, 1]);
  assert.throws(() => buildFrameCorpus(utts, dim, numPdfs), {
    name: 'InputError',
    message: 'utterance utt1: 2 aligned frames for 1 feature frames; re-align with these features',
  });
});

test('every batch row equals the spliced frame of its utterance, with its label', () => {
  const utts = corpusUtts();
  const c = buildFrameCorpus(utts, dim, numPdfs);
  const ctx = { left: 2, right: 1 };
  const src = createBatchSource(c, { context: ctx, seed: 3 });
  assert.equal(src.inputDim, 4 * dim);
  assert.equal(src.numFrames, 14);
  const spliced = utts.map((u) => spliceUtterance(u.data, u.numFrames, dim, ctx));
  // Index each expected row by its content to find which frame it is, then check the label.
  const expected = new Map<string, number[]>();
  utts.forEach((u, ui) => {
    for (let t = 0; t < u.numFrames; t++) {
      const key = Array.from(spliced[ui].subarray(t * src.inputDim, (t + 1) * src.inputDim)).join(',');
      expected.set(key, [...(expected.get(key) ?? []), u.pdfIds![t]]);
    }
  });
  let rows = 0;
  const sizes: number[] = [];
  for (const b of src.batches(0, 4)) {
    sizes.push(b.size);
    for (let i = 0; i < b.size; i++) {
      const key = Array.from(b.x.subarray(i * src.inputDim, (i + 1) * src.inputDim)).join(',');
      assert.ok(expected.get(key)?.includes(b.labels[i]), `row ${key} label ${b.labels[i]}`);
      rows++;
    }
  }
  assert.equal(rows, 14);
  assert.deepEqual(sizes, [4, 4, 4, 2]);
});

test('a specific frame: the first frame of utt2 with context 2:1 is [f0 f0 f0 f1]', () => {
  const utts = corpusUtts();
  const c = buildFrameCorpus(utts, dim, numPdfs);
  const out = new Float32Array(4 * dim);
  spliceFrames(c, frameUtterances(c), [6], 1, { left: 2, right: 1 }, out);
  const f = (t: number) => Array.from(utts[2].data.subarray(t * dim, (t + 1) * dim));
  assert.deepEqual(Array.from(out), [...f(0), ...f(0), ...f(0), ...f(1)]);
});

test('shuffling is deterministic per (seed, epoch), differs across epochs, and covers every frame once', () => {
  const c = buildFrameCorpus(corpusUtts(), dim, numPdfs);
  const order = (seed: number, epoch: number, shuffle = true) => {
    const src = createBatchSource(c, { context: { left: 0, right: 0 }, seed, shuffle });
    return [...src.batches(epoch, 5)].flatMap((b) => Array.from(b.x));
  };
  assert.deepEqual(order(1, 0), order(1, 0));
  assert.notDeepEqual(order(1, 0), order(1, 1));
  assert.notDeepEqual(order(1, 0), order(2, 0));
  assert.deepEqual([...order(1, 2)].sort((a, b) => a - b), Array.from(c.feats).sort((a, b) => a - b));
  assert.deepEqual(order(1, 0, false), Array.from(c.feats));
});

test('teacher targets are attached row by row', () => {
  const c = buildFrameCorpus(corpusUtts(), dim, numPdfs);
  const targets: FrameTargets = {
    numPdfs,
    hasSoft: true,
    hasLogits: true,
    fill(frames, count, soft, logits) {
      for (let i = 0; i < count; i++) {
        soft!.fill(frames[i], i * numPdfs, (i + 1) * numPdfs);
        logits!.fill(-frames[i], i * numPdfs, (i + 1) * numPdfs);
      }
    },
  };
  const src = createBatchSource(c, { context: { left: 0, right: 0 }, seed: 1, targets });
  for (const b of src.batches(0, 3)) {
    for (let i = 0; i < b.size; i++) {
      const g = b.soft![i * numPdfs];
      assert.deepEqual(Array.from(b.x.subarray(i * dim, (i + 1) * dim)), Array.from(c.feats.subarray(g * dim, (g + 1) * dim)));
      assert.equal(b.teacherLogits![i * numPdfs + 3], -g);
    }
  }
});

test('splitCorpus holds out whole utterances, seeded', () => {
  const c = buildFrameCorpus(corpusUtts(), dim, numPdfs);
  const { train, heldOut } = splitCorpus(c, 0.3, 5);
  assert.equal(train.uttIds.length + heldOut.uttIds.length, 3);
  assert.equal(heldOut.uttIds.length, 1);
  assert.equal(corpusFrames(train) + corpusFrames(heldOut), 14);
  assert.deepEqual(splitCorpus(c, 0.3, 5).heldOut.uttIds, heldOut.uttIds);
  assert.throws(() => splitCorpus(c, 1.5, 1), { name: 'InputError', message: '--dev-split 1.5: expected a fraction between 0 and 1 (e.g. 0.1)' });
});

test('loadFrameCorpus applies CMVN once per utterance, skips utterances without a matching alignment', async () => {
  const { promises: fs } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { loadFrameCorpus, withFrameCounter } = await import('../../src/nnet/batches.js');
  const { readFeatsDir } = await import('../../src/store/feats-archive.js');
  const { readCmvn, applyCmvn } = await import('../../src/features/cmvn.js');
  const { readAlignments } = await import('../../src/hmm/ali-archive.js');
  const { writeSynthCorpusDirs } = await import('./pipeline-fixtures.js');
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'batches-'));
  const d = await writeSynthCorpusDirs(root, { name: 'x', numUtts: 4, dim: 3, seed: 1 });
  const ali = await readAlignments(d.aliDir);
  const alis = new Map(ali.alis);
  const ids = [...alis.keys()];
  alis.delete(ids[0]);
  alis.set(ids[1], { ...alis.get(ids[1])!, pdfIds: alis.get(ids[1])!.pdfIds.slice(1) });
  const loaded = await loadFrameCorpus(d.featsDir, { alignments: alis, numPdfs: d.numPdfs, aliDir: d.aliDir, normVars: true });
  assert.deepEqual(loaded.cmvn, { per: 'speaker', normVars: true });
  assert.deepEqual(loaded.corpus.uttIds, ids.slice(2));
  assert.equal(loaded.skipped[0].reason, `no alignment in ${d.aliDir}`);
  assert.match(loaded.skipped[1].reason, /^\d+ feature frames but \d+ aligned frames$/);
  const { utts } = await readFeatsDir(d.featsDir);
  const expected = applyCmvn(utts.get(ids[2])!, await readCmvn(d.featsDir), { normVars: true });
  assert.deepEqual(Array.from(loaded.corpus.feats.subarray(0, expected.length)), Array.from(expected));
  // Unlabeled: every utterance, labels -1.
  const unl = await loadFrameCorpus(d.featsDir, { numPdfs: d.numPdfs });
  assert.equal(unl.corpus.uttIds.length, 4);
  assert.ok(unl.corpus.labels.every((y) => y === -1));
  // No match at all: an InputError that says what to check.
  await assert.rejects(loadFrameCorpus(d.featsDir, { alignments: new Map(), numPdfs: d.numPdfs, aliDir: 'ALI' }), {
    name: 'InputError',
    message: `${d.featsDir}: no utterance has both features and a matching alignment in ALI (4 skipped, e.g. ${ids[0]}: no alignment in ALI); check that ALI_DIR was aligned from these features`,
  });
  // withFrameCounter reports every batch's size.
  const src = createBatchSource(unl.corpus, { context: { left: 0, right: 0 }, seed: 1 });
  let counted = 0;
  for (const _ of withFrameCounter(src, (n) => (counted += n)).batches(0, 7)) void _;
  assert.equal(counted, src.numFrames);
  await fs.rm(root, { recursive: true });
});

test('splicedChunks walks the corpus in order with spliced rows equal to spliceFrames', async () => {
  const { splicedChunks, spliceFrames, frameUtterances, corpusFrames } = await import('../../src/nnet/batches.js');
  const { splicedDim } = await import('../../src/nnet/splice.js');
  const dim = 2;
  const feats = Float32Array.from({ length: 7 * dim }, (_, i) => i);
  const c = { uttIds: ['a', 'b'], uttStart: Int32Array.from([0, 3, 7]), feats, dim, labels: new Int32Array(7), numPdfs: 1 } as unknown as Parameters<typeof corpusFrames>[0];
  const ctx = { left: 1, right: 1 };
  const width = splicedDim(dim, ctx);
  const seen: number[] = [];
  const ref = new Float32Array(width);
  for (const { start, n, x } of splicedChunks(c, ctx, 3)) {
    for (let i = 0; i < n; i++) {
      seen.push(start + i);
      spliceFrames(c, frameUtterances(c), [start + i], 1, ctx, ref);
      assert.deepEqual([...x.subarray(i * width, (i + 1) * width)], [...ref]);
    }
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
});

test('perturbedSource applies each perturbation in order with (epoch, batch), and nothing else changes', () => {
  const c = buildFrameCorpus(corpusUtts(), dim, numPdfs);
  const base = createBatchSource(c, { context: { left: 1, right: 1 }, seed: 3 });
  assert.equal(perturbedSource(base, []), base);
  const calls: string[] = [];
  const addEpoch = { apply: (x: Float32Array, rows: number, inputDim: number, epoch: number, batch: number) => {
    calls.push(`add ${rows}x${inputDim} e${epoch} b${batch}`);
    for (let i = 0; i < rows * inputDim; i++) x[i] += 1000 * (epoch + 1);
  } };
  const double = { apply: (x: Float32Array, rows: number, inputDim: number) => {
    calls.push('double');
    for (let i = 0; i < rows * inputDim; i++) x[i] *= 2;
  } };
  const src = perturbedSource(base, [addEpoch, double]);
  assert.deepEqual([src.inputDim, src.numPdfs, src.numFrames], [base.inputDim, base.numPdfs, base.numFrames]);
  const want = [...base.batches(1, 6)];
  const got = [...src.batches(1, 6)];
  assert.equal(got.length, 3);
  assert.deepEqual(calls, ['add 6x9 e1 b0', 'double', 'add 6x9 e1 b1', 'double', 'add 2x9 e1 b2', 'double']);
  for (let k = 0; k < got.length; k++) {
    assert.deepEqual(got[k].labels, want[k].labels);
    assert.deepEqual(Array.from(got[k].x), Array.from(want[k].x, (v) => Math.fround(Math.fround(v + 2000) * 2)));
  }
});
