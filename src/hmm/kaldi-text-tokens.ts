// A cursor over the whitespace-separated tokens of a Kaldi object written in text mode
// (`copy-tree --binary=false`, `copy-transition-model --binary=false`): Kaldi's text WriteToken /
// WriteBasicType put one space-separated token per value (util/io-funcs.cc), so reading is a
// token walk. Errors name the file and the line of the offending token. Pure.
import { InputError } from '../errors.js';
import { printable } from '../data/text-input.js';

export class KaldiTextTokens {
  private readonly tokens: { text: string; offset: number }[] = [];
  private k = 0;

  /** `file` names the input in errors; `hint` (what to run) ends every error message. */
  constructor(
    private readonly source: string,
    readonly file: string,
    private readonly hint: string,
  ) {
    // Kaldi's binary objects start with "\0B"; their text form is what we read.
    if (source.startsWith('\0B')) throw new InputError(`${file}: a binary Kaldi file; ${hint}`);
    const re = /\S+/g;
    for (let m = re.exec(source); m; m = re.exec(source)) this.tokens.push({ text: m[0], offset: m.index });
  }

  /** The line (1-based) of the next token, or one past the last line at the end. */
  private line(): number {
    const at = this.k < this.tokens.length ? this.tokens[this.k].offset : this.source.length;
    let n = 1;
    for (let i = 0; i < at; i++) if (this.source.charCodeAt(i) === 10) n++;
    return n;
  }

  /** Throw an InputError at the current token. */
  fail(msg: string): never {
    throw new InputError(`${this.file} line ${this.line()}: ${msg}; ${this.hint}`);
  }

  atEnd(): boolean {
    return this.k >= this.tokens.length;
  }

  /** The next token without consuming it (undefined at the end). */
  peek(): string | undefined {
    return this.tokens[this.k]?.text;
  }

  next(what: string): string {
    if (this.k >= this.tokens.length) this.fail(`the file ends where ${what} was expected`);
    return this.tokens[this.k++].text;
  }

  expect(token: string): void {
    const got = this.peek();
    if (got !== token) this.fail(`expected '${token}', got ${got === undefined ? 'the end of the file' : `'${printable(got)}'`}`);
    this.k++;
  }

  int(what: string): number {
    const s = this.peek();
    if (s === undefined || !/^-?\d+$/.test(s)) this.fail(`expected an integer (${what}), got ${s === undefined ? 'the end of the file' : `'${printable(s)}'`}`);
    this.k++;
    return Number(s);
  }

  float(what: string): number {
    const s = this.peek();
    const v = Number(s);
    if (s === undefined || s === '' || !Number.isFinite(v)) this.fail(`expected a number (${what}), got ${s === undefined ? 'the end of the file' : `'${printable(s)}'`}`);
    this.k++;
    return v;
  }

  /** A Kaldi text vector: `[ v1 v2 ... ]` (WriteIntegerVector, Vector::Write). */
  vector(what: string, parse: (s: KaldiTextTokens) => number): number[] {
    this.expect('[');
    const out: number[] = [];
    while (this.peek() !== ']') {
      if (this.atEnd()) this.fail(`the file ends inside ${what}`);
      out.push(parse(this));
    }
    this.k++;
    return out;
  }
}
