// Kaldi's transition model in text form (`copy-transition-model --binary=false final.mdl -`, or the
// head of `gmm-copy --binary=false final.mdl -`), the transition-id -> (phone, pdf) tables of
// ali-to-pdf / ali-to-phones, and the conversion of a Kaldi tree + transition model into our
// TransitionModel. Format, from Kaldi hmm/transition-model.cc and hmm/hmm-topology.cc:
//
//   <TransitionModel> <Topology>
//   <TopologyEntry> <ForPhones> 1 2 ... </ForPhones>
//   <State> 0 <PdfClass> 0 <Transition> 0 0.75 <Transition> 1 0.25 </State>  ... <State> 3 </State>
//   </TopologyEntry> ... </Topology>
//   <Triples> n  phone hmm-state pdf (n lines) </Triples>     (or <Tuples> with forward and self-loop pdfs)
//   <LogProbs> [ 0 lp1 lp2 ... ] </LogProbs> </TransitionModel>
//
// Transition ids (1-based) number the transitions of each tuple's topology state in turn, tuples in
// file order (ComputeDerived); a self-loop's pdf is the tuple's self-loop pdf, other transitions'
// the forward pdf. Pure.
import { InputError } from '../errors.js';
import { printable } from '../data/text-input.js';
import { nodePdfs } from './context-tree.js';
import { kaldiTreeToContextTree, type KaldiContextDependency } from './kaldi-tree.js';
import { KaldiTextTokens } from './kaldi-text-tokens.js';
import { pdfMap, validateTransitionModel, type PhoneHmm, type TransitionModel } from './transition-model.js';

/** One state of a Kaldi topology entry; pdf classes are null for the final (non-emitting) state. */
export interface KaldiTopologyState {
  forwardPdfClass: number | null;
  selfLoopPdfClass: number | null;
  transitions: { to: number; prob: number }[];
}

export interface KaldiTopologyEntry {
  phones: number[];
  states: KaldiTopologyState[];
}

export interface KaldiTuple {
  phone: number;
  hmmState: number;
  forwardPdf: number;
  selfLoopPdf: number;
}

export interface KaldiTransitionModel {
  topology: KaldiTopologyEntry[];
  /** Kaldi phone id -> its topology entry. */
  entryOfPhone: Map<number, KaldiTopologyEntry>;
  tuples: KaldiTuple[];
  /** Indexed by transition id (index 0 unused, as in Kaldi). */
  logProbs: Float64Array;
  /** First transition id of each tuple (tuple i -> stateStart[i] .. stateStart[i+1]-1). */
  stateStart: Int32Array;
  numPdfs: number;
  numTransitionIds: number;
}

const MODEL_HINT = "write it with Kaldi's 'copy-transition-model --binary=false exp/tri1/final.mdl final.mdl.txt'";

/** Parse a text transition model (anything after `</TransitionModel>`, e.g. the GMMs of final.mdl, is ignored). */
export function parseKaldiTransitionModel(text: string, file: string): KaldiTransitionModel {
  const t: KaldiTextTokens = new KaldiTextTokens(text, file, MODEL_HINT);
  t.expect('<TransitionModel>');
  t.expect('<Topology>');
  const topology: KaldiTopologyEntry[] = [];
  const entryOfPhone = new Map<number, KaldiTopologyEntry>();
  while (t.peek() === '<TopologyEntry>') {
    t.expect('<TopologyEntry>');
    t.expect('<ForPhones>');
    const phones: number[] = [];
    while (t.peek() !== '</ForPhones>') {
      const ph = t.int('a phone id of <ForPhones>');
      if (ph <= 0) t.fail(`phone id ${ph} in <ForPhones> must be positive`);
      if (entryOfPhone.has(ph)) t.fail(`phone ${ph} is in two topology entries`);
      phones.push(ph);
    }
    t.expect('</ForPhones>');
    const entry: KaldiTopologyEntry = { phones, states: [] };
    while (t.peek() === '<State>') {
      t.expect('<State>');
      if (t.int('a state index') !== entry.states.length) t.fail(`expected <State> ${entry.states.length} (states are numbered in order)`);
      const st: KaldiTopologyState = { forwardPdfClass: null, selfLoopPdfClass: null, transitions: [] };
      if (t.peek() === '<PdfClass>') {
        t.expect('<PdfClass>');
        st.forwardPdfClass = st.selfLoopPdfClass = t.int('the pdf-class');
      } else if (t.peek() === '<ForwardPdfClass>') {
        t.expect('<ForwardPdfClass>');
        st.forwardPdfClass = t.int('the forward pdf-class');
        t.expect('<SelfLoopPdfClass>');
        st.selfLoopPdfClass = t.int('the self-loop pdf-class');
      }
      while (t.peek() === '<Transition>') {
        t.expect('<Transition>');
        st.transitions.push({ to: t.int('a transition destination'), prob: t.float('a transition probability') });
      }
      t.expect('</State>');
      entry.states.push(st);
    }
    t.expect('</TopologyEntry>');
    for (const st of entry.states) for (const a of st.transitions) if (a.to < 0 || a.to >= entry.states.length) t.fail(`a transition to state ${a.to} of a ${entry.states.length}-state topology entry`);
    topology.push(entry);
    for (const ph of phones) entryOfPhone.set(ph, entry);
  }
  t.expect('</Topology>');
  const kind = t.peek();
  if (kind !== '<Triples>' && kind !== '<Tuples>') t.fail(`expected <Triples> or <Tuples>, got ${kind === undefined ? 'the end of the file' : `'${printable(kind)}'`}`);
  t.next(kind);
  const n = t.int('the number of tuples');
  const tuples: KaldiTuple[] = [];
  const stateStart = new Int32Array(n + 1);
  let tid = 1;
  let numPdfs = 0;
  for (let i = 0; i < n; i++) {
    const phone = t.int('a tuple phone');
    const hmmState = t.int('a tuple HMM state');
    const forwardPdf = t.int('a tuple pdf');
    const selfLoopPdf = kind === '<Tuples>' ? t.int('a tuple self-loop pdf') : forwardPdf;
    const entry = entryOfPhone.get(phone);
    if (!entry) t.fail(`tuple ${i + 1}: phone ${phone} has no topology entry`);
    const st = entry.states[hmmState];
    if (!st || st.forwardPdfClass === null) t.fail(`tuple ${i + 1}: phone ${phone} has no emitting HMM state ${hmmState}`);
    if (forwardPdf < 0 || selfLoopPdf < 0) t.fail(`tuple ${i + 1}: negative pdf id`);
    stateStart[i] = tid;
    tid += st.transitions.length;
    numPdfs = Math.max(numPdfs, forwardPdf + 1, selfLoopPdf + 1);
    tuples.push({ phone, hmmState, forwardPdf, selfLoopPdf });
  }
  stateStart[n] = tid;
  t.expect(kind === '<Triples>' ? '</Triples>' : '</Tuples>');
  t.expect('<LogProbs>');
  const lp = t.vector('<LogProbs>', (s) => s.float('a log-probability'));
  if (lp.length !== tid) t.fail(`<LogProbs> has ${lp.length} values but the tuples have ${tid - 1} transition ids (plus the unused entry 0)`);
  t.expect('</LogProbs>');
  t.expect('</TransitionModel>');
  return { topology, entryOfPhone, tuples, logProbs: Float64Array.from(lp), stateStart, numPdfs, numTransitionIds: tid - 1 };
}

/**
 * Per transition id: its pdf (Kaldi TransitionIdToPdf, what ali-to-pdf prints) and its Kaldi
 * phone (TransitionIdToPhone, ali-to-phones --per-frame). Index 0 is unused (-1).
 */
export function kaldiTransitionIdTables(m: KaldiTransitionModel): { pdfOf: Int32Array; phoneOf: Int32Array } {
  const pdfOf = new Int32Array(m.numTransitionIds + 1).fill(-1);
  const phoneOf = new Int32Array(m.numTransitionIds + 1).fill(-1);
  m.tuples.forEach((tu, i) => {
    const st = m.entryOfPhone.get(tu.phone)!.states[tu.hmmState];
    st.transitions.forEach((a, k) => {
      const tid = m.stateStart[i] + k;
      pdfOf[tid] = a.to === tu.hmmState ? tu.selfLoopPdf : tu.forwardPdf;
      phoneOf[tid] = tu.phone;
    });
  });
  return { pdfOf, phoneOf };
}

/**
 * Our TransitionModel (with its tree) from a Kaldi tree and transition model, over the phones of
 * our lang directory, matched by name through Kaldi's phones.txt (`kaldiPhones[id]` = name).
 * Pdf ids stay Kaldi's, so ali-to-pdf output and the converted transition ids agree. Each phone's
 * arc probabilities are the mean over its tuples of Kaldi's trained probabilities (Kaldi keeps
 * them per tied state, we per phone state). What cannot be represented is an InputError saying
 * why: word-position-dependent or missing phones, tied states shared between phones or between
 * HMM states (shared roots), non-HMM (chain) topologies, or a tree that does not match the model.
 */
export function kaldiToTransitionModel(
  m: KaldiTransitionModel,
  cd: KaldiContextDependency,
  phones: { ours: string[]; kaldi: string[]; kaldiFile: string; modelFile: string; treeFile: string },
): TransitionModel {
  const what = `${phones.treeFile} + ${phones.modelFile}`;
  const ourIds = new Map(phones.ours.map((p, i) => [p, i]));
  const phoneIds = phones.kaldi.map(() => -1);
  for (const ph of m.entryOfPhone.keys()) {
    const name = phones.kaldi[ph];
    if (name === undefined) throw new InputError(`${phones.modelFile}: Kaldi phone id ${ph} is not in ${phones.kaldiFile}; give Kaldi's data/lang/phones.txt with --kaldi-phones`);
    const our = ourIds.get(name);
    if (our === undefined) {
      const positional = /_[BIES]$/.test(name) ? ' (word-position-dependent phones are not supported: prepare the Kaldi lang with utils/prepare_lang.sh --position-dependent-phones false)' : '';
      throw new InputError(`${what}: Kaldi phone ${printable(name)} is not in our lang directory's phones.txt${positional}`);
    }
    phoneIds[ph] = our;
  }
  const kaldiOf = new Map<number, number>();
  phoneIds.forEach((our, k) => {
    if (our >= 0) kaldiOf.set(our, k);
  });
  const pdfClasses: (number[] | null)[] = phones.ours.map((name, id) => {
    if (id === 0 || name === '<eps>' || name.startsWith('#')) return null;
    const k = kaldiOf.get(id);
    if (k === undefined) throw new InputError(`${what}: phone ${printable(name)} of our lang directory has no HMM in the Kaldi transition model`);
    const states = m.entryOfPhone.get(k)!.states;
    const last = states.length - 1;
    states.forEach((s, i) => {
      if (s.forwardPdfClass !== s.selfLoopPdfClass) throw new InputError(`${what}: phone ${printable(name)} state ${i} has different forward and self-loop pdf-classes (a chain topology); only HMM topologies can be imported`);
      if ((i < last) !== (s.forwardPdfClass !== null)) throw new InputError(`${what}: phone ${printable(name)}: the topology must have emitting states followed by one final non-emitting state`);
    });
    if (states[last].transitions.length > 0) throw new InputError(`${what}: phone ${printable(name)}: the final state of the topology has transitions`);
    return states.slice(0, last).map((s) => s.forwardPdfClass!);
  });
  const tree = kaldiTreeToContextTree(cd, { phoneIds, pdfClasses, phoneNames: phones.ours, numPdfs: m.numPdfs, file: phones.treeFile });
  // The trained transition probabilities, summed per phone state (then averaged below).
  const probSums = new Map<string, { sum: Float64Array; count: number }>();
  m.tuples.forEach((tu, i) => {
    const key = `${phoneIds[tu.phone]} ${tu.hmmState}`;
    const n = m.entryOfPhone.get(tu.phone)!.states[tu.hmmState].transitions.length;
    const acc = probSums.get(key) ?? { sum: new Float64Array(n), count: 0 };
    for (let k = 0; k < n; k++) acc.sum[k] += Math.exp(m.logProbs[m.stateStart[i] + k]);
    acc.count++;
    probSums.set(key, acc);
  });
  // Our models give each tied state to one (phone, HMM state): the phone ids of an alignment are
  // read back from its pdf ids (ali-archive.ts).
  const owner = new Map<number, string>();
  const hmms: (PhoneHmm | null)[] = phones.ours.map((name, id) => {
    const classes = pdfClasses[id];
    if (!classes) return null;
    const entry = m.entryOfPhone.get(kaldiOf.get(id)!)!;
    const states = classes.map((_, s) => {
      const here = `phone ${printable(name)} state ${s}`;
      const pdfIds = nodePdfs(tree.roots[id]![s]);
      for (const pdf of pdfIds) {
        const other = owner.get(pdf);
        if (other !== undefined) {
          throw new InputError(`${what}: pdf ${pdf} is shared by ${other} and ${here} (a shared root in Kaldi's roots.txt or a pdf-class used by two states); asr-distill models need each tied state in one phone state: build the Kaldi tree with one root per phone`);
        }
        owner.set(pdf, here);
      }
      const acc = probSums.get(`${id} ${s}`);
      const arcs = entry.states[s].transitions.map((a, k) => ({ to: a.to, logProb: Math.log(acc ? acc.sum[k] / acc.count : a.prob) }));
      return { pdfId: pdfIds[0], pdfIds, arcs };
    });
    return { phone: name, phoneId: id, states };
  });
  for (const tu of m.tuples) {
    const our = phoneIds[tu.phone];
    if (!hmms[our]!.states[tu.hmmState].pdfIds!.includes(tu.forwardPdf)) {
      throw new InputError(`${what}: the transition model has pdf ${tu.forwardPdf} for phone ${printable(phones.ours[our])} state ${tu.hmmState} but the tree does not lead there; are the tree and the model from the same Kaldi experiment directory?`);
    }
  }
  const tm: TransitionModel = { phones: hmms, numPdfs: m.numPdfs, pdfToState: pdfMap(hmms), tree };
  validateTransitionModel(tm, what);
  return tm;
}
