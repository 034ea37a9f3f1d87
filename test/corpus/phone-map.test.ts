import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGLISH_ACCENTS, getEspeak, type EspeakPhone } from '../../src/corpus/espeak.js';
import { ESPEAK_TO_ARPABET, mapEspeakPhone, phoneSegments, wordPhones } from '../../src/corpus/phone-map.js';
import { readLangDir } from '../../src/lang/lang-dir.js';
import { makeRng, randInt } from '../../src/data/random.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIGITS = ['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

test('mapEspeakPhone: lexical phonemes, r-colouring only where the accent says it, pauses', () => {
  assert.deepEqual(mapEspeakPhone('T', 'θ'), ['TH']);
  assert.deepEqual(mapEspeakPhone('t[', 't̪'), ['TH']);
  assert.deepEqual(mapEspeakPhone('o@', 'ɔːɹ'), ['AO', 'R']);
  assert.deepEqual(mapEspeakPhone('o@', 'ɔː'), ['AO']);
  assert.deepEqual(mapEspeakPhone('3:', 'ɜː'), ['ER']);
  assert.deepEqual(mapEspeakPhone('i:', 'ei'), ['IY'], 'West Midlands FLEECE is still IY');
  assert.deepEqual(mapEspeakPhone(';', ''), []);
  assert.throws(() => mapEspeakPhone('Q!', 'q'), {
    message: "phone-map: no ARPAbet mapping for eSpeak phoneme 'Q!' (IPA 'q'); add it to ESPEAK_TO_ARPABET",
  });
});

test('every ARPAbet phone in the table is a CMUdict phone', () => {
  const arpabet = new Set(
    'AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH'.split(' '),
  );
  for (const [k, v] of Object.entries(ESPEAK_TO_ARPABET)) for (const p of v) assert.ok(arpabet.has(p), `${k} -> ${p}`);
});

const ph = (name: string, ipa: string, startSec: number, endSec: number, wordIndex = 0): EspeakPhone => ({
  name, ipa, startSec, endSec, wordIndex, isPause: ipa === '', stress: 0,
});

test('phoneSegments fills SIL, merges pauses into it, splits multi-phone mappings and shifts by the offset', () => {
  const phones = [ph('f', 'f', 0.011, 0.1), ph('o@', 'ɔːɹ', 0.1, 0.3), ph(';', '', 0.3, 0.35), ph('eI', 'eɪ', 0.36, 0.5, 1), ph('t', 't', 0.5, 0.56, 1)];
  const segs = phoneSegments(phones, 0.9, { offsetSec: 0.2 });
  assert.deepEqual(
    segs.map((s) => [s.phone, +s.startSec.toFixed(3), +s.endSec.toFixed(3)]),
    [['SIL', 0, 0.211], ['F', 0.211, 0.3], ['AO', 0.3, 0.4], ['R', 0.4, 0.5], ['SIL', 0.5, 0.56], ['EY', 0.56, 0.7], ['T', 0.7, 0.76], ['SIL', 0.76, 0.9]],
  );
  // Clipped at the end of the audio, never past it.
  const clipped = phoneSegments(phones, 0.4, { offsetSec: 0.2 });
  assert.equal(clipped.at(-1)!.endSec, 0.4);
  assert.deepEqual(wordPhones(phones, 2), [['F', 'AO', 'R'], ['EY', 'T']]);
});

test('for every accent, rate and several variants, each digit word maps to one of its lexicon pronunciations', async () => {
  const e = await getEspeak();
  const lang = await readLangDir(path.join(root, 'data/lang/digits'));
  const rng = makeRng(7);
  const variants = ['', 'm3', 'f2', 'Andy', 'klatt'];
  for (const accent of ENGLISH_ACCENTS) {
    for (const variant of variants) {
      // Every word alone, then a random connected string (coarticulation, pauses between words).
      const strings = [...DIGITS.map((w) => [w]), Array.from({ length: 7 }, () => DIGITS[randInt(rng, 0, 10)])];
      for (const words of strings) {
        const voice = { accent, variant, rateWpm: randInt(rng, 120, 240), pitch: randInt(rng, 20, 80), pitchRange: randInt(rng, 10, 90) };
        const s = e.synthesize(words.join(' '), voice);
        const mapped = wordPhones(s.phones, words.length);
        for (let i = 0; i < words.length; i++) {
          const prons = lang.lexicon.get(words[i])!.map((p) => p.join(' '));
          assert.ok(prons.includes(mapped[i].join(' ')), `${accent}+${variant} '${words.join(' ')}': ${words[i]} -> ${mapped[i].join(' ')} not in [${prons.join(', ')}]`);
        }
      }
    }
  }
});
