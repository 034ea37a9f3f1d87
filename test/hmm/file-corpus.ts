// A tiny corpus on disk for the I/O tests: a data dir (transcripts), a feature dir of 40-dim
// "log-mel" frames drawn from per-HMM-state Gaussians (so the truth is known), a lang dir made by the
// lang module, and the true phone CTM. Bad inputs on request: an OOV word, an utterance too short for
// its transcript, an utterance without features.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeRng, randInt, randNormal } from '../../src/data/random.js';
import { writeDataDir } from '../../src/data/data-dir.js';
import { computeCmvnStats, writeCmvn } from '../../src/features/cmvn.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { readLangDir, writeLangDir, type LangDir } from '../../src/lang/lang-dir.js';
import { parseLexicon } from '../../src/lang/lexicon.js';
import { writeFeatsDir, type UttFeats } from '../../src/store/feats-archive.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';

export const FILE_LEXICON = 'one W AH N\none W AA N\ntwo T UW\nsix S IH K S\nnine N AY N\nkit K IH T\nskin S K IH N\n';

export interface FileCorpus {
  dataDir: string;
  featsDir: string;
  lang: LangDir;
  refCtm: string;
  /** The bad utterances, by kind. */
  bad: { oov: string; short: string; noFeats: string };
}

/**
 * Write the corpus under `root`; `numUtts` good utterances over 3 speakers. `uttTag` goes between
 * speaker and number in every utterance id (`spk0-x000`: a second corpus whose ids differ);
 * `extraLexicon` adds lexicon lines (words the corpus never says).
 */
export async function writeFileCorpus(root: string, numUtts = 30, seed = 5, opts: { uttTag?: string; extraLexicon?: string; rightContextEffect?: number } = {}): Promise<FileCorpus> {
  const langDir = path.join(root, 'lang');
  const tag = opts.uttTag ?? '';
  await writeLangDir(langDir, { lexicon: parseLexicon(FILE_LEXICON + (opts.extraLexicon ?? ''), 'test lexicon') });
  const lang = await readLangDir(langDir);
  const tm = buildTransitionModel(lang.phones, lang.silencePhones);
  const rng = makeRng(seed, 'file-corpus');
  const dim = 40;
  const means = Array.from({ length: tm.numPdfs }, () => Array.from({ length: dim }, () => 2 * randNormal(rng)));
  const words = [...parseLexicon(FILE_LEXICON, 'test lexicon').keys()];
  // rightContextEffect: the last state of every phone moves by this times a vector of its next phone (triphone tests).
  const effect = opts.rightContextEffect ?? 0;
  const ctxShift = lang.phones.map(() => (effect ? Array.from({ length: dim }, () => effect * randNormal(rng)) : []));
  const entries = [];
  const feats: UttFeats[] = [];
  let ctm = '';
  const sil = lang.phoneIds.get('SIL')!;
  for (let u = 0; u < numUtts; u++) {
    const spk = `spk${u % 3}`;
    const uttId = `${spk}-${tag}${String(u).padStart(3, '0')}`;
    const ws = Array.from({ length: randInt(rng, 1, 3) }, () => words[randInt(rng, 0, words.length - 1)]);
    const phones = [sil];
    ws.forEach((w, i) => {
      const prons = lang.lexicon.get(w)!;
      phones.push(...prons[randInt(rng, 0, prons.length - 1)].map((p) => lang.phoneIds.get(p)!));
      if (i < ws.length - 1 && rng() < 0.3) phones.push(sil);
    });
    phones.push(sil);
    const rows: number[][] = [];
    phones.forEach((ph, k) => {
      const hmm = tm.phones[ph]!;
      const shift = ctxShift[phones[k + 1] ?? 0];
      // Reference boundary between frames s-1 and s: s*10 ms + 7.5 ms (see ali-accuracy.ts).
      const start = rows.length === 0 ? 0 : rows.length * 0.01 + 0.0075;
      hmm.states.forEach((s, si) => {
        const n = randInt(rng, 2, 4);
        const last = si === hmm.states.length - 1 && effect !== 0;
        for (let i = 0; i < n; i++) rows.push(means[s.pdfId].map((m, d) => m + randNormal(rng) + (last ? shift[d] : 0)));
      });
      const end = rows.length * 0.01 + 0.0075;
      ctm += `${uttId} 1 ${start.toFixed(4)} ${(end - start).toFixed(4)} ${lang.phones[ph]}\n`;
    });
    entries.push({ uttId, speakerId: spk, wav: `wav/${uttId}.wav`, words: ws });
    feats.push({ uttId, speakerId: spk, numFrames: rows.length, dim, data: Float32Array.from(rows.flat()) });
  }
  const bad = { oov: `spk0-${tag}900`, short: `spk1-${tag}901`, noFeats: `spk2-${tag}902` };
  entries.push({ uttId: bad.oov, speakerId: 'spk0', wav: 'wav/x.wav', words: ['one', 'ten'] });
  entries.push({ uttId: bad.short, speakerId: 'spk1', wav: 'wav/y.wav', words: ['six', 'six', 'six'] });
  entries.push({ uttId: bad.noFeats, speakerId: 'spk2', wav: 'wav/z.wav', words: ['two'] });
  feats.push({ uttId: bad.oov, speakerId: 'spk0', numFrames: 30, dim, data: Float32Array.from({ length: 30 * dim }, () => randNormal(rng)) });
  feats.push({ uttId: bad.short, speakerId: 'spk1', numFrames: 8, dim, data: Float32Array.from({ length: 8 * dim }, () => randNormal(rng)) });
  const dataDir = path.join(root, 'data');
  const featsDir = path.join(root, 'feats');
  await writeDataDir(dataDir, entries);
  await writeFeatsDir(featsDir, defaultFbankConfig(), 10, [feats.filter((_, i) => i % 2 === 0), feats.filter((_, i) => i % 2 === 1)]);
  await writeCmvn(featsDir, computeCmvnStats(feats, 'speaker'));
  const refCtm = path.join(root, 'phones.ctm');
  await fs.writeFile(refCtm, ctm);
  return { dataDir, featsDir, lang, refCtm, bad };
}
