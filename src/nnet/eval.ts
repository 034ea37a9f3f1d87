// Frame-level scoring of a DNN or an ensemble against alignments (issue 5, `eval-frames`): frame
// accuracy and average cross-entropy -log p(label | x) in nats per frame (Kaldi nnet-train-frmshuff
// --cross-validate reports the same two figures), and for an ensemble each member's too.
import { checkFeatureMatch } from '../features/feature-match.js';
import { InputError } from '../errors.js';
import { readAlignments } from '../hmm/ali-archive.js';
import { createProgress } from '../jobs/progress.js';
import { DEFAULT_BACKEND, type BackendName } from './backend-name.js';
import { createModelForward, type SpecialistInferenceOptions } from './specialists-forward.js';
import { splicedChunks, loadFrameCorpus, corpusFrames, type FrameCorpus, type LoadedCmvn } from './batches.js';
import { DEFAULT_MAX_MEMORY_FRAMES, loadShardWindow, planFrameStream, type StreamShard } from './frame-stream.js';
import { readFeatsInfo } from '../store/feats-archive.js';
import { AcousticForward, type AcousticModel } from './ensemble.js';
import { combinePosteriors, rowArgmax } from './posteriors.js';
import { checkFiniteOutputs, firstNonFinite } from './non-finite.js';

/** Kaldi xent floor: log(max(p, 1e-20)) keeps a zero posterior from giving an infinite loss. */
const PROB_FLOOR = 1e-20;

/** Scores over a set of frames. */
export interface FrameScores {
  numFrames: number;
  correct: number;
  /** correct / numFrames. */
  accuracy: number;
  /** Mean of -ln p(label) over frames (nats). */
  crossEntropy: number;
}

/** Accumulates frame accuracy and cross-entropy over batches of posteriors. */
export class FrameScoreAccumulator {
  private frames = 0;
  private correct = 0;
  private ce = 0;
  /** Add `count` rows of posteriors (`count` x numPdfs) with their labels; label -1 = unlabeled, skipped. */
  add(post: Float32Array, labels: ArrayLike<number>, count: number, numPdfs: number): void {
    for (let i = 0; i < count; i++) {
      const y = labels[i];
      if (y < 0) continue;
      const row = i * numPdfs;
      if (rowArgmax(post, i, numPdfs) === y) this.correct++;
      this.ce -= Math.log(Math.max(post[row + y], PROB_FLOOR));
      this.frames++;
    }
  }
  result(): FrameScores {
    const n = this.frames;
    return { numFrames: n, correct: this.correct, accuracy: n ? this.correct / n : 0, crossEntropy: n ? this.ce / n : 0 };
  }
}

/** Frame accuracy and cross-entropy of posteriors (`labels.length` x numPdfs) against labels. */
export function scorePosteriors(post: Float32Array, labels: ArrayLike<number>, numPdfs: number): FrameScores {
  const acc = new FrameScoreAccumulator();
  acc.add(post, labels, labels.length, numPdfs);
  return acc.result();
}

/**
 * Per-utterance counts of the model's (for an ensemble: the combination's) scores, parallel arrays
 * in corpus order: what a bootstrap over utterances resamples (score/bootstrap.ts).
 */
export interface UtteranceCounts {
  uttIds: string[];
  /** Labeled frames of each utterance. */
  numFrames: number[];
  /** Frames whose best pdf is the label. */
  correct: number[];
}

/** Result of evalFrames. */
export interface EvalResult {
  kind: 'dnn' | 'ensemble';
  dir: string;
  combine?: string;
  scores: FrameScores;
  utterances: UtteranceCounts;
  /** Ensemble only: every member's own scores. */
  members?: { dir: string; scores: FrameScores }[];
}

/**
 * Score a loaded model on a corpus, `chunkFrames` frames at a time (spliced per chunk, never the
 * whole corpus). For an ensemble, members are scored alongside the combination. A NaN or infinite
 * posterior stops it with an InputError naming the member and the utterance (non-finite.ts).
 */
export function evalFrames(fwd: AcousticForward, corpus: FrameCorpus, opts: { chunkFrames?: number; onFrames?: (n: number) => void } = {}): EvalResult {
  const st = evalStart(fwd);
  evalCorpusInto(st, fwd, corpus, opts);
  return evalResult(st, fwd);
}

/**
 * evalFrames' scores of `corpus` against each of `labelSets` (-1 = frame not scored), from one
 * forward pass: several subsets of the same frames (a word's frames, the rest, ...) for the cost
 * of one evaluation.
 */
export function evalFramesByLabels(fwd: AcousticForward, corpus: FrameCorpus, labelSets: Int32Array[]): FrameScores[] {
  const st = evalStart(fwd);
  const extra = labelSets.slice(1).map((labels) => ({ labels, acc: new FrameScoreAccumulator() }));
  evalCorpusInto(st, fwd, { ...corpus, labels: labelSets[0] }, { extra });
  return [st.all.result(), ...extra.map((e) => e.acc.result())];
}

/** Running scores of evalFrames over one or more corpora (the windows of a streamed FEATS_DIR). */
interface EvalState {
  all: FrameScoreAccumulator;
  per: FrameScoreAccumulator[];
  utterances: UtteranceCounts;
}

function evalStart(fwd: AcousticForward): EvalState {
  return { all: new FrameScoreAccumulator(), per: fwd.model.members.map(() => new FrameScoreAccumulator()), utterances: { uttIds: [], numFrames: [], correct: [] } };
}

function evalResult(st: EvalState, fwd: AcousticForward): EvalResult {
  const model = fwd.model;
  const out: EvalResult = { kind: model.kind, dir: model.dir, scores: st.all.result(), utterances: st.utterances };
  if (model.kind === 'ensemble') {
    out.combine = model.combine;
    out.members = model.members.map((m, i) => ({ dir: m.dir, scores: st.per[i].result() }));
  }
  return out;
}

/** Score the frames of `corpus` into `st` (utterances appended in corpus order). */
function evalCorpusInto(st: EvalState, fwd: AcousticForward, corpus: FrameCorpus, opts: { chunkFrames?: number; onFrames?: (n: number) => void; extra?: { labels: Int32Array; acc: FrameScoreAccumulator }[] }): void {
  const model = fwd.model;
  const chunk = opts.chunkFrames ?? 1024;
  const ctx = model.meta.context;
  if (corpus.dim !== model.meta.featDim) {
    throw new InputError(`${model.dir}: the model expects features of dim ${model.meta.featDim}, the data has dim ${corpus.dim}; extract features with the model's config`);
  }
  if (corpus.numPdfs !== model.meta.numPdfs) {
    throw new InputError(`${model.dir}: the model has ${model.meta.numPdfs} pdfs, the alignment ${corpus.numPdfs}; evaluate against an alignment from the same transition model`);
  }
  const numPdfs = model.meta.numPdfs;
  const { all, per } = st;
  const numUtts = corpus.uttIds.length;
  const uttFrames = new Array<number>(numUtts).fill(0);
  const uttCorrect = new Array<number>(numUtts).fill(0);
  let u = 0;
  for (const { start: s, n, x: xs } of splicedChunks(corpus, ctx, chunk)) {
    const labels = corpus.labels.subarray(s, s + n);
    const posts = fwd.memberPosteriors(xs, n, 1);
    posts.forEach((p, m) => {
      const bad = firstNonFinite(p);
      if (bad < 0) return;
      // Name the member and the utterance that holds the bad frame.
      const row = s + Math.floor(bad / numPdfs);
      let v = u;
      while (row >= corpus.uttStart[v + 1]) v++;
      checkFiniteOutputs(p.subarray(bad - (bad % numPdfs)), numPdfs, { modelDir: model.members[m].dir, uttId: corpus.uttIds[v], what: 'posteriors', frameOffset: row - corpus.uttStart[v] });
    });
    posts.forEach((p, m) => per[m].add(p, labels, n, numPdfs));
    const post = posts.length === 1 ? posts[0] : combinePosteriors(posts, numPdfs, model.combine);
    all.add(post, labels, n, numPdfs);
    for (const e of opts.extra ?? []) e.acc.add(post, e.labels.subarray(s, s + n), n, numPdfs);
    // Chunks run through the corpus in order, so the utterance index only moves forward.
    for (let i = 0; i < n; i++) {
      const y = labels[i];
      while (s + i >= corpus.uttStart[u + 1]) u++;
      if (y < 0) continue;
      uttFrames[u]++;
      if (rowArgmax(post, i, numPdfs) === y) uttCorrect[u]++;
    }
    opts.onFrames?.(n);
  }
  // A loop, not push(...xs): spreading hundreds of thousands of arguments overflows the stack.
  for (let i = 0; i < numUtts; i++) {
    st.utterances.uttIds.push(corpus.uttIds[i]);
    st.utterances.numFrames.push(uttFrames[i]);
    st.utterances.correct.push(uttCorrect[i]);
  }
}

/**
 * Load FEATS_DIR + ALI_DIR the way `model` was trained (its CMVN mode), checking compatibility:
 * the feature configuration (feature-match.ts; `allowFeatureMismatch` makes it a warning), CMVN.
 */
export async function loadEvalCorpus(model: AcousticModel, featsDir: string, aliDir: string, opts: { allowFeatureMismatch?: boolean } = {}): Promise<FrameCorpus> {
  const ali = await readAlignments(aliDir);
  const loaded = await loadFrameCorpus(featsDir, { alignments: ali.alis, numPdfs: ali.info.numPdfs, normVars: model.meta.cmvn.normVars, aliDir });
  checkEvalData(model, featsDir, loaded, opts);
  return loaded.corpus;
}

/** The feature configuration and CMVN mode of the data must be the model's. */
function checkEvalData(model: AcousticModel, featsDir: string, data: { featureConfig: unknown; cmvn: LoadedCmvn }, opts: { allowFeatureMismatch?: boolean }): void {
  checkFeatureMatch({ role: 'model', source: model.dir, config: model.meta.features }, { role: 'features', source: featsDir, config: data.featureConfig }, { allowMismatch: opts.allowFeatureMismatch });
  if (data.cmvn.per !== model.meta.cmvn.per) {
    throw new InputError(
      `${featsDir}: CMVN is '${data.cmvn.per}' here but the model ${model.dir} was trained with '${model.meta.cmvn.per}'; compute CMVN the same way (asr-distill compute-cmvn)`,
    );
  }
}

/**
 * A FEATS_DIR + ALI_DIR over `maxMemoryFrames` scored shard by shard (frame-stream.ts), windows of
 * whole shards in corpus order: the same frames, chunks and sums as evalFrames on the whole corpus
 * except that chunks restart at window edges (per-frame results are unchanged).
 */
async function evalStreamed(fwd: AcousticForward, featsDir: string, aliDir: string, maxMemoryFrames: number, opts: { allowFeatureMismatch?: boolean; onFrames?: (n: number) => void }): Promise<EvalResult> {
  const model = fwd.model;
  const ali = await readAlignments(aliDir);
  const plan = await planFrameStream(featsDir, { alignments: ali.alis, numPdfs: ali.info.numPdfs, normVars: model.meta.cmvn.normVars, aliDir });
  checkEvalData(model, featsDir, { featureConfig: plan.info.config, cmvn: plan.cmvn }, opts);
  const st = evalStart(fwd);
  let window: StreamShard[] = [];
  let frames = 0;
  const flush = async (): Promise<void> => {
    if (window.length > 0) evalCorpusInto(st, fwd, await loadShardWindow(plan, window), opts);
    window = [];
    frames = 0;
  };
  for (const shard of plan.shards) {
    if (frames > 0 && frames + shard.frames > maxMemoryFrames) await flush();
    window.push(shard);
    frames += shard.frames;
  }
  await flush();
  return evalResult(st, fwd);
}

/**
 * eval-frames: load MODEL|ENSEMBLE|SPECIALISTS, FEATS_DIR and ALI_DIR, and score (a specialists
 * directory: the generalist's top `specialists.topN` pdfs, default DEFAULT_TOP_N, pick the active
 * specialists; `specialists.topN` for another model is an InputError).
 */
export async function evalFramesDir(
  modelDir: string,
  featsDir: string,
  aliDir: string,
  opts: { backend?: BackendName; quiet?: boolean; allowFeatureMismatch?: boolean; maxMemoryFrames?: number; specialists?: SpecialistInferenceOptions } = {},
): Promise<EvalResult> {
  const maxMemoryFrames = opts.maxMemoryFrames ?? DEFAULT_MAX_MEMORY_FRAMES;
  // A specialists directory scores as one model: the generalist's inputs, eq. 5's combination.
  // The model is opened first so that a wrong model directory is the error named, as before.
  const fwd = await createModelForward(modelDir, opts.backend ?? DEFAULT_BACKEND, opts.specialists);
  let bar: ReturnType<typeof createProgress> | undefined;
  try {
    const total = (await readFeatsInfo(featsDir)).numFrames;
    const corpus = total > maxMemoryFrames ? undefined : await loadEvalCorpus(fwd.model, featsDir, aliDir, { allowFeatureMismatch: opts.allowFeatureMismatch });
    bar = createProgress({ label: 'eval-frames', total: corpus ? corpusFrames(corpus) : total, unit: 'frames', quiet: opts.quiet });
    const onFrames = (n: number): void => bar?.increment(n);
    return corpus ? evalFrames(fwd, corpus, { onFrames }) : await evalStreamed(fwd, featsDir, aliDir, maxMemoryFrames, { allowFeatureMismatch: opts.allowFeatureMismatch, onFrames });
  } finally {
    bar?.stop();
    fwd.dispose();
  }
}

function line(name: string, s: FrameScores): string {
  return `${name}: frame accuracy ${(100 * s.accuracy).toFixed(2)}% [ ${s.correct} / ${s.numFrames} ], cross-entropy ${s.crossEntropy.toFixed(4)} nats/frame`;
}

/**
 * Text report: one line for the model, then (ensemble) one per member and their average.
 *
 * @example formatEval(r) // 'exp/dnn: frame accuracy 81.20% [ 812 / 1000 ], cross-entropy 0.6012 nats/frame\n'
 */
export function formatEval(r: EvalResult): string {
  const lines = [line(r.kind === 'ensemble' ? `${r.dir} (ensemble of ${r.members!.length}, ${r.combine})` : r.dir, r.scores)];
  if (r.members) {
    for (const m of r.members) lines.push(line(`  member ${m.dir}`, m.scores));
    const meanAcc = r.members.reduce((a, m) => a + m.scores.accuracy, 0) / r.members.length;
    const meanCe = r.members.reduce((a, m) => a + m.scores.crossEntropy, 0) / r.members.length;
    lines.push(`  average member: frame accuracy ${(100 * meanAcc).toFixed(2)}%, cross-entropy ${meanCe.toFixed(4)} nats/frame`);
  }
  return lines.join('\n') + '\n';
}
