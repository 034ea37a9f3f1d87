// Forced alignment of a data directory with a trained GMM-HMM (Kaldi steps/align_si.sh): each
// utterance's transcript graph, beam-pruned Viterbi with a retry beam, written as an ALI_DIR.
// Utterances that cannot be aligned are listed in ALI_DIR/failed with the reason.
import * as path from 'node:path';
import { checkFeatureMatch } from '../features/feature-match.js';
import { readFeatsInfo } from '../store/feats-archive.js';
import { InputError } from '../errors.js';
import { createJobRunner } from '../jobs/runner.js';
import { createProgress } from '../jobs/progress.js';
import { readLangDir, type LangDir } from '../lang/lang-dir.js';
import { ALI_ARROW_FILE, finishAliDir, type AliInfo } from './ali-archive.js';
import { openAliWriter } from './ali-writer.js';
import { closeRows, openRows } from './corpus-rows.js';
import { makeDirs } from '../store/paths.js';
import { DEFAULT_BOUNDARY_REFINE, refineBoundaries, type BoundaryRefineOptions } from './boundary-refine.js';
import { loadGmmCorpus, newCorpusTids, uttGmmFeats, withCorpusTids, withGmmScratch } from './gmm-corpus.js';
import { lifterCoeffs } from './gmm-feats.js';
import { readGmmModel } from './gmm-model.js';
import { runPass, type ViterbiPassOptions } from './shard-pass.js';
import { buildTransitionIndex, uttAlignmentFromTids } from './transitions.js';
import { compareCLocale } from '../data/c-locale.js';

export interface AlignOptions extends ViterbiPassOptions {
  /** Also measure the GMM's frame-level state accuracy against the alignment (scores every pdf; default true). */
  stateAccuracy?: boolean;
  /** Move each phone boundary to the largest spectral change within a few frames (boundary-refine.ts); windowFrames 0 = off. */
  refine?: BoundaryRefineOptions;
  quiet?: boolean;
  log?: (line: string) => void;
  /** Align features made with another configuration than the model's (a warning instead of an error; feature-match.ts). */
  allowFeatureMismatch?: boolean;
}

export interface AlignSummary {
  numUtts: number;
  numFrames: number;
  failed: { uttId: string; reason: string }[];
  retried: string[];
  avgLogLike: number;
  gmmStateAccuracy?: number;
  seconds: number;
}

/** Refuse a lang directory whose phones differ from the model's (the pdf ids would not mean the same). */
export function checkSamePhones(lang: LangDir, modelLang: LangDir, modelDir: string): void {
  if (lang.phones.join(' ') !== modelLang.phones.join(' ')) {
    throw new InputError(`${lang.dir}/phones.txt differs from ${modelDir}/lang/phones.txt; align with the lang directory the model was trained with`);
  }
}

/**
 * `asr-distill align DATA_DIR FEATS_DIR LANG_DIR MODEL_DIR ALI_DIR`.
 *
 * @example await alignData('data/dev', 'exp/feats/dev', 'data/lang/digits', 'exp/mono', 'exp/ali_dev', { jobs: 2 })
 */
export async function alignData(dataDir: string, featsDir: string, langDir: string, modelDir: string, aliDir: string, opts: AlignOptions = {}): Promise<AlignSummary> {
  const t0 = performance.now();
  const model = await readGmmModel(modelDir);
  const lang = await readLangDir(langDir);
  checkSamePhones(lang, model.lang, modelDir);
  checkFeatureMatch(
    { role: 'model', source: modelDir, config: model.info.feats },
    { role: 'features', source: featsDir, config: (await readFeatsInfo(featsDir)).config },
    { allowMismatch: opts.allowFeatureMismatch },
  );
  return withGmmScratch(aliDir, opts.maxMemoryFrames, async (storage) => {
    const { corpus, featsInfo } = await loadGmmCorpus(dataDir, featsDir, lang, model.info.featureTransform, {
      silProb: opts.graph?.silProb,
      note: opts.log,
      expectInputDim: model.info.inputDim,
      storage,
    });
    if (featsInfo.frameShiftMs !== model.info.frameShiftMs) {
      throw new InputError(`${featsDir}: frame shift ${featsInfo.frameShiftMs} ms but the model in ${modelDir} was trained at ${model.info.frameShiftMs} ms`);
    }
    const tids = await newCorpusTids(corpus);
    const runner = createJobRunner({ jobs: opts.jobs, backend: opts.backend });
    const progress = createProgress({ label: `align ${path.basename(dataDir)}`, total: corpus.uttIds.length, unit: 'utts', quiet: opts.quiet });
    const stateAccuracy = opts.stateAccuracy ?? true;
    let r;
    try {
      r = await runPass(runner, corpus, corpus.uttIds.map((_, i) => i), model.gmm, model.transitionModel, tids, {
        mode: 'viterbi',
        accumulate: false,
        stateAccuracy,
        beam: opts.beam,
        retryBeam: opts.retryBeam,
        acousticScale: opts.acousticScale,
        graph: opts.graph,
        progress,
      });
    } finally {
      progress.stop();
      await runner.close();
    }
    const failed = [...corpus.failed, ...r.failed].sort((a, b) => compareCLocale(a.uttId, b.uttId));
    const refine = opts.refine ?? DEFAULT_BOUNDARY_REFINE;
    // Compare the static part (the first dim / (deltaOrder + 1) columns of the GMM features), with
    // the cepstral lifter undone: unliftered cepstra are the DCT of the log-mel spectrum, so their
    // distance is a smoothed log-spectral distance (the lifter would overweight the middle cepstra).
    const tr = model.info.featureTransform;
    const staticDims = Math.floor(corpus.dim / (tr.deltaOrder + 1));
    const lift = tr.type === 'mfcc' ? lifterCoeffs(staticDims, tr.cepstralLifter) : new Float64Array(staticDims).fill(1);
    const dimWeights = lift.map((w) => 1 / w);
    // ali.arrow utterance by utterance (the corpus order is the data dir's C-locale order): the
    // alignment is never in memory whole (ali-writer.ts writes writeAlignments's bytes).
    const skip = new Set(r.failed.map((f) => f.uttId));
    const idx = buildTransitionIndex(model.transitionModel);
    await makeDirs(aliDir);
    const writer = await openAliWriter(path.join(aliDir, ALI_ARROW_FILE));
    const featRows = corpus.featsFile && refine.windowFrames > 0 ? openRows(corpus.featsFile) : undefined;
    let written;
    try {
      await withCorpusTids(tids, async (read) => {
        for (let i = 0; i < corpus.uttIds.length; i++) {
          if (skip.has(corpus.uttIds[i])) continue;
          let a = uttAlignmentFromTids(corpus.uttIds[i], read(corpus.offsets[i], corpus.numFrames[i]), idx);
          if (refine.windowFrames > 0) a = refineBoundaries(a, model.transitionModel, uttGmmFeats(corpus, i, featRows), corpus.dim, dimWeights, refine);
          await writer.add(a);
        }
      });
      written = await writer.close();
    } catch (e) {
      await writer.abort();
      throw e;
    } finally {
      if (featRows) closeRows(featRows);
    }
    const avgLogLike = r.numFrames > 0 ? r.totLogLike / r.numFrames : NaN;
    const gmmStateAccuracy = stateAccuracy && r.numFrames > 0 ? r.stateCorrect / r.numFrames : undefined;
    const info: AliInfo = {
      numPdfs: model.transitionModel.numPdfs,
      frameShiftMs: featsInfo.frameShiftMs,
      numUtts: written.numUtts,
      numFrames: written.numFrames,
      failed,
      source: `align ${path.resolve(modelDir)} ${path.resolve(dataDir)}`,
      refine,
      avgLogLike,
      ...(gmmStateAccuracy !== undefined ? { gmmStateAccuracy } : {}),
    };
    // LANG_DIR, not the model's copy: the transcripts were compiled with it (same phones, checked
    // above), and a model trained with extra words (train-mono --extra, data/lang/digits-words)
    // should not hand that vocabulary and grammar on to the alignment and the DNNs.
    await finishAliDir(aliDir, info, model.transitionModel, lang);
    return { numUtts: written.numUtts, numFrames: r.numFrames, failed, retried: r.retried, avgLogLike, ...(gmmStateAccuracy !== undefined ? { gmmStateAccuracy } : {}), seconds: (performance.now() - t0) / 1000 };
  });
}
