// HMM topologies and the monophone transition model built from them. The default matches the
// topology Kaldi's utils/gen_topo.pl writes for prepare_lang.sh: 3-state left-to-right phones with
// self-loops, and 5-state silence phones whose inner states are fully connected (so a silence can
// be short or long, and can "breathe" between noise states).
import { InputError } from '../errors.js';
import { pdfMap, validateTransitionModel, type PhoneHmm, type TransitionModel } from './transition-model.js';

/** One arc of a phone topology: `to === numStates` exits the phone. */
export interface TopologyArc {
  from: number;
  to: number;
  prob: number;
}

/** The HMM of one class of phones: `numStates` emitting states entered in state 0. */
export interface PhoneTopology {
  numStates: number;
  arcs: TopologyArc[];
}

/** Topologies for silence phones (silence_phones.txt) and for all others. */
export interface Topology {
  nonsilence: PhoneTopology;
  silence: PhoneTopology;
}

/**
 * Left-to-right topology: each state loops to itself with 0.75 and moves on with 0.25
 * (Kaldi gen_topo.pl initial values; training re-estimates them).
 */
export function leftToRightTopology(numStates = 3): PhoneTopology {
  if (!Number.isInteger(numStates) || numStates < 1) throw new InputError(`topology: a phone needs at least 1 state, got ${numStates}`);
  const arcs: TopologyArc[] = [];
  for (let s = 0; s < numStates; s++) arcs.push({ from: s, to: s, prob: 0.75 }, { from: s, to: s + 1, prob: 0.25 });
  return { numStates, arcs };
}

/**
 * Kaldi's silence topology (gen_topo.pl): state 0 goes to states 0..N-2, states 1..N-2 go to
 * states 1..N-1 (all uniform), the last state loops with 0.75 and exits with 0.25. With fewer than
 * 3 states it falls back to left-to-right.
 */
export function silenceTopology(numStates = 5): PhoneTopology {
  if (numStates < 3) return leftToRightTopology(numStates);
  const arcs: TopologyArc[] = [];
  const p = 1 / (numStates - 1);
  for (let to = 0; to <= numStates - 2; to++) arcs.push({ from: 0, to, prob: p });
  for (let s = 1; s <= numStates - 2; s++) for (let to = 1; to <= numStates - 1; to++) arcs.push({ from: s, to, prob: p });
  arcs.push({ from: numStates - 1, to: numStates - 1, prob: 0.75 }, { from: numStates - 1, to: numStates, prob: 0.25 });
  return { numStates, arcs };
}

/** The default topology (3-state phones, 5-state silence), configurable like gen_topo.pl's arguments. */
export function defaultTopology(opts: { nonsilenceStates?: number; silenceStates?: number } = {}): Topology {
  return { nonsilence: leftToRightTopology(opts.nonsilenceStates ?? 3), silence: silenceTopology(opts.silenceStates ?? 5) };
}

/** The fewest frames a pass through `topo` takes (shortest path from state 0 to the exit). */
export function minFrames(topo: PhoneTopology): number {
  const dist = new Array<number>(topo.numStates + 1).fill(Infinity);
  dist[0] = 1;
  // Bellman-Ford on a tiny graph; every arc costs one frame (the frame spent in its source state).
  for (let it = 0; it <= topo.numStates; it++) {
    for (const a of topo.arcs) if (a.to !== a.from && dist[a.from] + (a.to === topo.numStates ? 0 : 1) < dist[a.to]) dist[a.to] = dist[a.from] + (a.to === topo.numStates ? 0 : 1);
  }
  return dist[topo.numStates];
}

/**
 * The monophone transition model for a phone set: every phone except `<eps>` and disambiguation
 * symbols (`#N`) gets its own HMM; pdf ids are assigned phone by phone (in phone-id order), state by
 * state, as Kaldi's gmm-init-mono does with one phone per shared-phones set.
 *
 * @example buildTransitionModel(lang.phones, lang.silencePhones).numPdfs // 2*5 + 20*3 for the digits lang
 */
export function buildTransitionModel(phones: string[], silencePhones: Set<string>, topology: Topology = defaultTopology()): TransitionModel {
  const hmms: (PhoneHmm | null)[] = [];
  let pdf = 0;
  phones.forEach((phone, phoneId) => {
    if (phoneId === 0 || phone === '<eps>' || phone.startsWith('#')) {
      hmms.push(null);
      return;
    }
    const topo = silencePhones.has(phone) ? topology.silence : topology.nonsilence;
    const states = Array.from({ length: topo.numStates }, () => ({ pdfId: pdf++, arcs: [] as { to: number; logProb: number }[] }));
    for (const a of topo.arcs) {
      if (a.prob > 0) states[a.from].arcs.push({ to: a.to, logProb: Math.log(a.prob) });
    }
    hmms.push({ phone, phoneId, states });
  });
  const tm: TransitionModel = { phones: hmms, numPdfs: pdf, pdfToState: pdfMap(hmms) };
  validateTransitionModel(tm, 'topology');
  return tm;
}
