// Generalist + specialists as one acoustic model (Hinton, Vinyals & Dean 2015, sec. 5.3): for each
// frame the generalist's top N pdfs pick the active specialists (those whose cluster holds one of
// them), and the full distribution q minimising eq. 5 (KL to the generalist plus KL to each active
// specialist, q seen through its dustbin) is found by SQUAREM-accelerated EM iterations started at
// the generalist's distribution (specialists.ts combineSpecialists). createModelForward opens any
// model directory (DNN, ensemble, or a specialists directory from train-specialists) as an
// AcousticForward, so eval-frames and decode score the combination like any model: a hybrid
// decoder divides q by the generalist's priors (the specialists change the posterior, not the
// class frequencies of the training set).
import * as path from 'node:path';
import { InputError } from '../errors.js';
import type { BackendName } from './backend-name.js';
import { AcousticForward, loadAcousticModel, type AcousticModel, type MemberForward } from './ensemble.js';
import { createAcousticForward } from './engine.js';
import { modelKind, SPECIALISTS_FILE } from './model-kind.js';
import { loadDnn } from './tfjs/layers-model.js';
import { activeSpecialists, checkSpecialistTop, combineSpecialists, DEFAULT_TOP_N, type Eq5Stats } from './specialists.js';
import { readSpecialistsManifest, type SpecialistsManifest } from './specialists-manifest.js';

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
  const manifest = await readSpecialistsManifest(dir);
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
  /** The generalist's N most probable pdfs pick the active specialists (default DEFAULT_TOP_N, 3). */
  topN?: number;
  /** EM map evaluations of the eq. 5 minimisation at most, per frame (default 200, combineSpecialists). */
  steps?: number;
  /** Counts of the eq. 5 solver over the frames combined (added to). */
  stats?: Eq5Stats;
}

export { DEFAULT_TOP_N };

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
    q.set(combineSpecialists(row, outs, { steps: o.steps, stats: o.stats }), i * numPdfs);
  }
  return { q, active };
}


/** Floor of q before its log: combineSpecialists gives q_i = 0 where every distribution does, and float32 rounds the tiniest to 0. */
const PROB_FLOOR = 1e-30;

/**
 * The combination as one network: the generalist's and every specialist's forward passes on the
 * same spliced input, combined per frame by combineChunk. Its logits are log q (softmax(log q) = q),
 * so a hybrid decoder's log-softmax minus log priors gives log q - log prior.
 */
class SpecialistsNet implements MemberForward {
  constructor(
    private readonly gen: AcousticForward,
    private readonly specs: AcousticForward[],
    private readonly clusters: Int32Array[],
    private readonly options: SpecialistInferenceOptions,
  ) {}
  posteriors(x: Float32Array, numFrames: number, temperature = 1): Float32Array {
    // Eq. 5 combines the models' distributions at T = 1; a softened combination is not defined.
    if (temperature !== 1) throw new InputError(`generalist + specialists: posteriors at temperature ${temperature} are not defined (the eq. 5 combination is at T = 1); use the generalist or an ensemble as a teacher`);
    const gen = this.gen.posteriors(x, numFrames);
    const specs = this.specs.map((f) => f.posteriors(x, numFrames));
    return combineChunk(gen, specs, this.clusters, numFrames, this.gen.numPdfs, this.options).q;
  }
  logits(x: Float32Array, numFrames: number): Float32Array {
    const q = this.posteriors(x, numFrames);
    for (let i = 0; i < q.length; i++) q[i] = Math.log(Math.max(q[i], PROB_FLOOR));
    return q;
  }
  dispose(): void {
    for (const f of [this.gen, ...this.specs]) f.dispose();
  }
}

/**
 * A specialists directory as one AcousticForward on the engine `backend` resolves to: its model is
 * the generalist's (features, context, CMVN, priors) under the specialists directory's name, with
 * one "member", the combination. The caller disposes the result.
 *
 * @example const fwd = await createSpecialistsForward('exp/paper/specialists', 'auto', { topN: 3 }); fwd.posteriors(x, n) // q of eq. 5
 */
export async function createSpecialistsForward(dir: string, backend: BackendName, o: SpecialistInferenceOptions = {}): Promise<AcousticForward> {
  const s = await loadSpecialists(dir);
  const fwds: AcousticForward[] = [];
  try {
    for (const m of [s.generalist, ...s.specialists]) fwds.push(await createAcousticForward(m, backend));
  } catch (e) {
    for (const f of fwds) f.dispose();
    throw e;
  }
  const g = s.generalist;
  const model: AcousticModel = { kind: 'dnn', dir, combine: 'arithmetic', members: [{ ...g.members[0], dir, meta: g.meta }], meta: g.meta };
  return new AcousticForward(model, [new SpecialistsNet(fwds[0], fwds.slice(1), s.clusters, o)]);
}

/**
 * Any model directory as an AcousticForward: a specialists directory (createSpecialistsForward,
 * with `o`), else a DNN or an ensemble (loadAcousticModel + createAcousticForward; `o.topN` is then
 * an InputError). The one place eval-frames and decode open a model. The caller disposes the result.
 */
export async function createModelForward(dir: string, backend: BackendName, o: SpecialistInferenceOptions = {}): Promise<AcousticForward> {
  const kind = await modelKind(dir);
  if (kind === 'specialists') return createSpecialistsForward(dir, backend, o);
  // An unknown directory is loadAcousticModel's error to name (as before), not --top's.
  if (kind) checkSpecialistTop(dir, kind, o.topN);
  return createAcousticForward(await loadAcousticModel(dir), backend);
}
