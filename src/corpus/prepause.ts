// Where a phone's sound starts, from the synthesizer's own output: eSpeak's pre-pauses.
//
// eSpeak-NG emits a phoneme's event *after* that phoneme's pre-pause: in `Generate()`
// (libespeak-ng/synthesize.c) each phoneme runs `if (p->prepause > 0) DoPause(p->prepause, 1);`
// and only then `DoPhonemeMarker(espeakEVENT_PHONEME, ...)`. `prepause` is a field of the phoneme
// (set in setlengths.c `CalcLengths`): the closure silence of a stop after a vowel (IH>K, EY>T:
// ~45 ms) and the short word-boundary gap before a fricative (~10 ms). So the event time is where
// the phoneme's *release or frication* starts, and its silence is reported inside the previous
// phoneme. `DoPause` writes digital silence (samples exactly 0; wavegen.c `PlaySilence`), so the
// pre-pause can be read off the clean synthesized waveform without any model: a run of zero
// samples that ends at a phoneme's event is that phoneme's pre-pause, and the phoneme starts where
// the run starts (the TIMIT convention too: a stop's closure belongs to the stop).
//
// This is a property of the synthesizer alone; it never looks at an aligner's output. The raw event
// times stay available (`phones.raw.ctm`) so nothing is hidden.
import type { EspeakPhone } from './espeak.js';

/** Shortest run of zero samples taken as a pre-pause (shorter runs are zero crossings of low-level sound). */
export const MIN_PREPAUSE_MS = 5;
/** eSpeak reports events in whole milliseconds: the run may end this far either side of the event. */
export const EVENT_SLACK_MS = 2;

export interface PrepauseOptions {
  minPrepauseMs?: number;
  eventSlackMs?: number;
}

/**
 * Length and end (in samples) of the longest run of exact zeros in `samples` that ends within
 * `[centre - slack, centre + slack]`, looking no further back than `floor`.
 */
export function zeroRunEndingNear(samples: Float32Array, centre: number, slack: number, floor: number): { start: number; end: number } {
  let best = { start: centre, end: centre };
  const hi = Math.min(samples.length, centre + slack);
  for (let end = Math.max(floor, centre - slack); end <= hi; end++) {
    let start = end;
    while (start > floor && samples[start - 1] === 0) start--;
    if (end - start > best.end - best.start) best = { start, end };
  }
  return best;
}

/**
 * Move each phoneme's start back over its pre-pause: the run of digital silence in the clean
 * synthesized `samples` that ends at the phoneme's event (see the file comment for why that silence
 * is the phoneme's). The previous phoneme then ends there. Pause phonemes, and phonemes after a
 * pause, are left alone (their silence is already a pause). Returns new phone objects; `phones` is
 * not modified. Voices whose silence is not digital zero (echo) simply keep their event times.
 *
 * Example: in "six" the K event comes after ~45 ms of closure silence that eSpeak reports inside IH;
 * afterwards IH ends and K starts where that silence starts.
 */
export function attachPrepauses(phones: EspeakPhone[], samples: Float32Array, sampleRate: number, opts: PrepauseOptions = {}): EspeakPhone[] {
  const minRun = Math.round(((opts.minPrepauseMs ?? MIN_PREPAUSE_MS) * sampleRate) / 1000);
  const slack = Math.round(((opts.eventSlackMs ?? EVENT_SLACK_MS) * sampleRate) / 1000);
  const out = phones.map((p) => ({ ...p }));
  for (let i = 1; i < out.length; i++) {
    const prev = out[i - 1];
    const cur = out[i];
    if (prev.isPause || cur.isPause) continue;
    // Keep at least 1 ms of the previous phoneme: it was spoken, only its tail is the pause.
    const floor = Math.ceil((prev.startSec + 0.001) * sampleRate);
    const run = zeroRunEndingNear(samples, Math.round(cur.startSec * sampleRate), slack, floor);
    if (run.end - run.start < minRun) continue;
    const startSec = Math.round((run.start / sampleRate) * 1e4) / 1e4;
    if (startSec >= cur.startSec) continue;
    cur.startSec = startSec;
    prev.endSec = startSec;
  }
  return out;
}
