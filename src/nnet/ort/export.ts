// `export-onnx`: one DNN or a whole ensemble as a standalone ONNX model that needs nothing of
// ours to run. Input: the CMVN-normalised feature frames of one utterance `feats` [T, featDim].
// Inside the graph: splicing (edge frames replicated, as splice.ts / Kaldi splice-feats), every
// member's MLP, the ensemble's combination rule (ensemble.ts combinePosteriors), the log floor of
// the decoder, and optionally the priors (decode/acoustic-model.ts hybrid scores).
import { promises as fs } from 'node:fs';
import { InputError } from '../../errors.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { loadAcousticModel, type AcousticModel } from '../ensemble.js';
import { addMlpForward } from './mlp-graph.js';
import { OnnxGraph } from './onnx-graph.js';

/** log(1e-30): the floor the decoder applies to log posteriors (posteriorsToLogLikelihoods). */
const LOG_FLOOR = Math.log(1e-30);

/** Options of acousticModelOnnx / exportOnnx. */
export interface OnnxExportOptions {
  /** Add the output `log_likelihoods` = log_posteriors - log priors (the decoder's scaled likelihoods). */
  likelihoods?: boolean;
}

/**
 * Splice `feats` [T, featDim] into [T, (L+1+R) * featDim] inside the graph: row t gathers frames
 * clamp(t + k, 0, T - 1) for k = -L..R (Kaldi splice-feats repeats the first/last frame).
 */
function addSplice(g: OnnxGraph, feats: string, featDim: number, left: number, right: number): string {
  const width = left + 1 + right;
  const shape = g.op('Shape', [feats]);
  const tVec = g.op('Slice', [shape, g.ints('zero', [0]), g.ints('one', [1])]); // [T]
  const t = g.op('Squeeze', [tVec, g.ints('axes', [0])]); // scalar T
  const frames = g.op('Range', [g.ints('start', [0], []), t, g.ints('delta', [1], [])]); // 0..T-1
  const column = g.op('Unsqueeze', [frames, g.ints('axes', [1])]); // [T, 1]
  const offsets = g.ints('offsets', Array.from({ length: width }, (_, k) => k - left), [1, width]);
  const raw = g.op('Add', [column, offsets]); // [T, width]
  const last = g.op('Sub', [tVec, g.ints('one', [1])]);
  const idx = g.op('Min', [g.op('Max', [raw, g.ints('zero', [0])]), last]);
  const gathered = g.op('Gather', [feats, idx], { axis: 0 }); // [T, width, featDim]
  // Reshape's 0 copies the input's dimension (T), so a zero-frame utterance stays well-defined.
  return g.op('Reshape', [gathered, g.ints('shape', [0, width * featDim])]);
}

/**
 * The ONNX model bytes of a loaded DNN or ensemble. Outputs `log_posteriors` [T, numPdfs]
 * (floored at log(1e-30) like the decoder) and, with `likelihoods`, `log_likelihoods`.
 * Single DNN: log-softmax of the logits. Arithmetic ensemble: log of the mean of the members'
 * softmax. Geometric: log-softmax of the mean of the members' floored log posteriors.
 */
export function acousticModelOnnx(model: AcousticModel, opts: OnnxExportOptions = {}): Uint8Array {
  const { meta } = model;
  const P = meta.numPdfs;
  const g = new OnnxGraph(model.kind === 'ensemble' ? 'asr_distill_ensemble' : 'asr_distill_dnn');
  g.input('feats', 'float', ['T', meta.featDim]);
  const x = addSplice(g, 'feats', meta.featDim, meta.context.left, meta.context.right);
  const logits = model.members.map((m, i) => addMlpForward(g, m.weights, x, model.members.length > 1 ? `member${i + 1}_` : ''));
  const floor = g.floats('log_floor', [LOG_FLOOR], []);
  let logPost: string;
  if (logits.length === 1) {
    logPost = g.op('LogSoftmax', [logits[0]], { axis: -1 });
  } else if (model.combine === 'arithmetic') {
    const sum = g.op('Sum', logits.map((z) => g.op('Softmax', [z], { axis: -1 })));
    logPost = g.op('Log', [g.op('Mul', [sum, g.floats('inv_members', [1 / logits.length], [])])]);
  } else {
    const probFloor = g.floats('prob_floor', [1e-30], []);
    const logs = logits.map((z) => g.op('Log', [g.op('Max', [g.op('Softmax', [z], { axis: -1 }), probFloor])]));
    logPost = g.op('LogSoftmax', [g.op('Mul', [g.op('Sum', logs), g.floats('inv_members', [1 / logits.length], [])])], { axis: -1 });
  }
  g.node('Max', [logPost, floor], ['log_posteriors']);
  g.output('log_posteriors', 'float', ['T', P]);
  if (opts.likelihoods) {
    g.node('Sub', ['log_posteriors', g.floats('log_priors', meta.priors, [P])], ['log_likelihoods']);
    g.output('log_likelihoods', 'float', ['T', P]);
  }
  const doc =
    `asr-distill ${model.kind} ${model.dir}: input feats [T, ${meta.featDim}] (features normalised with CMVN per ${meta.cmvn.per}` +
    `${meta.cmvn.normVars ? ', variances too' : ''}), spliced ${meta.context.left}:${meta.context.right} inside`;
  return g.toModelBytes(doc, {
    kind: model.kind,
    combine: model.combine,
    members: String(model.members.length),
    featDim: String(meta.featDim),
    context: `${meta.context.left}:${meta.context.right}`,
    cmvn: JSON.stringify(meta.cmvn),
    frameShiftMs: String(meta.frameShiftMs),
    numPdfs: String(P),
  });
}

/** What exportOnnx wrote. */
export interface OnnxExportResult {
  kind: 'dnn' | 'ensemble';
  members: number;
  featDim: number;
  numPdfs: number;
  bytes: number;
}

/** Read MODEL_DIR (a DNN or an ensemble) and write it as a standalone ONNX model (atomically). */
export async function exportOnnx(modelDir: string, outFile: string, opts: OnnxExportOptions = {}): Promise<OnnxExportResult> {
  const model = await loadAcousticModel(modelDir);
  const bytes = acousticModelOnnx(model, opts);
  const st = await fs.stat(outFile).catch(() => undefined);
  if (st?.isDirectory()) throw new InputError(`${outFile}: is a directory; give the path of the .onnx file to write`);
  await writeFileAtomic(outFile, bytes);
  return { kind: model.kind, members: model.members.length, featDim: model.meta.featDim, numPdfs: model.meta.numPdfs, bytes: bytes.length };
}
