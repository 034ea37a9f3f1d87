import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRng } from '../../src/data/random.js';
import { ENGLISH_ACCENTS } from '../../src/corpus/espeak.js';
import { HUMAN_FORMANT_FACTOR_RANGE, HUMAN_VARIANTS, assertDisjointSpeakers, drawSpeakers, speakerId, type Speaker } from '../../src/corpus/voices.js';

test('drawSpeakers: unique voices, dev/test variants never in train, all accents in train, seeded', () => {
  const counts = { train: 24, dev: 4, test: 4 };
  const spk = drawSpeakers(makeRng(1, 'speakers'), counts);
  assert.deepEqual(drawSpeakers(makeRng(1, 'speakers'), counts), spk, 'same seed, same speakers');
  assert.notDeepEqual(drawSpeakers(makeRng(2, 'speakers'), counts), spk);
  assert.equal(spk.length, 32);
  assert.deepEqual(spk.filter((s) => s.split === 'dev').map((s) => s.id), ['dev01', 'dev02', 'dev03', 'dev04']);
  const pairs = new Set(spk.map((s) => `${s.voice.accent}+${s.voice.variant ?? ''}`));
  assert.equal(pairs.size, spk.length, 'every speaker has its own accent+variant');
  const trainVariants = new Set(spk.filter((s) => s.split === 'train').map((s) => s.voice.variant ?? ''));
  for (const s of spk.filter((x) => x.split !== 'train')) assert.ok(!trainVariants.has(s.voice.variant ?? ''), s.id);
  assert.deepEqual(new Set(spk.filter((s) => s.split === 'train').map((s) => s.voice.accent)), new Set(ENGLISH_ACCENTS));
  for (const s of spk) {
    assert.ok(s.voice.rateWpm >= 140 && s.voice.rateWpm <= 210);
    assert.ok(s.voice.pitch >= 25 && s.voice.pitch <= 75);
    assert.ok(HUMAN_VARIANTS.includes(s.voice.variant ?? ''));
  }
});

test('drawSpeakers refuses more speakers than voices', () => {
  assert.throws(() => drawSpeakers(makeRng(1), { train: 10, dev: 30, test: 30 }), {
    name: 'InputError',
    message: `10 train + 60 dev/test speakers do not fit ${HUMAN_VARIANTS.length} voice variants x 8 accents (dev/test speakers need variants of their own); use fewer speakers`,
  });
});

test('assertDisjointSpeakers names a held-out speaker whose voice variant is in train', () => {
  const v = { accent: 'en-us' as const, rateWpm: 170, pitch: 50, pitchRange: 50 };
  const spk: Speaker[] = [
    { id: 'train01', split: 'train', voice: { ...v, variant: 'm3' } },
    { id: 'test01', split: 'test', voice: { ...v, accent: 'en-029', variant: 'm3' } },
  ];
  assert.throws(() => assertDisjointSpeakers(spk), { message: "speakers: test speaker test01 uses voice variant 'm3', which train speakers use too" });
  assert.throws(() => assertDisjointSpeakers([spk[0], spk[0]]), { message: 'speakers: duplicate speaker id train01' });
  assert.equal(speakerId('dev', 2), 'dev03');
});

test('every human variant synthesizes with every accent (smoke, one word)', async () => {
  const { getEspeak } = await import('../../src/corpus/espeak.js');
  const e = await getEspeak();
  for (const variant of HUMAN_VARIANTS) {
    if (!variant) continue;
    assert.ok(e.variants.includes(variant), `variant ${variant} in the build`);
    const [lo, hi] = HUMAN_FORMANT_FACTOR_RANGE;
    for (const f of e.variantFormantFactors(variant)) assert.ok(f >= lo && f <= hi, `${variant}: formant factors ${e.variantFormantFactors(variant)}`);
  }
  // The effect voices left out are caught by the same check.
  assert.deepEqual(e.variantFormantFactors('Lee'), [80, 80, 9]);
  assert.deepEqual(e.variantFormantFactors('adam'), [100, 100, 100]);
  assert.throws(() => e.variantFormantFactors('nobody'), { message: "espeak: unknown voice variant 'nobody'" });
  for (const accent of ENGLISH_ACCENTS) {
    const s = e.synthesize('six', { accent, variant: HUMAN_VARIANTS[ENGLISH_ACCENTS.indexOf(accent) * 5 + 1], rateWpm: 175, pitch: 50, pitchRange: 50 });
    assert.ok(s.samples.length > 2000);
  }
});

test('train speakers use distinct voice variants while there are enough', () => {
  const spk = drawSpeakers(makeRng(3), { train: 30, dev: 4, test: 4 }).filter((s) => s.split === 'train');
  assert.equal(new Set(spk.map((s) => s.voice.variant ?? '')).size, 30);
  // More train speakers than variants: variants repeat, but never with the same accent.
  const many = drawSpeakers(makeRng(3), { train: 100, dev: 2, test: 2 }).filter((s) => s.split === 'train');
  assert.equal(new Set(many.map((s) => `${s.voice.accent}+${s.voice.variant ?? ''}`)).size, 100);
});
