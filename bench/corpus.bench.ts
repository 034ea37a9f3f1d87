// npm run bench -- corpus: make-corpus digits throughput (issue 3): utterances per second and
// x real time for the whole command (worker start-up, eSpeak load, WAV/CTM writing included) with
// --jobs 1 and --jobs 2, plus the per-utterance cost in this thread (synthesis vs rendering).
// Size scales with ASR_DISTILL_BENCH_SCALE (default 1 = 200 utterances per run).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_DIGITS_CONFIG, makeDigitsCorpus, planCorpus, renderUtterance, type DigitsCorpusConfig } from '../src/corpus/digits.js';
import { Espeak } from '../src/corpus/espeak.js';

const SCALE = Math.max(0.1, Number(process.env.ASR_DISTILL_BENCH_SCALE ?? 1) || 1);

export async function run(): Promise<Record<string, unknown>> {
  const train = Math.max(10, Math.round(160 * SCALE));
  const heldOut = Math.max(2, Math.round(20 * SCALE));
  const config: DigitsCorpusConfig = {
    ...DEFAULT_DIGITS_CONFIG,
    utts: { train, dev: heldOut, test: heldOut },
    speakers: { train: 8, dev: 2, test: 2 },
  };
  const dir = await mkdtemp(path.join(tmpdir(), 'corpus-bench-'));
  const out: Record<string, unknown> = { utterances: train + 2 * heldOut };
  try {
    for (const jobs of [1, 2]) {
      const t0 = performance.now();
      const summary = await makeDigitsCorpus(path.join(dir, `j${jobs}`), config, { jobs, quiet: true });
      const sec = (performance.now() - t0) / 1000;
      out[`jobs${jobs}`] = {
        wallSec: +sec.toFixed(2),
        uttsPerSec: +(summary.totalUtts / sec).toFixed(1),
        xRealTime: +((summary.totalHours * 3600) / sec).toFixed(1),
        audioMin: +(summary.totalHours * 60).toFixed(2),
      };
    }
    // Steady state in this thread: what one worker does per utterance once eSpeak is loaded.
    const t0 = performance.now();
    const espeak = await Espeak.create();
    const loadMs = performance.now() - t0;
    const plans = planCorpus(config).utts.slice(0, 60);
    let synthMs = 0;
    let renderMs = 0;
    let audioSec = 0;
    for (const p of plans) {
      const a = performance.now();
      espeak.synthesize(p.words.join(' '), p.voice);
      const b = performance.now();
      const r = renderUtterance(p, espeak, 16000);
      renderMs += performance.now() - b;
      synthMs += b - a;
      audioSec += r.samples.length / r.sampleRate;
    }
    out.inThread = {
      espeakLoadMs: +loadMs.toFixed(0),
      synthesizeMsPerUtt: +(synthMs / plans.length).toFixed(1),
      renderMsPerUtt: +(renderMs / plans.length).toFixed(1),
      renderXRealTime: +((1000 * audioSec) / renderMs).toFixed(1),
    };
    out.note = 'render = synthesize + resample + noise + gain + CTM; wall times include worker start-up and file writes';
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
