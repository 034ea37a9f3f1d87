// SPEC_DIR/specialists.json, the manifest of a generalist + specialists directory (Hinton, Vinyals &
// Dean 2015, sec. 5; written by train-specialists): one home for its format, read by the
// specialists' forward pass (specialists-forward.ts) and by the decoder's setup, which needs only
// the generalist (decode/acoustic-model.ts). Imports no engine.
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import type { FileChecksum } from '../store/checksum.js';
import { readJsonFile } from '../store/json-file.js';
import { SPECIALISTS_FILE } from './model-kind.js';
import type { ClusterMatrix } from './specialists.js';
import type { EpochStats } from './train.js';

/** The manifest of a specialists directory (its name lives with the other model probes). */
export { SPECIALISTS_FILE };

/** One trained specialist in specialists.json. */
export interface SpecialistEntry {
  /** Its directory (model.json + weights.bin), relative to the specialists directory. */
  dir: string;
  /** The generalist's pdfs it tells apart (its classes 0..|C|-1); class |C| is the dustbin. */
  pdfs: number[];
  /** log(outside / kept outside), added to the dustbin's bias after training (sec. 5.1); 0 when the starting weights were kept. */
  dustbinShift: number;
  trainFrames: { inside: number; outside: number; keptOutside: number };
  /** Log priors of its |C|+1 classes over the whole training set (for hybrid decoding). */
  priors: number[];
  weightsFiles: Record<string, FileChecksum>;
  history: EpochStats[];
  /** The epoch whose weights were kept (early stopping; 0 = the starting weights, from the generalist). */
  keptEpoch: number;
  /** With early stopping: the loss on every held-out frame (dustbin corrected) after each epoch, [0] = the starting weights. */
  heldOutLoss?: number[];
}

/** specialists.json. */
export interface SpecialistsManifest {
  type: 'specialists';
  /** The generalist model directory (absolute): every specialist shares its input and hidden shapes. */
  generalist: string;
  /** The model whose predictions were clustered (the generalist or an ensemble). */
  clusteredWith: string;
  /** The held-out features the clustering saw, and how many frames. */
  clusterOn: string;
  clusterFrames: number;
  numClusters: number;
  clusterMatrix: ClusterMatrix;
  cover: number;
  /**
   * train-specialists --cluster-size: each k-means centre took this many of the `clusterPdfs` pdfs
   * with held-out frames (overlapping sets). Absent: a partition of all pdfs per clustering (the
   * default, and every manifest written before the option).
   */
  clusterSize?: number;
  /** With clusterSize: the pdfs clustered (those with frames in the held-out alignment). */
  clusterPdfs?: number;
  /** With clusterSize: how many of those pdfs the trained specialists cover 0, 1, 2, ... times (index = coverage). */
  pdfsByCoverage?: number[];
  seed: number;
  /** Present when the specialists learnt a teacher's soft targets (absent: hard labels, the paper's sec. 5). */
  softTargets?: { teacher: string; teacherId: string; temperature: number; hardWeight: number };
  specialists: SpecialistEntry[];
}

/**
 * Read SPEC_DIR/specialists.json: its type, the generalist it names (resolved against SPEC_DIR) and
 * a non-empty list of specialists are checked; each specialist's pdfs and weights are checked
 * against the generalist where they are loaded (specialists-forward.ts).
 */
export async function readSpecialistsManifest(dir: string): Promise<SpecialistsManifest> {
  const file = path.join(dir, SPECIALISTS_FILE);
  const m = await readJsonFile<SpecialistsManifest>(file, { missing: `${file}: not found; train specialists with \`asr-distill train-specialists\`` });
  if (m.type !== 'specialists' || typeof m.generalist !== 'string' || !Array.isArray(m.specialists) || m.specialists.length === 0) {
    throw new InputError(`${file}: expected { "type": "specialists", "generalist": DIR, "specialists": [...] } from asr-distill train-specialists`);
  }
  if (m.clusterSize !== undefined && !(Number.isInteger(m.clusterSize) && m.clusterSize >= 1)) {
    throw new InputError(`${file}: "clusterSize" ${JSON.stringify(m.clusterSize)} is not a positive integer; train the specialists again with asr-distill train-specialists`);
  }
  return { ...m, generalist: path.resolve(dir, m.generalist) };
}

/** Write SPEC_DIR/specialists.json (atomically). */
export async function writeSpecialistsManifest(dir: string, m: SpecialistsManifest): Promise<void> {
  await writeFileAtomic(path.join(dir, SPECIALISTS_FILE), JSON.stringify(m, null, 1) + '\n');
}
