import { InputError } from '../errors.js';
import { bootstrapRecoveredFraction, bootstrapWerComparison, type RecoveryCounts, type RecoveryInterval, type WerComparison } from '../score/bootstrap.js';
import type { SpeakerRow, SystemKey, UttWer } from './speakers.js';
import { topWordErrors, type WordErrorCounts, type WordErrorRow } from './word-errors.js';

/**
 * The paper's Table 1 (Hinton, Vinyals & Dean 2015, sec. 4: baseline vs 10x ensemble vs distilled
 * single model, frame accuracy and WER) computed for our data, as Markdown and JSON.
 */

/** Word error counts as Kaldi's compute-wer prints them. */
export interface WerCounts {
  errors: number;
  words: number;
  ins: number;
  del: number;
  sub: number;
}

export interface SystemScores {
  /** Row label: `baseline`, `ensemble (4 members)`, `distilled`. */
  system: string;
  params: number;
  /** Multiply-adds x 2 per input frame in the forward pass (all members for an ensemble). */
  flopsPerFrame: number;
  devFrameAccuracy: number;
  testFrameAccuracy: number;
  testCrossEntropy?: number;
  /** Test WER counts; absent when decoding was not run. */
  testWer?: WerCounts;
}

export interface TemperatureSweepRow {
  temperature: number;
  hardWeight: number;
  testFrameAccuracy: number;
  testWer?: WerCounts;
}

/** A GMM-HMM system of the recipe (the alignments' models), decoded with the same grammar as the DNNs. */
export interface GmmSystemRow {
  system: string;
  /** Tied states (triphone model) or monophone HMM states. */
  numPdfs: number;
  numGauss: number;
  devWer?: WerCounts;
  testWer?: WerCounts;
}

export interface Table1Input {
  /** The GMM systems (recipe `--triphones true`: monophone and triphone), when they were decoded. */
  gmm?: GmmSystemRow[];
  /** Output classes of the DNNs (pdfs of their alignment's model). */
  dnnNumPdfs?: number;
  baseline: SystemScores;
  ensemble: SystemScores;
  /** Each member's scores (the ensemble row is compared with their mean). */
  members: SystemScores[];
  student: SystemScores;
  /** The student of the published setup (`distill --setup paper`), when the experiment has one. */
  paperStudent?: SystemScores;
  /** testCounts with the paper-setup student in the student's place, for its recovered fraction's interval. */
  paperTestCounts?: RecoveryCounts;
  /** Test frame accuracy of single models of the baseline recipe trained with other seeds (in the recipe: the
   *  ensemble members, the baseline being member 1); their spread is what the ensemble gain must exceed. */
  baselineSeedAccuracies: number[];
  sweep?: TemperatureSweepRow[];
  /** Per-utterance test frame counts of baseline, ensemble and student (eval-frames JSON), for the recovered fraction's interval. */
  testCounts?: RecoveryCounts;
  /** The test scores per speaker (speakers.ts), when the speakers are known. */
  speakers?: SpeakerRow[];
  /** Per-utterance test word errors of the three systems (decode wer.json `utts`), for the WER comparisons' intervals. */
  testUttWers?: Record<SystemKey, UttWer[]>;
  /** Per-word test error counts of the three systems (decode wer.json `wordErrors`). */
  testWordErrors?: Record<SystemKey, WordErrorCounts>;
  /** Free-form settings echoed in the report (corpus size, temperature, hard weight, seeds, command, commit, date). */
  settings: Record<string, string | number>;
}

export interface Table1 {
  gmm?: (GmmSystemRow & { devWerPercent?: number; testWerPercent?: number })[];
  dnnNumPdfs?: number;
  rows: (SystemScores & { testWerPercent?: number })[];
  memberMean: { testFrameAccuracy: number; testWerPercent?: number };
  /** Ensemble test frame accuracy minus baseline (absolute, fraction of 1). */
  ensembleGain: number;
  /** Student test frame accuracy minus baseline. */
  studentGain: number;
  /** studentGain / ensembleGain: the paper reports more than 80%. Undefined when the ensemble does not gain. */
  recoveredFraction?: number;
  /** The same on test: 95% paired-bootstrap interval over test utterances and P(>= 80%), when per-utterance counts were given. */
  recoveredInterval?: RecoveryInterval;
  /** The paper-setup student's gain over the baseline and recovered fraction (with its interval), when there is one. */
  paperStudent?: { gain: number; recoveredFraction?: number; recoveredInterval?: RecoveryInterval };
  /** The same fraction on dev frame accuracy (a second, independent look; NaN-free only when the ensemble gains there). */
  devRecoveredFraction?: number;
  /** max - min of the baseline test frame accuracy over seeds (including the baseline itself). */
  baselineSeedSpread: number;
  /** How many single models the spread is taken over (the baseline and the other seeds). */
  seedCount: number;
  ensembleGainExceedsSeedSpread: boolean;
  sweep?: (TemperatureSweepRow & { testWerPercent?: number })[];
  speakers?: SpeakerRow[];
  /**
   * Test WER of the ensemble and of the distilled model against the baseline's (set A = baseline):
   * paired bootstrap over test utterances, as Kaldi's compute-wer-bootci and `wer-compare` (seed 0),
   * when per-utterance word errors were given. Says whether "distilled <= baseline" is more than luck.
   */
  werVsBaseline?: { ensemble: WerComparison; student: WerComparison };
  /** The most frequent test word errors over the three systems, with each system's count (word-errors.ts). */
  wordErrors?: WordErrorRow[];
  settings: Record<string, string | number>;
}

/** WER in percent, or undefined when there are no reference words (as compute-wer would have to divide by 0). */
export function werPercent(w: WerCounts | undefined): number | undefined {
  if (!w || w.words === 0) return undefined;
  return (100 * w.errors) / w.words;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * WER of `b` against `a` on the same test utterances (paired by utterance id; `a`'s order), as
 * `wer-compare` computes it. An utterance scored for one system and not the other is an error.
 */
export function compareUttWers(a: UttWer[], b: UttWer[], what: string): WerComparison {
  const byId = new Map(b.map((u) => [u.uttId, u]));
  if (byId.size !== a.length) throw new InputError(`${what}: the two decodes were scored on ${a.length} and ${byId.size} test utterances; score both against the same test text`);
  const errs = (u: UttWer) => u.sub + u.ins + u.del;
  const errsB = a.map((u) => {
    const v = byId.get(u.uttId);
    if (!v) throw new InputError(`${what}: test utterance ${u.uttId} is scored for one system only; score both against the same test text`);
    return errs(v);
  });
  return bootstrapWerComparison(Int32Array.from(a, errs), Int32Array.from(errsB), Int32Array.from(a, (u) => u.numWords), { seed: 0 });
}

/** Error types listed in the report's word-error table. */
export const TOP_WORD_ERRORS = 8;

/** Derive the comparisons the paper draws from the raw scores. */
export function computeTable1(input: Table1Input): Table1 {
  const { baseline, ensemble, student, members } = input;
  const withWer = (s: SystemScores) => ({ ...s, testWerPercent: werPercent(s.testWer) });
  const memberWers = members.map((m) => werPercent(m.testWer));
  const ensembleGain = ensemble.testFrameAccuracy - baseline.testFrameAccuracy;
  const studentGain = student.testFrameAccuracy - baseline.testFrameAccuracy;
  const seedAccs = [baseline.testFrameAccuracy, ...input.baselineSeedAccuracies];
  const spread = Math.max(...seedAccs) - Math.min(...seedAccs);
  const recovery = (s: SystemScores, counts: RecoveryCounts | undefined) => {
    const gain = s.testFrameAccuracy - baseline.testFrameAccuracy;
    return {
      gain,
      recoveredFraction: ensembleGain > 0 ? gain / ensembleGain : undefined,
      recoveredInterval: counts && ensembleGain > 0 ? bootstrapRecoveredFraction(counts, { seed: 1 }) : undefined,
    };
  };
  return {
    rows: [withWer(baseline), withWer(ensemble), withWer(student), ...(input.paperStudent ? [withWer(input.paperStudent)] : [])],
    memberMean: {
      testFrameAccuracy: members.length ? mean(members.map((m) => m.testFrameAccuracy)) : NaN,
      testWerPercent: memberWers.length && memberWers.every((w) => w !== undefined) ? mean(memberWers as number[]) : undefined,
    },
    ensembleGain,
    studentGain,
    recoveredFraction: ensembleGain > 0 ? studentGain / ensembleGain : undefined,
    recoveredInterval: input.testCounts && ensembleGain > 0 ? bootstrapRecoveredFraction(input.testCounts, { seed: 1 }) : undefined,
    ...(input.paperStudent ? { paperStudent: recovery(input.paperStudent, input.paperTestCounts) } : {}),
    devRecoveredFraction:
      ensemble.devFrameAccuracy > baseline.devFrameAccuracy ? (student.devFrameAccuracy - baseline.devFrameAccuracy) / (ensemble.devFrameAccuracy - baseline.devFrameAccuracy) : undefined,
    baselineSeedSpread: spread,
    seedCount: seedAccs.length,
    ensembleGainExceedsSeedSpread: ensembleGain > spread,
    sweep: input.sweep?.map((r) => ({ ...r, testWerPercent: werPercent(r.testWer) })),
    ...(input.speakers ? { speakers: input.speakers } : {}),
    ...(input.testUttWers
      ? {
          werVsBaseline: {
            ensemble: compareUttWers(input.testUttWers.baseline, input.testUttWers.ensemble, 'test WER, ensemble vs baseline'),
            student: compareUttWers(input.testUttWers.baseline, input.testUttWers.student, 'test WER, distilled vs baseline'),
          },
        }
      : {}),
    ...(input.testWordErrors ? { wordErrors: topWordErrors(input.testWordErrors, TOP_WORD_ERRORS) } : {}),
    ...(input.gmm?.length ? { gmm: input.gmm.map((g) => ({ ...g, devWerPercent: werPercent(g.devWer), testWerPercent: werPercent(g.testWer) })) } : {}),
    ...(input.dnnNumPdfs !== undefined ? { dnnNumPdfs: input.dnnNumPdfs } : {}),
    settings: input.settings,
  };
}

const pct = (x: number | undefined, digits = 2) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(digits)}%`);
/** A difference with its sign, `+0.25` / `-1.10` / `0.00` (no `-0.00`). */
const signed = (x: number) => {
  const r = Math.abs(x).toFixed(2);
  return Number(r) === 0 ? r : `${x > 0 ? '+' : '-'}${r}`;
};
const werCell = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(2)}%`);
const count = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));

/** The report as Markdown (RESULTS.md). */
export function renderTable1Markdown(t: Table1): string {
  const lines: string[] = [];
  lines.push('# Results: distilling an ensemble of DNN acoustic models', '');
  lines.push('Table 1 of Hinton, Vinyals & Dean (2015, sec. 4), on our data.', '');
  lines.push('| system | test frame accuracy | test WER | dev frame accuracy | params | forward FLOPs/frame |');
  lines.push('| --- | --- | --- | --- | --- | --- |');
  for (const r of t.rows) {
    lines.push(`| ${r.system} | ${pct(r.testFrameAccuracy)} | ${werCell(r.testWerPercent)} | ${pct(r.devFrameAccuracy)} | ${count(r.params)} | ${count(r.flopsPerFrame)} |`);
  }
  lines.push(`| (mean of ensemble members) | ${pct(t.memberMean.testFrameAccuracy)} | ${werCell(t.memberMean.testWerPercent)} | | | |`, '');
  lines.push(`- Ensemble gain over the baseline (test frame accuracy): ${(100 * t.ensembleGain).toFixed(2)} points.`);
  lines.push(`- Distilled gain over the baseline: ${(100 * t.studentGain).toFixed(2)} points.`);
  lines.push(
    `- Fraction of the ensemble's gain recovered by the distilled model: ${t.recoveredFraction === undefined ? 'n/a (the ensemble did not improve on the baseline)' : `${(100 * t.recoveredFraction).toFixed(1)}%`} (the paper: 80% or more).`,
  );
  const ci = t.recoveredInterval;
  if (ci) {
    lines.push(
      `  95% interval from a paired bootstrap over the test utterances (${ci.replications} resamples): [${(100 * ci.low).toFixed(0)}%, ${(100 * ci.high).toFixed(0)}%]; ` +
        `share of resamples with at least ${(100 * ci.threshold).toFixed(0)}% recovered: ${(100 * ci.probAtLeast).toFixed(0)}%.`,
    );
  }
  if (t.devRecoveredFraction !== undefined) lines.push(`  On dev frame accuracy: ${(100 * t.devRecoveredFraction).toFixed(1)}%.`);
  const ps = t.paperStudent;
  if (ps) {
    lines.push(
      `- Distilled with the paper's setup (soft targets on the training frames plus the hard labels, nothing else): ${signed(100 * ps.gain)} points over the baseline, ` +
        `${ps.recoveredFraction === undefined ? 'n/a' : `${(100 * ps.recoveredFraction).toFixed(1)}%`} of the ensemble's gain recovered` +
        (ps.recoveredInterval ? ` (95% interval [${(100 * ps.recoveredInterval.low).toFixed(0)}%, ${(100 * ps.recoveredInterval.high).toFixed(0)}%], same bootstrap).` : '.'),
    );
  }
  lines.push(
    `- Spread (max - min) of test frame accuracy over single models of the baseline recipe trained with different seeds (${t.seedCount} models): ${(100 * t.baselineSeedSpread).toFixed(2)} points; the ensemble gain ${t.ensembleGainExceedsSeedSpread ? 'exceeds' : 'does NOT exceed'} it.`,
  );
  const wc = t.werVsBaseline;
  if (wc) {
    const d = (c: WerComparison) => `${signed(c.delta.mean)} points, 95% interval [${signed(c.delta.low)}, ${signed(c.delta.high)}]`;
    lines.push(
      `- Test WER minus the baseline's (paired bootstrap over the test utterances, ${wc.student.replications} resamples, as \`wer-compare\`): ` +
        `distilled ${d(wc.student)}, fewer errors than the baseline in ${(100 * wc.student.probBBetter).toFixed(0)}% of resamples; ` +
        `ensemble ${d(wc.ensemble)}, ${(100 * wc.ensemble.probBBetter).toFixed(0)}%.`,
    );
  }
  if (t.dnnNumPdfs !== undefined) lines.push(`- The DNNs predict ${t.dnnNumPdfs} HMM states (pdfs of the alignment's model).`);
  if (t.gmm?.length) {
    lines.push('', '## GMM-HMM systems (the alignments\' models, same grammar)', '', '| system | HMM states (pdfs) | Gaussians | dev WER | test WER |', '| --- | --- | --- | --- | --- |');
    for (const g of t.gmm) lines.push(`| ${g.system} | ${g.numPdfs} | ${g.numGauss} | ${werCell(g.devWerPercent)} | ${werCell(g.testWerPercent)} |`);
  }
  if (t.sweep?.length) {
    lines.push('', '## Temperature sweep (distilled model)', '', '| T | hard-label weight | test frame accuracy | test WER |', '| --- | --- | --- | --- |');
    for (const s of t.sweep) lines.push(`| ${s.temperature} | ${s.hardWeight} | ${pct(s.testFrameAccuracy)} | ${werCell(s.testWerPercent)} |`);
  }
  if (t.wordErrors?.length) {
    lines.push('', '## Most frequent test word errors', '', '| error | baseline | ensemble | distilled |', '| --- | --- | --- | --- |');
    for (const r of t.wordErrors) lines.push(`| ${r.error} | ${r.counts.baseline} | ${r.counts.ensemble} | ${r.counts.student} |`);
    // The table's three systems (a paper's-setup row, when there is one, comes after them).
    const errs = t.rows.slice(0, 3).map((r) => (r.testWer ? String(r.testWer.errors) : 'n/a'));
    lines.push(`| (all errors) | ${errs.join(' | ')} |`);
  }
  if (t.speakers?.length) {
    lines.push('', '## Per test speaker', '', '| speaker | utterances | frames | frame accuracy baseline / ensemble / distilled | recovered | WER baseline / ensemble / distilled |', '| --- | --- | --- | --- | --- | --- |');
    for (const r of t.speakers) {
      const a = r.frameAccuracy;
      const w = r.wer ? `${werCell(werPercent(r.wer.baseline))} / ${werCell(werPercent(r.wer.ensemble))} / ${werCell(werPercent(r.wer.student))}` : 'n/a';
      const rec = r.recoveredFraction === undefined ? 'n/a' : `${(100 * r.recoveredFraction).toFixed(0)}%`;
      lines.push(`| ${r.speaker} | ${r.numUtts} | ${r.numFrames} | ${pct(a.baseline)} / ${pct(a.ensemble)} / ${pct(a.student)} | ${rec} | ${w} |`);
    }
  }
  lines.push('', '## Settings', '');
  for (const [k, v] of Object.entries(t.settings)) lines.push(`- ${k}: ${v}`);
  lines.push('', 'Plots: `training-curves.svg`/`.png` (held-out accuracy per epoch), `systems.svg`/`.png` (frame accuracy and WER per system).', '');
  return lines.join('\n');
}
