import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEspeak, type EspeakPhone, type VoiceConfig } from '../../src/corpus/espeak.js';
import { MIN_PREPAUSE_MS, attachPrepauses, zeroRunEndingNear } from '../../src/corpus/prepause.js';

const us: VoiceConfig = { accent: 'en-us', rateWpm: 175, pitch: 50, pitchRange: 50 };

function phone(name: string, startSec: number, endSec: number, isPause = false): EspeakPhone {
  return { name, ipa: isPause ? '' : name, wordIndex: 0, isPause, stress: 0, startSec, endSec };
}

test('zeroRunEndingNear finds the longest zero run ending within the slack, not below the floor', () => {
  const x = new Float32Array([0.5, 0.2, 0, 0, 0, 0, 0.3, 0.1, 0, 0.4]);
  assert.deepEqual(zeroRunEndingNear(x, 6, 1, 0), { start: 2, end: 6 });
  assert.deepEqual(zeroRunEndingNear(x, 7, 1, 0), { start: 2, end: 6 }, 'run ending 1 sample before the centre');
  assert.deepEqual(zeroRunEndingNear(x, 6, 0, 4), { start: 4, end: 6 }, 'stops at the floor');
  assert.equal(zeroRunEndingNear(x, 9, 0, 0).end - zeroRunEndingNear(x, 9, 0, 0).start, 1);
});

test('attachPrepauses gives a digital-silence run ending at an event to the following phoneme', () => {
  const sr = 1000; // 1 sample = 1 ms
  const x = new Float32Array(300).fill(0.1);
  x.fill(0, 140, 180); // 40 ms of silence before the event at 180 ms
  x.fill(0, 230, 233); // 3 ms: shorter than MIN_PREPAUSE_MS, a zero crossing
  const phones = [phone('I', 0.1, 0.18), phone('k', 0.18, 0.233), phone('s', 0.233, 0.3)];
  const out = attachPrepauses(phones, x, sr);
  assert.deepEqual(
    out.map((p) => [p.name, p.startSec, p.endSec]),
    [['I', 0.1, 0.14], ['k', 0.14, 0.233], ['s', 0.233, 0.3]],
  );
  assert.equal(phones[1].startSec, 0.18, 'input not modified');
  assert.ok(3 < MIN_PREPAUSE_MS);
  // A silence after a pause phoneme is the pause's own: left alone; the previous phoneme keeps 1 ms.
  const p2 = [phone('_', 0.1, 0.18, true), phone('k', 0.18, 0.3)];
  assert.deepEqual(attachPrepauses(p2, x, sr).map((p) => p.startSec), [0.1, 0.18]);
  const y = new Float32Array(300).fill(0.1);
  y.fill(0, 100, 180);
  assert.deepEqual(attachPrepauses([phone('I', 0.1, 0.18), phone('k', 0.18, 0.3)], y, sr).map((p) => p.startSec), [0.1, 0.101]);
});

test('eSpeak puts a stop closure before the stop event: the silence moves into K and T', async () => {
  const e = await getEspeak();
  const s = e.synthesize('six eight', us);
  const out = attachPrepauses(s.phones, s.samples, s.sampleRate);
  for (const name of ['k', 't']) {
    const i = s.phones.findIndex((p) => p.name === name);
    const closureMs = (s.phones[i].startSec - out[i].startSec) * 1000;
    // The closure is digital silence that ends at the event and lies inside the preceding vowel's reported interval.
    assert.ok(closureMs >= 20, `${name}: closure ${closureMs} ms`);
    const a = Math.round(out[i].startSec * s.sampleRate);
    const b = Math.round(s.phones[i].startSec * s.sampleRate);
    let zeros = 0;
    for (let k = a; k < b; k++) if (s.samples[k] === 0) zeros++;
    assert.ok(zeros >= 0.95 * (b - a), `${name}: the moved stretch is silent`);
    assert.ok(out[i - 1].endSec === out[i].startSec && out[i - 1].endSec > out[i - 1].startSec);
  }
  // Phonemes without a pre-pause (s>I, I>k's vowel start) keep their event times.
  const iI = s.phones.findIndex((p) => p.name === 'I');
  assert.equal(out[iI].startSec, s.phones[iI].startSec);
});
