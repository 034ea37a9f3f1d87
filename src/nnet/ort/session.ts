// ONNX Runtime (onnxruntime-node: MLAS kernels, CPU binaries inside the npm package) sessions with a
// synchronous run. Every consumer of a forward pass here is synchronous (the decoder's frame
// scorer, eval-frames' chunk loop, the teacher's batch targets), and onnxruntime-node's public
// `InferenceSession.run` is only its native, synchronous `run` deferred by setImmediate and wrapped
// in a Promise (dist/backend.js). So we hold the native session object itself, created through
// the package's own `binding.js` (the same initialisation the public API does). The package
// version is pinned by package-lock.json; test/nnet/ort/session.test.ts fails if the binding's
// shape changes.
import { createRequire } from 'node:module';
import { InputError } from '../../errors.js';

/** The tensor class of onnxruntime-common (what the native binding accepts and returns). */
export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

type TensorCtor = new (type: 'float32' | 'int32' | 'int64', data: Float32Array | Int32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): Promise<void> | void;
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor | null>, options: object): Record<string, OrtTensor>;
  dispose(): void;
  readonly inputMetadata: { name: string }[];
  readonly outputMetadata: { name: string }[];
}

interface OrtModule {
  Tensor: TensorCtor;
  newSession: () => NativeSession;
}

let loaded: OrtModule | null | undefined;
let loadError = '';

/**
 * Load onnxruntime-node once per thread; null when it cannot be loaded here (no binary for this
 * platform, package missing). The reason is kept for error messages (ortLoadError).
 */
export function loadOrt(): OrtModule | null {
  if (loaded !== undefined) return loaded;
  try {
    const require = createRequire(import.meta.url);
    const { Tensor } = require('onnxruntime-node') as { Tensor: TensorCtor };
    const b = require('onnxruntime-node/dist/binding.js') as { binding: { InferenceSession: new () => NativeSession }; initOrt: () => void };
    if (typeof b.initOrt !== 'function' || typeof b.binding?.InferenceSession !== 'function') throw new Error('unexpected onnxruntime-node binding layout');
    b.initOrt();
    loaded = { Tensor, newSession: () => new b.binding.InferenceSession() };
  } catch (e) {
    loadError = (e as Error).message;
    loaded = null;
  }
  return loaded;
}

/** Why loadOrt() returned null ('' if it did not). */
export function ortLoadError(): string {
  return loadError;
}

function ortOrThrow(): OrtModule {
  const m = loadOrt();
  if (!m) throw new InputError(`ONNX Runtime (onnxruntime-node) cannot be loaded: ${loadError}; reinstall with \`npm ci\`, or choose --backend wasm`);
  return m;
}

/** A float32 tensor over `data` (no copy). */
export function floatTensor(data: Float32Array, dims: readonly number[]): OrtTensor {
  return new (ortOrThrow().Tensor)('float32', data, dims);
}

/** An int32 tensor over `data` (no copy). */
export function int32Tensor(data: Int32Array, dims: readonly number[]): OrtTensor {
  return new (ortOrThrow().Tensor)('int32', data, dims);
}

/** An int64 tensor. */
export function int64Tensor(data: BigInt64Array, dims: readonly number[]): OrtTensor {
  return new (ortOrThrow().Tensor)('int64', data, dims);
}

/** Session options: one intra-op thread (parallelism comes from worker threads, one session each). */
export interface OrtSessionOptions {
  threads?: number;
}

/**
 * One loaded ONNX model. `run` is synchronous: feeds by input name, the outputs wanted by name
 * (a pre-allocated tensor, or null to let ONNX Runtime allocate).
 */
export class OrtSession {
  private disposed = false;
  private constructor(private readonly native: NativeSession) {}

  /** Load model bytes (an OnnxGraph's toModelBytes(), or an .onnx file's contents). */
  static async create(bytes: Uint8Array, opts: OrtSessionOptions = {}): Promise<OrtSession> {
    const m = ortOrThrow();
    const native = m.newSession();
    const threads = opts.threads ?? 1;
    await native.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
      executionProviders: [{ name: 'cpu' }],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new OrtSession(native);
  }

  get inputNames(): string[] {
    return this.native.inputMetadata.map((m) => m.name);
  }

  get outputNames(): string[] {
    return this.native.outputMetadata.map((m) => m.name);
  }

  /**
   * Run the graph; returns the requested outputs. A pre-allocated output (a tensor of the output's
   * exact shape) is where ONNX Runtime's kernel writes the result, in place (ExecutionFrame takes
   * allocated fetches as the nodes' output buffers; test/nnet/ort/session.test.ts). onnxruntime-node
   * 1.31 still copies every fetched output into a fresh ArrayBuffer that it returns
   * (OrtValueToNapiValue), so a caller reading its own buffers ignores the result: a pre-allocated
   * output saves the caller's copy out of the returned buffer, not the binding's.
   */
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor | null>): Record<string, OrtTensor> {
    if (this.disposed) throw new Error('OrtSession: used after dispose()');
    return this.native.run(feeds, fetches, {});
  }

  /** Free the native session. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.native.dispose();
  }
}

/** The float32 data of an output tensor. */
export function tensorFloats(t: OrtTensor): Float32Array {
  return t.data as Float32Array;
}
