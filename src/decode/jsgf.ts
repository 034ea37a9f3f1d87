import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';
import { DEFAULT_LOOP_PROB, EPSILON, removeEpsilons, validateGrammar, type Grammar, type GrammarArc } from './grammar.js';

/**
 * Probability of taking an optional `[ ... ]` expansion (0.5 in, 0.5 skipped). Stated explicitly:
 * JSGF defines no probabilities for optional items, repeats or unweighted alternatives.
 */
export const OPTIONAL_PROB = 0.5;

export interface JsgfOptions {
  /** Repeat probability for `+` and `*` (default DEFAULT_LOOP_PROB = 0.75): `X+` gives n >= 1 copies with P(n) = (1-p) p^(n-1), `X*` n >= 0 with (1-p) p^n. */
  repeatProb?: number;
  /** Take `[X]` with this probability (default OPTIONAL_PROB = 0.5). */
  optionalProb?: number;
  /** Name of the rule to decode with; default: the first public rule. */
  rule?: string;
}

type Expansion =
  | { kind: 'word'; word: string }
  | { kind: 'ref'; name: string; line: number }
  | { kind: 'null' }
  | { kind: 'void' }
  | { kind: 'seq'; items: Expansion[] }
  | { kind: 'alt'; items: Expansion[]; weights: number[] | null }
  | { kind: 'opt'; item: Expansion }
  | { kind: 'repeat'; item: Expansion; min: 0 | 1 };

interface Token {
  type: 'word' | 'ref' | 'weight' | 'punct';
  value: string;
  line: number;
}

function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const err = (msg: string) => new InputError(`${file} line ${line}: ${msg}`);
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw err('unterminated /* comment');
      for (let k = i; k < end; k++) if (text[k] === '\n') line++;
      i = end + 2;
    } else if (c === '<') {
      const end = text.indexOf('>', i);
      if (end < 0) throw err("'<' without a closing '>'");
      tokens.push({ type: 'ref', value: text.slice(i + 1, end).trim(), line });
      i = end + 1;
    } else if (c === '/') {
      const end = text.indexOf('/', i + 1);
      const w = end < 0 ? NaN : Number(text.slice(i + 1, end));
      if (!(w >= 0) || !Number.isFinite(w)) throw err(`bad weight '${text.slice(i, end < 0 ? i + 10 : end + 1)}'; write a non-negative number between slashes, e.g. /2.5/`);
      tokens.push({ type: 'weight', value: String(w), line });
      i = end + 1;
    } else if (c === '{') {
      // Tags carry semantics, not probabilities: skipped.
      const end = text.indexOf('}', i);
      if (end < 0) throw err("'{' tag without a closing '}'");
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        s += text[j++];
      }
      if (j >= text.length) throw err('unterminated quoted token');
      tokens.push({ type: 'word', value: s, line });
      i = j + 1;
    } else if ('()[]|+*;='.includes(c)) {
      tokens.push({ type: 'punct', value: c, line });
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s()[\]|+*;=<>/{}"]/.test(text[j])) j++;
      tokens.push({ type: 'word', value: text.slice(i, j), line });
      i = j;
    }
  }
  return tokens;
}

interface Rule {
  name: string;
  isPublic: boolean;
  expansion: Expansion;
  line: number;
}

function parseRules(text: string, file: string): Rule[] {
  const body = text.replace(/^\uFEFF/, '');
  const header = body.match(/^\s*#JSGF\s+V1\.0[^;\n]*;/);
  if (!header) throw new InputError(`${file} line 1: not a JSGF grammar (expected the header '#JSGF V1.0;')`);
  const headerLines = header[0].split('\n').length - 1;
  const tokens = tokenize(' '.repeat(header[0].length - headerLines) + '\n'.repeat(headerLines) + body.slice(header[0].length), file);
  let p = 0;
  const peek = () => tokens[p];
  const lineNow = () => (tokens[Math.min(p, tokens.length - 1)]?.line ?? 1);
  const err = (msg: string) => new InputError(`${file} line ${lineNow()}: ${msg}`);
  const expect = (v: string) => {
    const t = tokens[p];
    if (!t || t.type !== 'punct' || t.value !== v) throw err(`expected '${v}'${t ? ` but found '${t.value}'` : ' but the file ended'}`);
    p++;
  };
  if (peek()?.type === 'word' && peek().value === 'grammar') {
    p++;
    if (peek()?.type !== 'word') throw err("expected a grammar name after 'grammar'");
    p++;
    expect(';');
  } else throw err("expected 'grammar <name>;' after the header");
  while (peek()?.type === 'word' && peek().value === 'import') throw err('import statements are not supported; put all rules in one file');

  const alternatives = (): Expansion => {
    const items: Expansion[] = [];
    const weights: number[] = [];
    let weighted: boolean | null = null;
    for (;;) {
      let w: number | null = null;
      if (peek()?.type === 'weight') w = Number(tokens[p++].value);
      if (weighted === null) weighted = w !== null;
      else if (weighted !== (w !== null)) throw err('either all alternatives carry a /weight/ or none does (JSGF 1.0 sec. 4.7)');
      items.push(sequence());
      if (w !== null) weights.push(w);
      if (peek()?.type === 'punct' && peek().value === '|') p++;
      else break;
    }
    if (items.length === 1 && !weighted) return items[0];
    if (weighted && weights.every((x) => x === 0)) throw err('all alternative weights are 0');
    return { kind: 'alt', items, weights: weighted ? weights : null };
  };
  const sequence = (): Expansion => {
    const items: Expansion[] = [];
    for (;;) {
      const t = peek();
      if (!t || (t.type === 'punct' && ['|', ')', ']', ';'].includes(t.value)) || t.type === 'weight') break;
      items.push(unary());
    }
    if (items.length === 0) throw err('empty expansion (use <NULL> for an explicit empty alternative)');
    return items.length === 1 ? items[0] : { kind: 'seq', items };
  };
  const unary = (): Expansion => {
    let e = atom();
    while (peek()?.type === 'punct' && (peek().value === '+' || peek().value === '*')) {
      e = { kind: 'repeat', item: e, min: tokens[p++].value === '+' ? 1 : 0 };
    }
    return e;
  };
  const atom = (): Expansion => {
    const t = tokens[p];
    if (!t) throw err('the file ended inside a rule; is a ; missing?');
    if (t.type === 'word') {
      p++;
      return { kind: 'word', word: t.value };
    }
    if (t.type === 'ref') {
      p++;
      if (t.value === 'NULL') return { kind: 'null' };
      if (t.value === 'VOID') return { kind: 'void' };
      return { kind: 'ref', name: t.value, line: t.line };
    }
    if (t.type === 'punct' && t.value === '(') {
      p++;
      const e = alternatives();
      expect(')');
      return e;
    }
    if (t.type === 'punct' && t.value === '[') {
      p++;
      const e = alternatives();
      expect(']');
      return { kind: 'opt', item: e };
    }
    throw err(`unexpected '${t.value}'`);
  };

  const rules: Rule[] = [];
  while (p < tokens.length) {
    const line = lineNow();
    let isPublic = false;
    if (peek().type === 'word' && peek().value === 'public') {
      isPublic = true;
      p++;
    }
    const name = tokens[p];
    if (!name || name.type !== 'ref') throw err(`expected a rule definition '<name> = ...;'${name ? ` but found '${name.value}'` : ''}`);
    p++;
    expect('=');
    const expansion = alternatives();
    expect(';');
    if (rules.some((r) => r.name === name.value)) throw new InputError(`${file} line ${line}: rule <${name.value}> is defined twice`);
    rules.push({ name: name.value, isPublic, expansion, line });
  }
  return rules;
}

/**
 * Parse a JSGF grammar (JSGF 1.0: alternatives `|` with optional `/weight/`s, sequences, groups
 * `( )`, optional `[ ]`, repeats `+` and `*`, rule references `<rule>`, `<NULL>`, `<VOID>`;
 * tags `{...}` are ignored) into a word-level grammar. Weights: weighted alternatives get
 * w / sum(w), unweighted ones a uniform share; `[X]` is taken with `optionalProb`; `+`/`*` repeat
 * with `repeatProb` (see JsgfOptions). Recursive rules are an InputError.
 *
 * @example parseJsgf('#JSGF V1.0;\ngrammar g;\npublic <s> = yes | no;\n', 'g.jsgf') // words [yes, no], each log(1/2)
 */
export function parseJsgf(text: string, file: string, options: JsgfOptions = {}): Grammar {
  const repeatProb = options.repeatProb ?? DEFAULT_LOOP_PROB;
  const optionalProb = options.optionalProb ?? OPTIONAL_PROB;
  const rules = parseRules(text, file);
  const byName = new Map(rules.map((r) => [r.name, r]));
  const root = options.rule !== undefined ? byName.get(options.rule) : rules.find((r) => r.isPublic);
  if (!root) {
    throw new InputError(options.rule !== undefined ? `${file}: no rule <${options.rule}>` : `${file}: no public rule to decode with; mark the sentence rule 'public'`);
  }
  const words: string[] = [];
  const wordIds = new Map<string, number>();
  const arcs: GrammarArc[] = [];
  let numStates = 0;
  const newState = () => numStates++;
  const arc = (from: number, to: number, word: number, logProb: number) => arcs.push({ from, to, word, logProb });
  const expanding: string[] = [];

  // Thompson-style construction: build(e, from) returns the state reached after e.
  const build = (e: Expansion, from: number): number => {
    switch (e.kind) {
      case 'word': {
        let id = wordIds.get(e.word);
        if (id === undefined) {
          id = words.push(e.word) - 1;
          wordIds.set(e.word, id);
        }
        const to = newState();
        arc(from, to, id, 0);
        return to;
      }
      case 'null':
        return from;
      case 'void':
        return newState(); // unreachable from `from`: nothing passes
      case 'ref': {
        const r = byName.get(e.name);
        if (!r) throw new InputError(`${file} line ${e.line}: rule <${e.name}> is not defined`);
        if (expanding.includes(e.name)) throw new InputError(`${file} line ${e.line}: rule <${e.name}> refers to itself (${[...expanding, e.name].map((n) => `<${n}>`).join(' -> ')}); recursive rules are not supported, use + or * instead`);
        expanding.push(e.name);
        const end = build(r.expansion, from);
        expanding.pop();
        return end;
      }
      case 'seq': {
        let s = from;
        for (const item of e.items) s = build(item, s);
        return s;
      }
      case 'alt': {
        const end = newState();
        const total = e.weights ? e.weights.reduce((a, b) => a + b, 0) : e.items.length;
        e.items.forEach((item, i) => {
          const share = (e.weights ? e.weights[i] : 1) / total;
          if (share === 0) return;
          const s = newState();
          arc(from, s, EPSILON, Math.log(share));
          arc(build(item, s), end, EPSILON, 0);
        });
        return end;
      }
      case 'opt': {
        const end = newState();
        const s = newState();
        arc(from, s, EPSILON, Math.log(optionalProb));
        arc(from, end, EPSILON, Math.log1p(-optionalProb));
        arc(build(e.item, s), end, EPSILON, 0);
        return end;
      }
      case 'repeat': {
        const loop = newState();
        const end = newState();
        if (e.min === 0) {
          arc(from, loop, EPSILON, Math.log(repeatProb));
          arc(from, end, EPSILON, Math.log1p(-repeatProb));
        } else arc(from, loop, EPSILON, 0);
        const after = build(e.item, loop);
        arc(after, loop, EPSILON, Math.log(repeatProb));
        arc(after, end, EPSILON, Math.log1p(-repeatProb));
        return end;
      }
    }
  };
  const start = newState();
  expanding.push(root.name);
  const final = build(root.expansion, start);
  const finalLogProb = new Array<number>(numStates).fill(-Infinity);
  finalLogProb[final] = 0;
  const g = removeEpsilons({ words, numStates, start, arcs, finalLogProb });
  validateGrammar(g, file);
  return g;
}

/** Read and parse a JSGF file (see `parseJsgf`). */
export async function readJsgf(file: string, options: JsgfOptions = {}): Promise<Grammar> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new InputError(`${file}: grammar file not found`);
  }
  return parseJsgf(text, file, options);
}
