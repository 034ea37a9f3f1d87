// CLI of the DNN stages: help, usage errors (exit 2) and input errors (exit 1). The successful
// runs are in test/integration/nnet-pipeline.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './run-cli.js';
import { nonNegativeNumber, parseAverageDecay, parseDevDirs, parseFraction, parseNewbobGains, positiveNumber, trainSettingsFrom, usageParser } from '../../src/cli/commands/train.js';
import { DEFAULT_NEWBOB } from '../../src/nnet/newbob.js';
import { DEFAULT_LEARNING_RATE } from '../../src/nnet/optimizer-state.js';
import { parseContext } from '../../src/nnet/splice.js';

test('train, ensemble, distill, eval-frames: --help has examples', async () => {
  for (const cmd of ['train', 'ensemble', 'distill', 'eval-frames']) {
    const r = await runCli(cmd, '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`Usage: asr-distill ${cmd}`));
    assert.match(r.stdout, /Examples:\n {2}\$ asr-distill /);
    // --input-noise belongs to the hard-label trainers; distill has --transfer-noise
    assert.equal(r.stdout.includes('--input-noise'), cmd === 'train' || cmd === 'ensemble', cmd);
    assert.equal(r.stdout.includes('--average-decay'), cmd !== 'eval-frames', cmd);
  }
});

test('usage errors exit 2 with the reason', async () => {
  let r = await runCli('train', 'f', 'a', 'm', '--arch', '3y3');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--arch 3y3: not a shorthand like 4x1024/);
  r = await runCli('train', 'f', 'a', 'm', '--arch', '2x8', '--context', '5');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--context 5: expected L:R/);
  r = await runCli('ensemble', 'f', 'a', 'e', '--arch', '2x8');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /required option '--members <n>' not specified/);
  r = await runCli('distill', 'f', 'a', 't', 's', '--arch', '2x8', '--temperature', '0');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /expected a positive number, got '0'/);
  r = await runCli('distill', 'f', 'a', 't', 's', '--arch', '2x8', '--temperature', '2', '--soft-targets', 'top-k');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--soft-targets top-k: expected 'full' or 'top-k:K'/);
  r = await runCli('eval-frames', 'm', 'f', 'a', '--backend', 'gpu');
  assert.equal(r.code, 2);
});

test('input errors exit 1 with a message naming the file', async () => {
  const missing = path.join(os.tmpdir(), 'no-such-model-dir-xyz');
  let r = await runCli('eval-frames', missing, 'f', 'a', '--backend', 'cpu');
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `asr-distill eval-frames: ${missing}: neither ensemble.json nor asr-distill.json found; expected a model from \`asr-distill train\`/\`distill\` or an ensemble from \`asr-distill ensemble\`\n`,
  );
  r = await runCli('distill', 'f', '-', missing, 's', '--arch', '2x8', '--temperature', '2', '--hard-weight', '0.5');
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n')[1], "asr-distill distill: ALI_DIR '-' (unlabeled transfer set) has no hard targets: use --hard-weight 0, or give an alignment directory");
  r = await runCli('train', 'f', 'a', 'm', '--arch', '2x8', '--dev', 'x,y', '--dev-split', '0.1');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /give either --dev or --dev-split, not both/);
});

test('option parsers and settings', () => {
  assert.deepEqual(parseDevDirs('feats/dev,exp/ali_dev'), { featsDir: 'feats/dev', aliDir: 'exp/ali_dev' });
  assert.throws(() => parseDevDirs('feats/dev'), { message: "expected FEATS_DIR,ALI_DIR (e.g. feats/dev,exp/ali_dev), got 'feats/dev'" });
  assert.equal(parseFraction('0.1'), 0.1);
  assert.throws(() => parseFraction('1'), { message: "expected a fraction between 0 and 1, got '1'" });
  assert.equal(positiveNumber('2.5'), 2.5);
  assert.equal(nonNegativeNumber('0'), 0);
  assert.throws(() => nonNegativeNumber('-0.5'), { message: "expected a number >= 0, got '-0.5'" });
  assert.throws(() => usageParser(parseContext)('x'), { code: 'commander.invalidArgument' });
  const base = { epochs: 3, momentum: 0.9, batch: 64, optimizer: 'adam' as const, seed: 1, backend: 'cpu' as const, newbob: true };
  const s = trainSettingsFrom({ ...base, devSplit: 0.2 }, { left: 1, right: 1 });
  assert.equal(s.learningRate, DEFAULT_LEARNING_RATE.adam);
  assert.deepEqual(s.dev, { split: 0.2 });
  assert.deepEqual(s.newbob, DEFAULT_NEWBOB);
  assert.equal(trainSettingsFrom({ ...base, newbob: true }, { left: 1, right: 1 }).newbob, undefined, 'no held-out set, no newbob');
  assert.equal(trainSettingsFrom({ ...base, inputNoise: 0.5 }, { left: 1, right: 1 }).inputNoise, 0.5);
  assert.deepEqual(trainSettingsFrom({ ...base, devSplit: 0.2, newbobReject: true }, { left: 1, right: 1 }).newbob, { ...DEFAULT_NEWBOB, rejectWorse: true });
  assert.equal('rejectWorse' in trainSettingsFrom({ ...base, devSplit: 0.2 }, { left: 1, right: 1 }).newbob!, false, 'absent unless asked (checkpoint fingerprints)');
  assert.equal('inputNoise' in trainSettingsFrom({ ...base, inputNoise: 0 }, { left: 1, right: 1 }), false, '0 = off, kept out of the settings (and the ensemble plan)');
  assert.equal(trainSettingsFrom({ ...base, devSplit: 0.2, newbob: false, lr: 0.5 }, { left: 1, right: 1 }).newbob, undefined);
  assert.equal(parseAverageDecay('0.999'), 0.999);
  assert.equal(trainSettingsFrom({ ...base, devSplit: 0.2, newbobMinEpochs: 8 }, { left: 1, right: 1 }).newbob!.minEpochs, 8);
  assert.equal('minEpochs' in trainSettingsFrom({ ...base, devSplit: 0.2 }, { left: 1, right: 1 }).newbob!, false);
  for (const bad of ['1', '0', '-0.5']) assert.throws(() => parseAverageDecay(bad), { message: `expected a decay between 0 and 1 (e.g. 0.999), got '${bad}'` });
  assert.equal(trainSettingsFrom({ ...base, averageDecay: 0.999 }, { left: 1, right: 1 }).averageDecay, 0.999);
  assert.equal('averageDecay' in trainSettingsFrom(base, { left: 1, right: 1 }), false, 'absent unless asked (checkpoint fingerprints, ensemble plan)');
  assert.equal(trainSettingsFrom({ ...base, maxMemoryFrames: 1000 }, { left: 1, right: 1 }).maxMemoryFrames, 1000);
  assert.equal('maxMemoryFrames' in trainSettingsFrom(base, { left: 1, right: 1 }), false, 'absent unless asked (ensemble plan)');
  assert.deepEqual(parseNewbobGains('0.002:0.001'), { halveWhenGainBelow: 0.002, stopWhenGainBelow: 0.001 });
  assert.deepEqual(parseNewbobGains('0.005:-1'), { halveWhenGainBelow: 0.005, stopWhenGainBelow: -1 });
  for (const bad of ['0.001:0.002', 'x:1', '0.002', '-1:-2']) {
    assert.throws(() => parseNewbobGains(bad), { message: `expected HALVE:STOP accuracy gains with 0 <= HALVE and STOP <= HALVE (e.g. 0.005:0.001), got '${bad}'` });
  }
  assert.deepEqual(trainSettingsFrom({ ...base, devSplit: 0.2, newbobGains: parseNewbobGains('0.002:0.0005') }, { left: 1, right: 1 }).newbob, {
    halveWhenGainBelow: 0.002,
    stopWhenGainBelow: 0.0005,
    maxHalvings: DEFAULT_NEWBOB.maxHalvings,
  });
});

test('eval-frames: features of another configuration exit 1 naming the option; --allow-feature-mismatch warns and scores; a damaged weights.bin exits 1', async () => {
  const { promises: fs } = await import('node:fs');
  const { writeMismatchedEvalSetup } = await import('../nnet/pipeline-fixtures.js');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-integrity-'));
  const { model, ...c } = await writeMismatchedEvalSetup(tmp, { lowFreq: 300 });
  let r = await runCli('eval-frames', model, c.featsDir, c.aliDir, '--backend', 'cpu');
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^asr-distill eval-frames: ${c.featsDir} was made with another feature configuration than ${model} \\(lowFreq: model 20, features 300\\)`));
  r = await runCli('eval-frames', model, c.featsDir, c.aliDir, '--backend', 'cpu', '--allow-feature-mismatch');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: .*\(lowFreq: model 20, features 300\); going on because of --allow-feature-mismatch$/m);
  assert.match(r.stdout, /frame accuracy \d+\.\d\d%/);
  // Item 4 of issue 21: flipped bytes gave "cross-entropy NaN" with exit 0.
  const bin = path.join(model, 'weights.bin');
  const bytes = await fs.readFile(bin);
  for (let i = 3; i < bytes.length; i += 4) bytes[i] = 0x7f;
  await fs.writeFile(bin, bytes);
  r = await runCli('eval-frames', model, c.featsDir, c.aliDir, '--backend', 'cpu', '--allow-feature-mismatch');
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`${bin}: sha256 [0-9a-f]{64} differs from [0-9a-f]{64} recorded in ${path.join(model, 'asr-distill.json')} \\(same size, changed content\\)`));
  await fs.rm(tmp, { recursive: true });
});

test('every command that reads stored features offers --allow-feature-mismatch', async () => {
  for (const cmd of ['eval-frames', 'decode', 'align', 'train', 'ensemble', 'distill']) {
    const r = await runCli(cmd, '--help');
    assert.match(r.stdout, /--allow-feature-mismatch/, cmd);
  }
});
