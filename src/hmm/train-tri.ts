// Triphone GMM-HMM training from an existing alignment (Kaldi steps/train_deltas.sh): tree
// statistics per (left, phone, right, state) on the same delta features as the monophone system
// (triphone-stats.ts), questions from clustering the phones (phone-questions.ts), a decision tree
// (decision-tree.ts), single-Gaussian tied-state GMMs from the tree's statistics, the alignment
// converted to the new model (convert-ali.ts), then the monophone trainer's iterations: accumulate,
// re-estimate, realign at a few iterations, split Gaussians toward --num-gauss.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { createJobRunner } from '../jobs/runner.js';
import { readLangDir } from '../lang/lang-dir.js';
import { readFeatsInfo } from '../store/feats-archive.js';
import type { FailedUtt } from './ali-archive.js';
import { checkSamePhones } from './align.js';
import { buildContextTransitionModel, gmmsFromStats } from './context-model.js';
import { convertAlignment } from './convert-ali.js';
import { buildTree, type BuildTreeOptions } from './decision-tree.js';
import { corpusAlignment, readAliSet, withCorpusAli } from './corpus-ali.js';
import { closeRows, openRows } from './corpus-rows.js';
import { gatherGmmCorpus, loadGmmCorpus, newCorpusTids, uttGmmFeats, withCorpusTids, withGmmScratch } from './gmm-corpus.js';
import { defaultGmmFeatureTransform } from './gmm-feats.js';
import { clusterPhones, questionSets, readExtraQuestions } from './phone-questions.js';
import { corpusMeanVar, trainMonoCore, writeTrainedModel, type TrainMonoOptions, type TrainMonoResult } from './train-mono.js';
import { buildTransitionIndex } from './transitions.js';
import { TREE_FILE, writeTree } from './tree-format.js';
import { accumulateTriphoneStats, phoneStateStats } from './triphone-stats.js';

export interface TrainTriOptions extends Omit<TrainMonoOptions, 'init' | 'label' | 'refineInTraining'> {
  /** Tree size (Kaldi train_deltas.sh numleaves). */
  numLeaves: number;
  /** Target number of Gaussians (Kaldi totgauss); `totalGauss` of the monophone trainer. */
  totalGauss: number;
  /** Tree options besides the size (build-tree --thresh, minimum leaf count, --cluster-thresh). */
  tree?: Omit<BuildTreeOptions, 'numLeaves'>;
  /** Keep silence phones context-dependent too (Kaldi: leave them out of acc-tree-stats --ci-phones). */
  contextDependentSilence?: boolean;
  /**
   * More training sets with their alignments by the same model (e.g. the varied-words set, which
   * gives the tree contexts the digits lack; train-mono --extra). LANG_DIR must have their words;
   * their utterances count like DATA_DIR's for the tree statistics and every iteration.
   */
  extra?: { dataDir: string; featsDir: string; aliDir: string }[];
}

export interface TrainTriResult extends TrainMonoResult {
  numLeaves: number;
  numQuestions: number;
  treeGain: number;
}

/** Mixup allocation exponent of train-tri (Kaldi train_deltas.sh power=0.25). */
export const TRI_MIXUP_POWER = 0.25;

/** Kaldi train_deltas.sh realign_iters "10 20 30", below `iters`. */
export function defaultTriRealignIters(iters: number): number[] {
  return [10, 20, 30].filter((x) => x < iters);
}

/**
 * `asr-distill train-tri DATA_DIR FEATS_DIR LANG_DIR ALI_DIR EXP`: build the tree from ALI_DIR's
 * alignment of DATA_DIR, train, write EXP (the model directory of train-mono plus `tree`).
 *
 * @example await trainTri('data/train', 'exp/feats/train', 'data/lang/digits', 'exp/mono_ali', 'exp/tri1', { numLeaves: 300, totalGauss: 3000 })
 */
export async function trainTri(dataDir: string, featsDir: string, langDir: string, aliDir: string, expDir: string, opts: TrainTriOptions): Promise<TrainTriResult> {
  const lines: string[] = [];
  const log = (l: string) => {
    lines.push(l);
    opts.log?.(l);
  };
  const lang = await readLangDir(langDir);
  return withGmmScratch(expDir, opts.maxMemoryFrames, async (storage) => {
    // The alignments of DATA_DIR and of every extra set, as one (they must come from one model):
    // in memory, or over the budget only their frame counts for now (corpus-ali.ts).
    const aliSet = await readAliSet([aliDir, ...(opts.extra ?? []).map((x) => x.aliDir)], storage);
    const ali = aliSet.models[0];
    checkSamePhones(lang, ali.lang, aliDir);
    const fi = await readFeatsInfo(featsDir);
    if (fi.frameShiftMs !== ali.info.frameShiftMs) {
      throw new InputError(`${featsDir}: frame shift ${fi.frameShiftMs} ms but the alignment ${aliDir} is at ${ali.info.frameShiftMs} ms; use the features the alignment was made from`);
    }
    // The monophone system's feature pipeline (train-mono uses the same default transform).
    const transform = defaultGmmFeatureTransform(fi.config, fi.dim);
    const loaded = await loadGmmCorpus(dataDir, featsDir, lang, transform, { silProb: opts.graph?.silProb, note: log, storage });
    const parts = [loaded.corpus];
    for (const x of opts.extra ?? []) {
      const e = await loadGmmCorpus(x.dataDir, x.featsDir, lang, transform, { silProb: opts.graph?.silProb, note: log, expectInputDim: loaded.featsInfo.dim, storage });
      if (e.featsInfo.frameShiftMs !== ali.info.frameShiftMs) throw new InputError(`${x.featsDir}: frame shift ${e.featsInfo.frameShiftMs} ms but ${featsDir} has ${loaded.featsInfo.frameShiftMs} ms; extract both with the same feature config`);
      log(`train-tri: extra set ${x.dataDir}: ${e.corpus.uttIds.length} utterances, ${e.corpus.totalFrames} frames, ${e.corpus.failed.length} left out`);
      parts.push(e.corpus);
    }
    // Keep the utterances the alignment covers with the same number of frames (Kaldi train_deltas
    // trains on the aligned utterances only).
    const failed: FailedUtt[] = parts.flatMap((c) => c.failed);
    const keep = parts.map((c) => {
      const rows: number[] = [];
      c.uttIds.forEach((uttId, i) => {
        const n = aliSet.numFrames.get(uttId);
        if (n === undefined) failed.push({ uttId, reason: `not in the alignment ${aliDir}${opts.extra?.length ? ' or those of the extra sets' : ''} (see its failed file)` });
        else if (n !== c.numFrames[i]) failed.push({ uttId, reason: `${n} aligned frames but ${c.numFrames[i]} feature frames; align these features again` });
        else rows.push(i);
      });
      return { corpus: c, rows };
    });
    if (keep.every((k) => k.rows.length === 0)) {
      throw new InputError(`${aliDir}: none of the utterances of ${dataDir} can be used (${failed.length} left out; first: ${failed[0]?.uttId ?? '-'}: ${failed[0]?.reason ?? 'empty data dir'})`);
    }
    const corpus = await gatherGmmCorpus(keep, failed, storage);
    // The gathered copy replaces the loaded scratch files (one copy of the features on disk).
    for (const c of parts) if (c.featsFile && c.featsFile !== corpus.featsFile) await fs.rm(c.featsFile, { force: true });
    const corpusAli = await corpusAlignment(corpus, aliSet, storage);
    if (!(corpusAli instanceof Map)) log(`train-tri: the alignment is over the in-memory budget; it is read from a scratch file in ${storage.scratchDir}, utterance by utterance`);
    log(`train-tri: ${corpus.uttIds.length} utterances, ${corpus.totalFrames} frames, ${failed.length} left out, feature dim ${corpus.dim}`);
    for (const f of failed) log(`  left out ${f.uttId}: ${f.reason}`);

    // Tree statistics, questions, tree (Kaldi acc-tree-stats, cluster-phones, build-tree).
    const monoTm = ali.transitionModel;
    const silIds = [...lang.silencePhones].map((p) => lang.phoneIds.get(p)!).filter((p) => p !== undefined);
    const ciPhones = new Set(opts.contextDependentSilence ? [] : silIds);
    const row = new Map(corpus.uttIds.map((u, i) => [u, i]));
    const featRows = corpus.featsFile ? openRows(corpus.featsFile) : undefined;
    let stats;
    try {
      // Corpus order, one utterance's alignment and features in memory at a time when spilled.
      stats = withCorpusAli(corpus, corpusAli, (get) =>
        accumulateTriphoneStats(
          (function* () {
            for (let i = 0; i < corpus.uttIds.length; i++) yield get(i);
          })(),
          monoTm,
          corpus.dim,
          (u) => uttGmmFeats(corpus, row.get(u)!, featRows),
          ciPhones,
        ),
      );
    } finally {
      if (featRows) closeRows(featRows);
    }
    const numStates = (p: number) => monoTm.phones[p]?.states.length ?? 0;
    // Kaldi cluster-phones --pdf-class-list=1: the phones' middle state of a 3-state HMM.
    const clusters = clusterPhones(phoneStateStats(stats, (p) => Math.min(1, numStates(p) - 1)));
    const extra = await readExtraQuestions(lang);
    const questions = questionSets(clusters, silIds, extra);
    const built = buildTree(stats, questions, lang.phones.length, numStates, { ...opts.tree, numLeaves: opts.numLeaves });
    log(
      `train-tri: ${stats.entries.length} contexts seen; ${questions.length} questions (${clusters.length} from clustering, ${extra.length} extra); ` +
        `tree: ${built.numSplits} splits, ${built.numMerged} leaves tied by clustering, ${built.tree.numPdfs} tied states; ` +
        `log-likelihood gain per frame ${(built.gain / Math.max(1, corpus.totalFrames)).toFixed(4)}`,
    );
    const tm0 = buildContextTransitionModel(monoTm, built.tree);
    const { mean, variance } = corpusMeanVar(corpus);
    const varFloor = variance.map((v) => v * (opts.varFloorFactor ?? 0.01));
    const gmm0 = gmmsFromStats(built.pdfStats, varFloor, { mean, variance });
    // The alignment in transition ids of the new model (Kaldi convert-ali).
    const idx = buildTransitionIndex(tm0);
    const tids = await newCorpusTids(corpus);
    const usable: number[] = [];
    await withCorpusTids(tids, (_, write) =>
      withCorpusAli(corpus, corpusAli, (get) =>
        corpus.uttIds.forEach((u, i) => {
          const t = convertAlignment(get(i), monoTm, tm0, idx);
          if (!t) throw new InputError(`${aliDir}: utterance ${u}: its alignment does not follow the HMM topology of ${aliDir}/transition-model.json`);
          write(corpus.offsets[i], t);
          usable.push(i);
        }),
      ),
    );
    const iters = opts.iters ?? 35;
    const runner = createJobRunner({ jobs: opts.jobs, backend: opts.backend });
    let res: TrainMonoResult;
    try {
      res = await trainMonoCore(corpus, tm0, runner, {
        ...opts,
        iters,
        realignIters: opts.realignIters ?? defaultTriRealignIters(iters),
        power: opts.power ?? TRI_MIXUP_POWER,
        init: { gmm: gmm0, tids, usable },
        label: 'train-tri',
        log,
      });
    } finally {
      await runner.close();
    }
    const treeSummary = { numLeaves: built.tree.numPdfs, numQuestions: questions.length, numSplits: built.numSplits, numMerged: built.numMerged, treeGain: built.gain, alignment: path.resolve(aliDir) };
    await writeTrainedModel(expDir, 'train-tri', res, {
      transform,
      featsInfo: loaded.featsInfo,
      lang,
      dataDir,
      lines,
      summary: { tree: treeSummary },
      ...(opts.extra?.length ? { extraTrainingSets: opts.extra.map((x) => path.resolve(x.dataDir)) } : {}),
    });
    await writeTree(path.join(expDir, TREE_FILE), res.transitionModel.tree!, lang.phones);
    return { ...res, numLeaves: built.tree.numPdfs, numQuestions: questions.length, treeGain: built.gain };
  });
}
