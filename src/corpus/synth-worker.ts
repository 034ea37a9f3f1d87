// Job function for make-corpus: render a chunk of planned utterances and write their WAVs.
// Runs in a worker thread (jobs/runner.ts); each thread loads its own eSpeak instance once.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { encodeWavPcm16 } from '../data/wav.js';
import type { JobContext } from '../jobs/runner.js';
import { getEspeak } from './espeak.js';
import { formatPhoneCtm, renderUtterance, type UttPlan, type WrittenUtterance } from './digits.js';

/** Input of one make-corpus job. */
export interface SynthJobInput {
  /** Corpus directory being built; WAVs go to `<outDir>/<split>/wav/<uttId>.wav`. */
  outDir: string;
  sampleRate: number;
  plans: UttPlan[];
}

/**
 * Render and write each planned utterance; reports `{ uttId, durationSec }` after each one.
 * The files are plain writes: the whole corpus directory is renamed into place atomically at the end.
 */
export async function synthesizeUtterances(input: SynthJobInput, ctx: JobContext): Promise<WrittenUtterance[]> {
  const espeak = await getEspeak();
  const out: WrittenUtterance[] = [];
  for (const plan of input.plans) {
    const r = renderUtterance(plan, espeak, input.sampleRate);
    await fs.writeFile(path.join(input.outDir, plan.split, 'wav', `${plan.uttId}.wav`), encodeWavPcm16(r.samples, r.sampleRate));
    const durationSec = r.samples.length / r.sampleRate;
    out.push({ uttId: plan.uttId, durationSec, ctm: formatPhoneCtm(plan.uttId, r.segments), rawCtm: formatPhoneCtm(plan.uttId, r.rawSegments), wordPhones: r.wordPhones });
    ctx.report({ uttId: plan.uttId, durationSec });
  }
  return out;
}
