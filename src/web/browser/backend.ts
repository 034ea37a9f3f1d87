/// <reference lib="dom" />
// The page's TF.js backend: WebGL, wasm or plain JS (cpu), chosen at load. `?backend=` in the
// address forces one; by default (`auto`) the page times the student on WebGL and on wasm and keeps
// the faster, WebGL only by a clear margin (each WebGL call pays a fixed cost, reading results back
// from the GPU, that the live path's 1-3 frame calls feel most; on a software rasterizer wasm wins,
// on a GPU WebGL may for big networks); cpu only when neither initialises.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export const PAGE_BACKENDS = ['auto', 'webgl', 'wasm', 'cpu'] as const;
export type PageBackend = (typeof PAGE_BACKENDS)[number];

/** What was chosen, and the timings behind an `auto` choice (milliseconds per probe, median). */
export interface BackendChoice {
  backend: 'webgl' | 'wasm' | 'cpu';
  timings: Partial<Record<'webgl' | 'wasm', number>>;
  /** The WebGL renderer (UNMASKED_RENDERER_WEBGL), when WebGL initialised: "SwiftShader" is a CPU rasterizer. */
  renderer?: string;
  /** Milliseconds the `auto` choice took (initialising both backends, warm-up and timed probes). */
  choiceMs?: number;
}

/**
 * WebGL is kept only when its probe takes less than this fraction of wasm's: a probe is a few
 * runs on a machine that may be busy (on SwiftShader here the two probes came out 1.1-1.7x apart
 * while whole files decoded 4-20x slower on WebGL), and wasm's steps do not stall on GPU readbacks.
 */
export const WEBGL_MARGIN = 0.8;

/** One probe: the work of one second of live audio (a 100-frame file batch and a 2-frame live step). */
export type BackendProbe = () => Promise<void>;

/** Whether `name` initialises here (false where WebGL or WebAssembly is missing or disabled). */
async function tryBackend(name: string): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/** The renderer string of a WebGL2 context (debug extension), undefined when unavailable. */
function webglRenderer(): string | undefined {
  const gl = document.createElement('canvas').getContext('webgl2');
  const ext = gl?.getExtension('WEBGL_debug_renderer_info');
  return gl && ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : undefined;
}

/** Median milliseconds of `probe` over `runs` runs after one warm-up (which compiles WebGL's shaders). */
async function timeProbe(probe: BackendProbe, runs = 3): Promise<number> {
  await probe();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await probe();
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

/**
 * Set TF.js's backend before the model loads: `wanted`, or for `auto` wasm (cpu when it does not
 * initialise) until pickFastestBackend has timed the others. The wasm binaries are fetched from the
 * site root. Throws on an unknown name or a forced backend that does not initialise.
 */
export async function startBackend(wanted: string): Promise<BackendChoice> {
  if (!(PAGE_BACKENDS as readonly string[]).includes(wanted)) throw new Error(`?backend=${wanted}: give one of ${PAGE_BACKENDS.join(', ')}`);
  setWasmPaths(new URL('./', location.href).href);
  // Shapes as uniforms: one compiled shader per layer for any number of frames (files and live
  // chunks vary), instead of one per shape.
  tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  if (wanted === 'auto') {
    if (await tryBackend('wasm')) return { backend: 'wasm', timings: {} };
    await tf.setBackend('cpu');
    return { backend: 'cpu', timings: {} };
  }
  if (!(await tryBackend(wanted))) throw new Error(`?backend=${wanted}: the ${wanted} backend does not initialise in this browser`);
  return { backend: wanted as BackendChoice['backend'], timings: {}, renderer: wanted === 'webgl' ? webglRenderer() : undefined };
}

/**
 * The `auto` choice, once the model is loaded: time `probe` on WebGL and wasm (the weights follow
 * the backend) and keep the faster (WebGL by WEBGL_MARGIN); cpu only when neither initialises.
 */
export async function pickFastestBackend(probe: BackendProbe): Promise<BackendChoice> {
  const t0 = performance.now();
  const timings: BackendChoice['timings'] = {};
  let renderer: string | undefined;
  for (const name of ['webgl', 'wasm'] as const) {
    if (!(await tryBackend(name))) continue;
    if (name === 'webgl') renderer = webglRenderer();
    timings[name] = await timeProbe(probe);
  }
  const { webgl, wasm } = timings;
  const backend = webgl !== undefined && (wasm === undefined || webgl < WEBGL_MARGIN * wasm) ? 'webgl' : wasm !== undefined ? 'wasm' : 'cpu';
  await tf.setBackend(backend);
  return { backend, timings, renderer, choiceMs: performance.now() - t0 };
}
