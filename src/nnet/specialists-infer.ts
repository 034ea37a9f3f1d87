// Generalist + specialists at inference (Hinton, Vinyals & Dean 2015, sec. 5.3): for each frame the
// generalist's top N pdfs pick the active specialists (those whose cluster holds one of them), and
// the full distribution q minimising eq. 5 (KL to the generalist plus KL to each active
// specialist, q seen through its dustbin) is found by gradient steps on the logits of q started at
// the generalist's distribution (specialists.ts combineSpecialists; no closed form is used: with
// dustbins the optimum has none in general). Scored as the paper's Table 4: frame accuracy of the
// generalist and of the combination, by the number of active specialists covering the correct pdf.
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { readJsonFile } from '../store/json-file.js';
import { DEFAULT_BACKEND, type BackendName } from './backend-name.js';
import { corpusFrames, splicedChunks, type FrameCorpus } from './batches.js';
import { loadAcousticModel, type AcousticForward, type AcousticModel } from './ensemble.js';
import { createAcousticForward } from './engine.js';
import { loadEvalCorpus } from './eval.js';
import { rowArgmax } from './posteriors.js';
import { loadDnn } from './tfjs/layers-model.js';
import { activeSpecialists, combineSpecialists, countCovering, CoverageTable, type CoverageRow } from './specialists.js';
import { SPECIALISTS_FILE, type SpecialistsManifest } from './specialists-train.js';

/** A specialists directory loaded: the generalist, and each specialist as a one-member AcousticModel over its |C|+1 classes. */
export interface LoadedSpecialists {
  dir: string;
  manifest: SpecialistsManifest;
  generalist: AcousticModel;
  specialists: AcousticModel[];
  clusters: Int32Array[];
}

/** Read SPEC_DIR/specialists.json, the generalist it names, and every specialist's weights (checksums verified). */
export async function loadSpecialists(dir: string): Promise<LoadedSpecialists> {
  const file = path.join(dir, SPECIALISTS_FILE);
  const manifest = await readJsonFile<SpecialistsManifest>(file, { missing: `${file}: not found; train specialists with \`asr-distill train-specialists\`` });
  if (manifest.type !== 'specialists' || !Array.isArray(manifest.specialists) || manifest.specialists.length === 0) {
    throw new InputError(`${file}: expected { "type": "specialists", "generalist": DIR, "specialists": [...] } from asr-distill train-specialists`);
  }
  const generalist = await loadAcousticModel(manifest.generalist);
  const g = generalist.members[0];
  const specialists: AcousticModel[] = [];
  const clusters: Int32Array[] = [];
  for (const s of manifest.specialists) {
    const sdir = path.join(dir, s.dir);
    const bad = s.pdfs.find((p) => !(Number.isInteger(p) && p >= 0 && p < generalist.meta.numPdfs));
    if (bad !== undefined) throw new InputError(`${file}: ${s.dir} names pdf ${bad}, not in 0..${generalist.meta.numPdfs - 1} of the generalist ${manifest.generalist}`);
    const weights = await loadDnn(sdir, { files: s.weightsFiles, recordedIn: file });
    if (weights.inputDim !== generalist.meta.inputDim || weights.numPdfs !== s.pdfs.length + 1) {
      throw new InputError(`${sdir}: the network is ${weights.inputDim} -> ${weights.numPdfs}, expected ${generalist.meta.inputDim} -> ${s.pdfs.length + 1} (its pdfs and the dustbin); retrain the specialists`);
    }
    const meta = { ...generalist.meta, numPdfs: weights.numPdfs, priors: s.priors };
    specialists.push({ kind: 'dnn', dir: sdir, combine: 'arithmetic', members: [{ ...g, dir: sdir, meta, weights }], meta });
    clusters.push(Int32Array.from(s.pdfs));
  }
  return { dir, manifest, generalist, specialists, clusters };
}

/** Options of the combination at inference. */
export interface SpecialistInferenceOptions {
  /** The generalist's N most probable pdfs pick the active specialists (default 3). */
  topN?: number;
  /** Gradient steps of the eq. 5 minimisation (default 200, combineSpecialists). */
  steps?: number;
}

export const DEFAULT_TOP_N = 3;

/** Frame scores of generalist vs generalist + specialists (Table 4). */
export interface SpecialistsEvalResult {
  dir: string;
  generalist: string;
  numSpecialists: number;
  topN: number;
  steps: number;
  numFrames: number;
  generalistCorrect: number;
  combinedCorrect: number;
  /** Mean -log p(correct pdf), nats per frame. */
  generalistCrossEntropy: number;
  combinedCrossEntropy: number;
  /** Mean number of active specialists per frame. */
  meanActive: number;
  coverage: CoverageRow[];
}

/**
 * Combine one chunk: `gen` (n x numPdfs) and each specialist's posteriors (n x (|C|+1)); returns
 * q (n x numPdfs) and the active specialists of each frame. Frames with none keep the generalist's.
 */
export function combineChunk(gen: Float32Array, specs: Float32Array[], clusters: Int32Array[], n: number, numPdfs: number, o: SpecialistInferenceOptions = {}): { q: Float32Array; active: number[][] } {
  const q = Float32Array.from(gen);
  const active: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = gen.subarray(i * numPdfs, (i + 1) * numPdfs);
    const act = activeSpecialists(row, clusters, o.topN ?? DEFAULT_TOP_N);
    active.push(act);
    if (act.length === 0) continue;
    const outs = act.map((m) => {
      const w = clusters[m].length + 1;
      return { cluster: clusters[m], probs: specs[m].subarray(i * w, (i + 1) * w) };
    });
    q.set(combineSpecialists(row, outs, { steps: o.steps }), i * numPdfs);
  }
  return { q, active };
}

/** Score `corpus` (labels = the generalist's pdfs) with the generalist alone and combined with the specialists. */
export function evalSpecialists(genFwd: AcousticForward, specFwds: AcousticForward[], clusters: Int32Array[], corpus: FrameCorpus, o: SpecialistInferenceOptions & { onFrames?: (n: number) => void } = {}): Omit<SpecialistsEvalResult, 'dir' | 'generalist'> {
  const model = genFwd.model;
  const numPdfs = model.meta.numPdfs;
  if (corpus.numPdfs !== numPdfs) throw new InputError(`${model.dir}: the generalist has ${numPdfs} pdfs, the alignment ${corpus.numPdfs}; evaluate against an alignment from the same transition model`);
  const table = new CoverageTable();
  let [genNll, combNll, activeSum] = [0, 0, 0];
  for (const { start, n, x } of splicedChunks(corpus, model.meta.context, 1024)) {
    const gen = genFwd.posteriors(x, n);
    const specs = specFwds.map((f) => f.posteriors(x, n));
    const { q, active } = combineChunk(gen, specs, clusters, n, numPdfs, o);
    for (let i = 0; i < n; i++) {
      const y = corpus.labels[start + i];
      if (y < 0) continue;
      table.add(countCovering(active[i], clusters, y), rowArgmax(gen, i, numPdfs) === y, rowArgmax(q, i, numPdfs) === y);
      genNll -= Math.log(Math.max(gen[i * numPdfs + y], 1e-30));
      combNll -= Math.log(Math.max(q[i * numPdfs + y], 1e-30));
      activeSum += active[i].length;
    }
    o.onFrames?.(n);
  }
  const t = table.total();
  const frames = Math.max(1, t.frames);
  return {
    numSpecialists: clusters.length,
    topN: o.topN ?? DEFAULT_TOP_N,
    steps: o.steps ?? 200,
    numFrames: t.frames,
    generalistCorrect: t.generalistCorrect,
    combinedCorrect: t.combinedCorrect,
    generalistCrossEntropy: genNll / frames,
    combinedCrossEntropy: combNll / frames,
    meanActive: activeSum / frames,
    coverage: table.rows(),
  };
}

/** eval-specialists: load SPEC_DIR (and its generalist), FEATS_DIR and ALI_DIR, and score. */
export async function evalSpecialistsDir(dir: string, featsDir: string, aliDir: string, o: SpecialistInferenceOptions & { backend?: BackendName; allowFeatureMismatch?: boolean } = {}): Promise<SpecialistsEvalResult> {
  const s = await loadSpecialists(dir);
  const corpus = await loadEvalCorpus(s.generalist, featsDir, aliDir, { allowFeatureMismatch: o.allowFeatureMismatch });
  if (corpusFrames(corpus) === 0) throw new InputError(`${featsDir}: no frames to score`);
  const backend = o.backend ?? DEFAULT_BACKEND;
  const fwds: AcousticForward[] = [];
  try {
    for (const m of [s.generalist, ...s.specialists]) fwds.push(await createAcousticForward(m, backend));
    const r = evalSpecialists(fwds[0], fwds.slice(1), s.clusters, corpus, o);
    return { dir, generalist: s.manifest.generalist, ...r };
  } finally {
    for (const f of fwds) f.dispose();
  }
}

const pct = (x: number, n: number): string => (n > 0 ? `${((100 * x) / n).toFixed(2)}%` : '-');

/**
 * The paper's Table 4 as text: per number of active specialists covering the correct pdf, the
 * frames, the change in top-1 correct frames and the relative accuracy change; then the totals.
 */
export function formatSpecialistsEval(r: SpecialistsEvalResult): string {
  const lines = [
    `# ${r.dir}: ${r.numSpecialists} specialists on generalist ${r.generalist}; top ${r.topN} pdfs pick the active ones (mean ${r.meanActive.toFixed(2)} per frame); eq. 5 by ${r.steps} gradient steps`,
    '# of specialists covering\tframes\tgeneralist acc\tcombined acc\tdelta top-1 correct\trelative accuracy change',
  ];
  for (const row of r.coverage) {
    const rel = row.generalistCorrect > 0 ? `${(100 * (row.combinedCorrect / row.generalistCorrect - 1)).toFixed(1)}%` : '-';
    lines.push(`${row.covering}\t${row.frames}\t${pct(row.generalistCorrect, row.frames)}\t${pct(row.combinedCorrect, row.frames)}\t${row.combinedCorrect - row.generalistCorrect}\t${rel}`);
  }
  lines.push(
    `generalist: frame accuracy ${pct(r.generalistCorrect, r.numFrames)} [ ${r.generalistCorrect} / ${r.numFrames} ], cross-entropy ${r.generalistCrossEntropy.toFixed(4)} nats/frame`,
    `generalist + specialists: frame accuracy ${pct(r.combinedCorrect, r.numFrames)} [ ${r.combinedCorrect} / ${r.numFrames} ], cross-entropy ${r.combinedCrossEntropy.toFixed(4)} nats/frame`,
  );
  return lines.join('\n') + '\n';
}
