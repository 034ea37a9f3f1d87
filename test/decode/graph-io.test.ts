import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDecodingGraph } from '../../src/decode/graph.js';
import { wordLoopGrammar } from '../../src/decode/grammar.js';
import { decodeGraph, encodeGraph } from '../../src/decode/graph-io.js';
import { beamSearch } from '../../src/decode/beam-search.js';
import { toyLang, toyTransitionModel } from './toy-model.js';

const lang = toyLang();
const graph = buildDecodingGraph(wordLoopGrammar(['four', 'oh', 'seven']), lang, toyTransitionModel(lang));

test('graph-io: a graph survives encode/decode exactly (-Infinity final weights included) and decodes the same', () => {
  const bytes = encodeGraph(graph);
  // Decoding from an unaligned offset inside a bigger buffer (as a fetched file may be) works too.
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  const back = decodeGraph(shifted.subarray(1), 'g.bin');
  assert.deepEqual(back, graph);
  assert.ok([...back.finalLogProb].some((f) => f === -Infinity));
  const numFrames = 40;
  const ll = Float32Array.from({ length: numFrames * graph.numPdfs }, (_, i) => Math.sin(i * 0.37) * 5);
  assert.deepEqual(beamSearch(back, ll, numFrames), beamSearch(graph, ll, numFrames));
});

test('graph-io: damaged files are InputErrors that say to export again', () => {
  const bytes = encodeGraph(graph);
  assert.throws(() => decodeGraph(new TextEncoder().encode('hello world, not a graph'), 'g.bin'), { name: 'InputError', message: 'g.bin: not a decoding graph written by asr-distill export-web (bad magic); export the model again' });
  assert.throws(() => decodeGraph(bytes.subarray(0, bytes.length - 4), 'g.bin'), { name: 'InputError', message: 'g.bin: truncated graph (finalLogProb); export the model again' });
  const longer = new Uint8Array(bytes.length + 8);
  longer.set(bytes);
  assert.throws(() => decodeGraph(longer, 'g.bin'), { name: 'InputError', message: 'g.bin: 8 trailing bytes after the graph; export the model again' });
});
