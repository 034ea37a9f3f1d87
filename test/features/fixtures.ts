// Shared helpers for the fbank fixture tests: /work/shared/fixtures/fbank (read-only).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures/fbank');

export interface FixtureCase {
  name: string;
  audio: string;
  data: string;
  shape: [number, number];
  sample_rate: number;
  channel_used: number;
  num_mel_bins: number;
  snip_edges: boolean;
}

export interface FixtureIndex {
  log_floor_value: number;
  cases: FixtureCase[];
}

export function readFixtureIndex(): FixtureIndex {
  return JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'ref/index.json'), 'utf8')) as FixtureIndex;
}

/** The reference matrix of a case (float32 little-endian, row-major). */
export function readReference(c: FixtureCase): Float32Array {
  const b = readFileSync(path.join(FIXTURE_DIR, c.data));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/**
 * Minimal canonical PCM16 WAV reader (44-byte header, as the fixture README states), returning
 * int16-valued channels as Kaldi reads them. Stand-in until src/data/wav.ts (decodeWav) lands.
 */
export function readPcm16Fixture(file: string): { sampleRate: number; channels: Float32Array[] } {
  const b = readFileSync(path.join(FIXTURE_DIR, file));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const numChannels = dv.getUint16(22, true);
  const sampleRate = dv.getUint32(24, true);
  const dataBytes = dv.getUint32(40, true);
  const n = dataBytes / (2 * numChannels);
  const channels = Array.from({ length: numChannels }, () => new Float32Array(n));
  for (let i = 0; i < n; i++) for (let c = 0; c < numChannels; c++) channels[c][i] = dv.getInt16(44 + 2 * (i * numChannels + c), true);
  return { sampleRate, channels };
}
