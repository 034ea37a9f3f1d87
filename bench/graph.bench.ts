// npm run bench -- graph: building a context-dependent decoding graph for a large vocabulary
// (issue 23): a loop over ASR_DISTILL_GRAPH_WORDS (default 300) random words of 2-6 phones over 39
// ARPAbet phones, with a tree in which every nonsilence phone's first state asks the left phone and
// its last state the right one, one question per phone (full contexts: the most copies). Reports the
// node counts (unshared, shared, monophone) and the CPU seconds of building, best of 3 rounds (the
// machine is shared; load average recorded before and after).
import { loadavg } from 'node:os';
import { buildDecodingGraph } from '../src/decode/graph.js';
import { wordLoopGrammar } from '../src/decode/grammar.js';
import { buildContextTransitionModel } from '../src/hmm/context-model.js';
import type { ContextTree, TreeNode } from '../src/hmm/context-tree.js';
import { buildTransitionModel } from '../src/hmm/topology.js';
import { memoryLang } from '../test/hmm/synthetic.js';
import { makeRng, randInt } from '../src/data/random.js';

const ARPABET = 'AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH'.split(' ');

function cpuSec(f: () => void): number {
  const t0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(t0);
  return (c.user + c.system) / 1e6;
}

export async function run(): Promise<Record<string, unknown>> {
  const numWords = Number(process.env.ASR_DISTILL_GRAPH_WORDS ?? 300) || 300;
  const rng = makeRng(1, 'graph-bench');
  const lexicon = new Map<string, string[][]>();
  for (let w = 0; w < numWords; w++) lexicon.set(`w${w}`, [Array.from({ length: randInt(rng, 2, 6) }, () => ARPABET[randInt(rng, 0, ARPABET.length - 1)])]);
  const phones = ['<eps>', 'SIL', 'SPN', ...ARPABET];
  const lang = memoryLang('bench', phones, ['<eps>', ...[...lexicon.keys()].sort()], lexicon);
  const mono = buildTransitionModel(phones, lang.silencePhones);
  let pdf = 0;
  // A chain of one-phone questions: each context phone (and the edge) leads to its own tied state.
  const chain = (key: 'left' | 'right'): TreeNode => {
    let n: TreeNode = { pdf: pdf++ };
    for (let q = phones.length - 1; q >= 0; q--) n = { key, question: q, yes: { pdf: pdf++ }, no: n };
    return n;
  };
  const roots = mono.phones.map((p) => (p ? p.states.map((_, si) => (lang.silencePhones.has(p.phone) || (si > 0 && si < p.states.length - 1) ? { pdf: pdf++ } : chain(si === 0 ? 'left' : 'right'))) : null));
  const tree: ContextTree = { questions: phones.map((_, i) => [i]), roots, numPdfs: pdf, occupancy: new Array<number>(pdf).fill(1) };
  const tm = buildContextTransitionModel(mono, tree);
  const grammar = wordLoopGrammar([...lexicon.keys()]);
  const load0 = loadavg().map((x) => +x.toFixed(2));
  const nodes = { shared: 0, unshared: 0, mono: 0 };
  const best = (f: () => void) => Math.min(...[0, 1, 2].map(() => cpuSec(f)));
  const sharedSec = best(() => (nodes.shared = buildDecodingGraph(grammar, lang, tm).nodePdf.length));
  const unsharedSec = best(() => (nodes.unshared = buildDecodingGraph(grammar, lang, tm, { shareStates: false }).nodePdf.length));
  const monoSec = best(() => (nodes.mono = buildDecodingGraph(grammar, lang, mono).nodePdf.length));
  return {
    words: numWords,
    tiedStates: tree.numPdfs,
    nodes,
    buildCpuSec: { shared: +sharedSec.toFixed(3), unshared: +unsharedSec.toFixed(3), mono: +monoSec.toFixed(3) },
    loadAvg: { before: load0, after: loadavg().map((x) => +x.toFixed(2)) },
  };
}
