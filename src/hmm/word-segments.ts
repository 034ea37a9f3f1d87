// Word instances of a phone alignment: which frames of an utterance belong to which word of its
// transcript (Kaldi: the word alignment of `lattice-align-words-lexicon` on a single-path
// alignment, done here by matching the non-silence phone instances against the lexicon's
// pronunciations). Pure; the frames of one word are what Hinton et al. 2015 sec. 3 leaves out of a
// transfer set.
import { InputError } from '../errors.js';
import type { PhoneSegment } from './ali-archive.js';

/** One word of the transcript and the frames of its phones (silence between words belongs to no word). */
export interface WordSegment {
  word: string;
  startFrame: number;
  /** Frames from startFrame (its phones' instances, contiguous). */
  numFrames: number;
}

/**
 * Match the phone instances of an utterance (silence phones skipped) to its words: each word takes
 * the phones of one of its pronunciations, in order, and every non-silence phone instance belongs
 * to a word. Words with several pronunciations ("four": F AO R | F AO) are resolved by trying
 * them in lexicon order, backtracking when the rest does not match.
 *
 * @example wordSegments('u1', segs, phoneNames, ['two'], lexicon, new Set(['SIL'])) // [{ word: 'two', startFrame: 12, numFrames: 30 }]
 */
export function wordSegments(
  uttId: string,
  segs: PhoneSegment[],
  phoneNames: readonly string[],
  words: readonly string[],
  lexicon: ReadonlyMap<string, string[][]>,
  silencePhones: ReadonlySet<string>,
): WordSegment[] {
  const speech = segs.filter((s) => !silencePhones.has(phoneNames[s.phoneId]));
  const failed = new Set<string>(); // "word index,phone index" pairs known not to lead to a match
  const out: WordSegment[] = [];
  const match = (w: number, p: number): boolean => {
    if (w === words.length) return p === speech.length;
    const key = `${w},${p}`;
    if (failed.has(key)) return false;
    const prons = lexicon.get(words[w]);
    if (!prons) throw new InputError(`utterance ${uttId}: word '${words[w]}' is not in the lexicon of the alignment's lang directory`);
    for (const pron of prons) {
      if (p + pron.length > speech.length || !pron.every((ph, i) => phoneNames[speech[p + i].phoneId] === ph)) continue;
      const first = speech[p];
      const last = speech[p + pron.length - 1];
      out.push({ word: words[w], startFrame: first.startFrame, numFrames: last.startFrame + last.numFrames - first.startFrame });
      if (match(w + 1, p + pron.length)) return true;
      out.pop();
    }
    failed.add(key);
    return false;
  };
  if (!match(0, 0)) {
    const phones = speech.map((s) => phoneNames[s.phoneId]).join(' ');
    throw new InputError(`utterance ${uttId}: the aligned phones (${phones}) do not spell its transcript (${words.join(' ')}) with the lexicon; align again with this lang directory`);
  }
  return out;
}
