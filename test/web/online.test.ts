import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { exportWeb } from '../../src/web/export-web.js';
import { WEB_MANIFEST_FILE, type WebManifest, type WebModel } from '../../src/web/manifest.js';
import { OnlineRecognizer } from '../../src/web/browser/online.js';
import { dnnScores, type ForwardLogits } from '../../src/web/browser/recognizer.js';
import { decodeGraph } from '../../src/decode/graph-io.js';
import type { DecodingGraph } from '../../src/decode/graph.js';
import { BeamSearch, type SearchResult } from '../../src/decode/beam-search.js';
import { logitsToLogLikelihoods } from '../../src/decode/hybrid-scores.js';
import { decodeWav } from '../../src/data/wav.js';
import { resample } from '../../src/data/resample.js';
import { makeFeatureComputer } from '../../src/features/compute.js';
import { loadFeatureConfig } from '../../src/features/config-file.js';
import type { FbankConfig, MeydaConfig } from '../../src/features/config.js';
import { OnlineCmvn } from '../../src/features/online-cmvn.js';
import { spliceUtterance } from '../../src/nnet/splice.js';
import { readDnnModelDir } from '../../src/nnet/model-dir.js';
import { DnnForward } from '../../src/nnet/tfjs/forward.js';
import { selectBackend } from '../../src/nnet/tfjs/backend.js';
import { makeRng } from '../../src/data/random.js';
import { makeWebFixture } from './fixture.js';

/** The whole-utterance chain with online CMVN, written out step by step with Node's feature computer (what OnlineRecognizer must equal). */
async function wholeUtterance(m: WebManifest, model: WebModel, graph: DecodingGraph, forward: ForwardLogits, samples: Float32Array, rate: number) {
  const x = rate === m.features.sampleRate ? samples : resample(samples, rate, m.features.sampleRate);
  const feats = makeFeatureComputer(m.features).compute(Float32Array.from(x, (v) => v * 32768));
  const norm = new OnlineCmvn(model.featDim, model.cmvnPrior, { normVars: model.cmvn.normVars }).push(feats.data, feats.numFrames);
  const spliced = spliceUtterance(norm, feats.numFrames, model.featDim, model.context);
  const ll = logitsToLogLikelihoods(await forward(spliced, feats.numFrames), Float32Array.from(model.logPriors), model.numPdfs);
  return new BeamSearch(graph).decode(ll, feats.numFrames, m.search);
}

test('live decoding fed in chunks of any size gives the whole-utterance result with online CMVN (16 kHz, 8 and 44.1 kHz resampled, snipEdges on and off, Meyda mel bands)', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'web-online-'));
  const f = await makeWebFixture(root);
  const site = path.join(root, 'site');
  await exportWeb(f.modelDir, site, { cmvnStats: f.featsDir });
  const m = JSON.parse(readFileSync(path.join(site, WEB_MANIFEST_FILE), 'utf8')) as WebManifest;
  assert.ok(m.student.cmvnPrior && m.student.cmvnPrior.count > 0, 'the prior comes from --cmvn-stats');
  const graph = decodeGraph(readFileSync(path.join(site, 'graph.bin')), 'graph.bin');
  await selectBackend('cpu');
  const net = new DnnForward((await readDnnModelDir(f.modelDir)).weights);
  const forward: ForwardLogits = async (x, n) => net.logits(x, n);
  const wav16 = decodeWav(readFileSync(f.wav16), f.wav16);
  const wav8 = decodeWav(readFileSync(f.wav8), f.wav8);
  const rng = makeRng(3, 'chunks');
  const cases = [
    { what: '16 kHz', samples: wav16.channels[0], rate: 16000, manifest: m },
    { what: '8 kHz', samples: wav8.channels[0], rate: 8000, manifest: m },
    { what: '44.1 kHz', samples: resample(wav16.channels[0], 16000, 44100), rate: 44100, manifest: m },
    { what: 'snipEdges false', samples: wav16.channels[0], rate: 16000, manifest: { ...m, features: { ...(m.features as FbankConfig), snipEdges: false } } },
    // 40 Meyda bands in place of the 40 fbank bins: the same network takes them (its weights are random anyway).
    { what: 'meyda', samples: wav8.channels[0], rate: 8000, manifest: { ...m, features: (await loadFeatureConfig('features/meyda-mel40.json')) as MeydaConfig } },
  ];
  for (const c of cases) {
    const want = await wholeUtterance(c.manifest, m.student, graph, forward, c.samples, c.rate);
    assert.ok(want.words.length > 0, `${c.what}: a non-empty transcript to compare`);
    const online: OnlineRecognizer = new OnlineRecognizer(c.manifest, m.student, graph, dnnScores(forward, m.student), m.student.cmvnPrior);
    for (const sizes of [() => 1024, () => 1 + Math.floor(rng() * 3000), () => c.samples.length]) {
      online.start(c.rate);
      for (let i = 0; i < c.samples.length; ) {
        const k = sizes();
        await online.accept(c.samples.subarray(i, i + k));
        i += k;
        assert.ok(online.state().result.numFrames <= want.numFrames);
      }
      const r: SearchResult = await online.finish();
      assert.deepEqual(r.words, want.words, c.what);
      assert.deepEqual(r.timings, want.timings, c.what);
      assert.ok(Math.abs(r.score - want.score) < 1e-4 * Math.max(1, Math.abs(want.score)), `${c.what}: score ${r.score} vs ${want.score}`);
      assert.ok(Math.abs(online.audioSec - c.samples.length / c.rate) < 1e-9);
    }
  }
  // The decoder's view for endpointing: frames since the last word, relative cost of the final state.
  const online = new OnlineRecognizer(m, m.student, graph, dnnScores(forward, m.student), m.student.cmvnPrior);
  online.start(16000);
  await online.accept(wav16.channels[0]);
  const st = online.state();
  const last = st.result.timings.at(-1)?.endFrame ?? 0;
  assert.equal(st.trailingFrames, st.result.numFrames - last);
  assert.ok(st.result.reachedFinal ? st.relativeCost >= -1e-3 : st.relativeCost === Infinity);
  net.dispose();
});
