import * as path from 'node:path';
import type { Grammar } from './grammar.js';
import { readJsgf } from './jsgf.js';
import { arpaToGrammar, readArpa } from './arpa.js';

/** Where a decoding grammar comes from: a JSGF file or an ARPA n-gram LM. */
export interface GrammarSource {
  kind: 'jsgf' | 'arpa';
  file: string;
}

/** The default grammar of a lang directory: its grammar.jsgf (a word loop or digit loop). */
export function defaultGrammarSource(langDir: string): GrammarSource {
  return { kind: 'jsgf', file: path.join(langDir, 'grammar.jsgf') };
}

/** Load a grammar source as a word-level grammar. */
export async function loadGrammar(source: GrammarSource): Promise<Grammar> {
  return source.kind === 'jsgf' ? readJsgf(source.file) : arpaToGrammar(await readArpa(source.file), source.file);
}
