// Which engine runs the DNNs: ONNX Runtime (ort/, native MLAS kernels) or a TensorFlow.js backend
// (tfjs/), for training (createTrainer, trainModel's `engine`) and forward passes (eval-frames,
// decode/transcribe, the distillation teacher). `--backend auto` picks native TensorFlow when its
// bindings load (the GPU path), else ONNX Runtime, else tfjs wasm. Per thread, like the tfjs
// backend: each worker decides for itself. The one module above both engines: the rest of the
// library reaches them only through here.
import { InputError } from '../errors.js';
import type { BackendName } from './backend-name.js';
import { AcousticForward, type AcousticModel } from './ensemble.js';
import type { Trainer, TrainStepOptions } from './trainer.js';
import type { DnnWeights } from './weights.js';
import { currentBackend, selectBackend } from './tfjs/backend.js';
import { DnnForward } from './tfjs/forward.js';
import { TrainStep } from './tfjs/train-step.js';
import { OrtDnnForward } from './ort/forward.js';
import { loadOrt, ortLoadError } from './ort/session.js';
import { OrtTrainStep } from './ort/train-step.js';

/**
 * Resolve `--backend` and initialise the engine; returns `ort` or the tfjs backend name.
 *
 * @example await selectEngine('auto') // 'ort' where no native TensorFlow is installed
 */
export async function selectEngine(name: BackendName): Promise<string> {
  if (name === 'ort') {
    if (!loadOrt()) throw new InputError(`--backend ort: ONNX Runtime (onnxruntime-node) cannot be loaded (${ortLoadError()}); reinstall with \`npm ci\`, or use --backend wasm`);
    return 'ort';
  }
  if (name === 'auto') {
    try {
      return await selectBackend('tensorflow');
    } catch {
      // no native TensorFlow here: ONNX Runtime, else the tfjs fallbacks
    }
    if (loadOrt()) return 'ort';
  }
  return selectBackend(name);
}

/**
 * The forward passes of every member of `model` on the current tfjs backend (after selectBackend
 * or selectEngine). The caller disposes the result.
 */
export function tfjsAcousticForward(model: AcousticModel, maxBatch = 1024): AcousticForward {
  return new AcousticForward(model, model.members.map((m) => new DnnForward(m.weights, maxBatch)));
}

/**
 * The forward passes of every member of `model` on the engine `--backend name` resolves to
 * (selectEngine). The caller disposes the result.
 */
export async function createAcousticForward(model: AcousticModel, name: BackendName, maxBatch = 1024): Promise<AcousticForward> {
  const engine = await selectEngine(name);
  if (engine !== 'ort') return tfjsAcousticForward(model, maxBatch);
  const nets: OrtDnnForward[] = [];
  try {
    for (const m of model.members) nets.push(await OrtDnnForward.create(m.weights, maxBatch));
  } catch (e) {
    for (const n of nets) n.dispose();
    throw e;
  }
  return new AcousticForward(model, nets);
}

/**
 * A train step for `weights` on `engine` (`ort`, or anything else: the current tfjs backend), and
 * the engine's name as the training log records it. The caller disposes the trainer.
 */
export async function createTrainer(engine: string | undefined, weights: DnnWeights, opts: TrainStepOptions): Promise<{ trainer: Trainer; engine: string }> {
  if (engine === 'ort') return { trainer: await OrtTrainStep.create(weights, opts), engine: 'ort' };
  return { trainer: new TrainStep(weights, opts), engine: currentBackend() };
}
