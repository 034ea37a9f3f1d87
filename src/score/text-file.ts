import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';

/** One Kaldi-style transcript: utterance id -> words, in file order. */
export type Transcript = Map<string, string[]>;

// Kaldi reads `text` archives as whitespace-separated tokens (SequentialTokenVectorReader):
// spaces, tabs and a trailing CR all separate words.
const WHITESPACE = /[ \t\r\f\v]+/;

/**
 * Parse Kaldi `text` content (`uttid w1 w2 ...`, one utterance per line). A line holding only
 * the id is an empty transcript; blank lines are skipped. A duplicated id is an InputError naming
 * the file and both lines.
 *
 * @example parseTranscript('u1 one two\nu2\n', 'ref.txt') // Map { u1 => [one, two], u2 => [] }
 */
export function parseTranscript(content: string, file: string): Transcript {
  const out: Transcript = new Map();
  const lineOf = new Map<string, number>();
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i].split(WHITESPACE).filter((f) => f.length > 0);
    if (fields.length === 0) continue;
    const [uttId, ...words] = fields;
    const prev = lineOf.get(uttId);
    if (prev !== undefined) {
      throw new InputError(`${file} line ${i + 1}: utterance ${uttId} is duplicated (first on line ${prev}); keep one line per utterance`);
    }
    lineOf.set(uttId, i + 1);
    out.set(uttId, words);
  }
  return out;
}

/** Read a Kaldi `text` file (see `parseTranscript`); a missing file is an InputError. */
export async function readTranscript(file: string): Promise<Transcript> {
  let content: string;
  try {
    content = await fs.readFile(file, 'utf8');
  } catch {
    throw new InputError(`${file}: transcript file not found (expected Kaldi text: 'uttid word word ...' per line)`);
  }
  return parseTranscript(content, file);
}

/** Format a transcript as Kaldi `text` (ids in the map's order; `uttid` alone for an empty one). */
export function formatTranscript(t: Iterable<[string, string[]]>): string {
  let s = '';
  for (const [id, words] of t) s += words.length > 0 ? `${id} ${words.join(' ')}\n` : `${id}\n`;
  return s;
}
