// train-specialists and eval-specialists through the CLI: the thin layer over specialists-train.ts
// and specialists-infer.ts (the numbers are tested in test/nnet/specialists-train.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './run-cli.js';
import { trainDnnDir } from '../../src/nnet/train-worker.js';
import { writeSynthCorpusDirs } from '../nnet/pipeline-fixtures.js';

test('train-specialists then eval-specialists: the summary, the Table 4 text and JSON; bad options are usage errors', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-spec-'));
  const train = await writeSynthCorpusDirs(root, { name: 'train', numUtts: 8, dim: 3, seed: 1, noise: 1.5 });
  const dev = await writeSynthCorpusDirs(root, { name: 'dev', numUtts: 3, dim: 3, seed: 2, noise: 1.5 });
  const gen = path.join(root, 'gen');
  const settings = { context: { left: 1, right: 1 }, epochs: 1, batchSize: 32, learningRate: 0.01, optimizer: 'adam' as const, backend: 'cpu' as const };
  await trainDnnDir({ featsDir: train.featsDir, aliDir: train.aliDir, outDir: gen, arch: { hidden: [{ units: 8 }], activation: 'relu' }, seed: 3, settings, resume: false, label: 'gen' });
  const out = path.join(root, 'spec');
  const clusterOn = `${dev.featsDir},${dev.aliDir}`;
  const r = await runCli('train-specialists', gen, train.featsDir, train.aliDir, out, '--num', '2', '--cluster-on', clusterOn, '--epochs', '1', '--backend', 'cpu');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${out.replace(/[/\\]/g, '.')}: 2 specialists \\(1 clustering\\(s\\) of 2, on ${dev.numFrames} frames\\)`));
  assert.match(r.stdout, /spec-01: pdfs [\d,]+; \d+ \+ \d+ frames, dustbin shift [\d.]+; kept epoch [01] \(0 = the start\); 1 epochs, train acc/);
  const e = await runCli('eval-specialists', out, dev.featsDir, dev.aliDir, '--top', '2', '--backend', 'cpu');
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /# of specialists covering\tframes\tgeneralist acc\tcombined acc\tdelta top-1 correct\trelative accuracy change/);
  assert.match(e.stdout, new RegExp(`generalist: frame accuracy [\\d.]+% \\[ \\d+ / ${dev.numFrames} \\]`));
  const j = await runCli('eval-specialists', out, dev.featsDir, dev.aliDir, '--json', '--backend', 'cpu');
  assert.equal(JSON.parse(j.stdout).numSpecialists, 2);
  // Usage errors (exit 2) and library errors (exit 1) with their messages.
  const bad = await runCli('train-specialists', gen, train.featsDir, train.aliDir, path.join(root, 'x'), '--num', '2', '--cluster-on', dev.featsDir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /expected FEATS_DIR,ALI_DIR/);
  const one = await runCli('train-specialists', gen, train.featsDir, train.aliDir, path.join(root, 'y'), '--num', '1', '--cluster-on', clusterOn, '--backend', 'cpu');
  assert.equal(one.code, 1);
  assert.match(one.stderr, /--num 1: a specialist needs pdfs outside its cluster/);
  // Soft targets of a teacher (the generalist itself here): the summary names them; the options go together.
  const soft = await runCli('train-specialists', gen, train.featsDir, train.aliDir, path.join(root, 'soft'), '--num', '2', '--cluster-on', clusterOn, '--epochs', '1', '--backend', 'cpu', '--teacher', gen, '--temperature', '2');
  assert.equal(soft.code, 0, soft.stderr);
  assert.match(soft.stdout, new RegExp(`: 2 specialists \\(1 clustering\\(s\\) of 2, on ${dev.numFrames} frames; soft targets of ${gen.replace(/[/\\]/g, '.')} at T = 2, hard-label weight 0.5\\)`));
  const noTeacher = await runCli('train-specialists', gen, train.featsDir, train.aliDir, path.join(root, 'z'), '--num', '2', '--cluster-on', clusterOn, '--temperature', '2');
  assert.equal(noTeacher.code, 1);
  assert.match(noTeacher.stderr, /--temperature and --hard-weight set the soft targets of --teacher; give --teacher MODEL too/);
  const noT = await runCli('train-specialists', gen, train.featsDir, train.aliDir, path.join(root, 'z'), '--num', '2', '--cluster-on', clusterOn, '--teacher', gen);
  assert.equal(noT.code, 1);
  assert.match(noT.stderr, /--teacher needs --temperature T/);
  // --cluster-size: overlapping sets of S pdfs (of those with dev frames), recorded and summarised.
  const ov = await runCli('train-specialists', gen, train.featsDir, train.aliDir, path.join(root, 'ov'), '--num', '2', '--cluster-size', '4', '--cluster-on', clusterOn, '--epochs', '1', '--backend', 'cpu');
  assert.equal(ov.code, 0, ov.stderr);
  const om = JSON.parse(await fs.readFile(path.join(root, 'ov', 'specialists.json'), 'utf8'));
  assert.equal(om.clusterSize, 4);
  assert.ok(om.specialists.every((s: { pdfs: number[] }) => s.pdfs.length === 4));
  assert.equal(om.pdfsByCoverage.reduce((a: number, n: number) => a + n, 0), om.clusterPdfs);
  assert.match(ov.stdout, new RegExp(`: \\d specialists \\(1 clustering\\(s\\) of 2, each centre's 4 nearest of ${om.clusterPdfs} pdfs with held-out frames, on ${dev.numFrames} frames\\)\\n  pdfs with held-out frames by the number of specialists covering them: 0: \\d+, 1: \\d+`));
  const big = await runCli('train-specialists', gen, train.featsDir, train.aliDir, path.join(root, 'big'), '--num', '2', '--cluster-size', String(om.clusterPdfs), '--cluster-on', clusterOn, '--backend', 'cpu');
  assert.equal(big.code, 1);
  assert.match(big.stderr, new RegExp(`cluster size ${om.clusterPdfs} \\(--cluster-size\\): ${om.clusterPdfs} of the \\d+ pdfs have held-out frames; give 1 to ${om.clusterPdfs - 1} \\(a specialist needs pdfs outside its set for its dustbin\\)`));
  const zero = await runCli('train-specialists', gen, train.featsDir, train.aliDir, path.join(root, 'zero'), '--num', '2', '--cluster-size', '0', '--cluster-on', clusterOn);
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /--cluster-size <S>.*expected a positive integer, got '0'/);
  // eval-frames --top: the combination eval-specialists --top scores; refused for a plain DNN.
  const ef = await runCli('eval-frames', out, dev.featsDir, dev.aliDir, '--top', '1', '--json', '--backend', 'cpu');
  assert.equal(ef.code, 0, ef.stderr);
  const es = await runCli('eval-specialists', out, dev.featsDir, dev.aliDir, '--top', '1', '--json', '--backend', 'cpu');
  assert.equal(JSON.parse(ef.stdout).scores.correct, JSON.parse(es.stdout).combinedCorrect);
  const efGen = await runCli('eval-frames', gen, dev.featsDir, dev.aliDir, '--top', '1', '--backend', 'cpu');
  assert.equal(efGen.code, 1);
  assert.match(efGen.stderr, /--top 1: .* is a dnn model directory; --top picks the active specialists/);
  const missing = await runCli('eval-specialists', gen, dev.featsDir, dev.aliDir);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /specialists\.json: not found; train specialists with `asr-distill train-specialists`/);
});
