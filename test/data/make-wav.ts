// Test helper: WAV files in any layout, built byte by byte independently of src/data/wav.ts.

/** A WAV in any layout, written independently of the code under test (test helper). */
export function makeWav(opts: {
  ints?: number[][]; // per channel, raw integer sample values
  floats?: number[][];
  bits: number;
  rate?: number;
  extensible?: boolean;
  extraChunk?: { id: string; bytes: number }; // inserted before 'data' (odd sizes get a pad byte)
  declaredDataBytes?: number;
  dropTail?: number;
}): Uint8Array {
  const chans = opts.ints ?? opts.floats!;
  const n = chans[0]!.length;
  const nch = chans.length;
  const bps = opts.bits / 8;
  const data = Buffer.alloc(n * nch * bps);
  let at = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nch; c++) {
      const v = chans[c]![i]!;
      if (opts.floats) opts.bits === 32 ? data.writeFloatLE(v, at) : data.writeDoubleLE(v, at);
      else if (opts.bits === 16) data.writeInt16LE(v, at);
      else if (opts.bits === 24) data.writeIntLE(v, at, 3);
      else data.writeInt32LE(v, at);
      at += bps;
    }
  }
  const formatTag = opts.floats ? 3 : 1;
  const fmt = Buffer.alloc(opts.extensible ? 40 : 16);
  fmt.writeUInt16LE(opts.extensible ? 0xfffe : formatTag, 0);
  fmt.writeUInt16LE(nch, 2);
  fmt.writeUInt32LE(opts.rate ?? 16000, 4);
  fmt.writeUInt32LE((opts.rate ?? 16000) * nch * bps, 8);
  fmt.writeUInt16LE(nch * bps, 12);
  fmt.writeUInt16LE(opts.bits, 14);
  if (opts.extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(opts.bits, 18);
    fmt.writeUInt16LE(formatTag, 24);
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(fmt, 26);
  }
  const chunk = (id: string, body: Buffer, declared = body.length) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'ascii');
    h.writeUInt32LE(declared, 4);
    return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const parts = [chunk('fmt ', fmt)];
  if (opts.extraChunk) parts.push(chunk(opts.extraChunk.id, Buffer.alloc(opts.extraChunk.bytes, 0x41)));
  parts.push(chunk('data', data, opts.declaredDataBytes));
  const body = Buffer.concat([Buffer.from('WAVE'), ...parts]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(body.length, 4);
  const all = Buffer.concat([riff, body]);
  return new Uint8Array(all.subarray(0, all.length - (opts.dropTail ?? 0)));
}
