// The `--backend` choices of every DNN command: ONNX Runtime (ort/) or a TensorFlow.js backend
// (tfjs/backend.ts), resolved per thread by engine.ts selectEngine. Engine-neutral: the CLI, decode/
// and both engines import it.

/**
 * `--backend`: `ort` is ONNX Runtime (engine.ts); the others are TensorFlow.js backends.
 * `auto` (engine.ts selectEngine): tensorflow when native bindings load, else ort, else wasm.
 */
export type BackendName = 'auto' | 'ort' | 'tensorflow' | 'wasm' | 'cpu';

/** `--backend` when not given: the fastest engine that loads (engine.ts selectEngine). */
export const DEFAULT_BACKEND: BackendName = 'auto';

/** The `--backend` choices, and their help text (one for every DNN command). */
export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'ort', 'tensorflow', 'wasm', 'cpu'];
export const BACKEND_HELP = 'DNN engine: ort (ONNX Runtime) or a TensorFlow.js backend; auto = tensorflow if installed, else ort, else wasm';
