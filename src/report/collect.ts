// Gather a recipe's outputs (exp/<corpus>/ laid out as recipes/digits/run.sh writes it) into the
// Table 1 input: eval-frames JSON, decode wer.json, model sizes, training logs.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { pathExists } from '../store/paths.js';
import { readJsonFile } from '../store/json-file.js';
import { readEnsembleManifest } from '../nnet/ensemble.js';
import { modelKind } from '../nnet/model-kind.js';
import { readDnnModelMeta } from '../nnet/model-dir.js';
import type { UtteranceCounts } from '../nnet/eval.js';
import type { RecoveryCounts } from '../score/bootstrap.js';
import type { CurvePoint } from './plots.js';
import type { GmmSystemRow, SystemScores, Table1Input, TemperatureSweepRow, WerCounts } from './table1.js';
import { FEATS_INFO_FILE, readFeatsInfo, streamFeatsIndex } from '../store/feats-archive.js';
import { speakerBreakdown, type SpeakerRow, type SystemKey, type UttWer } from './speakers.js';
import type { WordErrorCounts } from './word-errors.js';

/** Parameters and forward FLOPs (2 per multiply-add, plus bias adds) of one DNN. */
export function dnnSize(inputDim: number, hidden: number[], numPdfs: number): { params: number; flopsPerFrame: number } {
  const dims = [inputDim, ...hidden, numPdfs];
  let params = 0, flops = 0;
  for (let i = 0; i + 1 < dims.length; i++) {
    params += dims[i] * dims[i + 1] + dims[i + 1];
    flops += 2 * dims[i] * dims[i + 1] + dims[i + 1];
  }
  return { params, flopsPerFrame: flops };
}

function readJson<T>(file: string, what: string): Promise<T> {
  return readJsonFile<T>(file, { missing: `${file}: missing (${what}); run the recipe stage that writes it` });
}

/** Model size of a DNN or ensemble directory (an ensemble costs the sum of its members). */
export async function modelSize(dir: string): Promise<{ params: number; flopsPerFrame: number; members: string[] }> {
  if ((await modelKind(dir)) === 'ensemble') {
    const members = (await readEnsembleManifest(dir)).members.map((m) => path.resolve(dir, m));
    let params = 0, flops = 0;
    for (const m of members) {
      const s = await modelSize(m);
      params += s.params;
      flops += s.flopsPerFrame;
    }
    return { params, flopsPerFrame: flops, members };
  }
  const meta = await readDnnModelMeta(dir);
  return { ...dnnSize(meta.inputDim, meta.arch.hidden.map((h) => h.units), meta.numPdfs), members: [] };
}

/** Held-out accuracy per epoch from a model directory's train.log.jsonl. */
export async function trainingCurve(dir: string, system: string): Promise<CurvePoint[]> {
  let text = '';
  try {
    text = await fs.readFile(path.join(dir, 'train.log.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { epoch: number; devAcc?: number })
    .filter((e) => typeof e.devAcc === 'number')
    .map((e) => ({ system, epoch: e.epoch, devAccuracy: e.devAcc as number }));
}

/**
 * The curve of a model trained in phases (`distill --init-from`, e.g. the recipe's clean phase after
 * the noisy-transfer one): the start model's epochs first, this model's numbered on after them, so
 * the plot shows every epoch the weights went through. A start model that is no longer on disk (the
 * experiment moved) leaves this model's own curve.
 */
export async function phasedTrainingCurve(dir: string, system: string, seen = new Set<string>()): Promise<CurvePoint[]> {
  const own = await trainingCurve(dir, system);
  seen.add(path.resolve(dir));
  let teacher: NonNullable<Awaited<ReturnType<typeof readDnnModelMeta>>['trainedOn']>['teacher'];
  try {
    teacher = (await readDnnModelMeta(dir)).trainedOn?.teacher;
  } catch {
    return own;
  }
  const initFrom = teacher?.initFrom;
  if (!initFrom || seen.has(path.resolve(initFrom)) || !(await pathExists(initFrom))) return own;
  const before = (await phasedTrainingCurve(initFrom, system, seen)).map((p) => ({ ...p, phase: p.phase ?? 1 }));
  const last = before[before.length - 1];
  const offset = last ? last.epoch : 0;
  // Numbered phases, labelled with what each trained on, so that the plot marks where the next begins.
  const perturbed = teacher?.transferNoise || teacher?.transferWarp || teacher?.transferMixup;
  const phaseLabel = perturbed ? 'noisy transfer frames' : 'clean frames';
  return [...before, ...own.map((p) => ({ ...p, epoch: p.epoch + offset, phase: (last?.phase ?? 0) + 1, phaseLabel }))];
}

export interface EvalJson {
  scores: { accuracy: number; crossEntropy: number };
  members?: { dir: string; scores: { accuracy: number } }[];
  /** Per-utterance counts (eval-frames since they were added; older JSON lacks them). */
  utterances?: UtteranceCounts;
}

/**
 * Per-utterance test counts of the three systems for the recovered fraction's bootstrap interval:
 * undefined when an eval JSON predates them; an error when the systems were scored on different
 * utterances (the comparison would not be paired).
 */
export function testCountsOf(baseline: EvalJson, ensemble: EvalJson, student: EvalJson, file: string): RecoveryCounts | undefined {
  const [b, e, s] = [baseline.utterances, ensemble.utterances, student.utterances];
  if (!b || !e || !s) return undefined;
  const same = (u: UtteranceCounts) => u.uttIds.length === b.uttIds.length && u.uttIds.every((id, i) => id === b.uttIds[i] && u.numFrames[i] === b.numFrames[i]);
  if (!same(e) || !same(s)) throw new InputError(`${file}: baseline, ensemble and student were scored on different test utterances or alignments; rerun eval-frames for all three on the same data`);
  return { numFrames: b.numFrames, baselineCorrect: b.correct, ensembleCorrect: e.correct, studentCorrect: s.correct };
}

const key = (sys: string) => sys.replace(/\//g, '_');

/** The student distilled with `distill --setup paper` (recipes: `--paper-student true`), beside the recipe's own. */
export const PAPER_STUDENT_DIR = 'student-paper';

/** Utterance -> speaker of the test set from its features archive (speaker_id column); undefined when exp/feats/test is absent. */
async function testSpeakers(exp: string): Promise<Map<string, string> | undefined> {
  const dir = path.join(exp, 'feats', 'test');
  if (!(await pathExists(path.join(dir, FEATS_INFO_FILE)))) return undefined;
  const out = new Map<string, string>();
  for await (const u of streamFeatsIndex(await readFeatsInfo(dir), dir)) out.set(u.uttId, u.speakerId);
  return out;
}

/** The per-speaker rows, when the test speakers and per-utterance counts are known (WER when all three carry per-utterance counts). */
async function speakerRows(exp: string, uttIds: string[] | undefined, counts: RecoveryCounts | undefined, uttWers: Record<SystemKey, UttWer[]> | undefined): Promise<SpeakerRow[] | undefined> {
  if (!uttIds || !counts) return undefined;
  const speakers = await testSpeakers(exp);
  if (!speakers) return undefined;
  return speakerBreakdown(
    (id) => speakers.get(id),
    { uttIds, numFrames: counts.numFrames, correct: { baseline: counts.baselineCorrect, ensemble: counts.ensembleCorrect, student: counts.studentCorrect } },
    uttWers,
  );
}

/**
 * A field of the three systems' test wer.json (`utts`: per-utterance word errors; `wordErrors`: per-word
 * error counts), when all three carry it (a wer.json from before the field lacks it).
 */
function werField<T>(wers: Record<SystemKey, WerCounts | undefined>, field: 'utts' | 'wordErrors'): Record<SystemKey, T> | undefined {
  const get = (w: WerCounts | undefined) => (w as Record<string, unknown> | undefined)?.[field] as T | undefined;
  const [baseline, ensemble, student] = [get(wers.baseline), get(wers.ensemble), get(wers.student)];
  return baseline && ensemble && student ? { baseline, ensemble, student } : undefined;
}

async function systemScores(exp: string, sys: string, label: string, withWer: boolean): Promise<SystemScores & { evalTest: EvalJson; memberDirs: string[] }> {
  const size = await modelSize(path.join(exp, sys));
  const dev = await readJson<EvalJson>(path.join(exp, 'eval', `${key(sys)}_dev.json`), `eval-frames of ${sys} on dev`);
  const test = await readJson<EvalJson>(path.join(exp, 'eval', `${key(sys)}_test.json`), `eval-frames of ${sys} on test`);
  let testWer: WerCounts | undefined;
  if (withWer) testWer = await readJson<WerCounts>(path.join(exp, 'decode', `${key(sys)}_test`, 'wer.json'), `decode of ${sys} on test`);
  return {
    system: label,
    params: size.params,
    flopsPerFrame: size.flopsPerFrame,
    devFrameAccuracy: dev.scores.accuracy,
    testFrameAccuracy: test.scores.accuracy,
    testCrossEntropy: test.scores.crossEntropy,
    testWer,
    evalTest: test,
    memberDirs: size.members,
  };
}

/**
 * The GMM-HMM systems decoded as `decode/gmm_<sys>_{dev,test}` (digits recipe `--triphones true`:
 * exp/mono and exp/tri), in that order; none when the recipe did not decode them.
 */
export async function gmmSystems(exp: string): Promise<GmmSystemRow[]> {
  const rows: GmmSystemRow[] = [];
  for (const [sys, label] of [['mono', 'monophone GMM'], ['tri', 'triphone GMM (tied states)']] as const) {
    const wer = async (set: string) => {
      const file = path.join(exp, 'decode', `gmm_${sys}_${set}`, 'wer.json');
      return (await pathExists(file)) ? await readJson<WerCounts>(file, `decode of the ${label} on ${set}`) : undefined;
    };
    const testWer = await wer('test');
    if (!testWer) continue;
    const info = await readJson<{ numPdfs: number; numGauss: number }>(path.join(exp, sys, 'model.json'), `the ${label}'s model.json`);
    const devWer = await wer('dev');
    rows.push({ system: label, numPdfs: info.numPdfs, numGauss: info.numGauss, ...(devWer ? { devWer } : {}), testWer });
  }
  return rows;
}

/** Everything the report needs from an experiment directory. */
export async function collectExperiment(
  exp: string,
  settings: Record<string, string | number>,
): Promise<{ input: Table1Input; curves: CurvePoint[] }> {
  const baseline = await systemScores(exp, 'baseline', 'baseline', true);
  const ensemble = await systemScores(exp, 'ensemble', 'ensemble', true);
  const student = await systemScores(exp, 'student', 'distilled', true);
  const memberDirs = ensemble.memberDirs;
  ensemble.system = `ensemble (${memberDirs.length} members)`;
  const members: SystemScores[] = [];
  for (const [i, m] of (ensemble.evalTest.members ?? []).entries()) {
    // Each member decoded alone (recipe stage 7) gives the mean-of-members WER; optional.
    const werFile = path.join(exp, 'decode', `ensemble_${path.basename(m.dir)}_test`, 'wer.json');
    const testWer = (await pathExists(werFile)) ? await readJson<WerCounts>(werFile, `decode of ensemble member ${m.dir} on test`) : undefined;
    members.push({
      system: `member ${i + 1}`,
      params: baseline.params,
      flopsPerFrame: baseline.flopsPerFrame,
      devFrameAccuracy: NaN,
      testFrameAccuracy: m.scores.accuracy,
      ...(testWer ? { testWer } : {}),
    });
  }
  let sweep: TemperatureSweepRow[] | undefined;
  const sweepDir = path.join(exp, 'sweep');
  const temps = await fs.readdir(sweepDir).catch(() => [] as string[]);
  if (temps.length) {
    sweep = [];
    for (const t of temps.filter((d) => /^T[\d.]+$/.test(d)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))) {
      const s = await systemScores(exp, `sweep/${t}`, t, true);
      sweep.push({ temperature: Number(t.slice(1)), hardWeight: Number(settings.hard_weight ?? NaN), testFrameAccuracy: s.testFrameAccuracy, testWer: s.testWer });
    }
  }
  // The recipe's baseline is a copy of member 1 (same training log): draw that curve once, named
  // for both, and count that model once among the seeds.
  const baselineCurve = await trainingCurve(path.join(exp, 'baseline'), 'baseline');
  const memberCurves = await Promise.all(memberDirs.map((d, i) => trainingCurve(d, `member ${i + 1}`)));
  const same = (a: CurvePoint[], b: CurvePoint[]) => a.length > 0 && a.length === b.length && a.every((p, i) => p.epoch === b[i].epoch && p.devAccuracy === b[i].devAccuracy);
  const baselineIs = memberCurves.findIndex((c) => same(c, baselineCurve));
  // The members are the baseline's recipe with other seeds, so their spread is the seed spread the
  // ensemble gain must exceed.
  const seeds = members.filter((_, i) => i !== baselineIs).map((m) => m.testFrameAccuracy);
  const curves = [
    ...(baselineIs < 0 ? baselineCurve : []),
    ...memberCurves.flatMap((c, i) => (i === baselineIs ? c.map((p) => ({ ...p, system: `member ${i + 1} = baseline` })) : c)),
    ...(await phasedTrainingCurve(path.join(exp, 'student'), 'distilled')),
  ];
  const strip = ({ evalTest: _e, memberDirs: _m, ...s }: SystemScores & { evalTest: EvalJson; memberDirs: string[] }): SystemScores => s;
  const testCounts = testCountsOf(baseline.evalTest, ensemble.evalTest, student.evalTest, path.join(exp, 'eval'));
  // The published setup's student, when the experiment has one: a row of its own, compared with the
  // same baseline and ensemble on the same test utterances.
  let paper: { scores: SystemScores; testCounts?: RecoveryCounts } | undefined;
  if (await pathExists(path.join(exp, PAPER_STUDENT_DIR))) {
    const p = await systemScores(exp, PAPER_STUDENT_DIR, "distilled (paper's setup)", true);
    const counts = testCountsOf(baseline.evalTest, ensemble.evalTest, p.evalTest, path.join(exp, 'eval'));
    paper = { scores: strip(p), ...(counts ? { testCounts: counts } : {}) };
    curves.push(...(await trainingCurve(path.join(exp, PAPER_STUDENT_DIR), "distilled (paper's setup)")));
  }
  const testWers = { baseline: baseline.testWer, ensemble: ensemble.testWer, student: student.testWer };
  const testUttWers = werField<UttWer[]>(testWers, 'utts');
  const testWordErrors = werField<WordErrorCounts>(testWers, 'wordErrors');
  const speakers = await speakerRows(exp, baseline.evalTest.utterances?.uttIds, testCounts, testUttWers);
  const gmm = await gmmSystems(exp);
  const dnnNumPdfs = (await readDnnModelMeta(path.join(exp, 'baseline'))).numPdfs;
  return {
    input: { ...(gmm.length ? { gmm } : {}), dnnNumPdfs, baseline: strip(baseline), ensemble: strip(ensemble), student: strip(student), ...(paper ? { paperStudent: paper.scores, ...(paper.testCounts ? { paperTestCounts: paper.testCounts } : {}) } : {}), members, baselineSeedAccuracies: seeds, sweep, ...(testCounts ? { testCounts } : {}), ...(speakers ? { speakers } : {}), ...(testUttWers ? { testUttWers } : {}), ...(testWordErrors ? { testWordErrors } : {}), settings },
    curves,
  };
}
