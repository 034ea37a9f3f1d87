import { InputError } from '../errors.js';
import { WORD_START, type DecodingGraph } from './graph.js';

export interface SearchOptions {
  /** Log-likelihood beam: tokens worse than best - beam are pruned each frame (Kaldi --beam, default 16). */
  beam?: number;
  /** At most this many active tokens per frame (Kaldi --max-active, default 7000). */
  maxActive?: number;
  /** Scale on the acoustic log-likelihoods (Kaldi --acoustic-scale, default 0.1). */
  acousticScale?: number;
  /** Subtracted from the score for every word started (Kaldi scoring's word_ins_penalty, default 0). */
  wordInsPenalty?: number;
}

/** A recognized word with its frames [startFrame, endFrame). */
export interface WordTiming {
  word: string;
  startFrame: number;
  endFrame: number;
}

export interface SearchResult {
  words: string[];
  timings: WordTiming[];
  /** Total path score: acousticScale * acoustic log-likelihood + graph log-probability - penalties. */
  score: number;
  /** False when no token reached a final grammar state (the best partial path is returned, as Kaldi --allow-partial). */
  reachedFinal: boolean;
  numFrames: number;
}

/**
 * Time-synchronous Viterbi beam search with token passing over a DecodingGraph (one token per
 * node, the best path into it; Young et al. 1989 token passing, pruned like Kaldi's
 * SimpleDecoder/FasterDecoder with --beam and --max-active). Word boundaries are kept as a
 * linked list of word records so traceback is cheap. All buffers are allocated per graph and
 * reused: decoding allocates nothing per frame (the word-record store grows by doubling).
 */
export class BeamSearch {
  private curScore: Float32Array;
  private nextScore: Float32Array;
  private curLink: Int32Array;
  private nextLink: Int32Array;
  /** Frame at which the token's current word started; -1 between words. */
  private curWordStart: Int32Array;
  private nextWordStart: Int32Array;
  private curActive: Int32Array;
  private nextActive: Int32Array;
  private numCur = 0;
  private numNext = 0;
  /** Best score among the current / next tokens (kept while relaxing, so pruning needs no extra pass). */
  private curBest = -Infinity;
  private nextBest = -Infinity;
  private queue: Int32Array;
  private inQueue: Uint8Array;
  private scratch: Float32Array;
  private recWord = new Int32Array(1024);
  private recStart = new Int32Array(1024);
  private recEnd = new Int32Array(1024);
  private recPrev = new Int32Array(1024);
  private numRec = 0;

  constructor(readonly graph: DecodingGraph) {
    const n = graph.numNodes;
    this.curScore = new Float32Array(n).fill(-Infinity);
    this.nextScore = new Float32Array(n).fill(-Infinity);
    this.curLink = new Int32Array(n);
    this.nextLink = new Int32Array(n);
    this.curWordStart = new Int32Array(n);
    this.nextWordStart = new Int32Array(n);
    this.curActive = new Int32Array(n);
    this.nextActive = new Int32Array(n);
    this.queue = new Int32Array(n);
    this.inQueue = new Uint8Array(n);
    this.scratch = new Float32Array(n);
  }

  /**
   * Decode one utterance. `logLikes` is [numFrames x numPdfs] row-major: per frame, the
   * log-likelihood of each pdf (for a DNN: log posterior - log prior).
   */
  decode(logLikes: Float32Array, numFrames: number, options: SearchOptions = {}): SearchResult {
    this.start(options);
    this.advance(logLikes, numFrames);
    return this.result();
  }

  /** The current utterance's options (set by start). */
  private options: Required<SearchOptions> = { beam: 16, maxActive: 7000, acousticScale: 0.1, wordInsPenalty: 0 };
  /** Index of the next frame advance() decodes. */
  private frame = 0;

  /**
   * Start an utterance for incremental decoding (Kaldi's online decoders: InitDecoding, then
   * AdvanceDecoding as frames arrive): `advance` with each new block of frames, `result` whenever
   * the best path so far is wanted. decode() is start + advance + result.
   */
  start(options: SearchOptions = {}): void {
    this.options = { beam: options.beam ?? 16, maxActive: options.maxActive ?? 7000, acousticScale: options.acousticScale ?? 0.1, wordInsPenalty: options.wordInsPenalty ?? 0 };
    this.frame = 0;
    this.numRec = 0;
    this.resetCur();
    this.resetNext();
    // Start token, then the within-frame closure (leading silence / grammar epsilons).
    const g = this.graph;
    this.nextScore[g.start] = 0;
    this.nextBest = 0;
    this.nextLink[g.start] = -1;
    this.nextWordStart[g.start] = -1;
    this.nextActive[this.numNext++] = g.start;
    this.closure(0);
    this.swap();
  }

  /** Frames decoded since start(). */
  get framesDecoded(): number {
    return this.frame;
  }

  /** Best token score after the last frame, final state or not (a relative cost is measured from it, as Kaldi's endpointing does). */
  get bestScore(): number {
    return this.curBest;
  }

  /** Decode `numFrames` more frames of log-likelihoods ([numFrames x numPdfs] row-major), continuing from the last. */
  advance(logLikes: Float32Array, numFrames: number): void {
    const g = this.graph;
    const P = g.numPdfs;
    if (logLikes.length !== numFrames * P) {
      throw new InputError(`decoder: log-likelihoods hold ${logLikes.length} values, expected ${numFrames} frames x ${P} pdfs = ${numFrames * P}; does the model match the decoding graph?`);
    }
    const { beam, maxActive, acousticScale: acScale, wordInsPenalty: wip } = this.options;
    const { nodePdf, arcStart, arcEmitEnd, arcTo, arcLogProb, arcLabel } = g;
    for (let f = 0; f < numFrames; f++) {
      const t = this.frame + f;
      const cutoff = this.cutoff(beam, maxActive);
      const row = f * P;
      const cs = this.curScore;
      const ns = this.nextScore;
      const cl = this.curLink;
      const nl = this.nextLink;
      const cw = this.curWordStart;
      const nw = this.nextWordStart;
      const nextActive = this.nextActive;
      let numNext = this.numNext;
      let best = this.nextBest;
      for (let i = 0; i < this.numCur; i++) {
        const s = this.curActive[i];
        const score = cs[s];
        if (score < cutoff) continue;
        for (let k = arcStart[s], end = arcEmitEnd[s]; k < end; k++) {
          const d = arcTo[k];
          const starts = arcLabel[k] === WORD_START;
          const sc = score + arcLogProb[k] + acScale * logLikes[row + nodePdf[d]] - (starts ? wip : 0);
          if (sc > ns[d]) {
            if (ns[d] === -Infinity) nextActive[numNext++] = d;
            ns[d] = sc;
            if (sc > best) best = sc;
            nl[d] = cl[s];
            nw[d] = starts ? t : cw[s];
          }
        }
      }
      this.numNext = numNext;
      this.nextBest = best;
      this.closure(t + 1);
      this.resetCur();
      this.swap();
    }
    this.frame += numFrames;
  }

  /** The best path so far (ending in a final state if any token is in one); decoding may go on after it. */
  result(): SearchResult {
    return this.finish(this.frame);
  }

  /** Score cutoff for the current tokens: best - beam, raised to the maxActive-th best score. */
  private cutoff(beam: number, maxActive: number): number {
    let cut = this.curBest - beam;
    if (this.numCur > maxActive) {
      const a = this.scratch;
      for (let i = 0; i < this.numCur; i++) a[i] = this.curScore[this.curActive[i]];
      cut = Math.max(cut, kthLargest(a, this.numCur, maxActive));
    }
    return cut;
  }

  /** Follow arcs into non-emitting nodes from every next-frame token until nothing improves. */
  private closure(frame: number): void {
    const g = this.graph;
    const { arcStart, arcEmitEnd, arcTo, arcLogProb, arcLabel } = g;
    const ns = this.nextScore;
    const n = g.numNodes;
    const queue = this.queue;
    const inQueue = this.inQueue;
    // A circular FIFO of nodes with arcs into non-emitting nodes; a node is queued at most once.
    let head = 0;
    let tail = 0;
    let size = 0;
    for (let i = 0; i < this.numNext; i++) {
      const s = this.nextActive[i];
      if (arcEmitEnd[s] < arcStart[s + 1] && !inQueue[s]) {
        inQueue[s] = 1;
        queue[tail] = s;
        if (++tail === n) tail = 0;
        size++;
      }
    }
    const nl = this.nextLink;
    const nw = this.nextWordStart;
    let best = this.nextBest;
    while (size > 0) {
      const s = queue[head];
      if (++head === n) head = 0;
      size--;
      inQueue[s] = 0;
      const score = ns[s];
      for (let k = arcEmitEnd[s], end = arcStart[s + 1]; k < end; k++) {
        const d = arcTo[k];
        const sc = score + arcLogProb[k];
        if (!(sc > ns[d])) continue;
        if (ns[d] === -Infinity) this.nextActive[this.numNext++] = d;
        ns[d] = sc;
        if (sc > best) best = sc;
        const word = arcLabel[k];
        if (word >= 0) {
          // The word ends here: it is known only now (prefix-tree lexicon), its start frame was kept on the token.
          nl[d] = this.addRecord(word, nw[s], frame, nl[s]);
          nw[d] = -1;
        } else {
          nl[d] = nl[s];
          nw[d] = nw[s];
        }
        if (arcEmitEnd[d] < arcStart[d + 1] && !inQueue[d]) {
          inQueue[d] = 1;
          queue[tail] = d;
          if (++tail === n) tail = 0;
          size++;
        }
      }
    }
    this.nextBest = best;
  }

  private addRecord(word: number, start: number, end: number, prev: number): number {
    if (this.numRec === this.recWord.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.recWord = grow(this.recWord);
      this.recStart = grow(this.recStart);
      this.recEnd = grow(this.recEnd);
      this.recPrev = grow(this.recPrev);
    }
    const r = this.numRec++;
    this.recWord[r] = word;
    this.recStart[r] = start;
    this.recEnd[r] = end;
    this.recPrev[r] = prev;
    return r;
  }

  private finish(numFrames: number): SearchResult {
    const g = this.graph;
    let bestNode = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < this.numCur; i++) {
      const s = this.curActive[i];
      const sc = this.curScore[s] + g.finalLogProb[s];
      if (sc > bestScore) {
        bestScore = sc;
        bestNode = s;
      }
    }
    const reachedFinal = bestNode >= 0;
    if (!reachedFinal) {
      for (let i = 0; i < this.numCur; i++) {
        const s = this.curActive[i];
        if (this.curScore[s] > bestScore) {
          bestScore = this.curScore[s];
          bestNode = s;
        }
      }
    }
    const timings: WordTiming[] = [];
    if (bestNode >= 0) {
      // A partial path inside a word names the best word its lexicon-tree node can still become.
      if (this.curWordStart[bestNode] >= 0 && g.nodeWord[bestNode] >= 0) {
        timings.push({ word: g.words[g.nodeWord[bestNode]], startFrame: this.curWordStart[bestNode], endFrame: numFrames });
      }
      for (let r = this.curLink[bestNode]; r >= 0; r = this.recPrev[r]) {
        timings.push({ word: g.words[this.recWord[r]], startFrame: this.recStart[r], endFrame: this.recEnd[r] });
      }
      timings.reverse();
    }
    return { words: timings.map((w) => w.word), timings, score: bestScore, reachedFinal, numFrames };
  }

  private resetCur(): void {
    for (let i = 0; i < this.numCur; i++) this.curScore[this.curActive[i]] = -Infinity;
    this.numCur = 0;
    this.curBest = -Infinity;
  }

  private resetNext(): void {
    for (let i = 0; i < this.numNext; i++) this.nextScore[this.nextActive[i]] = -Infinity;
    this.numNext = 0;
    this.nextBest = -Infinity;
  }

  private swap(): void {
    [this.curScore, this.nextScore] = [this.nextScore, this.curScore];
    [this.curLink, this.nextLink] = [this.nextLink, this.curLink];
    [this.curWordStart, this.nextWordStart] = [this.nextWordStart, this.curWordStart];
    [this.curActive, this.nextActive] = [this.nextActive, this.curActive];
    this.numCur = this.numNext;
    this.numNext = 0;
    this.curBest = this.nextBest;
    this.nextBest = -Infinity;
  }
}

/** The k-th largest of a[0..n) (1-based k), by quickselect; reorders a. */
export function kthLargest(a: Float32Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return a[target];
}

/** Convenience: build a searcher and decode one utterance. */
export function beamSearch(graph: DecodingGraph, logLikes: Float32Array, numFrames: number, options: SearchOptions = {}): SearchResult {
  return new BeamSearch(graph).decode(logLikes, numFrames, options);
}
