import { promises as fs } from 'node:fs';
import { bomMessage, decodeTextFile, hasBom, printable } from '../data/text-input.js';
import { InputError } from '../errors.js';

/** One Kaldi-style transcript: utterance id -> words, in file order. */
export type Transcript = Map<string, string[]>;

// Kaldi reads `text` archives as whitespace-separated tokens (SequentialTokenVectorReader):
// spaces, tabs and a trailing CR all separate words.
const WHITESPACE = /[ \t\r\f\v]+/;

/**
 * Parse Kaldi `text` content (`uttid w1 w2 ...`, one utterance per line). A line holding only
 * the id is an empty transcript; blank lines are skipped. A duplicated id or a leading byte order
 * mark is an InputError naming the file (and both lines).
 *
 * @example parseTranscript('u1 one two\nu2\n', 'ref.txt') // Map { u1 => [one, two], u2 => [] }
 */
export function parseTranscript(content: string, file: string): Transcript {
  if (hasBom(content)) throw new InputError(bomMessage(file));
  const out: Transcript = new Map();
  const lineOf = new Map<string, number>();
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i].split(WHITESPACE).filter((f) => f.length > 0);
    if (fields.length === 0) continue;
    const [uttId, ...words] = fields;
    const prev = lineOf.get(uttId);
    if (prev !== undefined) {
      throw new InputError(`${file} line ${i + 1}: utterance ${printable(uttId)} is duplicated (first on line ${prev}); keep one line per utterance`);
    }
    lineOf.set(uttId, i + 1);
    out.set(uttId, words);
  }
  return out;
}

const EXPECTED_TEXT = "Kaldi text: 'uttid word word ...' per line";

/** Read a Kaldi `text` file (see `parseTranscript`); a missing or binary file is an InputError. */
export async function readTranscript(file: string): Promise<Transcript> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch {
    throw new InputError(`${file}: transcript file not found (expected ${EXPECTED_TEXT})`);
  }
  return parseTranscript(decodeTextFile(bytes, file, EXPECTED_TEXT), file);
}

/** Format a transcript as Kaldi `text` (ids in the map's order; `uttid` alone for an empty one). */
export function formatTranscript(t: Iterable<[string, string[]]>): string {
  let s = '';
  for (const [id, words] of t) s += words.length > 0 ? `${id} ${words.join(' ')}\n` : `${id}\n`;
  return s;
}
