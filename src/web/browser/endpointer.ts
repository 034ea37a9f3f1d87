// Energy-based endpointing for live audio: where speech starts and where it has ended, from the
// log energy of 10 ms frames against a tracked noise floor (the simple detector of e.g. WebRTC's
// energy VAD mode and Kaldi's online2 endpoint rule "trailing silence after speech").

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

export type EndpointEvent = { kind: 'start'; sample: number } | { kind: 'end'; sample: number };

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
  constructor(readonly sampleRate: number, options: EndpointerOptions = {}) {
    this.frame = Math.round(sampleRate / 100);
    this.opts = { thresholdDb: 12, trailingSilenceMs: 500, minSpeechMs: 150, floorDb: -80, ...options };
  }

  /** Whether speech has started and not ended yet. */
  get speaking(): boolean {
    return this.inSpeech;
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
          events.push({ kind: 'end', sample: t + this.frame });
        }
      }
    }
    this.consumed += off;
    this.pending = buf.slice(off);
    return events;
  }
}
