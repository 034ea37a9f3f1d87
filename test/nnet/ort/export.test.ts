import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import onnxProto from 'onnx-proto';
import { loadDnnScorer } from '../../../src/decode/acoustic-model.js';
import { selectBackend } from '../../../src/nnet/tfjs/backend.js';
import { loadAcousticModel } from '../../../src/nnet/ensemble.js';
import { tfjsAcousticForward } from '../../../src/nnet/engine.js';
import { writeDnnModelDir, type DnnModelMeta } from '../../../src/nnet/model-dir.js';
import { initDnnWeights } from '../../../src/nnet/weights.js';
import { spliceUtterance } from '../../../src/nnet/splice.js';
import { exportOnnx } from '../../../src/nnet/ort/export.js';
import { floatTensor, OrtSession, tensorFloats } from '../../../src/nnet/ort/session.js';
import { makeRng, randNormal } from '../../../src/data/random.js';
import { toyLang, toyTransitionModel } from '../../decode/toy-model.js';

/** Tolerance stated in docs/models.md: exported model vs the tfjs path, log domain. */
const TOL = 1e-5;

async function writeModels(root: string) {
  const tm = toyTransitionModel(toyLang());
  const P = tm.numPdfs;
  const featDim = 5;
  const context = { left: 2, right: 1 };
  const rng = makeRng(7, 'export');
  // Non-uniform priors, one pdf unseen (Kaldi's sqrt(FLT_MAX) prior).
  const priors = Array.from({ length: P }, (_, j) => (j === 1 ? Math.sqrt(3.4028234663852886e38) : Math.log(0.2 + rng())));
  const archs = [{ hidden: [{ units: 16 }, { units: 8 }], activation: 'relu' as const }, { hidden: [{ units: 12 }], activation: 'relu' as const }];
  for (const [i, arch] of archs.entries()) {
    const inputDim = featDim * (context.left + 1 + context.right);
    const meta: DnnModelMeta = { type: 'dnn', arch, context, inputDim, numPdfs: P, featDim, features: { type: 'synthetic' }, frameShiftMs: 10, cmvn: { per: 'speaker', normVars: false }, priors, trainedOn: { feats: 'x', ali: null, numUtts: 0, numFrames: 0, date: '2026-01-01T00:00:00Z' } };
    const w = initDnnWeights(arch, inputDim, P, 10 + i);
    w.layers.forEach((l) => l.b.forEach((_, j) => (l.b[j] = 0.3 * randNormal(rng))));
    await writeDnnModelDir(path.join(root, `m${i + 1}`), { weights: w, meta, transitionModel: tm });
  }
  for (const combine of ['arithmetic', 'geometric']) {
    mkdirSync(path.join(root, combine));
    writeFileSync(path.join(root, combine, 'ensemble.json'), JSON.stringify({ type: 'ensemble', combine, members: ['../m1', '../m2'] }));
  }
  return { featDim, P, priors, rng };
}

test('export-onnx: DNN and ensembles (both rules) run in ONNX Runtime and equal the tfjs path within 1e-5, short utterances included', async () => {
  await selectBackend('cpu');
  const root = mkdtempSync(path.join(tmpdir(), 'export-onnx-'));
  const { featDim, P, priors, rng } = await writeModels(root);
  for (const name of ['m1', 'arithmetic', 'geometric']) {
    const dir = path.join(root, name);
    const out = path.join(root, `${name}.onnx`);
    const r = await exportOnnx(dir, out, { likelihoods: true });
    assert.equal(r.kind, name === 'm1' ? 'dnn' : 'ensemble');
    const session = await OrtSession.create(readFileSync(out));
    assert.deepEqual(session.inputNames, ['feats']);
    assert.deepEqual(session.outputNames, ['log_posteriors', 'log_likelihoods']);
    const model = await loadAcousticModel(dir);
    const fwd = tfjsAcousticForward(model);
    const scorer = await loadDnnScorer(dir, 'cpu');
    // Shorter than the context (every row clamps), and longer.
    for (const T of [1, 2, 9]) {
      const feats = Float32Array.from({ length: T * featDim }, () => randNormal(rng));
      const res = session.run({ feats: floatTensor(feats, [T, featDim]) }, { log_posteriors: null, log_likelihoods: null });
      const logPost = tensorFloats(res.log_posteriors);
      const logLike = tensorFloats(res.log_likelihoods);
      assert.deepEqual(res.log_posteriors.dims, [T, P]);
      const post = fwd.posteriors(spliceUtterance(feats, T, featDim, model.meta.context), T);
      const ref = scorer.logLikelihoods(feats, T);
      for (let i = 0; i < T * P; i++) {
        const want = Math.log(Math.max(post[i], 1e-30));
        assert.ok(Math.abs(logPost[i] - want) <= TOL, `${name} T=${T} log posterior ${i}: ${logPost[i]} vs ${want}`);
        const tol = TOL * Math.max(1, Math.abs(ref[i]) * 1e-2);
        assert.ok(Math.abs(logLike[i] - ref[i]) <= tol, `${name} T=${T} log likelihood ${i}: ${logLike[i]} vs ${ref[i]}`);
        assert.ok(Math.abs(logLike[i] - logPost[i] + priors[i % P]) <= 1e-6 * Math.max(1, Math.abs(priors[i % P])), `${name} prior ${i}`);
      }
    }
    fwd.dispose();
    scorer.dispose();
    session.dispose();
  }
  // Without --likelihoods: one output; model metadata for other tools.
  const out = path.join(root, 'plain.onnx');
  await exportOnnx(path.join(root, 'arithmetic'), out);
  const m = onnxProto.onnx.ModelProto.decode(readFileSync(out));
  assert.deepEqual(m.graph!.output!.map((o) => o.name), ['log_posteriors']);
  assert.equal(String(m.opsetImport![0].version), '13');
  const props = Object.fromEntries(m.metadataProps!.map((p) => [p.key, p.value]));
  assert.deepEqual(props, { kind: 'ensemble', combine: 'arithmetic', members: '2', featDim: String(featDim), context: '2:1', cmvn: '{"per":"speaker","normVars":false}', frameShiftMs: '10', numPdfs: String(P) });
  await assert.rejects(exportOnnx(path.join(root, 'nope'), out), { name: 'InputError' });
  await assert.rejects(exportOnnx(path.join(root, 'm1'), root), { name: 'InputError', message: `${root}: is a directory; give the path of the .onnx file to write` });
  rmSync(root, { recursive: true });
});

test('asr-distill export-onnx: writes the model and says what it holds; a missing model directory is a user error', async () => {
  const { runCli } = await import('../../cli/run-cli.js');
  const root = mkdtempSync(path.join(tmpdir(), 'export-onnx-cli-'));
  const { featDim, P } = await writeModels(root);
  const out = path.join(root, 'ens.onnx');
  const r = await runCli('export-onnx', path.join(root, 'geometric'), out, '--likelihoods');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${out}: ensemble of 2, input feats [T, ${featDim}], output log_posteriors [T, ${P}] and log_likelihoods (${readFileSync(out).length} bytes)\n`);
  const bad = await runCli('export-onnx', path.join(root, 'nope'), out);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /nope: neither ensemble\.json nor asr-distill\.json found/);
  rmSync(root, { recursive: true });
});
