// The DNN half of the pipeline end to end on a tiny synthetic corpus (issue 5 "Done means"):
// train learns far above the majority class, a 3-member ensemble beats its average member,
// distillation produces a student, eval-frames scores all three; an interrupted ensemble resumes
// its unfinished members only, to the same result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { readAlignments } from '../../src/hmm/ali-archive.js';
import { trainEnsemble, type EnsembleOptions } from '../../src/nnet/ensemble.js';
import { readDnnModelMeta } from '../../src/nnet/model-dir.js';
import type { EvalResult } from '../../src/nnet/eval.js';
import { writeSynthCorpusDirs } from '../nnet/pipeline-fixtures.js';

let root: string;
let train: { featsDir: string; aliDir: string; numPdfs: number };
let dev: { featsDir: string; aliDir: string };
const settings = ['--context', '2:2', '--epochs', '3', '--optimizer', 'adam', '--lr', '0.01', '--batch', '64'];
const common = [...settings, '--backend', 'wasm'];

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'nnet-pipeline-'));
  train = await writeSynthCorpusDirs(root, { name: 'train', numUtts: 40, dim: 8, seed: 1, noise: 2.5 });
  dev = await writeSynthCorpusDirs(root, { name: 'dev', numUtts: 12, dim: 8, seed: 2, noise: 2.5 });
});

after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function evalJsonOn(model: string, backend: string): Promise<EvalResult> {
  const r = await runCli('eval-frames', model, dev.featsDir, dev.aliDir, '--json', '--backend', backend);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as EvalResult;
}

// Both engines: TensorFlow.js wasm (the reference) and ONNX Runtime (members in worker threads there too).
for (const backend of ['wasm', 'ort']) {
test(`${backend}: train -> ensemble -> distill -> eval-frames on a tiny corpus`, async () => {
  const common = [...settings, '--backend', backend];
  const evalJson = (m: string) => evalJsonOn(m, backend);
  // Majority-class rate of the held-out set.
  const { alis } = await readAlignments(dev.aliDir);
  const counts = new Map<number, number>();
  let total = 0;
  for (const a of alis.values()) for (const p of a.pdfIds) (counts.set(p, (counts.get(p) ?? 0) + 1), total++);
  const majority = Math.max(...counts.values()) / total;

  const dnn = path.join(root, `dnn-${backend}`);
  const t = await runCli('train', train.featsDir, train.aliDir, dnn, '--arch', '1x32', '--dev', `${dev.featsDir},${dev.aliDir}`, ...common);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, new RegExp(`dnn-${backend}: 3 epochs, train acc .*\\(backend ${backend}\\)`));
  const meta = await readDnnModelMeta(dnn);
  assert.equal(meta.numPdfs, train.numPdfs);
  assert.equal(meta.cmvn.per, 'speaker');
  assert.deepEqual(meta.context, { left: 2, right: 2 });
  const single = await evalJson(dnn);
  assert.ok(single.scores.accuracy > majority + 0.25, `dnn accuracy ${single.scores.accuracy} vs majority ${majority}`);

  const ens = path.join(root, `ens-${backend}`);
  const e = await runCli('ensemble', train.featsDir, train.aliDir, ens, '--members', '3', '--arch', '1x32', '--jobs', '2', ...common);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /ensemble of 3 \(arithmetic\)/);
  const er = await evalJson(ens);
  assert.equal(er.kind, 'ensemble');
  assert.equal(er.members!.length, 3);
  const meanAcc = er.members!.reduce((s, m) => s + m.scores.accuracy, 0) / 3;
  const meanCe = er.members!.reduce((s, m) => s + m.scores.crossEntropy, 0) / 3;
  assert.ok(er.scores.accuracy > meanAcc, `ensemble ${er.scores.accuracy} vs average member ${meanAcc}`);
  assert.ok(er.scores.crossEntropy < meanCe, `ensemble CE ${er.scores.crossEntropy} vs average member ${meanCe}`);
  // members differ (seeds 1, 2, 3)
  assert.notEqual(er.members![0].scores.crossEntropy, er.members![1].scores.crossEntropy);

  const student = path.join(root, `student-${backend}`);
  const d = await runCli('distill', train.featsDir, train.aliDir, ens, student, '--arch', '1x32', '--temperature', '2', ...common.slice(2));
  assert.equal(d.code, 0, d.stderr);
  const sm = await readDnnModelMeta(student);
  assert.equal(sm.trainedOn.teacher!.temperature, 2);
  assert.equal(sm.trainedOn.teacher!.hardWeight, 0.5);
  assert.deepEqual(sm.context, { left: 2, right: 2 }, "the student takes the teacher's context by default");
  const sr = await evalJson(student);
  assert.ok(sr.scores.accuracy > majority + 0.2, `student accuracy ${sr.scores.accuracy} vs majority ${majority}`);

  // text output of eval-frames for all three
  for (const m of [dnn, ens, student]) {
    const r = await runCli('eval-frames', m, dev.featsDir, dev.aliDir, '--backend', backend);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /frame accuracy \d+\.\d\d% \[ \d+ \/ \d+ \], cross-entropy/);
  }
  const log = (await fs.readFile(path.join(student, 'train.log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { engine: string });
  assert.ok(log.every((l) => l.engine === backend), 'the engine is recorded in the training log');
});
}

test('an interrupted ensemble resumes its unfinished members only, with the same result', async () => {
  const ensDir = path.join(root, 'ens-resume');
  const opts: EnsembleOptions = {
    featsDir: train.featsDir,
    aliDir: train.aliDir,
    ensDir,
    numMembers: 3,
    archs: [{ hidden: [{ units: 16 }], activation: 'relu' }],
    combine: 'arithmetic',
    baseSeed: 7,
    jobs: 1,
    settings: { context: { left: 1, right: 1 }, epochs: 2, batchSize: 64, learningRate: 0.01, optimizer: 'adam', backend: 'wasm' },
    runner: 'inline',
    quiet: true,
  };
  // "Interrupted" after one member.
  const first = await trainEnsemble({ ...opts, maxMembersThisRun: 1 });
  assert.equal(first.manifest, null);
  assert.deepEqual(first.trained, ['member-01']);
  assert.deepEqual(first.remaining, ['member-02', 'member-03']);
  await assert.rejects(fs.access(path.join(ensDir, 'ensemble.json')));
  const w1 = await fs.readFile(path.join(ensDir, 'member-01', 'weights.bin'));

  const second = await trainEnsemble(opts);
  assert.deepEqual(second.skipped, ['member-01']);
  assert.deepEqual(second.trained, ['member-02', 'member-03']);
  assert.deepEqual(second.manifest, { type: 'ensemble', combine: 'arithmetic', members: ['member-01', 'member-02', 'member-03'] });
  assert.deepEqual(await fs.readFile(path.join(ensDir, 'member-01', 'weights.bin')), w1, 'a complete member is not retrained');

  // A member killed after its last checkpoint but before its model was written resumes from the
  // checkpoint and ends with the same weights as the uninterrupted run.
  const w3 = await fs.readFile(path.join(ensDir, 'member-03', 'weights.bin'));
  await fs.rm(path.join(ensDir, 'member-03', 'asr-distill.json'));
  await fs.rm(path.join(ensDir, 'member-03', 'weights.bin'));
  const third = await trainEnsemble(opts);
  assert.deepEqual(third.trained, ['member-03']);
  assert.deepEqual(await fs.readFile(path.join(ensDir, 'member-03', 'weights.bin')), w3);

  // Different options in the same directory are refused.
  await assert.rejects(trainEnsemble({ ...opts, baseSeed: 8 }), {
    name: 'InputError',
    message: `${path.join(ensDir, 'ensemble-plan.json')}: this directory holds an ensemble trained with different data or options; to resume it repeat the same command, otherwise choose a new ENS_DIR`,
  });
});
