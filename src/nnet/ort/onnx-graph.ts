// A small builder for ONNX graphs (nodes, initializers, inputs, outputs) serialised with the
// `onnx-proto` package (protobufjs code generated from onnx.proto, ONNX 1.10): we only assemble
// messages, the protobuf encoding is the library's. Opset 13 of the default domain: Softmax and
// LogSoftmax work on the last axis, ReduceSum takes its axes as an input, Clip/Max take int64.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The opset of the default ONNX domain our graphs use. */
export const ONNX_OPSET = 13;
/** ONNX IR version 7 (ONNX 1.8+), the version that goes with opset 13. */
const IR_VERSION = 7;

/** A dimension: a fixed size or a symbolic name (a batch or frame count). */
export type Dim = number | string;

/** Attribute values we use: ints, floats, int lists. */
export type AttrValue = number | number[] | { float: number };

type ElemType = 'float' | 'int64' | 'int32';

const ELEM: Record<ElemType, number> = { float: onnx.TensorProto.DataType.FLOAT, int64: onnx.TensorProto.DataType.INT64, int32: onnx.TensorProto.DataType.INT32 };

/** The TensorProto data type number of an element type (the `to` attribute of Cast). */
export function onnxType(elem: ElemType): number {
  return ELEM[elem];
}

function valueInfo(name: string, elem: ElemType, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ELEM[elem], shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'object') return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.INT, i: v };
}

/**
 * Accumulates one ONNX graph. Names are the caller's; `unique(stem)` makes fresh ones for
 * intermediate values.
 *
 * @example
 * const g = new OnnxGraph('mlp');
 * g.input('x', 'float', ['N', 4]);
 * g.initializer('W', new Float32Array(8), [4, 2]);
 * g.node('MatMul', ['x', 'W'], ['y']);
 * g.output('y', 'float', ['N', 2]);
 * const bytes = g.toModelBytes();
 */
export class OnnxGraph {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inits: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh value name `stem_N`. */
  unique(stem: string): string {
    return `${stem}_${this.counter++}`;
  }

  /** Declare a graph input. */
  input(name: string, elem: ElemType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  /** Declare a graph output (a value some node produces). */
  output(name: string, elem: ElemType, dims: Dim[]): string {
    this.outputs.push(valueInfo(name, elem, dims));
    return name;
  }

  /**
   * A constant tensor stored in the model (weights, shapes). float32 data is stored raw
   * (little-endian, as onnx.proto's raw_data requires; every platform Node runs on is little-endian).
   */
  initializer(name: string, data: Float32Array | BigInt64Array, dims: number[]): string {
    const dataType = data instanceof Float32Array ? ELEM.float : ELEM.int64;
    this.inits.push({ name, dims, dataType, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  /** A float constant (fresh name). */
  floats(stem: string, values: ArrayLike<number>, dims: number[] = [values.length]): string {
    return this.initializer(this.unique(stem), Float32Array.from(values), dims);
  }

  /** An int64 constant (fresh name). */
  ints(stem: string, values: number[], dims: number[] = [values.length]): string {
    return this.initializer(this.unique(stem), BigInt64Array.from(values.map(BigInt)), dims);
  }

  /** Add a node; returns its first output's name. */
  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): string {
    this.nodes.push({ opType, input: inputs, output: outputs, name: this.unique(opType), attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return outputs[0];
  }

  /** Add a one-output node whose output gets a fresh name; returns that name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(opType, inputs, [this.unique(opType.toLowerCase())], attrs);
  }

  /** Serialise as an ONNX model (ModelProto bytes), with optional metadata_props (key -> value). */
  toModelBytes(docString = '', metadata: Record<string, string> = {}): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'asr-distill',
      docString,
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: { name: this.name, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
