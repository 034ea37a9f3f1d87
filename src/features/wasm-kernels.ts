// fbank's WebAssembly kernels (fbank.wat, assembled into fbank-wasm.ts): compiled once, and an
// arena that lays out the arrays of one instance in its memory. Falls back to null where
// WebAssembly (with SIMD) is unavailable; the JavaScript code computes the same numbers there.
import { FBANK_WASM } from './fbank-wasm.js';

/** The exported functions of fbank.wat (pointers are byte offsets into the arena's memory). */
export interface FbankKernels {
  /** RealFft's power spectrum: x re im rev c1 s1 c2 s2 c3 s3 postCos postSin out m odd. */
  power: (...args: number[]) => void;
  /** fbank's fast path over `n` frames from `sig` (see fbank.wat for the fields at `cfg`). */
  frames: (cfg: number, sig: number, n: number, shift: number, preemphasis: number, melOut: number) => void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null without a usable WebAssembly. */
export function fbankKernelsModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    compiled = null;
    try {
      if (typeof WebAssembly === 'object' && typeof atob === 'function') {
        const bytes = Uint8Array.from(atob(FBANK_WASM), (ch) => ch.charCodeAt(0));
        if (WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
      }
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Bytes an arena allocation of `bytes` takes (16-byte aligned: the kernels load pairs of doubles). */
export function arenaBytes(bytes: number): number {
  return (bytes + 15) & ~15;
}

/**
 * Typed arrays carved one after the other out of one buffer: a kernels instance's memory (grown
 * once to the size asked for, so the views never move) or a plain ArrayBuffer.
 */
export class KernelArena {
  readonly buffer: ArrayBuffer;
  /** The instance's functions (undefined for a plain buffer). */
  readonly kernels?: FbankKernels;
  private at = 0;

  private constructor(buffer: ArrayBuffer, kernels?: FbankKernels) {
    this.buffer = buffer;
    this.kernels = kernels;
  }

  /** An arena of `totalBytes` in a new kernels instance, or null without WebAssembly. */
  static wasm(totalBytes: number): KernelArena | null {
    const module = fbankKernelsModule();
    if (!module) return null;
    try {
      const instance = new WebAssembly.Instance(module);
      const memory = instance.exports.memory as WebAssembly.Memory;
      const pages = Math.ceil(totalBytes / 65536) - memory.buffer.byteLength / 65536;
      if (pages > 0) memory.grow(pages);
      const { power, frames } = instance.exports as unknown as FbankKernels;
      return new KernelArena(memory.buffer, { power, frames });
    } catch {
      return null; // e.g. no memory for the instance: the JavaScript code runs instead
    }
  }

  /** An arena of `totalBytes` in a plain ArrayBuffer. */
  static plain(totalBytes: number): KernelArena {
    return new KernelArena(new ArrayBuffer(totalBytes));
  }

  f64(n: number): Float64Array {
    return new Float64Array(this.buffer, this.take(8 * n), n);
  }
  f32(n: number): Float32Array {
    return new Float32Array(this.buffer, this.take(4 * n), n);
  }
  i32(n: number): Int32Array {
    return new Int32Array(this.buffer, this.take(4 * n), n);
  }

  private take(bytes: number): number {
    const at = this.at;
    this.at += arenaBytes(bytes);
    if (this.at > this.buffer.byteLength) throw new RangeError(`KernelArena: ${this.at} bytes needed, ${this.buffer.byteLength} reserved`);
    return at;
  }
}
