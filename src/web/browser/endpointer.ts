// Endpointing for live audio. Energy: where speech starts and where it has ended, from the log
// energy of 10 ms frames against a tracked noise floor (the simple detector of e.g. WebRTC's energy
// VAD mode). Decoder: an earlier end when the recognizer agrees the utterance is complete (Kaldi's
// online2 endpoint rules, online-endpoint.h: trailing silence on the best path, in a final state,
// at a small relative cost), see decoderEndpoint.

export interface EndpointerOptions {
  /** A frame is speech when its energy is this many dB above the noise floor (default 12). */
  thresholdDb?: number;
  /** Speech ends after this much silence following speech (default 500 ms). */
  trailingSilenceMs?: number;
  /** Shorter bursts are not speech (default 150 ms). */
  minSpeechMs?: number;
  /** Energy floor in dB relative to full scale, so that digital silence has a finite floor (default -80). */
  floorDb?: number;
}

/** Sample indices count from the first sample fed; `speechEnd` is the end of the last speech frame. */
export type EndEvent = { kind: 'end'; sample: number; speechEnd: number };
export type EndpointEvent = { kind: 'start'; sample: number } | EndEvent;

/** Feed samples (floats in [-1, 1)) as they come; events give sample indices from the first sample fed. */
export class Endpointer {
  private readonly frame: number;
  private readonly opts: Required<EndpointerOptions>;
  private pending = new Float32Array(0);
  private consumed = 0;
  private noiseDb = Infinity;
  private speechFrames = 0;
  private silenceFrames = 0;
  private inSpeech = false;
  private speechStart = 0;
  private speechEnd = 0;
  constructor(readonly sampleRate: number, options: EndpointerOptions = {}) {
    this.frame = Math.round(sampleRate / 100);
    this.opts = { thresholdDb: 12, trailingSilenceMs: 500, minSpeechMs: 150, floorDb: -80, ...options };
  }

  /** Whether speech has started and not ended yet. */
  get speaking(): boolean {
    return this.inSpeech;
  }

  /** Milliseconds of silence since the last speech frame (0 while speech goes on or before it starts). */
  get silenceMs(): number {
    return this.inSpeech ? this.silenceFrames * 10 : 0;
  }

  /**
   * End the current utterance now (a decoder endpoint rule fired): the end event, at the end of
   * the audio fed so far, or null when no speech is going on.
   */
  end(): EndEvent | null {
    if (!this.inSpeech) return null;
    this.inSpeech = false;
    this.speechFrames = 0;
    return { kind: 'end', sample: this.consumed, speechEnd: this.speechEnd };
  }

  feed(samples: Float32Array): EndpointEvent[] {
    const buf = new Float32Array(this.pending.length + samples.length);
    buf.set(this.pending);
    buf.set(samples, this.pending.length);
    const events: EndpointEvent[] = [];
    let off = 0;
    for (; off + this.frame <= buf.length; off += this.frame) {
      let e = 0;
      for (let i = off; i < off + this.frame; i++) e += buf[i] * buf[i];
      const db = Math.max(10 * Math.log10(e / this.frame + 1e-20), this.opts.floorDb);
      // Noise floor: follows quieter frames at once, louder ones slowly (about 1 dB per second).
      this.noiseDb = db < this.noiseDb ? db : this.noiseDb + 0.01;
      const speech = db > this.noiseDb + this.opts.thresholdDb;
      const t = this.consumed + off;
      if (speech) {
        if (this.speechFrames === 0) this.speechStart = t;
        this.speechFrames++;
        this.speechEnd = t + this.frame;
        this.silenceFrames = 0;
        if (!this.inSpeech && this.speechFrames * 10 >= this.opts.minSpeechMs) {
          this.inSpeech = true;
          events.push({ kind: 'start', sample: this.speechStart });
        }
      } else {
        this.silenceFrames++;
        if (!this.inSpeech) this.speechFrames = 0;
        else if (this.silenceFrames * 10 >= this.opts.trailingSilenceMs) {
          this.inSpeech = false;
          this.speechFrames = 0;
          events.push({ kind: 'end', sample: t + this.frame, speechEnd: this.speechEnd });
        }
      }
    }
    this.consumed += off;
    this.pending = buf.slice(off);
    return events;
  }
}

export interface DecoderEndpointRule {
  /** Energy silence after the speech before the decoder is asked (default 300 ms). */
  minSilenceMs: number;
  /** The best path's last word must have ended at least this long ago (default 200 ms). */
  minTrailingMs: number;
  /** Best path in a final state at most this much worse than the best token (Kaldi rule2 --max-relative-cost, 2). */
  maxRelativeCost: number;
}

/**
 * Kaldi's rule 2 (online-endpoint.h: trailing silence, final state, relative cost <= 2) with a
 * shorter silence than Kaldi's 0.5 s, so that the final transcript can come within 0.5 s of the
 * end of speech; the energy endpointer's 500 ms rule stays as the fallback when the decoder
 * disagrees. `relativeCost` is Infinity when no final state is reached; `trailingMs` is the time
 * since the best path's last word ended (the decoder lags by the network's right context).
 */
export function decoderEndpoint(silenceMs: number, decoder: { relativeCost: number; trailingMs: number }, rule: Partial<DecoderEndpointRule> = {}): boolean {
  const r: DecoderEndpointRule = { minSilenceMs: 300, minTrailingMs: 200, maxRelativeCost: 2, ...rule };
  return silenceMs >= r.minSilenceMs && decoder.trailingMs >= r.minTrailingMs && decoder.relativeCost <= r.maxRelativeCost;
}
