import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';

/**
 * The HMM structure shared by the aligner (hmm/), the DNN trainer (nnet/: number of pdfs) and the
 * decoder (decode/): per phone, a small left-to-right HMM whose emitting states map to pdf ids
 * (the classes the GMMs and DNNs model). Context-independent (monophone) for now, so a pdf id is
 * one state of one phone. Mirrors Kaldi's TransitionModel + HmmTopology (hmm-topology.h), with the
 * probabilities stored as log-probabilities.
 */
export interface HmmArc {
  /** Destination state index within the same phone; `states.length` means "exit the phone". */
  to: number;
  logProb: number;
}

export interface HmmState {
  pdfId: number;
  arcs: HmmArc[];
}

export interface PhoneHmm {
  phone: string;
  phoneId: number;
  /** Emitting states; the HMM is entered in state 0. */
  states: HmmState[];
}

export interface TransitionModel {
  /** Indexed by phone id (as in the lang directory's phones.txt); `null` for `<eps>` and disambiguation symbols. */
  phones: (PhoneHmm | null)[];
  numPdfs: number;
  /** For each pdf id: [phoneId, state index]. */
  pdfToState: [number, number][];
}

/** JSON file name inside a model or alignment directory. */
export const TRANSITION_MODEL_FILE = 'transition-model.json';

/** Rebuild `pdfToState` from the phone HMMs (the single source of truth). */
export function pdfMap(phones: (PhoneHmm | null)[]): [number, number][] {
  const map: [number, number][] = [];
  for (const p of phones) {
    if (!p) continue;
    p.states.forEach((s, i) => {
      map[s.pdfId] = [p.phoneId, i];
    });
  }
  return map;
}

/** Check the invariants every consumer relies on; throws InputError naming `what` on violation. */
export function validateTransitionModel(tm: TransitionModel, what: string): void {
  const seen = new Set<number>();
  for (const p of tm.phones) {
    if (!p) continue;
    p.states.forEach((s, i) => {
      if (!(s.pdfId >= 0 && s.pdfId < tm.numPdfs)) throw new InputError(`${what}: phone ${p.phone} state ${i} has pdf id ${s.pdfId} outside [0, ${tm.numPdfs})`);
      seen.add(s.pdfId);
      for (const a of s.arcs) {
        if (!(a.to >= 0 && a.to <= p.states.length)) throw new InputError(`${what}: phone ${p.phone} state ${i} has an arc to ${a.to}`);
        if (!Number.isFinite(a.logProb) && a.logProb !== -Infinity) throw new InputError(`${what}: phone ${p.phone} state ${i} has a non-finite log-probability`);
      }
    });
  }
  if (seen.size !== tm.numPdfs) throw new InputError(`${what}: ${tm.numPdfs} pdfs declared but ${seen.size} used by the phone HMMs`);
}

export async function writeTransitionModel(file: string, tm: TransitionModel): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(tm, null, 1) + '\n');
}

export async function readTransitionModel(file: string): Promise<TransitionModel> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new InputError(`${file}: transition model not found (train one with \`asr-distill train-mono\`)`);
  }
  let tm: TransitionModel;
  try {
    tm = JSON.parse(text) as TransitionModel;
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  tm.pdfToState = pdfMap(tm.phones);
  validateTransitionModel(tm, file);
  return tm;
}
