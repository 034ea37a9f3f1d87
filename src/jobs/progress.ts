import cliProgress from 'cli-progress';

/** Extra fields shown after the count, e.g. `{ loss: '1.23', 'x RT': '85.1' }`. */
export type ProgressFields = Record<string, string | number>;

export interface ProgressOptions {
  /** What is being counted, shown first: `features train`, `epoch 3/10`. */
  label: string;
  total: number;
  /** Unit of the count: `utts`, `frames`. */
  unit?: string;
  /** Seconds between plain-text lines when stderr is not a TTY (default 10, env ASR_DISTILL_PROGRESS_SECONDS). */
  intervalSec?: number;
  /** Where to draw; default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Force plain lines (true) or a bar (false); default: bar exactly when `stream` is a TTY. */
  plain?: boolean;
  /** Print nothing at all (library use, tests). */
  quiet?: boolean;
}

/** One progress display: a bar on a TTY, otherwise one line every few seconds (for logs and CI). */
export interface Progress {
  update(done: number, fields?: ProgressFields): void;
  increment(by?: number, fields?: ProgressFields): void;
  /** Finish; prints `summary` as a final line when given. */
  stop(summary?: string): void;
}

function formatFields(fields: ProgressFields | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(3)) : v}`)
    .join('  ');
}

function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function defaultInterval(opts: ProgressOptions): number {
  const env = Number(process.env.ASR_DISTILL_PROGRESS_SECONDS);
  return opts.intervalSec ?? (Number.isFinite(env) && env > 0 ? env : 10);
}

class PlainProgress implements Progress {
  private done = 0;
  private fields?: ProgressFields;
  private readonly start = Date.now();
  private lastPrint = Date.now();
  private readonly intervalMs: number;
  constructor(private readonly opts: ProgressOptions, private readonly stream: NodeJS.WriteStream) {
    this.intervalMs = defaultInterval(opts) * 1000;
  }
  private line(): string {
    const { label, total, unit = '' } = this.opts;
    const elapsed = (Date.now() - this.start) / 1000;
    const pct = total > 0 ? ((100 * this.done) / total).toFixed(1) : '?';
    const eta = this.done > 0 ? ((total - this.done) * elapsed) / this.done : NaN;
    const f = formatFields(this.fields);
    return `${label}: ${this.done}/${total} ${unit} (${pct}%) elapsed ${formatDuration(elapsed)} eta ${formatDuration(eta)}${f ? '  ' + f : ''}`;
  }
  update(done: number, fields?: ProgressFields): void {
    this.done = done;
    if (fields) this.fields = fields;
    const now = Date.now();
    if (now - this.lastPrint >= this.intervalMs) {
      this.lastPrint = now;
      this.stream.write(this.line() + '\n');
    }
  }
  increment(by = 1, fields?: ProgressFields): void {
    this.update(this.done + by, fields);
  }
  stop(summary?: string): void {
    if (summary) this.stream.write(summary + '\n');
  }
}

class BarProgress implements Progress {
  private done = 0;
  constructor(private readonly bar: cliProgress.SingleBar, private readonly onStop: () => void) {}
  update(done: number, fields?: ProgressFields): void {
    this.done = done;
    this.bar.update(done, { fields: formatFields(fields) });
  }
  increment(by = 1, fields?: ProgressFields): void {
    this.update(this.done + by, fields);
  }
  stop(summary?: string): void {
    this.onStop();
    if (summary) process.stderr.write(summary + '\n');
  }
}

const silent: Progress = { update() {}, increment() {}, stop() {} };

function barFormat(opts: ProgressOptions): string {
  return `${opts.label} [{bar}] {value}/{total} ${opts.unit ?? ''} {percentage}% eta {eta_formatted} {fields}`;
}

/** Create a progress display for one job. */
export function createProgress(opts: ProgressOptions): Progress {
  if (opts.quiet) return silent;
  const stream = opts.stream ?? process.stderr;
  const plain = opts.plain ?? !stream.isTTY;
  if (plain) return new PlainProgress(opts, stream);
  const bar = new cliProgress.SingleBar(
    { format: barFormat(opts), stream, hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(opts.total, 0, { fields: '' });
  return new BarProgress(bar, () => bar.stop());
}

/**
 * Several concurrent progress lines (ensemble members, one per worker). On a TTY they are
 * stacked bars; otherwise each prints its own plain line every few seconds, prefixed by its label.
 */
export class MultiProgress {
  private readonly multi?: cliProgress.MultiBar;
  private readonly plain: boolean;
  constructor(private readonly opts: Omit<ProgressOptions, 'label' | 'total'> = {}) {
    const stream = opts.stream ?? process.stderr;
    this.plain = opts.plain ?? !stream.isTTY;
    if (!opts.quiet && !this.plain) {
      this.multi = new cliProgress.MultiBar(
        { stream, hideCursor: true, clearOnComplete: false, format: '{label} [{bar}] {value}/{total} {unit} {percentage}% {fields}' },
        cliProgress.Presets.shades_classic,
      );
    }
  }
  create(label: string, total: number, unit = ''): Progress {
    if (this.opts.quiet) return silent;
    if (!this.multi) return new PlainProgress({ ...this.opts, label, total, unit }, this.opts.stream ?? process.stderr);
    const bar = this.multi.create(total, 0, { label, unit, fields: '' });
    let done = 0;
    const multi = this.multi;
    return {
      update(d, fields) {
        done = d;
        bar.update(d, { label, unit, fields: formatFields(fields) });
      },
      increment(by = 1, fields) {
        this.update(done + by, fields);
      },
      stop(summary) {
        bar.stop();
        if (summary) multi.log(summary + '\n');
      },
    };
  }
  stop(): void {
    this.multi?.stop();
  }
}
