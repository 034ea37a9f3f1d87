// Live audio to utterances and their words: the energy endpointer finds where speech starts; from
// a short pre-roll before it every chunk goes to the online recognizer at once, the best path so
// far is the partial hypothesis, and the utterance ends when the decoder's endpoint rule agrees
// (decoderEndpoint: final state after 300 ms of silence), else at the energy endpointer's 500 ms.
// The page's microphone loop (app.ts) feeds it the capture worklet's chunks; no DOM here, so the
// whole loop runs under Node in tests.
import { frameShiftMsOf } from '../../features/config.js';
import type { SearchResult } from '../../decode/beam-search.js';
import { Endpointer, decoderEndpoint, type DecoderEndpointRule, type EndEvent, type EndpointerOptions } from './endpointer.js';
import type { OnlineRecognizer } from './online.js';

/** Seconds of audio kept before the detected start of speech (its onset is quieter than the threshold). */
export const PRE_ROLL_SEC = 0.3;

export type LiveEvent =
  | { kind: 'start' }
  /** After each chunk during an utterance: the best path so far. */
  | { kind: 'partial'; words: string[] }
  /**
   * The utterance's final result. `speechEnd`: input sample index (from the first sample fed) where
   * the energy endpointer's last speech frame ended; `audioSec`: audio decoded in the utterance.
   */
  | { kind: 'final'; result: SearchResult; speechEnd: number; audioSec: number; rule: 'decoder' | 'energy' };

export interface LiveOptions {
  endpointer?: EndpointerOptions;
  decoderRule?: Partial<DecoderEndpointRule>;
}

/** One microphone stream at `inputRate` Hz, utterance after utterance; feed() calls must not overlap (chain them). */
export class LiveSession {
  private readonly endpointer: Endpointer;
  private readonly frameShiftMs: number;
  /** Samples from absolute index `bufStart` on: the pre-roll between utterances, the unsent part during one. */
  private buf = new Float32Array(0);
  private bufStart = 0;
  /** Next sample to give the recognizer; -1 between utterances. */
  private fed = -1;

  constructor(
    private readonly online: OnlineRecognizer,
    readonly inputRate: number,
    private readonly options: LiveOptions = {},
  ) {
    this.endpointer = new Endpointer(inputRate, options.endpointer);
    this.frameShiftMs = frameShiftMsOf(online.manifest.features);
  }

  /** Take the next chunk of samples (one channel, floats in [-1, 1)); the events it caused, in order. */
  async feed(x: Float32Array): Promise<LiveEvent[]> {
    const out: LiveEvent[] = [];
    const grown = new Float32Array(this.buf.length + x.length);
    grown.set(this.buf);
    grown.set(x, this.buf.length);
    this.buf = grown;
    const chunkEnd = this.bufStart + this.buf.length;
    for (const e of this.endpointer.feed(x)) {
      if (e.kind === 'start') {
        this.fed = Math.max(this.bufStart, e.sample - Math.round(PRE_ROLL_SEC * this.inputRate));
        this.online.start(this.inputRate);
        out.push({ kind: 'start' });
      } else if (this.fed >= 0) {
        out.push(await this.finish(e, 'energy'));
      }
    }
    if (this.fed >= 0) {
      await this.online.accept(this.buf.slice(this.fed - this.bufStart));
      this.fed = chunkEnd;
      const st = this.online.state();
      if (decoderEndpoint(this.endpointer.silenceMs, { relativeCost: st.relativeCost, trailingMs: st.trailingFrames * this.frameShiftMs }, this.options.decoderRule)) {
        out.push(await this.finish(this.endpointer.end()!, 'decoder'));
      } else {
        out.push({ kind: 'partial', words: st.result.words });
      }
    }
    // Keep the pre-roll between utterances, nothing already fed during one.
    const keepFrom = this.fed >= 0 ? this.fed : chunkEnd - Math.round(PRE_ROLL_SEC * this.inputRate);
    if (keepFrom > this.bufStart) {
      this.buf = this.buf.slice(keepFrom - this.bufStart);
      this.bufStart = keepFrom;
    }
    return out;
  }

  private async finish(end: EndEvent, rule: 'decoder' | 'energy'): Promise<LiveEvent> {
    if (end.sample > this.fed) await this.online.accept(this.buf.slice(this.fed - this.bufStart, end.sample - this.bufStart));
    this.fed = -1;
    const result = await this.online.finish();
    return { kind: 'final', result, speechEnd: end.speechEnd, audioSec: this.online.audioSec, rule };
  }
}
