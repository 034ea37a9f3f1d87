import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGLISH_ACCENTS, ESPEAK_SAMPLE_RATE, Espeak, getEspeak, timePhonemes, tokenizePhonemeStrings, type VoiceConfig } from '../../src/corpus/espeak.js';

const us: VoiceConfig = { accent: 'en-us', rateWpm: 175, pitch: 50, pitchRange: 50 };

function same(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

test('the build has all 8 English accents and the usual voice variants', async () => {
  const e = await getEspeak();
  const langs = new Set(e.englishVoices().flatMap((v) => v.languages));
  for (const a of ENGLISH_ACCENTS) assert.ok(langs.has(a), `accent ${a}`);
  for (const v of ['m1', 'm3', 'f2', 'f4', 'Andy', 'klatt']) assert.ok(e.variants.includes(v), `variant ${v}`);
  assert.equal(e.variantGender('m3'), 'male');
  assert.equal(e.variantGender('f2'), 'female');
  assert.throws(() => e.variantGender('nobody'), { message: "espeak: unknown voice variant 'nobody'" });
});

test('synthesize is deterministic whatever ran before, at 22.05 kHz with timed phonemes', async () => {
  const e = await getEspeak();
  const a = e.synthesize('seven oh nine', us);
  e.synthesize('three three eight', { accent: 'en-gb-scotland', variant: 'f2', rateWpm: 210, pitch: 70, pitchRange: 20 });
  const b = e.synthesize('seven oh nine', us);
  assert.equal(a.sampleRate, ESPEAK_SAMPLE_RATE);
  assert.ok(same(a.samples, b.samples), 'same samples');
  assert.deepEqual(a.phones, b.phones);
  assert.ok(a.samples.every((x) => x >= -1 && x < 1));
  assert.ok(Math.max(...a.samples.map(Math.abs)) > 0.05, 'audible');
  assert.deepEqual(a.phones.map((p) => p.name), ['s', 'E', 'v', '@', 'n', 'oU', 'n', 'aI', 'n']);
  assert.deepEqual(a.phones.map((p) => p.wordIndex), [0, 0, 0, 0, 0, 1, 2, 2, 2]);
  assert.equal(a.phones[1].stress, 1);
  assert.equal(a.phones[1].ipa, 'ɛ');
  const durSec = a.samples.length / ESPEAK_SAMPLE_RATE;
  for (let i = 0; i < a.phones.length; i++) {
    const p = a.phones[i];
    assert.ok(p.startSec < p.endSec && p.endSec <= durSec + 1e-9, `phone ${i} inside the audio`);
    if (i > 0) assert.equal(p.startSec, a.phones[i - 1].endSec, 'phones are contiguous');
  }
});

test('rate, pitch, pitch range and variant change the audio; rate changes the duration', async () => {
  const e = await getEspeak();
  const base = e.synthesize('one two three', us);
  const fast = e.synthesize('one two three', { ...us, rateWpm: 260 });
  assert.ok(fast.samples.length < 0.85 * base.samples.length, 'faster is shorter');
  for (const v of [{ ...us, pitch: 80 }, { ...us, pitchRange: 5 }, { ...us, variant: 'm3' }, { ...us, accent: 'en-gb-x-rp' as const }]) {
    assert.ok(!same(e.synthesize('one two three', v).samples, base.samples), JSON.stringify(v));
  }
});

test('a pause between "three" and a vowel-initial word is a pause phoneme', async () => {
  const e = await getEspeak();
  const s = e.synthesize('three eight', us);
  const pause = s.phones.find((p) => p.isPause);
  assert.ok(pause, 'has a pause');
  assert.equal(pause.name, ';');
  assert.equal(pause.ipa, '');
});

test('unknown accents and variants are refused with the list of valid ones', async () => {
  const e = await getEspeak();
  assert.throws(() => e.synthesize('one', { ...us, accent: 'en-xx' as never }), {
    name: 'InputError',
    message: `espeak: unknown accent 'en-xx'; use one of ${ENGLISH_ACCENTS.join(', ')}`,
  });
  assert.throws(() => e.synthesize('one', { ...us, variant: 'nobody' }), (err: Error) =>
    err.message.startsWith("espeak: unknown voice variant 'nobody'; this build has Alex, "),
  );
});

test('tokenizePhonemeStrings aligns mnemonics and IPA, including the empty IPA of a pause', () => {
  const t = tokenizePhonemeStrings("T_r_'i:_; 'eI_t", 'θ_ɹ_ˈiː_ ˈeɪ_t', 'x');
  assert.deepEqual(t.map((x) => [x.name, x.ipa, x.wordIndex, x.stress]), [
    ['T', 'θ', 0, 0], ['r', 'ɹ', 0, 0], ['i:', 'iː', 0, 1], [';', '', 0, 0], ['eI', 'eɪ', 1, 1], ['t', 't', 1, 0],
  ]);
  // en-gb-scotland "nosy" before a pause: the pause has no `_` in the IPA string at all.
  const nosy = tokenizePhonemeStrings("n_'oU_z_i_;", 'n_ˈoː_z_eʲ', 'x');
  assert.deepEqual(nosy.map((x) => [x.name, x.ipa]), [['n', 'n'], ['oU', 'oː'], ['z', 'z'], ['i', 'eʲ'], [';', '']]);
  assert.throws(() => tokenizePhonemeStrings('n_i_z', 'n_eʲ', 'x'), { message: "espeak: x: word 1 has phonemes 'n_i_z' but IPA 'n_eʲ'" });
  assert.throws(() => tokenizePhonemeStrings('a b', 'a', 'x'), { message: "espeak: x: 2 words in 'a b' but 1 in 'a'" });
  assert.throws(() => tokenizePhonemeStrings('a_b', 'a', 'x'), { message: "espeak: x: word 1 has phonemes 'a_b' but IPA 'a'" });
});

test('timePhonemes ends each phoneme at the next event and checks the events match', () => {
  const tokens = tokenizePhonemeStrings("t_'u:", 't_ˈuː', 'x');
  const ev = [{ positionMs: 40, ipa: 't' }, { positionMs: 80, ipa: 'ˈuː' }, { positionMs: 250, ipa: '' }, { positionMs: 256, ipa: '' }];
  const p = timePhonemes(tokens, ev, 260, 'x');
  assert.deepEqual(p.map((x) => [x.startSec, x.endSec]), [[0.04, 0.08], [0.08, 0.25]]);
  assert.throws(() => timePhonemes(tokens, [ev[0], { positionMs: 80, ipa: 'uː' }, { positionMs: 90, ipa: 'n' }], 100, 'x'), {
    message: "espeak: x: unexpected phoneme 'n' after the transcription",
  });
  assert.throws(() => timePhonemes(tokens, [{ positionMs: 40, ipa: 'd' }, ev[1]], 100, 'x'), {
    message: "espeak: x: phoneme 1 is 'd' in the audio but 't' (t) in the transcription",
  });
  assert.throws(() => timePhonemes(tokens, [ev[0]], 100, 'x'), { message: 'espeak: x: 1 phoneme events for 2 phonemes' });
  // An event without the transcription's superscript modifier is the same phoneme (en-gb-scotland
  // happY: event 'e', IPA 'eʲ'); a length mark is not a modifier.
  const happy = tokenizePhonemeStrings('z_i', 'z_eʲ', 'x');
  assert.deepEqual(timePhonemes(happy, [{ positionMs: 0, ipa: 'z' }, { positionMs: 50, ipa: 'e' }], 90, 'x').map((x) => x.ipa), ['z', 'eʲ']);
  assert.throws(() => timePhonemes(tokens, [ev[0], { positionMs: 80, ipa: 'u' }], 100, 'x'), {
    message: "espeak: x: phoneme 2 is 'u' in the audio but 'uː' (u:) in the transcription",
  });
});

test('two separate eSpeak instances give the same bytes for a variant with breath and roughness noise (f3)', async () => {
  // eSpeak seeds its noise generator from the clock when it initialises; create() pins it.
  const voice: VoiceConfig = { accent: 'en-us', variant: 'f3', rateWpm: 180, pitch: 40, pitchRange: 45 };
  const a = (await Espeak.create()).synthesize('one two three', voice).samples;
  await new Promise((r) => setTimeout(r, 1100)); // a different second on the clock
  const b = (await Espeak.create()).synthesize('one two three', voice).samples;
  assert.deepEqual(b, a);
});
