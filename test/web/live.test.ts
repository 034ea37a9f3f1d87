import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LiveSession, PRE_ROLL_SEC, type LiveEvent } from '../../src/web/browser/live.js';
import { OnlineRecognizer } from '../../src/web/browser/online.js';
import type { FrameScores } from '../../src/web/browser/recognizer.js';
import { WEB_MANIFEST_FORMAT, type WebManifest } from '../../src/web/manifest.js';
import { writeLangDir, readLangDir } from '../../src/lang/lang-dir.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { defaultGrammarSource, loadGrammar } from '../../src/decode/grammar-source.js';
import { buildDecodingGraph } from '../../src/decode/graph.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { makeRng, randNormal } from '../../src/data/random.js';
import { TOY_LEXICON } from '../decode/toy-model.js';

const rate = 16000;
const rng = makeRng(6, 'live');
const noise = (sec: number) => Float32Array.from({ length: sec * rate }, () => 0.001 * randNormal(rng));
const tone = (sec: number) => Float32Array.from({ length: sec * rate }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate) + 0.001 * randNormal(rng));

test("live session: the decoder's endpoint rule ends an utterance 300 ms after the speech when the best path is in a final state; the energy rule's 500 ms when the best path is still in a word", async () => {
  // The toy digits lang, its monophone HMMs and digit-loop graph (as transcribe builds it; no network
  // files: the scores below stand in for one).
  const langDir = path.join(mkdtempSync(path.join(tmpdir(), 'web-live-')), 'lang');
  const lexicon = new Map<string, string[][]>();
  for (const [w, p] of TOY_LEXICON) lexicon.set(w, [...(lexicon.get(w) ?? []), p]);
  await writeLangDir(langDir, { lexicon });
  const lang = await readLangDir(langDir);
  const tm = buildTransitionModel(lang.phones, lang.silencePhones);
  const graph = buildDecodingGraph(await loadGrammar(defaultGrammarSource(langDir)), lang, tm, { silenceProb: 0.5, selfLoopScale: 0.1, grammarName: 'digit loop' });
  const P = tm.numPdfs;
  /** The pdfs of `phones`' HMM states, 6 frames each, cut or stretched (the last state's loop) to `numFrames`. */
  const pdfsOf = (phones: string[], numFrames: number) => {
    const pdfs = phones.flatMap((p) => tm.phones[lang.phoneIds.get(p)!]!.states.flatMap((s) => new Array<number>(6).fill(s.pdfId)));
    return Array.from({ length: numFrames }, (_, t) => pdfs[Math.min(t, pdfs.length - 1)]);
  };
  const features = defaultFbankConfig();
  const manifest: WebManifest = {
    format: WEB_MANIFEST_FORMAT,
    features,
    // transcribe's defaults (decode.ts DECODE_DEFAULTS, not imported: decode.ts loads the job runner and Arrow).
    search: { acousticScale: 0.1, beam: 16, maxActive: 7000, wordInsPenalty: 0 },
    grammar: 'G',
    student: { name: 'oracle', modelJson: '', context: { left: 0, right: 0 }, featDim: 40, inputDim: 40, numPdfs: P, logPriors: new Array<number>(P).fill(0), cmvn: { per: 'none', normVars: false }, cmvnPrior: null, bytes: 0, graph: '' },
  };
  // 1 s of noise, "one" spoken for 0.5 s, 1 s of noise. The utterance is decoded from the pre-roll
  // (0.3 s before the onset): frames 0-29 silence, 30-79 the word (W AH N: 3 x 3 states), then
  // silence. Oracle scores (log-likelihood 0 for the frame's planned pdf, -20 for the others) stand
  // in for the network: the frame counter, not the features, says which pdf is right.
  const audio = new Float32Array(2.5 * rate);
  audio.set(noise(1));
  audio.set(tone(0.5), rate);
  audio.set(noise(1), 1.5 * rate);
  const onsetFrame = (PRE_ROLL_SEC * rate) / 160;
  const word = pdfsOf(['W', 'AH', 'N'], 50);
  /** Live events for the audio when the frames after the word have the pdfs `after` (its last one repeated). */
  const run = async (after: number[]) => {
    const plan = [...pdfsOf(['SIL'], onsetFrame), ...word];
    let t = 0;
    const scores: FrameScores = {
      logLikelihoods: async (_x, n) => {
        const ll = new Float32Array(n * P).fill(-20);
        for (let i = 0; i < n; i++, t++) ll[i * P + (plan[t] ?? after[Math.min(t - plan.length, after.length - 1)])] = 0;
        return ll;
      },
    };
    const session = new LiveSession(new OnlineRecognizer(manifest, manifest.student, graph, scores, null), rate);
    const events: (LiveEvent & { at: number })[] = [];
    for (let i = 0; i < audio.length; i += 1024) for (const e of await session.feed(audio.subarray(i, i + 1024))) events.push({ ...e, at: Math.min(i + 1024, audio.length) });
    return events;
  };
  // After the word, silence (SIL's states, then its last state): the best path ends in a final state.
  const done = await run(pdfsOf(['SIL'], 30));
  assert.deepEqual(done.map((e) => e.kind).filter((k, i, a) => k !== a[i - 1]), ['start', 'partial', 'final']);
  const final = done.at(-1)!;
  assert.ok(final.kind === 'final');
  assert.equal(final.rule, 'decoder');
  assert.deepEqual(final.result.words, ['one']);
  assert.equal(final.speechEnd, 1.5 * rate);
  // The chunk in which 300 ms of silence had passed, long before the energy rule's 500 ms.
  assert.ok(final.at >= 1.8 * rate && final.at < 1.8 * rate + 2048, `decoder endpoint at sample ${final.at}`);
  // The word's last state goes on after the tone: the best path is still in the word (its last word
  // ends at the last frame), so the decoder's rule never agrees and the energy rule ends it.
  const inWord = await run([word.at(-1)!]);
  const last = inWord.at(-1)!;
  assert.ok(last.kind === 'final');
  assert.equal(last.rule, 'energy');
  assert.equal(last.speechEnd, 1.5 * rate);
  assert.ok(last.at >= 2 * rate && last.at < 2 * rate + 2048, `energy endpoint at sample ${last.at}`);
  assert.equal(inWord.filter((e) => e.kind === 'final').length, 1);
});
