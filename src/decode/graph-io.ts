// A decoding graph as one binary file, so a web page (export-web) loads the graph built in Node
// instead of rebuilding it from lang/, the transition model and the grammar. Pure: no Node modules.
import { InputError } from '../errors.js';
import type { DecodingGraph } from './graph.js';

/** First bytes of a graph file (format version 1). */
const MAGIC = 'ASRGRAPH1\n';

type ArrayField = 'nodePdf' | 'nodeWord' | 'arcStart' | 'arcEmitEnd' | 'arcTo' | 'arcLogProb' | 'arcLabel' | 'finalLogProb';
const FIELDS: readonly { name: ArrayField; type: 'i32' | 'f32' }[] = [
  { name: 'nodePdf', type: 'i32' },
  { name: 'nodeWord', type: 'i32' },
  { name: 'arcStart', type: 'i32' },
  { name: 'arcEmitEnd', type: 'i32' },
  { name: 'arcTo', type: 'i32' },
  { name: 'arcLogProb', type: 'f32' },
  { name: 'arcLabel', type: 'i32' },
  { name: 'finalLogProb', type: 'f32' },
];

interface GraphHeader {
  numNodes: number;
  start: number;
  numPdfs: number;
  words: string[];
  lengths: Record<ArrayField, number>;
}

/**
 * Encode `graph`: the magic line, a little-endian uint32 header length, the JSON header (sizes,
 * words), zero padding to 4 bytes, then the arrays in a fixed order (little-endian, as typed arrays
 * are on every platform browsers run on; -Infinity final weights survive, JSON would lose them).
 */
export function encodeGraph(graph: DecodingGraph): Uint8Array {
  const header: GraphHeader = {
    numNodes: graph.numNodes,
    start: graph.start,
    numPdfs: graph.numPdfs,
    words: graph.words,
    lengths: Object.fromEntries(FIELDS.map((f) => [f.name, graph[f.name].length])) as Record<ArrayField, number>,
  };
  const magic = new TextEncoder().encode(MAGIC);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerEnd = align4(magic.length + 4 + json.length);
  const total = headerEnd + FIELDS.reduce((n, f) => n + graph[f.name].length * 4, 0);
  const out = new Uint8Array(total);
  out.set(magic, 0);
  new DataView(out.buffer).setUint32(magic.length, json.length, true);
  out.set(json, magic.length + 4);
  let offset = headerEnd;
  for (const f of FIELDS) {
    const a = graph[f.name];
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset += a.byteLength;
  }
  return out;
}

/** Decode a file written by encodeGraph; `what` names it in errors. The arrays are copies (aligned). */
export function decodeGraph(bytes: Uint8Array, what: string): DecodingGraph {
  const magic = new TextEncoder().encode(MAGIC);
  if (bytes.length < magic.length + 4 || new TextDecoder().decode(bytes.subarray(0, magic.length)) !== MAGIC) {
    throw new InputError(`${what}: not a decoding graph written by asr-distill export-web (bad magic); export the model again`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(magic.length, true);
  let header: GraphHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(magic.length + 4, magic.length + 4 + jsonLength))) as GraphHeader;
  } catch {
    throw new InputError(`${what}: damaged graph header; export the model again`);
  }
  let offset = align4(magic.length + 4 + jsonLength);
  const arrays = {} as Record<ArrayField, Int32Array | Float32Array>;
  for (const f of FIELDS) {
    const n = header.lengths?.[f.name];
    if (!Number.isInteger(n) || n < 0 || offset + n * 4 > bytes.length) throw new InputError(`${what}: truncated graph (${f.name}); export the model again`);
    // A copy through the constructor: Buffer#slice (Node's readFile) would share the pooled memory.
    const copy = new Uint8Array(bytes.subarray(offset, offset + n * 4));
    arrays[f.name] = f.type === 'i32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    offset += n * 4;
  }
  if (offset !== bytes.length) throw new InputError(`${what}: ${bytes.length - offset} trailing bytes after the graph; export the model again`);
  return {
    numNodes: header.numNodes,
    start: header.start,
    numPdfs: header.numPdfs,
    words: header.words,
    nodePdf: arrays.nodePdf as Int32Array,
    nodeWord: arrays.nodeWord as Int32Array,
    arcStart: arrays.arcStart as Int32Array,
    arcEmitEnd: arrays.arcEmitEnd as Int32Array,
    arcTo: arrays.arcTo as Int32Array,
    arcLogProb: arrays.arcLogProb as Float32Array,
    arcLabel: arrays.arcLabel as Int32Array,
    finalLogProb: arrays.finalLogProb as Float32Array,
  };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
