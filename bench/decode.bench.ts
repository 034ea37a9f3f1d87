// npm run bench -- decode: real-time factor of decoding on one core (this thread), issue 6.
//  - search: token-passing Viterbi over the digits lang (default digit-loop grammar) on synthetic
//    log-likelihoods: a noisy one-hot alignment (realistic peaky scores) and random scores (worst case);
//  - full: spliced fbank -> DNN forward (wasm backend) -> log posterior - log prior -> search, for the
//    distilled-size model (the recipe's default student arch 4x512, and 2x256; context 5:5, 40 fbank)
//    and a 4-member 4x512 ensemble, with random weights (speed does not depend on the weight values).
// RTF = decode seconds / audio seconds (frames x 10 ms). Target for the student: <= 0.01.
// Utterance count scales with ASR_DISTILL_BENCH_SCALE (default 1 = 40 utterances of ~2 s).
// Real models: ASR_DISTILL_DECODE_MODELS=dir1,dir2 ASR_DISTILL_DECODE_DATA=data/test
// [ASR_DISTILL_DECODE_FEATS=feats/test] also decodes that set with each model on one core
// (inline, one job) and reports WER and RTF side by side.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLangDir } from '../src/lang/lang-dir.js';
import { buildTransitionModel } from '../src/hmm/topology.js';
import { readJsgf } from '../src/decode/jsgf.js';
import { buildDecodingGraph } from '../src/decode/graph.js';
import { BeamSearch } from '../src/decode/beam-search.js';
import { posteriorsToLogLikelihoods } from '../src/decode/acoustic-model.js';
import { selectBackend } from '../src/nnet/backend.js';
import { DnnForward, initDnnWeights } from '../src/nnet/model.js';
import { combinePosteriors } from '../src/nnet/ensemble.js';
import { spliceUtterance } from '../src/nnet/splice.js';
import { makeRng, randInt, randNormal } from '../src/data/random.js';
import { decodeDataDir } from '../src/decode/decode.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const SCALE = Math.max(0.1, Number(process.env.ASR_DISTILL_BENCH_SCALE ?? 1) || 1);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function run(): Promise<Record<string, unknown>> {
  const langDir = path.join(root, 'data', 'lang', 'digits');
  const lang = await readLangDir(langDir);
  const tm = buildTransitionModel(lang.phones, lang.silencePhones);
  const P = tm.numPdfs;
  const t0 = performance.now();
  const graph = buildDecodingGraph(await readJsgf(path.join(langDir, 'grammar.jsgf')), lang, tm);
  const graphMs = performance.now() - t0;
  const search = new BeamSearch(graph);
  const rng = makeRng(1, 'decode-bench');
  const vocab = [...lang.lexicon.keys()].filter((w) => w !== lang.oovWord);
  const numUtts = Math.max(4, Math.round(40 * SCALE));

  // Synthetic alignments: silence, 1-7 digits with 2-5 frames per HMM state, silence.
  const utts: { pdfs: number[]; words: string[] }[] = [];
  for (let u = 0; u < numUtts; u++) {
    const pdfs: number[] = [];
    const phone = (p: string) => {
      for (const s of tm.phones[lang.phoneIds.get(p)!]!.states) for (let k = randInt(rng, 2, 5); k > 0; k--) pdfs.push(s.pdfId);
    };
    const words = Array.from({ length: randInt(rng, 1, 7) }, () => vocab[randInt(rng, 0, vocab.length - 1)]);
    phone('SIL');
    for (const w of words) for (const p of lang.lexicon.get(w)![0]) phone(p);
    phone('SIL');
    utts.push({ pdfs, words });
  }
  const totalFrames = utts.reduce((s, u) => s + u.pdfs.length, 0);
  const audioSec = totalFrames / 100;

  const searchRtf = (make: (u: (typeof utts)[number]) => Float32Array) => {
    const lls = utts.map(make);
    for (let i = 0; i < Math.min(5, utts.length); i++) search.decode(lls[i], utts[i].pdfs.length, { acousticScale: 0.1 }); // JIT warm-up
    let ms = 0;
    let correct = 0;
    for (let i = 0; i < utts.length; i++) {
      const a = performance.now();
      const r = search.decode(lls[i], utts[i].pdfs.length, { acousticScale: 0.1 });
      ms += performance.now() - a;
      if (r.words.join(' ') === utts[i].words.join(' ')) correct++;
    }
    return { rtf: +(ms / 1000 / audioSec).toPrecision(3), msPerSecOfAudio: +(ms / audioSec).toFixed(3), sentencesCorrect: `${correct}/${utts.length}` };
  };
  const noisyOracle = searchRtf((u) => {
    const ll = new Float32Array(u.pdfs.length * P);
    for (let t = 0; t < u.pdfs.length; t++) {
      for (let j = 0; j < P; j++) ll[t * P + j] = -8 + 3 * randNormal(rng);
      ll[t * P + u.pdfs[t]] = 3 * randNormal(rng);
    }
    return ll;
  });
  const random = searchRtf((u) => Float32Array.from({ length: u.pdfs.length * P }, () => 5 * randNormal(rng)));

  // Full pipeline cost: forward + hybrid scores + search, student-size model and a 4-member ensemble.
  const backend = await selectBackend('wasm');
  const featDim = 40;
  const context = { left: 5, right: 5 };
  const archOf = (layers: number, units: number) => ({ hidden: Array.from({ length: layers }, () => ({ units })), activation: 'relu' as const });
  const inputDim = featDim * (context.left + 1 + context.right);
  const feats = utts.map((u) => Float32Array.from({ length: u.pdfs.length * featDim }, () => randNormal(rng)));
  const logPriors = new Array<number>(P).fill(Math.log(1 / P));
  const full = (members: number, layers: number, units: number) => {
    const nets = Array.from({ length: members }, (_, m) => new DnnForward(initDnnWeights(archOf(layers, units), inputDim, P, 100 + m)));
    nets.forEach((n) => n.posteriors(spliceUtterance(feats[0], utts[0].pdfs.length, featDim, context), utts[0].pdfs.length)); // warm-up
    let fwdMs = 0;
    let searchMs = 0;
    for (let i = 0; i < utts.length; i++) {
      const T = utts[i].pdfs.length;
      const a = performance.now();
      const x = spliceUtterance(feats[i], T, featDim, context);
      const per = nets.map((n) => n.posteriors(x, T));
      const ll = posteriorsToLogLikelihoods(per.length === 1 ? per[0] : combinePosteriors(per, P, 'arithmetic'), logPriors, P);
      const b = performance.now();
      search.decode(ll, T, { acousticScale: 0.1 });
      searchMs += performance.now() - b;
      fwdMs += b - a;
    }
    nets.forEach((n) => n.dispose());
    return {
      rtf: +((fwdMs + searchMs) / 1000 / audioSec).toPrecision(3),
      forwardRtf: +(fwdMs / 1000 / audioSec).toPrecision(3),
      searchRtf: +(searchMs / 1000 / audioSec).toPrecision(3),
    };
  };
  const real: Record<string, unknown> = {};
  const models = (process.env.ASR_DISTILL_DECODE_MODELS ?? '').split(',').filter((m) => m.length > 0);
  const dataDir = process.env.ASR_DISTILL_DECODE_DATA;
  if (models.length > 0 && dataDir) {
    const outRoot = await mkdtemp(path.join(tmpdir(), 'decode-bench-'));
    for (const m of models) {
      const s = await decodeDataDir(m, dataDir, path.join(outRoot, path.basename(m)), { featsDir: process.env.ASR_DISTILL_DECODE_FEATS, jobs: 1, runner: 'inline', quiet: true, backend: 'wasm' });
      real[m] = { kind: s.modelKind, utts: s.numUtts, audioSec: +s.audioSec.toFixed(1), wer: s.wer?.wer ?? null, rtf: +s.rtf.toPrecision(3), featureRtf: +(s.featureSec / s.audioSec).toPrecision(3), forwardRtf: +(s.forwardSec / s.audioSec).toPrecision(3), searchRtf: +(s.searchSec / s.audioSec).toPrecision(3) };
    }
  }
  return {
    ...(models.length > 0 ? { realModels: real } : {}),
    numUtts,
    audioSec: +audioSec.toFixed(1),
    graph: { nodes: graph.numNodes, arcs: graph.arcTo.length, buildMs: +graphMs.toFixed(1) },
    searchNoisyOracle: noisyOracle,
    searchRandomScores: random,
    backend,
    // The recipe's student defaults to the baseline arch (4x512); --student-arch small is 2x256.
    studentFull_4x512_ctx5: { ...full(1, 4, 512), targetRtf: 0.01 },
    studentFull_2x256_ctx5: { ...full(1, 2, 256), targetRtf: 0.01 },
    ensemble4Full_4x512_ctx5: full(4, 4, 512),
    note: 'one core, this thread; the machine is shared with other jobs, so timings are noisy',
  };
}
