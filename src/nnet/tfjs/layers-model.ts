// DNN weights in the TensorFlow.js Layers format (model.json + weights.bin, loadable by stock
// `tf.loadLayersModel`): the file format of every model directory, whichever engine trained it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../errors.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { readJsonFile } from '../../store/json-file.js';
import { fileChecksum, type FileChecksum } from '../../store/checksum.js';
import { validateArch, type ArchConfig } from '../arch.js';
import { checkDnnWeights, type DnnWeights } from '../weights.js';

/** Metadata we keep inside model.json (`userDefinedMetadata.asrDistill`), so the dropout/max-norm survive. */
interface StoredMeta {
  arch: ArchConfig;
  inputDim: number;
  numPdfs: number;
}

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

function layerName(i: number, numLayers: number): string {
  return i === numLayers - 1 ? 'output' : `hidden${i + 1}`;
}

/**
 * Build the equivalent `tf.Sequential` (Dense ReLU layers, softmax output) holding these weights.
 * Used to save through TF.js's own serialiser; also handy for comparisons with stock tf.layers code.
 * The caller disposes the model.
 */
export function toLayersModel(w: DnnWeights, opts: { outputActivation?: 'softmax' | 'linear' } = {}): tf.Sequential {
  checkDnnWeights(w, 'toLayersModel');
  const model = tf.sequential({ name: 'asr_distill_dnn' });
  w.layers.forEach((l, i) => {
    const last = i === w.layers.length - 1;
    model.add(
      tf.layers.dense({
        name: layerName(i, w.layers.length),
        units: l.outDim,
        activation: last ? (opts.outputActivation ?? 'softmax') : 'relu',
        inputShape: i === 0 ? [l.inDim] : undefined,
        kernelInitializer: 'zeros',
        biasInitializer: 'zeros',
      }),
    );
  });
  const tensors = w.layers.flatMap((l) => [tf.tensor2d(l.W, [l.inDim, l.outDim]), tf.tensor1d(l.b)]);
  model.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}

/**
 * Save in the TensorFlow.js Layers format: `dir/model.json` (a Sequential of Dense layers, softmax
 * output, so `tf.loadLayersModel` yields posteriors) and `dir/weights.bin`. Both written atomically
 * (weights first, so a complete model.json never points at missing weights). Other files in `dir`
 * (asr-distill.json, copies of the lang dir) are left alone. Returns the size and sha256 of each
 * weights file, by name, for the model directory to record (model-dir.ts `weightsFiles`).
 */
export async function saveDnn(dir: string, w: DnnWeights): Promise<Record<string, FileChecksum>> {
  const model = toLayersModel(w);
  let checksums: Record<string, FileChecksum> = {};
  try {
    const meta: StoredMeta = { arch: w.arch, inputDim: w.inputDim, numPdfs: w.numPdfs };
    model.setUserDefinedMetadata({ asrDistill: meta });
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightData = tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
        const modelJson: tf.io.ModelJSON = {
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy ?? null,
          modelTopology: artifacts.modelTopology as object,
          weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
          userDefinedMetadata: artifacts.userDefinedMetadata,
        };
        const bytes = new Uint8Array(weightData);
        checksums = { [WEIGHTS_BIN]: fileChecksum(bytes) };
        await writeFileAtomic(path.join(dir, WEIGHTS_BIN), bytes);
        await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weightData.byteLength } };
      }),
    );
  } finally {
    model.dispose();
  }
  return checksums;
}

interface DenseConfig {
  name: string;
  units: number;
  activation: string;
  use_bias?: boolean;
}

function denseLayers(topology: unknown, file: string): DenseConfig[] {
  const t = topology as { class_name?: string; config?: unknown; model_config?: unknown } | undefined;
  const root = (t?.model_config ?? t) as { class_name?: string; config?: unknown } | undefined;
  const cfg = root?.config as { layers?: unknown[] } | unknown[] | undefined;
  const layers = Array.isArray(cfg) ? cfg : cfg?.layers;
  if (root?.class_name !== 'Sequential' || !Array.isArray(layers)) {
    throw new InputError(`${file}: modelTopology is not a Sequential model; expected a model saved by asr-distill (Dense layers only)`);
  }
  const out: DenseConfig[] = [];
  for (const l of layers as { class_name: string; config: DenseConfig }[]) {
    if (l.class_name === 'InputLayer') continue;
    if (l.class_name !== 'Dense') throw new InputError(`${file}: layer ${l.config?.name ?? '?'} is a ${l.class_name}; only Dense layers are supported`);
    if (l.config.use_bias === false) throw new InputError(`${file}: layer ${l.config.name} has no bias; only Dense layers with bias are supported`);
    out.push(l.config);
  }
  return out;
}

async function readFileOrThrow(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `${file}: not found; ${what}` : `${file}: cannot read (${(e as Error).message})`);
  }
}

/**
 * Check a weights file against the size and sha256 recorded when it was written: flipped bytes
 * (same size) would otherwise load as wrong or NaN weights, and a truncated or extended file as
 * plausible ones. `recordedIn` names the file that holds the record.
 */
export function verifyWeightsFile(file: string, bytes: Uint8Array, expected: FileChecksum, recordedIn: string): void {
  const fix = 'the model files are damaged (an incomplete copy, a disk error or an edit); copy the model directory again or retrain it';
  if (bytes.length !== expected.bytes) {
    const n = Math.abs(bytes.length - expected.bytes);
    const how = `${bytes.length < expected.bytes ? 'truncated' : 'extended'}: ${n} ${n === 1 ? 'byte' : 'bytes'} ${bytes.length < expected.bytes ? 'missing' : 'too many'}`;
    throw new InputError(`${file}: ${bytes.length} bytes but ${recordedIn} records ${expected.bytes} (${how}); ${fix}`);
  }
  const actual = fileChecksum(bytes).sha256;
  if (actual !== expected.sha256) {
    throw new InputError(`${file}: sha256 ${actual} differs from ${expected.sha256} recorded in ${recordedIn} (same size, changed content); ${fix}`);
  }
}

/** Verification of weights files while loading: the records by file name and the file holding them. */
export interface WeightsRecord {
  files: Record<string, FileChecksum>;
  recordedIn: string;
}

/**
 * Load weights saved by `saveDnn` (or any TF.js Sequential of float32 Dense layers, ReLU hidden).
 * Every weights file must be exactly as long as its manifest entries; with `record`, each file's
 * size and sha256 must also match it (verifyWeightsFile).
 */
export async function loadDnn(dir: string, record?: WeightsRecord): Promise<DnnWeights> {
  const jsonFile = path.join(dir, MODEL_JSON);
  const json = await readJsonFile<tf.io.ModelJSON>(jsonFile, {
    missing: (code) => (code === 'ENOENT' ? `${jsonFile}: not found; is this a DNN model directory (written by train/distill)?` : `${jsonFile}: cannot read (${code})`),
  });
  const dense = denseLayers(json.modelTopology, jsonFile);
  if (dense.length === 0) throw new InputError(`${jsonFile}: the model has no Dense layers`);
  dense.slice(0, -1).forEach((l) => {
    if (l.activation !== 'relu') throw new InputError(`${jsonFile}: hidden layer ${l.name} uses ${l.activation}; only relu is supported`);
  });
  const lastAct = dense[dense.length - 1].activation;
  if (lastAct !== 'softmax' && lastAct !== 'linear') {
    throw new InputError(`${jsonFile}: output layer uses ${lastAct}; expected softmax or linear`);
  }
  // Weight values by name, read group by group (a group's files are concatenated, in manifest order).
  const values = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of json.weightsManifest ?? []) {
    const chunks = await Promise.all(group.paths.map((p) => readFileOrThrow(path.join(dir, p), `${jsonFile} lists it in weightsManifest`)));
    if (record) {
      group.paths.forEach((p, i) => {
        const name = path.normalize(p);
        const expected = record.files[name];
        if (!expected) throw new InputError(`${record.recordedIn}: no checksum recorded for ${name}, which ${jsonFile} lists; the model directory is inconsistent, copy it again or retrain it`);
        verifyWeightsFile(path.join(dir, p), chunks[i], expected, record.recordedIn);
      });
    }
    const buf = Buffer.concat(chunks);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.dtype !== 'float32' || spec.quantization) {
        throw new InputError(`${jsonFile}: weight ${spec.name} is ${spec.quantization ? 'quantized' : spec.dtype}; only float32 weights are supported`);
      }
      const n = spec.shape.reduce((a, b) => a * b, 1);
      if (offset + 4 * n > buf.length) {
        throw new InputError(`${path.join(dir, group.paths[0])}: too short for weight ${spec.name} (${buf.length} bytes); the model files are truncated`);
      }
      // Copy into an aligned Float32Array (Buffer offsets need not be 4-aligned).
      const data = new Float32Array(n);
      new Uint8Array(data.buffer).set(buf.subarray(offset, offset + 4 * n));
      values.set(spec.name, { shape: spec.shape, data });
      offset += 4 * n;
    }
    if (offset !== buf.length) {
      throw new InputError(
        `${path.join(dir, group.paths[group.paths.length - 1])}: ${buf.length - offset} bytes beyond the ${offset} that ${jsonFile} describes; the model files are damaged or do not belong together, copy the model directory again or retrain it`,
      );
    }
  }
  const layers = dense.map((l, i) => {
    const find = (suffix: string) => {
      const v = values.get(`${l.name}/${suffix}`);
      if (!v) throw new InputError(`${jsonFile}: weight ${l.name}/${suffix} missing from weightsManifest`);
      return v;
    };
    const k = find('kernel');
    const b = find('bias');
    if (k.shape.length !== 2 || k.shape[1] !== l.units || b.data.length !== l.units) {
      throw new InputError(`${jsonFile}: layer ${l.name} (${i + 1}) has kernel shape [${k.shape}] and ${b.data.length} biases, expected [*, ${l.units}]`);
    }
    return { W: k.data, b: b.data, inDim: k.shape[0], outDim: k.shape[1] };
  });
  const inputDim = layers[0].inDim;
  const numPdfs = layers[layers.length - 1].outDim;
  const stored = (json.userDefinedMetadata as { asrDistill?: StoredMeta } | undefined)?.asrDistill;
  const arch = stored
    ? validateArch(stored.arch, `${jsonFile} userDefinedMetadata.asrDistill.arch`)
    : validateArch({ hidden: dense.slice(0, -1).map((l) => ({ units: l.units })), activation: 'relu' }, jsonFile);
  const w: DnnWeights = { arch, inputDim, numPdfs, layers };
  checkDnnWeights(w, jsonFile);
  return w;
}
