import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Endpointer, decoderEndpoint } from '../../src/web/browser/endpointer.js';
import { makeRng, randNormal } from '../../src/data/random.js';

const rate = 16000;
const rng = makeRng(4, 'endpointer');
const noise = (sec: number) => Float32Array.from({ length: sec * rate }, () => 0.001 * randNormal(rng));
const tone = (sec: number) => Float32Array.from({ length: sec * rate }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate) + 0.001 * randNormal(rng));
const concat = (...parts: Float32Array[]) => {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};

test('endpointer: speech start and end (after 500 ms of trailing silence), in any chunking', () => {
  const signal = concat(noise(1), tone(1), noise(1), tone(0.05), noise(0.5));
  for (const chunk of [signal.length, 4096, 333]) {
    const ep = new Endpointer(rate);
    const events = [];
    for (let i = 0; i < signal.length; i += chunk) events.push(...ep.feed(signal.subarray(i, i + chunk)));
    // The 50 ms blip is shorter than minSpeechMs: no second utterance.
    assert.deepEqual(events, [
      { kind: 'start', sample: 16000 },
      { kind: 'end', sample: 32000 + 8000, speechEnd: 32000 },
    ], `chunks of ${chunk}`);
    assert.equal(ep.speaking, false);
  }
});

test('endpointer: still speaking while the trailing silence is shorter than the limit', () => {
  const ep = new Endpointer(rate, { trailingSilenceMs: 800 });
  const events = ep.feed(concat(noise(0.5), tone(0.5), noise(0.7)));
  assert.deepEqual(events, [{ kind: 'start', sample: 8000 }]);
  assert.equal(ep.speaking, true);
  assert.deepEqual(ep.feed(noise(0.2)), [{ kind: 'end', sample: 16000 + 12800, speechEnd: 16000 }]);
});

test('endpointer: silenceMs counts the trailing silence; end() cuts the utterance early (a decoder rule fired)', () => {
  const ep = new Endpointer(rate);
  ep.feed(concat(noise(0.5), tone(0.5)));
  assert.equal(ep.silenceMs, 0);
  ep.feed(noise(0.3));
  assert.equal(ep.silenceMs, 300);
  assert.deepEqual(ep.end(), { kind: 'end', sample: 20800, speechEnd: 16000 });
  assert.equal(ep.speaking, false);
  assert.equal(ep.silenceMs, 0);
  assert.equal(ep.end(), null);
  // The rest of the silence starts nothing; new speech starts a new utterance.
  assert.deepEqual(ep.feed(concat(noise(0.5), tone(0.5))), [{ kind: 'start', sample: 20800 + 8000 }]);
});

test('decoder endpoint (Kaldi rule 2, shorter silence): silence, trailing time on the best path and relative cost must all agree', () => {
  assert.equal(decoderEndpoint(300, { relativeCost: 0.5, trailingMs: 250 }), true);
  assert.equal(decoderEndpoint(290, { relativeCost: 0.5, trailingMs: 250 }), false, 'not enough silence yet');
  assert.equal(decoderEndpoint(300, { relativeCost: 0.5, trailingMs: 150 }), false, 'the best path still ends in a word');
  assert.equal(decoderEndpoint(300, { relativeCost: 3, trailingMs: 250 }), false, 'the final state is too unlikely');
  assert.equal(decoderEndpoint(300, { relativeCost: Infinity, trailingMs: 250 }), false, 'no final state');
  assert.equal(decoderEndpoint(200, { relativeCost: 0, trailingMs: 100 }, { minSilenceMs: 200, minTrailingMs: 100 }), true);
});
