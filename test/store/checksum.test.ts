import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalJson, configHash, fileChecksum, sha256Hex } from '../../src/store/checksum.js';

test('sha256Hex / fileChecksum: node:crypto sha256 of the bytes (a string as UTF-8), with the size', () => {
  // The published test vector of SHA-256("abc").
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  const bytes = Uint8Array.of(1, 2, 3, 250);
  assert.deepEqual(fileChecksum(bytes), { bytes: 4, sha256: createHash('sha256').update(bytes).digest('hex') });
  assert.equal(sha256Hex('é'), sha256Hex(Uint8Array.of(0xc3, 0xa9)));
});

test('canonicalJson: keys sorted at every level, no whitespace, undefined fields dropped', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: true, c: 'x' } }), '{"a":{"c":"x","d":true},"b":1}');
  assert.equal(canonicalJson({ a: [3, { z: 1, y: null }], u: undefined }), '{"a":[3,{"y":null,"z":1}]}');
  assert.equal(canonicalJson(0.97), '0.97');
  assert.equal(canonicalJson(undefined), 'null');
});

test('configHash: the same configuration in any key order has one hash; any changed value another', () => {
  const h = configHash({ type: 'fbank', lowFreq: 20, numMelBins: 40 });
  assert.match(h, /^sha256:[0-9a-f]{64}$/);
  assert.equal(configHash({ numMelBins: 40, lowFreq: 20, type: 'fbank' }), h);
  assert.notEqual(configHash({ type: 'fbank', lowFreq: 300, numMelBins: 40 }), h);
  assert.notEqual(configHash({ type: 'fbank', lowFreq: '20', numMelBins: 40 }), h);
});
