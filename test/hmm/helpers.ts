// Shared fixtures for the hmm tests: a tiny language directory written with the lang module.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readLangDir, writeLangDir, type LangDir } from '../../src/lang/lang-dir.js';
import { parseLexicon } from '../../src/lang/lexicon.js';

/** A three-word lexicon with an alternative pronunciation and an OOV word. */
export const TINY_LEXICON = 'one W AH N\none W AA N\ntwo T UW\nnine N AY N\n';

/** Run `fn` with a fresh temporary directory, removed afterwards. */
export async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hmm-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Write and read back a lang dir for `lexiconText` (with `<unk>` as OOV word). */
export async function makeLang(dir: string, lexiconText = TINY_LEXICON): Promise<LangDir> {
  const langDir = path.join(dir, 'lang');
  await writeLangDir(langDir, { lexicon: parseLexicon(lexiconText, 'test lexicon'), oovWord: '<unk>' });
  return readLangDir(langDir);
}
