import { InputError } from '../errors.js';
import { readJsonFile } from '../store/json-file.js';
import { writeFileAtomic } from '../store/atomic.js';
// context-tree.ts, not decision-tree.ts: the tree-growing code pulls in apache-arrow (ali-archive), ~0.2 CPU s
// of start-up for every command that only reads a transition model (decode's main thread).
import { nodePdfs, treeWellFormed, type ContextTree } from './context-tree.js';

/**
 * The HMM structure shared by the aligner (hmm/), the DNN trainer (nnet/: number of pdfs) and the
 * decoder (decode/): per phone, a small left-to-right HMM whose emitting states map to pdf ids
 * (the classes the GMMs and DNNs model). In a monophone model a pdf id is one state of one phone;
 * a context-dependent model (train-tri) also carries its decision tree, and each state lists the
 * tied pdfs its tree leads to (which one a phone instance uses depends on its left and right
 * phones). Either way every pdf belongs to exactly one (phone, state): one tree per phone state.
 * Mirrors Kaldi's TransitionModel + HmmTopology (hmm-topology.h), with the probabilities stored as
 * log-probabilities; the arc probabilities are shared by all pdfs of a state (Kaldi keeps them per
 * (phone, state, pdf)).
 */
export interface HmmArc {
  /** Destination state index within the same phone; `states.length` means "exit the phone". */
  to: number;
  logProb: number;
}

export interface HmmState {
  /** The state's pdf; in a context-dependent model the first of `pdfIds`. */
  pdfId: number;
  /** Context-dependent models: every tied pdf this state's tree can give (sorted). */
  pdfIds?: number[];
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
  /** Context-dependent models: (left phone, phone, right phone, state) -> pdf (decision-tree.ts `treePdf`). */
  tree?: ContextTree;
}

/** The pdfs a state can use: its tied pdfs in a context-dependent model, else its one pdf. */
export function statePdfs(s: HmmState): number[] {
  return s.pdfIds ?? [s.pdfId];
}

/** JSON file name inside a model or alignment directory. */
export const TRANSITION_MODEL_FILE = 'transition-model.json';

/** Rebuild `pdfToState` from the phone HMMs (the single source of truth). */
export function pdfMap(phones: (PhoneHmm | null)[]): [number, number][] {
  const map: [number, number][] = [];
  for (const p of phones) {
    if (!p) continue;
    p.states.forEach((s, i) => {
      for (const pdf of statePdfs(s)) map[pdf] = [p.phoneId, i];
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
      for (const pdf of statePdfs(s)) {
        if (!(pdf >= 0 && pdf < tm.numPdfs)) throw new InputError(`${what}: phone ${p.phone} state ${i} has pdf id ${pdf} outside [0, ${tm.numPdfs})`);
        if (seen.has(pdf)) throw new InputError(`${what}: pdf id ${pdf} is used by two HMM states (phone ${p.phone} state ${i} and another)`);
        seen.add(pdf);
      }
      if (tm.tree) {
        const root = tm.tree.roots[p.phoneId]?.[i];
        if (!root || !treeWellFormed(root, tm.tree.questions.length) || nodePdfs(root).join(' ') !== statePdfs(s).join(' ') || s.pdfIds?.[0] !== s.pdfId) {
          throw new InputError(`${what}: the tree of phone ${p.phone} state ${i} is malformed or does not lead to the state's pdfs`);
        }
      }
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
  const tm = await readJsonFile<TransitionModel>(file, { missing: `${file}: transition model not found (train one with \`asr-distill train-mono\`)` });
  tm.pdfToState = pdfMap(tm.phones);
  validateTransitionModel(tm, file);
  return tm;
}
