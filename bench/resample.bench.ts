// Resampler throughput: 10 minutes of 22.05 kHz audio -> 16 kHz (the espeak-ng corpus path),
// and 44.1 kHz -> 16 kHz; reported as x real time and projected seconds per hour of audio.
import { resample } from '../src/data/resample.js';
import { makeRng, randNormal } from '../src/data/random.js';

function measure(fromRate: number, toRate: number, seconds: number): Record<string, number> {
  const rng = makeRng(1, 'resample-bench');
  const x = new Float32Array(fromRate * seconds);
  for (let i = 0; i < x.length; i++) x[i] = 0.1 * randNormal(rng);
  resample(x.subarray(0, fromRate), fromRate, toRate); // design the filter outside the timing
  const t0 = performance.now();
  const y = resample(x, fromRate, toRate);
  const sec = (performance.now() - t0) / 1000;
  if (y.length !== Math.ceil((x.length * toRate) / fromRate)) throw new Error('unexpected output length');
  return { audioSec: seconds, wallSec: +sec.toFixed(3), xRealTime: +(seconds / sec).toFixed(1), projectedSecPerHour: +((3600 * sec) / seconds).toFixed(1) };
}

export async function run(): Promise<Record<string, unknown>> {
  return { '22050->16000': measure(22050, 16000, 600), '44100->16000': measure(44100, 16000, 300) };
}
