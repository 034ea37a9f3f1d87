// Generalist + specialists scored as the paper's Table 4 (Hinton, Vinyals & Dean 2015, sec. 5.3):
// frame accuracy of the generalist and of the combination (specialists-forward.ts: active
// specialists from the generalist's top N pdfs, q minimising eq. 5 by accelerated EM), by the
// number of active specialists covering the correct pdf.
import { InputError } from '../errors.js';
import { DEFAULT_BACKEND, type BackendName } from './backend-name.js';
import { corpusFrames, splicedChunks, type FrameCorpus } from './batches.js';
import type { AcousticForward } from './ensemble.js';
import { createAcousticForward } from './engine.js';
import { loadEvalCorpus } from './eval.js';
import { rowArgmax } from './posteriors.js';
import { countCovering, CoverageTable, type CoverageRow } from './specialists.js';
import { combineChunk, DEFAULT_TOP_N, loadSpecialists, type SpecialistInferenceOptions } from './specialists-forward.js';

/** Frame scores of generalist vs generalist + specialists (Table 4). */
export interface SpecialistsEvalResult {
  dir: string;
  generalist: string;
  numSpecialists: number;
  topN: number;
  /** Eq. 5's solver: EM map evaluations at most per frame, their mean, and the share of combined frames that converged. */
  steps: number;
  meanEvaluations: number;
  convergedFraction: number;
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

/** Score `corpus` (labels = the generalist's pdfs) with the generalist alone and combined with the specialists. */
export function evalSpecialists(genFwd: AcousticForward, specFwds: AcousticForward[], clusters: Int32Array[], corpus: FrameCorpus, o: SpecialistInferenceOptions & { onFrames?: (n: number) => void } = {}): Omit<SpecialistsEvalResult, 'dir' | 'generalist'> {
  const model = genFwd.model;
  const numPdfs = model.meta.numPdfs;
  if (corpus.numPdfs !== numPdfs) throw new InputError(`${model.dir}: the generalist has ${numPdfs} pdfs, the alignment ${corpus.numPdfs}; evaluate against an alignment from the same transition model`);
  const table = new CoverageTable();
  const stats = { frames: 0, evaluations: 0, converged: 0 };
  let [genNll, combNll, activeSum] = [0, 0, 0];
  for (const { start, n, x } of splicedChunks(corpus, model.meta.context, 1024)) {
    const gen = genFwd.posteriors(x, n);
    const specs = specFwds.map((f) => f.posteriors(x, n));
    const { q, active } = combineChunk(gen, specs, clusters, n, numPdfs, { ...o, stats });
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
    meanEvaluations: stats.evaluations / Math.max(1, stats.frames),
    convergedFraction: stats.converged / Math.max(1, stats.frames),
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
    `# ${r.dir}: ${r.numSpecialists} specialists on generalist ${r.generalist}; top ${r.topN} pdfs pick the active ones (mean ${r.meanActive.toFixed(2)} per frame); eq. 5 by accelerated EM (${r.meanEvaluations.toFixed(1)} map evaluations per combined frame, at most ${r.steps}; ${(100 * r.convergedFraction).toFixed(1)}% converged)`,
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
