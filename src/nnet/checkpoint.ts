// Training checkpoints: everything needed to continue a run exactly where an epoch ended. Layout
// of `dir` (outDir/checkpoint/): `tensors-<epoch>.bin` (weights, then optimizer slots, float32 LE)
// and `state.json` (epoch, schedule, history, fingerprint, byte layout). The tensors file is written
// first and state.json last (each atomically): state.json is the commit point, so a run killed at
// any moment leaves the previous complete checkpoint in place.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import type { DnnWeights } from './weights.js';
import type { OptimizerState } from './optimizer-state.js';

export const CHECKPOINT_STATE = 'state.json';

/** A checkpoint in memory. `meta` holds the run's JSON state (schedule, history, fingerprint...). */
export interface Checkpoint<M = unknown> {
  /** Number of completed epochs. */
  epoch: number;
  weights: DnnWeights;
  optimizer: OptimizerState;
  meta: M;
}

interface StateJson<M> {
  version: 1;
  epoch: number;
  tensors: string;
  arch: DnnWeights['arch'];
  inputDim: number;
  numPdfs: number;
  layerShapes: [number, number][];
  optimizer: { kind: OptimizerState['kind']; step: number; slotsPerParam: number[]; slotScale?: number[] };
  meta: M;
}

/** Write a checkpoint atomically into `dir` and remove older tensor files. */
export async function writeCheckpoint<M>(dir: string, ck: Checkpoint<M>): Promise<void> {
  const arrays: Float32Array[] = [];
  for (const l of ck.weights.layers) arrays.push(l.W, l.b);
  for (const slots of ck.optimizer.slots) arrays.push(...slots);
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const buf = new Float32Array(total);
  let o = 0;
  for (const a of arrays) {
    buf.set(a, o);
    o += a.length;
  }
  const tensors = `tensors-${ck.epoch}.bin`;
  await writeFileAtomic(path.join(dir, tensors), new Uint8Array(buf.buffer));
  const state: StateJson<M> = {
    version: 1,
    epoch: ck.epoch,
    tensors,
    arch: ck.weights.arch,
    inputDim: ck.weights.inputDim,
    numPdfs: ck.weights.numPdfs,
    layerShapes: ck.weights.layers.map((l) => [l.inDim, l.outDim]),
    optimizer: { kind: ck.optimizer.kind, step: ck.optimizer.step, slotsPerParam: ck.optimizer.slots.map((s) => s.length), ...(ck.optimizer.slotScale ? { slotScale: ck.optimizer.slotScale } : {}) },
    meta: ck.meta,
  };
  await writeFileAtomic(path.join(dir, CHECKPOINT_STATE), JSON.stringify(state));
  for (const f of await fs.readdir(dir)) {
    if (/^tensors-\d+\.bin$/.test(f) && f !== tensors) await fs.rm(path.join(dir, f), { force: true });
  }
}

/** Read the checkpoint in `dir`, or undefined when there is none. Damaged checkpoints throw InputError. */
export async function readCheckpoint<M>(dir: string): Promise<Checkpoint<M> | undefined> {
  const stateFile = path.join(dir, CHECKPOINT_STATE);
  let text: string;
  try {
    text = await fs.readFile(stateFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let state: StateJson<M>;
  try {
    state = JSON.parse(text) as StateJson<M>;
  } catch (e) {
    throw new InputError(`${stateFile}: not valid JSON (${(e as Error).message}); delete the checkpoint directory to start over`);
  }
  const tensorsFile = path.join(dir, state.tensors);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(tensorsFile);
  } catch {
    throw new InputError(`${tensorsFile}: missing (named by ${stateFile}); delete the checkpoint directory to start over`);
  }
  const sizes: number[] = [];
  for (const [i, o] of state.layerShapes) sizes.push(i * o, o);
  const params = state.layerShapes.flatMap(([i, o]) => [i * o, o]);
  state.optimizer.slotsPerParam.forEach((k, p) => {
    for (let s = 0; s < k; s++) sizes.push(params[p]);
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  if (bytes.length !== 4 * total) {
    throw new InputError(`${tensorsFile}: ${bytes.length} bytes, expected ${4 * total}; the checkpoint is damaged, delete it to start over`);
  }
  const all = new Float32Array(total);
  new Uint8Array(all.buffer).set(bytes);
  let o = 0;
  const take = (n: number) => all.slice(o, (o += n));
  const layers = state.layerShapes.map(([inDim, outDim]) => ({ W: take(inDim * outDim), b: take(outDim), inDim, outDim }));
  const slots = state.optimizer.slotsPerParam.map((k, p) => Array.from({ length: k }, () => take(params[p])));
  return {
    epoch: state.epoch,
    weights: { arch: state.arch, inputDim: state.inputDim, numPdfs: state.numPdfs, layers },
    optimizer: { kind: state.optimizer.kind, step: state.optimizer.step, slots, ...(state.optimizer.slotScale ? { slotScale: state.optimizer.slotScale } : {}) },
    meta: state.meta,
  };
}
