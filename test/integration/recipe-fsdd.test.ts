// The FSDD recipe (issue 24) at --size tiny on real recordings: the first three speakers of
// ../shared/fsdd, two recordings per digit each, one leave-one-speaker-out fold. Skipped when the
// FSDD copy is not beside the clone (CI has it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fsdd = path.resolve(root, '../shared/fsdd');
const skip = existsSync(path.join(fsdd, 'recordings')) ? false : `no FSDD copy at ${fsdd}/recordings (git clone https://github.com/Jakobovski/free-spoken-digit-dataset there to run this test)`;

const speakersOf = (dataDir: string) =>
  readFileSync(path.join(dataDir, 'spk2utt'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[0]);

test('recipes/fsdd/run.sh --size tiny: one speaker-disjoint fold at 8 kHz, Table 1 per fold and averaged', { skip, timeout: 900_000 }, () => {
  const exp = mkdtempSync(path.join(os.tmpdir(), 'asr-fsdd-'));
  // A handful of synthetic eSpeak digits in the training set and others in the transfer set only; the
  // student chosen on the dev speaker from the tiny size's two candidates (noise0, the recipe's tiny
  // student, and paper), the first with the training speaker's recordings speed-perturbed as unlabelled
  // transfer data too (noise0+sp: ~2 CPU s more than noise0; a third candidate would cost ~12), for 2
  // epochs at a fixed rate (+ep2) instead of the tiny size's newbob schedule.
  const args = ['recipes/fsdd/run.sh', '--corpus', fsdd, '--size', 'tiny', '--members', '2', '--exp', exp, '--synthetic-train', '3', '--synthetic-transfer', '3', '--jobs', '1', '--choose-student', 'dev', '--student-candidates', 'noise0+sp+ep2 paper'];
  const env = { ...process.env, ASR_DISTILL_PROGRESS_SECONDS: '60' };
  const run = (...extra: string[]) => spawnSync('bash', [...args, ...extra], { cwd: root, encoding: 'utf8', env });
  // The re-runs use the CLI the first run built (ASR_DISTILL_NO_BUILD): they test the recipe's resume.
  const rerun = (...extra: string[]) => spawnSync('bash', [...args, ...extra], { cwd: root, encoding: 'utf8', env: { ...env, ASR_DISTILL_NO_BUILD: '1' } });
  // The first three speakers in sorted order; the fold tests the second (the third is its dev speaker).
  const r = run('--test-speaker', 'jackson');
  assert.equal(r.status, 0, `recipe failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);

  // Data: 3 speakers x 10 digits x 2 recordings, split by speaker with no overlap.
  assert.deepEqual(speakersOf(path.join(exp, 'data', 'all')), ['george', 'jackson', 'lucas']);
  assert.equal(readFileSync(path.join(exp, 'data', 'all', 'text'), 'utf8').trim().split('\n').length, 60);
  const fold = path.join(exp, 'fold-jackson');
  assert.deepEqual(speakersOf(path.join(fold, 'data', 'test')), ['jackson']);
  assert.deepEqual(speakersOf(path.join(fold, 'data', 'dev')), ['lucas']);
  // The training set is the train speaker's recordings plus the synthetic voice's (resampled to 8 kHz);
  // dev and test stay FSDD's.
  assert.deepEqual(speakersOf(path.join(fold, 'data', 'train')), ['george', 'synth2-train01']);
  const synthTrain = readFileSync(path.join(fold, 'data', 'train', 'text'), 'utf8').trim().split('\n').filter((l) => l.startsWith('synth2-train01-'));
  assert.ok(synthTrain.length >= 1 && synthTrain.length <= 3 && synthTrain.every((l) => !/ oh$/.test(l)), synthTrain.join('; '));
  assert.ok(existsSync(path.join(fold, 'ali_train')));
  // The transfer-only set: its features joined the student's transfer set (both phases), and none of its
  // utterances trained anything else.
  const transferFeats = path.join(exp, 'synthetic', 'transfer-n3-seed1', 'feats');
  assert.equal(JSON.parse(readFileSync(path.join(transferFeats, 'feats.json'), 'utf8')).config.sampleRate, 8000);
  // +sp: the FSDD training speaker at speeds 0.9 and 1.1 (Kaldi's sp<S>- ids, speakers of their own) joins it.
  assert.deepEqual(speakersOf(path.join(fold, 'data', 'train-sp')), ['sp0.9-george', 'sp1.1-george']);
  const spInfo = JSON.parse(readFileSync(path.join(fold, 'candidates', 'noise0+sp+ep2', 'asr-distill.json'), 'utf8')).trainedOn;
  const teacher = spInfo.teacher;
  // +ep2: two epochs, both at the configured rate (distill --no-newbob).
  assert.equal(spInfo.epochs, 2);
  const spEpochs = readFileSync(path.join(fold, 'candidates', 'noise0+sp+ep2', 'train.log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(spEpochs.map((e: { learningRate: number }) => e.learningRate), [0.001, 0.001]);
  assert.deepEqual(teacher.transferExtra, [transferFeats, path.join(fold, 'feats', 'train-sp')]);
  assert.doesNotMatch(readFileSync(path.join(fold, 'data', 'train', 'text'), 'utf8'), /^synth1-/m);
  assert.equal(JSON.parse(readFileSync(path.join(exp, 'synthetic', 'train-n3-seed2', 'corpus', 'corpus.json'), 'utf8')).config.seed, 2);
  assert.match(readFileSync(path.join(fold, 'data', 'test', 'text'), 'utf8'), /^jackson_0_0 zero$/m);
  // 8 kHz features, Kaldi's default fbank (23 bins, 20 Hz to Nyquist); the lang has the ten digits from CMUdict.
  const featConfig = JSON.parse(readFileSync(path.join(fold, 'feats', 'train', 'feats.json'), 'utf8')).config;
  assert.deepEqual([featConfig.sampleRate, featConfig.numMelBins, featConfig.lowFreq, featConfig.highFreq], [8000, 23, 20, 0]);
  const lexWords = new Set(readFileSync(path.join(exp, 'lang', 'lexicon.txt'), 'utf8').trim().split('\n').map((l) => l.split(' ')[0]));
  assert.deepEqual([...lexWords].sort(), ['eight', 'five', 'four', 'nine', 'one', 'seven', 'six', 'three', 'two', 'zero']);
  for (const s of ['synthetic-train-n3-seed2', 'synthetic-transfer-n3-seed1']) assert.ok(existsSync(path.join(exp, 'log', `0-${s}.log`)), s);
  // Decoding used the one-digit grammar: one word per test hypothesis at most.
  for (const line of readFileSync(path.join(fold, 'decode', 'student_test', 'hyp.txt'), 'utf8').trim().split('\n')) {
    assert.ok(line.split(' ').length <= 2, `one digit per utterance: ${line}`);
  }
  // The student is the candidate with the higher frame accuracy on the dev speaker (lucas), a copy of it;
  // the fold's report records both candidates and the choice.
  const choice = JSON.parse(readFileSync(path.join(fold, 'student-choice.json'), 'utf8'));
  assert.deepEqual(choice.candidates.map((c: { name: string }) => c.name), ['noise0+sp+ep2', 'paper']);
  assert.equal(choice.devSpeaker, 'lucas');
  const best = choice.candidates.reduce((a: { dev: number }, b: { dev: number }) => (b.dev > a.dev ? b : a));
  assert.equal(choice.chosen, best.name);
  for (const c of choice.candidates) {
    const devEval = JSON.parse(readFileSync(path.join(fold, 'eval', `candidates_${c.name}_dev.json`), 'utf8'));
    assert.equal(c.dev, devEval.scores.accuracy);
  }
  assert.ok(readFileSync(path.join(fold, 'student', 'weights.bin')).equals(readFileSync(path.join(fold, 'candidates', choice.chosen, 'weights.bin'))));
  // Per-stage logs, the fold's Table 1 and the average over folds.
  for (const s of ['1-features', '2-mono', '3-ensemble', '5-distill', '7-decode', '8-report']) assert.ok(existsSync(path.join(fold, 'log', `${s}.log`)), s);
  const foldResults = JSON.parse(readFileSync(path.join(fold, 'results.json'), 'utf8'));
  assert.equal(foldResults.rows.length, 3);
  for (const row of foldResults.rows) assert.ok(row.testFrameAccuracy > 0 && row.testFrameAccuracy <= 1 && row.testWer.words === 20, row.system);
  const avg = JSON.parse(readFileSync(path.join(exp, 'results.json'), 'utf8'));
  assert.equal(avg.folds.length, 1);
  assert.equal(avg.folds[0].speaker, 'jackson');
  assert.equal(avg.mean.testWer.student.errors, foldResults.rows[2].testWer.errors);
  assert.ok(Math.abs(avg.mean.testFrameAccuracy.ensemble - foldResults.rows[1].testFrameAccuracy) < 1e-12);
  const md = readFileSync(path.join(exp, 'RESULTS.md'), 'utf8');
  const chosenRe = choice.chosen.replace(/\+/g, '\\+');
  assert.match(md, new RegExp(`\\| jackson \\| lucas \\| ${chosenRe} \\| [\\d.]+% \\| [\\d.]+% \\| [\\d.]+% \\|`));
  assert.match(readFileSync(path.join(fold, 'RESULTS.md'), 'utf8'), new RegExp(`## Student chosen on the dev speaker \\(lucas\\): ${chosenRe}[\\s\\S]*\\| noise0\\+sp\\+ep2 \\| [\\d.]+% \\| [\\d.]+% \\|`));
  assert.match(md, /\| \*\*mean\*\* \|/);
  assert.match(md, /Hardest speaker .*\*\*jackson\*\*/);
  assert.doesNotMatch(md, /NaN|undefined/);
  // With an ensemble gain, the mean's recovered fraction carries its bootstrap interval (pooled_recovery.mjs).
  if (avg.mean.recoveredFraction !== null) {
    const iv = avg.mean.recoveredInterval;
    assert.ok(iv.low <= iv.high && iv.replications === 10000, JSON.stringify(iv));
    assert.match(md, /\| [-\d.]+% \[-?\d+%, -?\d+%\] \|/);
  }

  // A re-run skips every finished stage; an unknown test speaker is a clear error.
  const again = rerun('--test-speaker', 'jackson');
  assert.equal(again.status, 0, again.stderr.slice(-3000));
  assert.match(again.stdout, /stage 0 \(prepare\): already done/);
  assert.match(again.stdout, /stage 8 \(report\): already done/);
  const bad = rerun('--test-speaker', 'nobody');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--test-speaker nobody is not a speaker of .*\(speakers: george jackson lucas\)/);
});

test('recipes/fsdd/local/holdout_split.sh: every tenth recording of the non-test speakers is dev, the rest train', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asr-fsdd-holdout-'));
  const all = path.join(dir, 'all');
  mkdirSync(all);
  const utts: string[] = [];
  for (const spk of ['ann', 'bob', 'cy']) for (let i = 0; i < 20; i++) utts.push(`${spk}_3_${i}`);
  utts.sort();
  writeFileSync(path.join(all, 'wav.scp'), utts.map((u) => `${u} /x/${u}.wav\n`).join(''));
  writeFileSync(path.join(all, 'text'), utts.map((u) => `${u} three\n`).join(''));
  writeFileSync(path.join(all, 'utt2spk'), utts.map((u) => `${u} ${u.split('_')[0]}\n`).join(''));
  const r = spawnSync('bash', ['recipes/fsdd/local/holdout_split.sh', all, 'bob', path.join(dir, 'train'), path.join(dir, 'dev')], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ids = (d: string, f = 'text') => readFileSync(path.join(dir, d, f), 'utf8').trim().split('\n').map((l) => l.split(' ')[0]);
  assert.deepEqual(ids('dev'), ['ann_3_19', 'ann_3_9', 'cy_3_19', 'cy_3_9']);
  assert.equal(ids('train').length, 36);
  assert.ok(ids('train').every((u) => !u.startsWith('bob_') && !/_(9|19)$/.test(u)));
  assert.deepEqual(speakersOf(path.join(dir, 'train')), ['ann', 'cy']);
  assert.equal(readFileSync(path.join(dir, 'dev', 'spk2utt'), 'utf8'), 'ann ann_3_19 ann_3_9\ncy cy_3_19 cy_3_9\n');
  // Too few recordings per speaker to hold any out: a clear error, not an empty dev set.
  const few = path.join(dir, 'few');
  mkdirSync(few);
  for (const f of ['wav.scp', 'text', 'utt2spk']) writeFileSync(path.join(few, f), readFileSync(path.join(all, f), 'utf8').split('\n').filter((l) => /_[0-4] /.test(l)).join('\n') + '\n');
  const bad = spawnSync('bash', ['recipes/fsdd/local/holdout_split.sh', few, 'bob', path.join(dir, 't2'), path.join(dir, 'd2')], { cwd: root, encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /d2 is empty: no recording of the non-test speakers has an index ending in 9 \(use --dev-set speaker/);
});

test('recipes/fsdd/local/choose_student.mjs: the highest dev frame accuracy, the first listed on a tie; test never chooses', async () => {
  const { chooseStudent, choiceMarkdown } = await import(path.join(root, 'recipes/fsdd/local/choose_student.mjs'));
  assert.equal(chooseStudent([{ name: 'noise0.5', dev: 0.41, test: 0.9 }, { name: 'paper', dev: 0.42, test: 0.1 }]), 'paper');
  assert.equal(chooseStudent([{ name: 'a', dev: 0.5 }, { name: 'b', dev: 0.5 }]), 'a');
  assert.throws(() => chooseStudent([]), /no candidates/);
  const md = choiceMarkdown([{ name: 'a', dev: 0.5, test: 0.25 }, { name: 'b', dev: 0.4 }], 'a', 'lucas');
  assert.match(md, /## Student chosen on the dev speaker \(lucas\): a/);
  assert.match(md, /\| a \| 50\.00% \| 25\.00% \| yes \|\n\| b \| 40\.00% \| n\/a \|  \|/);
  // --first (run.sh --choose-student first): the first listed is the student whatever dev says.
  const fold = mkdtempSync(path.join(os.tmpdir(), 'asr-fsdd-first-'));
  mkdirSync(path.join(fold, 'eval'));
  for (const [name, dev] of [['x+sp', 0.3], ['x', 0.4]] as const) {
    for (const set of ['dev', 'test']) writeFileSync(path.join(fold, 'eval', `candidates_${name}_${set}.json`), JSON.stringify({ scores: { accuracy: dev } }));
  }
  const script = path.join(root, 'recipes/fsdd/local/choose_student.mjs');
  const first = spawnSync(process.execPath, [script, '--first', fold, 'x+sp', 'x'], { encoding: 'utf8' });
  assert.equal(first.stdout.trim(), 'x+sp');
  assert.equal(JSON.parse(readFileSync(path.join(fold, 'student-choice.json'), 'utf8')).criterion, 'fixed in advance (the first listed)');
  assert.match(readFileSync(path.join(fold, 'student-choice.md'), 'utf8'), /## Student fixed in advance: x\+sp/);
  assert.equal(spawnSync(process.execPath, [script, fold, 'x+sp', 'x'], { encoding: 'utf8' }).stdout.trim(), 'x', 'without --first: dev chooses');
});

test('recipes/fsdd/local/pooled_recovery.mjs: the recovered fraction of the mean gain over every fold, per experiment and over all', async () => {
  const { pooledTable, pooledRecovery, foldDirsOf } = await import(path.join(root, 'recipes/fsdd/local/pooled_recovery.mjs'));
  const { bootstrapPooledRecoveredFraction } = await import('../../src/score/bootstrap.js');
  // report/collect.ts's testCountsOf (tested with the report) pairs the systems' counts; here its
  // result on matching utterances, as paper-tables.test.ts does.
  type Counts = { utterances: { numFrames: number[]; correct: number[] } };
  const testCountsOf = (b: Counts, e: Counts, s: Counts) => ({ numFrames: b.utterances.numFrames, baselineCorrect: b.utterances.correct, ensembleCorrect: e.utterances.correct, studentCorrect: s.utterances.correct });
  const lib = { bootstrapPooledRecoveredFraction, testCountsOf };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asr-fsdd-pooled-'));
  // Two experiments of two folds, four utterances of 100 frames each; ensemble +4, students +2 or +4 frames per utterance.
  const write = (fold: string, sys: string, correct: number[]) => {
    mkdirSync(path.join(fold, 'eval'), { recursive: true });
    writeFileSync(path.join(fold, 'eval', `${sys}_test.json`), JSON.stringify({ scores: { accuracy: 0 }, utterances: { uttIds: ['u1', 'u2', 'u3', 'u4'], numFrames: [100, 100, 100, 100], correct } }));
  };
  const exps = ['s1', 's2'].map((s) => path.join(dir, s));
  for (const [i, exp] of exps.entries()) {
    for (const spk of ['a', 'b']) {
      const fold = path.join(exp, `fold-${spk}`);
      write(fold, 'baseline', [60, 70, 50, 64]);
      write(fold, 'ensemble', [64, 74, 54, 68]);
      write(fold, 'student', i === 0 ? [62, 72, 52, 66] : [64, 74, 54, 68]);
      write(fold, 'candidates_x+sp', [63, 73, 53, 67]);
    }
  }
  // Decodes (stage 7) of student and ensemble on every fold of the first experiment only.
  const decoded = (fold: string, sys: string, errors: number) => {
    mkdirSync(path.join(fold, 'decode', `${sys}_test`), { recursive: true });
    writeFileSync(path.join(fold, 'decode', `${sys}_test`, 'decode.json'), JSON.stringify({ wer: { errors, words: 500 } }));
  };
  for (const spk of ['a', 'b']) {
    decoded(path.join(exps[0], `fold-${spk}`), 'student', spk === 'a' ? 10 : 20);
    decoded(path.join(exps[0], `fold-${spk}`), 'ensemble', 12);
  }
  assert.deepEqual(foldDirsOf(exps[0]).map((f: string) => path.basename(f)), ['fold-a', 'fold-b']);
  const md = pooledTable(lib, exps);
  assert.match(md, new RegExp(`\\| ${exps[0]} \\| 2 \\| 50% \\[50%, 50%\\] \\| 0\\.0% \\| 30 / 24 of 1000 \\|`));
  assert.match(md, new RegExp(`\\| ${exps[1]} \\| 2 \\| 100% \\[100%, 100%\\] \\| 100\\.0% \\| not decoded \\|`));
  assert.match(md, /\| all 2 together \| 4 \| 75% \[75%, 75%\] \| .* \| not decoded \|/);
  assert.equal(pooledRecovery(lib, foldDirsOf(exps[0]), 'candidates/x+sp').recovered, 0.75);
  assert.throws(() => pooledRecovery(lib, foldDirsOf(exps[0]), 'candidates/y'), /fold-a\/eval\/candidates_y_test\.json: .*run the fold's eval stage/);
});

test('recipes/fsdd/run.sh --choose-student dev: needs an unseen dev speaker and known candidates', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asr-fsdd-choose-'));
  const run = (...extra: string[]) =>
    spawnSync('bash', ['recipes/fsdd/run.sh', '--corpus', dir, '--exp', path.join(dir, 'exp'), '--choose-student', 'dev', ...extra], { cwd: root, encoding: 'utf8', env: { ...process.env, ASR_DISTILL_NO_BUILD: '1' } });
  const holdout = run('--dev-set', 'holdout');
  assert.equal(holdout.status, 2);
  assert.match(holdout.stderr, /--choose-student dev needs --dev-set speaker/);
  const bad = run('--dev-set', 'speaker', '--student-candidates', 'noise0.5 clean3');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--student-candidates: 'clean3' is not paper or noise<R>\[\+sp\]\[\+warp<W>\]\[\+ep<N>\]\[\+clean<N>\]/);
  const noEpochs = run('--dev-set', 'speaker', '--student-candidates', 'noise0.5+ep0');
  assert.equal(noEpochs.status, 2, '+ep<N> needs N >= 1');
  const late = run('--dev-set', 'speaker', '--student-candidates', 'noise0.5+clean3+sp');
  assert.equal(late.status, 2, '+clean<N> comes last');
  const unknown = run('--choose-student', 'best');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--choose-student must be none, dev or first, got 'best'/);
  // first needs no dev speaker (nothing is chosen): the held-out dev set passes, the candidates are still checked.
  const first = run('--choose-student', 'first', '--dev-set', 'holdout', '--student-candidates', 'noise0.5 clean3');
  assert.equal(first.status, 2);
  assert.match(first.stderr, /--student-candidates: 'clean3' is not paper/);
});

test('recipes/fsdd/run.sh: a corpus without recordings/ is a clear error', () => {
  const empty = mkdtempSync(path.join(os.tmpdir(), 'asr-fsdd-empty-'));
  const r = spawnSync('bash', ['recipes/fsdd/run.sh', '--corpus', empty, '--exp', path.join(empty, 'exp')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ASR_DISTILL_NO_BUILD: '1' },
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /recordings not found: --corpus must be a directory holding FSDD's recordings\//);
});
