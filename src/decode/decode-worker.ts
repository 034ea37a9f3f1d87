// Job function for `decode`: one shard of utterances (whole speakers, so per-speaker CMVN stats
// computed here equal those over the full set), decoded on this worker's own backend.
import type { JobContext } from '../jobs/runner.js';
import type { Utterance } from '../data/data-dir.js';
import { loadUtteranceAudio } from '../data/audio.js';
import { makeFeatureComputer } from '../features/compute.js';
import type { FeatureConfig } from '../features/config.js';
import { computeCmvnStats, type CmvnStats } from '../features/cmvn.js';
import { streamFeatsOf, type UttFeats } from '../store/feats-archive.js';
import type { BackendName } from '../nnet/backend-name.js';
import type { SpecialistInferenceOptions } from '../nnet/specialists-forward.js';
import { readLangDir } from '../lang/lang-dir.js';
import { readTransitionModel } from '../hmm/transition-model.js';
import { loadFrameScorer, type ModelCmvn } from './acoustic-model.js';
import { loadGrammar, type GrammarSource } from './grammar-source.js';
import { buildDecodingGraph, type GraphOptions } from './graph.js';
import { BeamSearch, type SearchOptions } from './beam-search.js';

/** One utterance to decode: features (given, or in a shard file of a FEATS_DIR), or audio to extract them from. */
export interface ShardUtt {
  uttId: string;
  speakerId: string;
  feats?: { numFrames: number; dim: number; data: Float32Array };
  /** The Arrow shard holding its features (streamFeatsDir), read by the job itself. */
  stored?: { file: string; numFrames: number };
  utt?: Utterance;
}

export interface DecodeShardInput {
  modelDir: string;
  backend: BackendName;
  /** A specialists directory's inference options (`--top`); absent: the defaults. */
  specialists?: SpecialistInferenceOptions;
  langDir: string;
  transitionModelFile: string;
  grammar: GrammarSource;
  graph: GraphOptions;
  search: Omit<SearchOptions, 'acousticScale'>;
  acousticScales: number[];
  cmvn: ModelCmvn;
  /** Stored CMVN stats (FEATS_DIR/cmvn.json) covering these utterances; absent = computed here. */
  cmvnStats?: CmvnStats;
  featureConfig: FeatureConfig;
  utts: ShardUtt[];
}

/** The best path at one acoustic scale. */
export interface UttHyp {
  words: string[];
  /** [startFrame, endFrame) per word. */
  times: [number, number][];
  score: number;
  reachedFinal: boolean;
}

export interface UttDecodeResult {
  uttId: string;
  numFrames: number;
  /** Wall-clock milliseconds of feature extraction (0 with stored features), forward pass, search (all scales). */
  featureMs: number;
  forwardMs: number;
  searchMs: number;
  hyps: UttHyp[];
}

/** Progress message: one utterance done. */
export interface DecodeProgress {
  uttId: string;
  numFrames: number;
}

/** Decode a shard (see DecodeShardInput); reports a DecodeProgress per utterance. */
export async function decodeShard(input: DecodeShardInput, ctx: JobContext): Promise<UttDecodeResult[]> {
  const [lang, tm, grammar] = await Promise.all([readLangDir(input.langDir), readTransitionModel(input.transitionModelFile), loadGrammar(input.grammar)]);
  const search = new BeamSearch(buildDecodingGraph(grammar, lang, tm, { ...input.graph, grammarName: input.grammar.file }));
  const scorer = await loadFrameScorer(input.modelDir, input.backend, input.specialists);
  try {
    const featureMs = new Map<string, number>();
    const computer = input.utts.some((u) => !u.feats && !u.stored) ? makeFeatureComputer(input.featureConfig, `${input.modelDir} feature config`) : null;
    async function* shardFeats(): AsyncGenerator<UttFeats> {
      // Stored features stream from their shards, one record batch at a time.
      yield* streamFeatsOf(new Map(input.utts.flatMap((u) => (u.stored ? [[u.uttId, u.stored.file] as const] : []))));
      for (const u of input.utts) {
        if (u.stored) continue;
        if (u.feats) {
          yield { uttId: u.uttId, speakerId: u.speakerId, ...u.feats };
          continue;
        }
        const t0 = performance.now();
        const signal = await loadUtteranceAudio(u.utt!, { sampleRate: input.featureConfig.sampleRate });
        const m = computer!.compute(signal, u.uttId);
        featureMs.set(u.uttId, performance.now() - t0);
        yield { uttId: u.uttId, speakerId: u.speakerId, numFrames: m.numFrames, dim: m.dim, data: m.data };
      }
    }
    // Without stored CMVN stats, all of the shard's features first: stats over whole speakers.
    let cmvnStats = input.cmvn.per === 'none' ? undefined : input.cmvnStats;
    let feats: AsyncIterable<UttFeats> | UttFeats[] = shardFeats();
    if (input.cmvn.per !== 'none' && !cmvnStats) {
      const all: UttFeats[] = [];
      for await (const f of feats) all.push(f);
      cmvnStats = computeCmvnStats(all, input.cmvn.per);
      feats = all;
    }
    const out: UttDecodeResult[] = [];
    for await (const f of feats) {
      const t0 = performance.now();
      const ll = scorer.scoreUtterance(f, cmvnStats);
      const t1 = performance.now();
      const hyps: UttHyp[] = input.acousticScales.map((acousticScale) => {
        const r = search.decode(ll, f.numFrames, { ...input.search, acousticScale });
        return { words: r.words, times: r.timings.map((w) => [w.startFrame, w.endFrame] as [number, number]), score: r.score, reachedFinal: r.reachedFinal };
      });
      const t2 = performance.now();
      out.push({ uttId: f.uttId, numFrames: f.numFrames, featureMs: featureMs.get(f.uttId) ?? 0, forwardMs: t1 - t0, searchMs: t2 - t1, hyps });
      ctx.report({ uttId: f.uttId, numFrames: f.numFrames } satisfies DecodeProgress);
    }
    return out;
  } finally {
    scorer.dispose();
  }
}
