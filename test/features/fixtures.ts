// Helpers for the fbank reference fixture tests: test/fixtures/fbank (torchaudio reference numbers; see
// its README.md; the files are fixed, never regenerate or edit them).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeWav } from '../../src/data/wav.js';

export const FIXTURE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/fbank');

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
 * A fixture WAV decoded with the data module's `decodeWav`, channels scaled to int16 values (x * 32768)
 * as Kaldi reads WAV and as the references were computed.
 */
export function readFixtureWav(file: string): { sampleRate: number; channels: Float32Array[] } {
  const { sampleRate, channels } = decodeWav(readFileSync(path.join(FIXTURE_DIR, file)), file);
  return { sampleRate, channels: channels.map((c) => Float32Array.from(c, (v) => v * 32768)) };
}
