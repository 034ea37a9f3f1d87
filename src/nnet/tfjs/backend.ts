// TensorFlow.js backend choice. Each worker thread imports its own copy of tfjs, so each has its
// own backend instance: selectBackend keeps no state beyond what tfjs itself holds per thread.
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../errors.js';
import type { BackendName } from '../backend-name.js';

/** Native TensorFlow bindings, tried in this order (GPU build first: it is the optional dependency). */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

async function tryNative(): Promise<string | undefined> {
  for (const pkg of NATIVE_PACKAGES) {
    try {
      await import(pkg);
      if (await tf.setBackend('tensorflow')) return pkg;
    } catch {
      // not installed, or the native library failed to load: try the next one
    }
  }
  return undefined;
}

let wasmRegistered: Promise<void> | undefined;

async function registerWasm(): Promise<void> {
  wasmRegistered ??= (async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Single thread: the threaded build spawns workers from blob URLs, which fails in Node
    // (issue 5). Parallelism comes from several worker threads, each with its own backend.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setThreadsCount(1);
    // In Node the backend finds tfjs-backend-wasm{,-simd}.wasm next to its own dist/ files.
  })();
  return wasmRegistered;
}

async function trySet(name: 'wasm' | 'cpu'): Promise<boolean> {
  try {
    if (name === 'wasm') await registerWasm();
    if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    return true;
  } catch {
    return false;
  }
}

/**
 * Select and initialise the TensorFlow.js backend of this thread and return its name.
 * `auto` tries native TensorFlow (`@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`), then
 * `wasm` (XNNPACK, SIMD, one thread), then `cpu` (plain JS, slow but exact reference).
 * Calling it again with the same choice is cheap. An explicit choice that cannot load throws InputError.
 *
 * @example await selectBackend('wasm') === 'wasm'
 */
export async function selectBackend(name: BackendName): Promise<string> {
  // Production mode: silences tfjs's console banner ("install our node backend") that the cpu
  // backend prints on first use; we choose backends deliberately and report the choice ourselves.
  tf.env().set('PROD', true);
  if (name !== 'auto' && tf.getBackend() === name) return name;
  switch (name) {
    case 'tensorflow':
      if (!(await tryNative())) {
        throw new InputError(
          '--backend tensorflow: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node could be loaded; install one, or use --backend wasm',
        );
      }
      return 'tensorflow';
    case 'wasm':
    case 'cpu':
      if (!(await trySet(name))) throw new InputError(`--backend ${name}: the TensorFlow.js ${name} backend failed to initialise`);
      return name;
    case 'ort':
      // Not a TensorFlow.js backend: engine.ts selectEngine resolves --backend, ort included.
      throw new InputError('--backend ort: ONNX Runtime is not a TensorFlow.js backend (resolve --backend with selectEngine in engine.ts)');
    case 'auto':
      if (tf.getBackend() === 'tensorflow' || (await tryNative())) return 'tensorflow';
      if (await trySet('wasm')) return 'wasm';
      if (await trySet('cpu')) return 'cpu';
      throw new InputError('no TensorFlow.js backend could be initialised (tried tensorflow, wasm, cpu)');
    default:
      throw new InputError(`--backend ${String(name)}: expected one of auto, tensorflow, wasm, cpu`);
  }
}

/** The backend this thread currently uses (after selectBackend). */
export function currentBackend(): string {
  return tf.getBackend();
}
