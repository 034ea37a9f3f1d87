// A synthetic corpus where the truth is known: frames drawn from per-HMM-state Gaussians along a
// sampled path through each utterance's alignment graph structure (silence at the edges, optional
// silence between words), so training and alignment can be checked against the true states.
import { makeRng, randInt, randNormal, type Rng } from '../../src/data/random.js';
import type { LangDir } from '../../src/lang/lang-dir.js';
import { transcriptSlots } from '../../src/hmm/align-graph.js';
import { makeGmmCorpus, type GmmCorpus } from '../../src/hmm/gmm-corpus.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import type { TransitionModel } from '../../src/hmm/transition-model.js';

/** A LangDir in memory (no files) from its phone and word lists (ids = positions) and lexicon; SIL and SPN are the silence phones. */
export function memoryLang(dir: string, phones: string[], words: string[], lexicon: Map<string, string[][]>): LangDir {
  return {
    dir,
    phones,
    phoneIds: new Map(phones.map((p, i) => [p, i])),
    silencePhones: new Set(['SIL', 'SPN']),
    optionalSilence: 'SIL',
    words,
    wordIds: new Map(words.map((w, i) => [w, i])),
    lexicon,
  };
}

/** An in-memory lang (no files) for the core tests. */
export function syntheticLang(): LangDir {
  const phones = ['<eps>', 'SIL', 'SPN', 'AA', 'B', 'K', 'IY', 'S'];
  const lexicon = new Map<string, string[][]>([
    ['ab', [['AA', 'B']]],
    ['kis', [['K', 'IY', 'S']]],
    ['bis', [['B', 'IY', 'S'], ['B', 'IY']]],
    ['saa', [['S', 'AA']]],
  ]);
  return memoryLang('/nonexistent/synthetic-lang', phones, ['<eps>', ...lexicon.keys()], lexicon);
}

export interface SyntheticCorpus {
  corpus: GmmCorpus;
  tm: TransitionModel;
  lang: LangDir;
  /** True pdf and phone per frame, per utterance. */
  truePdfs: Int32Array[];
  truePhones: Int32Array[];
  /** True phone-instance start frames per utterance. */
  trueStarts: number[][];
}

function statePath(rng: Rng, numStates: number, silence: boolean): number[] {
  // Left to right; each state 2-5 frames (silence 2-6), as speech-like durations.
  const out: number[] = [];
  for (let s = 0; s < numStates; s++) {
    const n = randInt(rng, 2, silence ? 6 : 5);
    for (let i = 0; i < n; i++) out.push(s);
  }
  return out;
}

/** Generate `numUtts` utterances of 2-4 words with feature dim `dim`. */
export function syntheticCorpus(numUtts: number, seed = 1, dim = 6): SyntheticCorpus {
  const lang = syntheticLang();
  const tm = buildTransitionModel(lang.phones, lang.silencePhones);
  const rng = makeRng(seed, 'synthetic');
  const means = Array.from({ length: tm.numPdfs }, () => Array.from({ length: dim }, () => 3 * randNormal(rng)));
  const wordList = [...lang.lexicon.keys()];
  const items = [];
  const truePdfs: Int32Array[] = [];
  const truePhones: Int32Array[] = [];
  const trueStarts: number[][] = [];
  for (let u = 0; u < numUtts; u++) {
    const words = Array.from({ length: randInt(rng, 2, 4) }, () => wordList[randInt(rng, 0, wordList.length - 1)]);
    const phones: number[] = [lang.phoneIds.get('SIL')!];
    words.forEach((w, i) => {
      const prons = lang.lexicon.get(w)!;
      phones.push(...prons[randInt(rng, 0, prons.length - 1)].map((p) => lang.phoneIds.get(p)!));
      if (i < words.length - 1 && rng() < 0.3) phones.push(lang.phoneIds.get('SIL')!);
    });
    phones.push(lang.phoneIds.get('SIL')!);
    const pdfs: number[] = [];
    const phs: number[] = [];
    const starts: number[] = [];
    for (const ph of phones) {
      starts.push(pdfs.length);
      const hmm = tm.phones[ph]!;
      for (const s of statePath(rng, hmm.states.length, lang.silencePhones.has(hmm.phone))) {
        pdfs.push(hmm.states[s].pdfId);
        phs.push(ph);
      }
    }
    const feats = new Float32Array(pdfs.length * dim);
    pdfs.forEach((p, t) => {
      for (let d = 0; d < dim; d++) feats[t * dim + d] = means[p][d] + randNormal(rng);
    });
    items.push({ uttId: `utt${String(u).padStart(3, '0')}`, feats, numFrames: pdfs.length, slots: transcriptSlots(words, lang, `synthetic utt ${u}`) });
    truePdfs.push(Int32Array.from(pdfs));
    truePhones.push(Int32Array.from(phs));
    trueStarts.push(starts);
  }
  return { corpus: makeGmmCorpus(items, dim), tm, lang, truePdfs, truePhones, trueStarts };
}
