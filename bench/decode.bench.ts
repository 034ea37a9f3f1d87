// npm run bench -- decode: real-time factor of decoding on one core (this thread), issue 6.
//  - search: token-passing Viterbi over the digits lang (default digit-loop grammar) on synthetic
//    log-likelihoods: a noisy one-hot alignment (realistic peaky scores) and random scores (worst
//    case), with the prefix-tree lexicon (default) and with linear word chains;
//  - full: spliced fbank -> DNN forward (wasm backend) -> hybrid scores -> search, through the
//    decoder's own scorer (loadDnnScorer on model directories written here with random weights;
//    speed does not depend on the weight values), for students of 4x512, 3x384 and 3x256 (context
//    5:5, 40 fbank) and, side by side, a 4-member ensemble of the same size;
//  - the forward pass in GFLOP/s against the ceiling: the wasm backend's throughput on the model's
//    own fused matMuls of the same shapes (an utterance's frames x layer), best of 5.
// Timings are best of 3 rounds (the machine is shared; load average recorded before and after).
// RTF = decode wall seconds / audio seconds (frames x 10 ms); cpuRtf uses the process's CPU time
// instead (the definition, less sensitive to other jobs). Target for the student: <= 0.01.
// Utterance count scales with ASR_DISTILL_BENCH_SCALE (default 1 = 40 utterances of ~2 s).
// Real models: ASR_DISTILL_DECODE_MODELS=dir1,dir2 ASR_DISTILL_DECODE_DATA=data/test
// [ASR_DISTILL_DECODE_FEATS=feats/test] also decodes that set with each model on one core
// (inline, one job) and reports WER and RTF side by side.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { readLangDir } from '../src/lang/lang-dir.js';
import { buildTransitionModel } from '../src/hmm/topology.js';
import { readJsgf } from '../src/decode/jsgf.js';
import { buildDecodingGraph } from '../src/decode/graph.js';
import { BeamSearch } from '../src/decode/beam-search.js';
import { loadDnnScorer } from '../src/decode/acoustic-model.js';
import { selectBackend } from '../src/nnet/tfjs/backend.js';
import { initDnnWeights } from '../src/nnet/weights.js';
import { writeDnnModelDir, type DnnModelMeta } from '../src/nnet/model-dir.js';
import { defaultFbankConfig } from '../src/features/config.js';
import { makeRng, randInt, randNormal } from '../src/data/random.js';
import { decodeDataDir } from '../src/decode/decode.js';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const SCALE = Math.max(0.1, Number(process.env.ASR_DISTILL_BENCH_SCALE ?? 1) || 1);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function run(): Promise<Record<string, unknown>> {
  const langDir = path.join(root, 'data', 'lang', 'digits');
  const lang = await readLangDir(langDir);
  const tm = buildTransitionModel(lang.phones, lang.silencePhones);
  const P = tm.numPdfs;
  const grammar = await readJsgf(path.join(langDir, 'grammar.jsgf'));
  const t0 = performance.now();
  const graph = buildDecodingGraph(grammar, lang, tm);
  const graphMs = performance.now() - t0;
  const search = new BeamSearch(graph);
  const linearGraph = buildDecodingGraph(grammar, lang, tm, { prefixTree: false });
  const linearSearch = new BeamSearch(linearGraph);
  const load0 = loadavg().map((x) => +x.toFixed(2));
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
    const one = (bs: BeamSearch) => {
      for (let i = 0; i < Math.min(5, utts.length); i++) bs.decode(lls[i], utts[i].pdfs.length, { acousticScale: 0.1 }); // JIT warm-up
      let best = Infinity;
      let correct = 0;
      const hyps: string[] = [];
      for (let round = 0; round < 3; round++) {
        let ms = 0;
        correct = 0;
        hyps.length = 0;
        for (let i = 0; i < utts.length; i++) {
          const a = performance.now();
          const r = bs.decode(lls[i], utts[i].pdfs.length, { acousticScale: 0.1 });
          ms += performance.now() - a;
          hyps.push(r.words.join(' '));
          if (r.words.join(' ') === utts[i].words.join(' ')) correct++;
        }
        best = Math.min(best, ms);
      }
      return { rtf: +(best / 1000 / audioSec).toPrecision(3), sentencesCorrect: `${correct}/${utts.length}`, hyps };
    };
    const tree = one(search);
    const linear = one(linearSearch);
    return {
      rtf: tree.rtf,
      linearLexiconRtf: linear.rtf,
      sentencesCorrect: tree.sentencesCorrect,
      sameHypsAsLinear: tree.hyps.every((h, i) => h === linear.hyps[i]),
    };
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

  // Full pipeline cost through the decoder's scorer: random-weight model directories on disk.
  const backend = await selectBackend('wasm');
  const featDim = 40;
  const context = { left: 5, right: 5 };
  const inputDim = featDim * (context.left + 1 + context.right);
  const feats = utts.map((u) => Float32Array.from({ length: u.pdfs.length * featDim }, () => randNormal(rng)));
  const logPriors = new Array<number>(P).fill(Math.log(1 / P));
  const modelRoot = await mkdtemp(path.join(tmpdir(), 'decode-bench-models-'));
  const archOf = (layers: number, units: number) => ({ hidden: Array.from({ length: layers }, () => ({ units })), activation: 'relu' as const });
  const writeModel = async (dir: string, layers: number, units: number, seed: number) => {
    const meta: DnnModelMeta = {
      type: 'dnn', arch: archOf(layers, units), context, inputDim, numPdfs: P, featDim, features: defaultFbankConfig(), frameShiftMs: 10,
      cmvn: { per: 'none', normVars: false }, priors: logPriors,
      trainedOn: { feats: 'random weights (decode bench)', ali: null, numUtts: 0, numFrames: 0, date: new Date(0).toISOString() },
    };
    await writeDnnModelDir(dir, { weights: initDnnWeights(meta.arch, inputDim, P, seed), meta, transitionModel: tm });
  };
  const meanFrames = Math.round(totalFrames / utts.length);
  // Ceiling: the same fused matMuls (an average utterance's frames x each layer) alone, best of 5.
  const ceilingGflops = (layers: number, units: number) => {
    const sizes = [inputDim, ...Array.from({ length: layers }, () => units), P];
    let ms = 0;
    let flops = 0;
    for (let i = 0; i + 1 < sizes.length; i++) {
      const a = tf.randomNormal([meanFrames, sizes[i]]) as tf.Tensor2D;
      const b = tf.randomNormal([sizes[i], sizes[i + 1]]) as tf.Tensor2D;
      const bias = tf.zeros([sizes[i + 1]]) as tf.Tensor1D;
      const reps = 20;
      let best = Infinity;
      for (let round = 0; round < 6; round++) {
        const t = performance.now();
        for (let r = 0; r < reps; r++) tf.fused.matMul({ a, b, bias, activation: 'relu' }).dispose();
        tf.fused.matMul({ a, b, bias }).dataSync(); // wait for the queue (wasm is synchronous anyway)
        if (round > 0) best = Math.min(best, (performance.now() - t) / (reps + 1));
      }
      tf.dispose([a, b, bias]);
      ms += best;
      flops += 2 * meanFrames * sizes[i] * sizes[i + 1];
    }
    return flops / (ms / 1000) / 1e9;
  };
  const full = async (members: number, layers: number, units: number) => {
    const dir = path.join(modelRoot, `${members}x-${layers}x${units}`);
    if (members === 1) await writeModel(dir, layers, units, 100);
    else {
      const names = Array.from({ length: members }, (_, m) => `member-${m + 1}`);
      await mkdir(dir, { recursive: true });
      for (let m = 0; m < members; m++) await writeModel(path.join(dir, names[m]), layers, units, 100 + m);
      await writeFile(path.join(dir, 'ensemble.json'), JSON.stringify({ type: 'ensemble', combine: 'arithmetic', members: names }));
    }
    const scorer = await loadDnnScorer(dir, 'wasm');
    scorer.logLikelihoods(feats[0], utts[0].pdfs.length); // warm-up (XNNPACK operator creation)
    let best = { fwdMs: Infinity, searchMs: Infinity, cpuMs: Infinity };
    for (let round = 0; round < 3; round++) {
      let fwdMs = 0;
      let searchMs = 0;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < utts.length; i++) {
        const T = utts[i].pdfs.length;
        const a = performance.now();
        const ll = scorer.logLikelihoods(feats[i], T);
        const b = performance.now();
        search.decode(ll, T, { acousticScale: 0.1 });
        searchMs += performance.now() - b;
        fwdMs += b - a;
      }
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      if (fwdMs + searchMs < best.fwdMs + best.searchMs) best = { fwdMs, searchMs, cpuMs };
    }
    scorer.dispose();
    const flopsPerFrame = 2 * members * (inputDim * units + (layers - 1) * units * units + units * P);
    return {
      rtf: +((best.fwdMs + best.searchMs) / 1000 / audioSec).toPrecision(3),
      // The definition (decode CPU time / audio time): this process's CPU time over the round.
      cpuRtf: +(best.cpuMs / 1000 / audioSec).toPrecision(3),
      forwardRtf: +(best.fwdMs / 1000 / audioSec).toPrecision(3),
      searchRtf: +(best.searchMs / 1000 / audioSec).toPrecision(3),
      forwardGflops: +((flopsPerFrame * totalFrames) / (best.fwdMs / 1000) / 1e9).toFixed(1),
    };
  };
  const sizes: [number, number][] = [[4, 512], [3, 384], [3, 256]];
  const models: Record<string, unknown> = {};
  for (const [layers, units] of sizes) {
    const student = await full(1, layers, units);
    const ensemble = await full(4, layers, units);
    models[`${layers}x${units}_ctx5`] = {
      student: { ...student, targetRtf: 0.01, meetsTarget: student.rtf <= 0.01 },
      ensemble4: ensemble,
      matMulCeilingGflops: +ceilingGflops(layers, units).toFixed(1),
    };
  }
  await rm(modelRoot, { recursive: true, force: true });
  const real: Record<string, unknown> = {};
  const realDirs = (process.env.ASR_DISTILL_DECODE_MODELS ?? '').split(',').filter((m) => m.length > 0);
  const dataDir = process.env.ASR_DISTILL_DECODE_DATA;
  if (realDirs.length > 0 && dataDir) {
    const outRoot = await mkdtemp(path.join(tmpdir(), 'decode-bench-'));
    for (const m of realDirs) {
      const s = await decodeDataDir(m, dataDir, path.join(outRoot, path.basename(m)), { featsDir: process.env.ASR_DISTILL_DECODE_FEATS, jobs: 1, runner: 'inline', quiet: true, backend: 'wasm' });
      real[m] = { kind: s.modelKind, utts: s.numUtts, audioSec: +s.audioSec.toFixed(1), wer: s.wer?.wer ?? null, rtf: +s.rtf.toPrecision(3), featureRtf: +(s.featureSec / s.audioSec).toPrecision(3), forwardRtf: +(s.forwardSec / s.audioSec).toPrecision(3), searchRtf: +(s.searchSec / s.audioSec).toPrecision(3) };
    }
  }
  return {
    ...(realDirs.length > 0 ? { realModels: real } : {}),
    numUtts,
    audioSec: +audioSec.toFixed(1),
    graph: { nodes: graph.numNodes, arcs: graph.arcTo.length, buildMs: +graphMs.toFixed(1), linearLexiconNodes: linearGraph.numNodes, linearLexiconArcs: linearGraph.arcTo.length },
    searchNoisyOracle: noisyOracle,
    searchRandomScores: random,
    backend,
    // Recipe student candidates (4x512 = the baseline arch, 3x384, 3x256), each beside a 4-member ensemble of that size.
    models,
    loadAverage: { before: load0, after: loadavg().map((x) => +x.toFixed(2)) },
    note: 'one core, this thread, best of 3 rounds; the machine is shared with other jobs, so timings are noisy',
  };
}
