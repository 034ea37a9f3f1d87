// `decode` orchestration: model setup, grammar, utterances sharded by speaker over the job runner,
// then hypotheses, CTM, WER (per acoustic scale for a sweep) and RTF written to OUT_DIR.
import { pathExists } from '../store/paths.js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { checkFeatureMatch } from '../features/feature-match.js';
import { InputError } from '../errors.js';
import { readDataDir, type Utterance } from '../data/data-dir.js';
import { readFeatsInfo, streamFeatsIndex } from '../store/feats-archive.js';
import { CMVN_FILE, readCmvn, type CmvnStats } from '../features/cmvn.js';
import { readLangDir } from '../lang/lang-dir.js';
import { createJobRunner, type RunnerBackend } from '../jobs/runner.js';
import { siblingModuleUrl } from '../jobs/module-url.js';
import { createProgress } from '../jobs/progress.js';
import { writeFileAtomic } from '../store/atomic.js';
import { formatTranscript, type Transcript } from '../score/text-file.js';
import { formatWer, scoreTranscripts, type WerResult } from '../score/wer.js';
import { formatDetails, werToJson } from '../score/details.js';
import { DEFAULT_BACKEND, type BackendName } from '../nnet/backend-name.js';
import { TRANSITION_MODEL_FILE } from '../hmm/transition-model.js';
import { readModelSetup, type ModelSetup } from './acoustic-model.js';
import { checkSpecialistTop, DEFAULT_TOP_N } from '../nnet/specialists.js';
import type { SpecialistInferenceOptions } from '../nnet/specialists-forward.js';
import { defaultGrammarSource, loadGrammar, type GrammarSource } from './grammar-source.js';
import { buildDecodingGraph } from './graph.js';
import type { DecodeProgress, DecodeShardInput, ShardUtt, UttDecodeResult } from './decode-worker.js';
import { compareCLocale } from '../data/c-locale.js';

/** Search and graph defaults (Kaldi decode.sh: --beam 13 for lattices, 16 for faster-decoder; --max-active 7000; acwt 0.1). */
export const DECODE_DEFAULTS = { beam: 16, maxActive: 7000, acousticScale: 0.1, wordInsPenalty: 0, silenceProb: 0.5, selfLoopScale: 0.1 };

/**
 * Parse `--acoustic-scale`: one number `X`, or a sweep `A:B:STEP` (inclusive, like Kaldi's
 * score.sh LMWT range), e.g. `0.05:0.2:0.05` -> [0.05, 0.1, 0.15, 0.2].
 */
export function parseAcousticScales(spec: string): number[] {
  const parts = spec.split(':');
  const nums = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
  if (parts.length === 1 && nums[0] > 0 && Number.isFinite(nums[0])) return nums;
  if (parts.length === 3 && nums.every((x) => Number.isFinite(x) && x > 0) && nums[0] <= nums[1]) {
    const [a, b, step] = nums;
    const n = Math.floor((b - a) / step + 1e-9) + 1;
    if (n > 1000) throw new InputError(`--acoustic-scale ${spec}: ${n} scales is too many; use a larger step`);
    // Rounded to 1e-9 so that 0.1 + 2 * 0.05 prints as 0.2.
    return Array.from({ length: n }, (_, i) => Math.round((a + i * step) * 1e9) / 1e9);
  }
  throw new InputError(`--acoustic-scale ${spec}: expected a positive number (0.1) or a sweep A:B:STEP with 0 < A <= B (0.05:0.2:0.05)`);
}

export interface DecodeOptions {
  /** JSGF grammar file; default: the model's lang/grammar.jsgf. */
  grammar?: string;
  /** ARPA language model (instead of a grammar). */
  lm?: string;
  /** Stored features of DATA_DIR (FEATS_DIR); default: extract from wav.scp with the model's config. */
  featsDir?: string;
  /** Decode `featsDir` even if it was made with another feature configuration than the model's (a warning instead of an error). */
  allowFeatureMismatch?: boolean;
  acousticScales?: number[];
  beam?: number;
  maxActive?: number;
  wordInsPenalty?: number;
  silenceProb?: number;
  selfLoopScale?: number;
  jobs?: number;
  runner?: RunnerBackend;
  backend?: BackendName;
  /** A specialists directory's inference options (`topN`: the generalist's top N pdfs pick the active specialists); `topN` for another model is an InputError. */
  specialists?: SpecialistInferenceOptions;
  /** No progress output. */
  quiet?: boolean;
}

export interface ScaleResult {
  acousticScale: number;
  hyp: Transcript;
  wer?: WerResult;
}

export interface DecodeSummary {
  outDir: string;
  modelKind: ModelSetup['kind'];
  grammar: GrammarSource;
  numUtts: number;
  numFrames: number;
  /** Audio duration in seconds (frames x frame shift). */
  audioSec: number;
  /** Per-utterance wall-clock time in the workers (features + forward + one search), summed. */
  decodeSec: number;
  featureSec: number;
  forwardSec: number;
  /** Search time per scale, summed over utterances. */
  searchSec: number;
  /** decodeSec / audioSec. */
  rtf: number;
  /** Wall-clock time of the whole command (all jobs, start-up included). */
  wallSec: number;
  jobs: number;
  /** The scale whose hypotheses are in hyp.txt: the single one, or the best of a sweep. */
  acousticScale: number;
  scales: ScaleResult[];
  /** WER at `acousticScale` when DATA_DIR has a text. */
  wer?: WerResult;
  /** Utterances where no token reached a final state (partial paths output). */
  numPartial: number;
  /** Utterances of DATA_DIR without features in FEATS_DIR (not decoded). */
  missingFeats: string[];
}

function formatScale(x: number): string {
  return String(x);
}

/** Group utterances so a speaker never spans two jobs, balancing frames (or counts) greedily. */
function shardBySpeaker(utts: ShardUtt[], jobs: number): ShardUtt[][] {
  const bySpk = new Map<string, ShardUtt[]>();
  for (const u of utts) bySpk.set(u.speakerId, [...(bySpk.get(u.speakerId) ?? []), u]);
  const weight = (g: ShardUtt[]) => g.reduce((s, u) => s + (u.stored?.numFrames ?? u.feats?.numFrames ?? 1), 0);
  const groups = [...bySpk.values()].sort((a, b) => weight(b) - weight(a));
  const n = Math.max(1, Math.min(jobs, groups.length));
  const shards: ShardUtt[][] = Array.from({ length: n }, () => []);
  const load = new Array<number>(n).fill(0);
  for (const g of groups) {
    let k = 0;
    for (let j = 1; j < n; j++) if (load[j] < load[k]) k = j;
    shards[k].push(...g);
    load[k] += weight(g);
  }
  return shards.filter((s) => s.length > 0);
}

/**
 * CTM lines `file channel start duration word` (seconds, 2 decimals). With `segments`, times are
 * in the recording (segment start added) and the file is the recording id, as Kaldi's
 * get_ctm.sh writes them after utils/convert_ctm.pl; otherwise the utterance id and channel 1.
 */
function formatCtm(utt: Utterance | undefined, r: UttDecodeResult, scaleIndex: number, frameShiftMs: number): string {
  const h = r.hyps[scaleIndex];
  const offset = utt?.segment?.startSec ?? 0;
  const file = utt?.segment ? utt.recordingId : r.uttId;
  const channel = (utt?.segment?.channel ?? 0) + 1;
  const sec = (f: number) => ((f * frameShiftMs) / 1000).toFixed(2);
  return h.words.map((w, i) => `${file} ${channel} ${(offset + (h.times[i][0] * frameShiftMs) / 1000).toFixed(2)} ${sec(h.times[i][1] - h.times[i][0])} ${w}\n`).join('');
}

/**
 * Decode DATA_DIR with MODEL_DIR into OUT_DIR: hyp.txt (Kaldi text), ctm (`utt 1 start dur word`,
 * seconds), scores.txt (per utterance total path score), decode.json (summary with RTF); with a
 * reference text also wer.txt (compute-wer lines), wer.json and wer_details.txt; with an
 * acoustic-scale sweep, scoring/hyp_<scale>.txt and scoring/wer_<scale>.txt for each scale and
 * hyp.txt from the best one (lowest WER, as Kaldi's score.sh picks the best LM weight).
 */
export async function decodeDataDir(modelDir: string, dataDir: string, outDir: string, options: DecodeOptions = {}): Promise<DecodeSummary> {
  const wall0 = performance.now();
  if (options.grammar && options.lm) throw new InputError('give either --grammar or --lm, not both');
  const setup = await readModelSetup(modelDir);
  // Before any worker starts: --top on a model without specialists.
  checkSpecialistTop(modelDir, setup.kind, options.specialists?.topN);
  const lang = await readLangDir(setup.langDir);
  const grammarSource: GrammarSource = options.lm ? { kind: 'arpa', file: options.lm } : options.grammar ? { kind: 'jsgf', file: options.grammar } : defaultGrammarSource(setup.langDir);
  const graphOptions = { silenceProb: options.silenceProb ?? DECODE_DEFAULTS.silenceProb, selfLoopScale: options.selfLoopScale ?? DECODE_DEFAULTS.selfLoopScale };
  // Build the graph once here too: grammar/lexicon problems fail before any worker starts.
  buildDecodingGraph(await loadGrammar(grammarSource), lang, setup.transitionModel, { ...graphOptions, grammarName: grammarSource.file });
  const scales = options.acousticScales ?? [DECODE_DEFAULTS.acousticScale];

  const data = await readDataDir(dataDir, { checkFiles: !options.featsDir });
  let frameShiftMs = setup.frameShiftMs;
  let cmvnStats: CmvnStats | undefined;
  const missingFeats: string[] = [];
  let utts: ShardUtt[];
  if (options.featsDir) {
    const info = await readFeatsInfo(options.featsDir);
    checkFeatureMatch({ role: 'model', source: modelDir, config: setup.featureConfig }, { role: 'features', source: options.featsDir, config: info.config }, { allowMismatch: options.allowFeatureMismatch });
    if (info.dim !== setup.featDim) {
      throw new InputError(`${options.featsDir}: features have dim ${info.dim} but ${modelDir} expects ${setup.featDim}; extract them with the model's feature config`);
    }
    frameShiftMs = info.frameShiftMs;
    if (setup.cmvn.per !== 'none' && (await pathExists(path.join(options.featsDir, CMVN_FILE)))) {
      const stored = await readCmvn(options.featsDir);
      if (stored.per === setup.cmvn.per) cmvnStats = stored;
    }
    // Only where each utterance is (a column-only pass: no feature value is read): the jobs read their
    // own features from the shards, so the corpus is never held here nor copied into job inputs.
    const stored = new Map<string, { file: string; numFrames: number }>();
    for await (const u of streamFeatsIndex(info, options.featsDir)) stored.set(u.uttId, { file: u.file, numFrames: u.numFrames });
    utts = [];
    for (const u of data.utterances) {
      const f = stored.get(u.uttId);
      if (!f) missingFeats.push(u.uttId);
      else utts.push({ uttId: u.uttId, speakerId: u.speakerId, stored: f });
    }
    if (utts.length === 0) throw new InputError(`${options.featsDir}: none of the ${data.utterances.length} utterances of ${dataDir} has features; were they extracted from this data dir?`);
  } else {
    utts = data.utterances.map((u: Utterance) => ({ uttId: u.uttId, speakerId: u.speakerId, utt: u }));
  }
  if (utts.length === 0) throw new InputError(`${dataDir}: no utterances to decode`);

  const shards = shardBySpeaker(utts, options.jobs ?? 1);
  const tmFile = (await pathExists(path.join(modelDir, TRANSITION_MODEL_FILE))) ? path.join(modelDir, TRANSITION_MODEL_FILE) : path.join(setup.langDir, '..', TRANSITION_MODEL_FILE);
  const specs = shards.map((shard) => ({
    module: siblingModuleUrl(import.meta.url, 'decode-worker'),
    fn: 'decodeShard',
    input: {
      modelDir,
      backend: options.backend ?? DEFAULT_BACKEND,
      specialists: options.specialists,
      langDir: setup.langDir,
      transitionModelFile: tmFile,
      grammar: grammarSource,
      graph: graphOptions,
      search: { beam: options.beam ?? DECODE_DEFAULTS.beam, maxActive: options.maxActive ?? DECODE_DEFAULTS.maxActive, wordInsPenalty: options.wordInsPenalty ?? DECODE_DEFAULTS.wordInsPenalty },
      acousticScales: scales,
      cmvn: setup.cmvn,
      cmvnStats: cmvnStats ? { ...cmvnStats, stats: Object.fromEntries(Object.entries(cmvnStats.stats).filter(([k]) => shard.some((u) => (cmvnStats!.per === 'speaker' ? u.speakerId : u.uttId) === k))) } : undefined,
      featureConfig: setup.featureConfig,
      utts: shard,
    } satisfies DecodeShardInput,
  }));
  const progress = createProgress({ label: 'decode', total: utts.length, unit: 'utts', quiet: options.quiet });
  // One shard: decoded in this thread (no worker loading the modules again; byte-identical outputs, test/decode/decode.test.ts).
  const runner = createJobRunner({ jobs: shards.length, backend: options.runner, inThreadWhenSingle: true });
  let results: UttDecodeResult[];
  try {
    let done = 0;
    results = (await runner.run<DecodeShardInput, UttDecodeResult[]>(specs, { onMessage: (_j, m) => progress.update(++done, { utt: (m as DecodeProgress).uttId }) })).flat();
  } finally {
    await runner.close();
  }
  results.sort((a, b) => compareCLocale(a.uttId, b.uttId));

  const ref: Transcript | undefined = data.utterances.every((u) => u.words !== undefined) ? new Map(data.utterances.map((u) => [u.uttId, u.words!])) : undefined;
  const scaleResults: ScaleResult[] = scales.map((acousticScale, k) => {
    const hyp: Transcript = new Map(results.map((r) => [r.uttId, r.hyps[k].words]));
    const wer = ref ? scoreTranscripts(ref, hyp, { mode: 'present', refFile: path.join(dataDir, 'text'), hypFile: `hypotheses at acoustic scale ${acousticScale}` }) : undefined;
    return { acousticScale, hyp, wer };
  });
  let best = 0;
  scaleResults.forEach((s, k) => {
    if (s.wer && scaleResults[best].wer && (s.wer.errors < scaleResults[best].wer!.errors)) best = k;
  });
  const chosen = scaleResults[best];

  const numFrames = results.reduce((s, r) => s + r.numFrames, 0);
  const audioSec = (numFrames * frameShiftMs) / 1000;
  const featureSec = results.reduce((s, r) => s + r.featureMs, 0) / 1000;
  const forwardSec = results.reduce((s, r) => s + r.forwardMs, 0) / 1000;
  const searchSec = results.reduce((s, r) => s + r.searchMs, 0) / 1000 / scales.length;
  const decodeSec = featureSec + forwardSec + searchSec;
  const summary: DecodeSummary = {
    outDir,
    modelKind: setup.kind,
    grammar: grammarSource,
    numUtts: results.length,
    numFrames,
    audioSec,
    decodeSec,
    featureSec,
    forwardSec,
    searchSec,
    rtf: audioSec > 0 ? decodeSec / audioSec : 0,
    wallSec: (performance.now() - wall0) / 1000,
    jobs: shards.length,
    acousticScale: chosen.acousticScale,
    scales: scaleResults,
    wer: chosen.wer,
    numPartial: results.filter((r) => !r.hyps[best].reachedFinal).length,
    missingFeats,
  };

  await fs.mkdir(outDir, { recursive: true });
  const uttById = new Map(data.utterances.map((u) => [u.uttId, u]));
  await writeFileAtomic(path.join(outDir, 'hyp.txt'), formatTranscript(chosen.hyp));
  await writeFileAtomic(path.join(outDir, 'ctm'), results.map((r) => formatCtm(uttById.get(r.uttId), r, best, frameShiftMs)).join(''));
  await writeFileAtomic(path.join(outDir, 'scores.txt'), results.map((r) => `${r.uttId} ${r.hyps[best].score.toFixed(4)}${r.hyps[best].reachedFinal ? '' : ' partial'}\n`).join(''));
  if (chosen.wer) {
    await writeFileAtomic(path.join(outDir, 'wer.txt'), formatWer(chosen.wer));
    await writeFileAtomic(path.join(outDir, 'wer.json'), JSON.stringify({ ...werToJson(chosen.wer), words: chosen.wer.numWords, acousticScale: chosen.acousticScale }, null, 1) + '\n');
    await writeFileAtomic(path.join(outDir, 'wer_details.txt'), formatDetails(chosen.wer));
  } else {
    // No reference: a WER left by an earlier run in OUT_DIR would no longer describe hyp.txt.
    for (const f of ['wer.txt', 'wer.json', 'wer_details.txt']) await fs.rm(path.join(outDir, f), { force: true });
  }
  // Per-scale results of an earlier sweep in OUT_DIR would sit beside a hyp.txt they do not describe.
  await fs.rm(path.join(outDir, 'scoring'), { recursive: true, force: true });
  if (scales.length > 1) {
    for (const s of scaleResults) {
      await writeFileAtomic(path.join(outDir, 'scoring', `hyp_${formatScale(s.acousticScale)}.txt`), formatTranscript(s.hyp));
      if (s.wer) await writeFileAtomic(path.join(outDir, 'scoring', `wer_${formatScale(s.acousticScale)}.txt`), formatWer(s.wer));
    }
  }
  const { scales: _omit, wer: _w, ...rest } = summary;
  await writeFileAtomic(
    path.join(outDir, 'decode.json'),
    JSON.stringify(
      {
        ...rest,
        model: modelDir,
        data: dataDir,
        feats: options.featsDir ?? null,
        options: {
          beam: options.beam ?? DECODE_DEFAULTS.beam,
          maxActive: options.maxActive ?? DECODE_DEFAULTS.maxActive,
          wordInsPenalty: options.wordInsPenalty ?? DECODE_DEFAULTS.wordInsPenalty,
          ...graphOptions,
          ...(setup.kind === 'specialists' ? { top: options.specialists?.topN ?? DEFAULT_TOP_N } : {}),
        },
        wer: chosen.wer ? { percent: chosen.wer.wer, errors: chosen.wer.errors, words: chosen.wer.numWords, ins: chosen.wer.ins, del: chosen.wer.del, sub: chosen.wer.sub } : null,
        sweep: scaleResults.map((s) => ({ acousticScale: s.acousticScale, wer: s.wer ? s.wer.wer : null, errors: s.wer?.errors ?? null })),
      },
      null,
      1,
    ) + '\n',
  );
  progress.stop();
  return summary;
}
