import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../src/nnet/tfjs/backend.js';
import { loadAcousticModel, planEnsemble, readEnsembleManifest, writeEnsembleManifest, ENSEMBLE_FILE } from '../../src/nnet/ensemble.js';
import { tfjsAcousticForward } from '../../src/nnet/engine.js';
import { combinePosteriors, meanCentredLogits } from '../../src/nnet/posteriors.js';
import { softmaxRows } from '../../src/nnet/posteriors.js';
import { tinyTransitionModel, writeRandomEnsemble, writeRandomModel } from './pipeline-fixtures.js';

before(async () => {
  await selectBackend('cpu');
});

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('combinePosteriors: arithmetic mean of probabilities, geometric = normalised product', () => {
  const p1 = new Float32Array([0.5, 0.5, 0.9, 0.1]);
  const p2 = new Float32Array([0.1, 0.9, 0.5, 0.5]);
  close(combinePosteriors([p1, p2], 2, 'arithmetic'), [0.3, 0.7, 0.7, 0.3]);
  const g0 = Math.sqrt(0.05);
  const g1 = Math.sqrt(0.45);
  close(combinePosteriors([p1, p2], 2, 'geometric'), [g0 / (g0 + g1), g1 / (g0 + g1), g1 / (g0 + g1), g0 / (g0 + g1)]);
  assert.throws(() => combinePosteriors([], 2, 'arithmetic'), { message: 'combinePosteriors: no members' });
});

test('geometric combination equals the softmax of the mean logits', () => {
  const z1 = new Float32Array([1, 2, 3, -1, 0, 4]);
  const z2 = new Float32Array([0, 0, 1, 2, 2, 2]);
  const geo = combinePosteriors([softmaxRows(z1, 3), softmaxRows(z2, 3)], 3, 'geometric');
  close(geo, softmaxRows(meanCentredLogits([z1, z2], 3), 3), 1e-6);
  // centred: each row of the mean logits sums to 0
  const m = meanCentredLogits([z1, z2], 3);
  assert.ok(Math.abs(m[0] + m[1] + m[2]) < 1e-6);
});

test('ensemble manifest: write/read and errors', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ens-'));
  await writeEnsembleManifest(tmp, { type: 'ensemble', combine: 'geometric', members: ['a', 'b'] });
  assert.deepEqual(await readEnsembleManifest(tmp), { type: 'ensemble', combine: 'geometric', members: ['a', 'b'] });
  await fs.writeFile(path.join(tmp, ENSEMBLE_FILE), '{"type":"ensemble","combine":"median","members":["a"]}');
  await assert.rejects(readEnsembleManifest(tmp), {
    name: 'InputError',
    message: `${path.join(tmp, ENSEMBLE_FILE)}: expected { "type": "ensemble", "combine": "arithmetic"|"geometric", "members": ["member-01", ...] }`,
  });
  await assert.rejects(loadAcousticModel(path.join(tmp, 'nothing')), {
    name: 'InputError',
    message: `${path.join(tmp, 'nothing')}: neither ensemble.json nor asr-distill.json found; expected a model from \`asr-distill train\`/\`distill\` or an ensemble from \`asr-distill ensemble\``,
  });
  await fs.rm(tmp, { recursive: true });
});

test('loadAcousticModel + AcousticForward: ensemble posterior = mean of member posteriors', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ens-'));
  const tm = tinyTransitionModel(2, 2);
  for (const [i, m] of ['m1', 'm2', 'm3'].entries()) await writeRandomModel(path.join(tmp, m), { featDim: 3, left: 1, right: 1, tm, seed: i });
  await writeEnsembleManifest(tmp, { type: 'ensemble', combine: 'arithmetic', members: ['m1', 'm2', 'm3'] });
  const model = await loadAcousticModel(tmp);
  assert.equal(model.kind, 'ensemble');
  assert.equal(model.members.length, 3);
  const fwd = tfjsAcousticForward(model);
  const x = new Float32Array(5 * 9).map((_, i) => Math.sin(i));
  const per = fwd.memberPosteriors(x, 5, 2);
  close(fwd.posteriors(x, 5, 2), combinePosteriors(per, 4, 'arithmetic'));
  // members differ (different seeds)
  assert.notDeepEqual(Array.from(per[0]), Array.from(per[1]));
  fwd.dispose();
  const single = await loadAcousticModel(path.join(tmp, 'm2'));
  assert.equal(single.kind, 'dnn');
  assert.equal(single.members.length, 1);

  // A member with another context cannot join.
  await writeRandomModel(path.join(tmp, 'm4'), { featDim: 3, left: 2, right: 0, tm, seed: 4 });
  await writeEnsembleManifest(tmp, { type: 'ensemble', combine: 'arithmetic', members: ['m1', 'm4'] });
  await assert.rejects(loadAcousticModel(tmp), {
    name: 'InputError',
    message: `${path.join(tmp, ENSEMBLE_FILE)}: member ${path.join(tmp, 'm4')} differs from ${path.join(tmp, 'm1')} in context, feature dim, pdf count or CMVN; all members must score the same input`,
  });
  await fs.rm(tmp, { recursive: true });
});

test('planEnsemble: members differ by seed, archs cycle', () => {
  const a = { hidden: [{ units: 8 }], activation: 'relu' as const };
  const b = { hidden: [{ units: 4 }, { units: 4 }], activation: 'relu' as const };
  const plan = planEnsemble({
    featsDir: 'f',
    aliDir: 'a',
    ensDir: 'e',
    numMembers: 3,
    archs: [a, b],
    combine: 'arithmetic',
    baseSeed: 10,
    jobs: 1,
    settings: { context: { left: 1, right: 1 }, epochs: 1, batchSize: 8, learningRate: 0.1, optimizer: 'sgd', backend: 'cpu' },
  });
  assert.deepEqual(plan.members.map((m) => [m.dir, m.seed, m.arch.hidden.length]), [
    ['member-01', 10, 1],
    ['member-02', 11, 2],
    ['member-03', 12, 1],
  ]);
});

test('planEnsemble resolves data paths (resume does not depend on the working directory)', () => {
  const plan = planEnsemble({
    featsDir: 'f',
    aliDir: 'a',
    ensDir: 'e',
    numMembers: 1,
    archs: [{ hidden: [{ units: 8 }], activation: 'relu' }],
    combine: 'geometric',
    baseSeed: 1,
    jobs: 1,
    settings: { context: { left: 1, right: 1 }, epochs: 1, batchSize: 8, learningRate: 0.1, optimizer: 'sgd', backend: 'cpu', dev: { featsDir: 'fd', aliDir: 'ad' } },
  });
  assert.equal(plan.featsDir, path.resolve('f'));
  assert.deepEqual(plan.settings.dev, { featsDir: path.resolve('fd'), aliDir: path.resolve('ad') });
  assert.equal(plan.combine, 'geometric');
  assert.throws(() => planEnsemble({ ...{ featsDir: 'f', aliDir: 'a', ensDir: 'e', numMembers: 1, combine: 'arithmetic' as const, baseSeed: 1, jobs: 1, settings: plan.settings }, archs: [] }), {
    name: 'InputError',
    message: 'ensemble: give at least one --arch',
  });
});

test('an ensemble whose members were trained on other features is refused; each member weights file is verified', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ens-feat-'));
  await writeRandomEnsemble(tmp, { featDim: 3, left: 0, right: 0, tm: tinyTransitionModel(2, 2), seeds: [1, 2] });
  // A flipped byte in the second member's weights.
  const bin = path.join(tmp, 'b', 'weights.bin');
  const bytes = await fs.readFile(bin);
  bytes[7] ^= 0x40;
  await fs.writeFile(bin, bytes);
  await assert.rejects(loadAcousticModel(tmp), (e: unknown) => {
    assert.match((e as Error).message, new RegExp(`^${bin}: sha256 [0-9a-f]{64} differs from [0-9a-f]{64} recorded in ${path.join(tmp, 'b', 'asr-distill.json')}`));
    return true;
  });
  bytes[7] ^= 0x40;
  await fs.writeFile(bin, bytes);
  // Member b's metadata as if trained on features with lowFreq 300 (a model written before featuresHash existed).
  const metaFile = path.join(tmp, 'b', 'asr-distill.json');
  const meta = JSON.parse(await fs.readFile(metaFile, 'utf8'));
  delete meta.featuresHash;
  meta.features.lowFreq = 300;
  await fs.writeFile(metaFile, JSON.stringify(meta));
  await assert.rejects(loadAcousticModel(tmp), {
    name: 'InputError',
    message: `${path.join(tmp, ENSEMBLE_FILE)}: member ${path.join(tmp, 'b')} was trained on other features than ${path.join(tmp, 'a')} (lowFreq: a 20, b 300); all members must score the same input`,
  });
  await fs.rm(tmp, { recursive: true });
});

test('ensemble: a run refused for --dev features of another configuration can be repeated with --allow-feature-mismatch', async () => {
  const { trainEnsemble } = await import('../../src/nnet/ensemble.js');
  const { writeSynthCorpusDirs, changeFeatsConfig } = await import('./pipeline-fixtures.js');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ens-dev-'));
  const train = await writeSynthCorpusDirs(tmp, { name: 'train', numUtts: 4, dim: 3, seed: 1 });
  const dev = await writeSynthCorpusDirs(tmp, { name: 'dev', numUtts: 2, dim: 3, seed: 2 });
  await changeFeatsConfig(dev.featsDir, { lowFreq: 300 });
  const opts = {
    featsDir: train.featsDir,
    aliDir: train.aliDir,
    ensDir: path.join(tmp, 'ens'),
    numMembers: 1,
    archs: [{ hidden: [{ units: 4 }], activation: 'relu' as const }],
    combine: 'arithmetic' as const,
    baseSeed: 1,
    jobs: 1,
    settings: { context: { left: 0, right: 0 }, epochs: 1, batchSize: 64, learningRate: 0.01, optimizer: 'adam' as const, backend: 'cpu' as const, dev: { featsDir: dev.featsDir, aliDir: dev.aliDir } },
    runner: 'inline' as const,
    quiet: true,
  };
  await assert.rejects(trainEnsemble(opts), (e: unknown) => {
    assert.match((e as Error).message, /\(lowFreq: training features 20, dev 300\)/);
    return true;
  });
  const r = await trainEnsemble({ ...opts, settings: { ...opts.settings, allowFeatureMismatch: true } });
  assert.deepEqual(r.trained, ['member-01']);
  await fs.rm(tmp, { recursive: true });
});
