// Which engine runs the DNNs: ONNX Runtime (ort/, native MLAS kernels) or a TensorFlow.js backend
// (backend.ts), for training (train.ts trainModel's `engine`) and forward passes (eval-frames,
// decode/transcribe, the distillation teacher). `--backend auto` picks native TensorFlow when its
// bindings load (the GPU path), else ONNX Runtime, else tfjs wasm. Per thread, like the tfjs
// backend: each worker decides for itself.
import { InputError } from '../errors.js';
import { selectBackend, type BackendName } from './backend.js';
import { AcousticForward, type AcousticModel } from './ensemble.js';
import { OrtDnnForward } from './ort/forward.js';
import { loadOrt, ortLoadError } from './ort/session.js';

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
 * The forward passes of every member of `model` on the engine `--backend name` resolves to
 * (selectEngine). The caller disposes the result.
 */
export async function createAcousticForward(model: AcousticModel, name: BackendName, maxBatch = 1024): Promise<AcousticForward> {
  const engine = await selectEngine(name);
  if (engine !== 'ort') return new AcousticForward(model, maxBatch);
  const nets: OrtDnnForward[] = [];
  try {
    for (const m of model.members) nets.push(await OrtDnnForward.create(m.weights, maxBatch));
  } catch (e) {
    for (const n of nets) n.dispose();
    throw e;
  }
  return new AcousticForward(model, maxBatch, nets);
}
