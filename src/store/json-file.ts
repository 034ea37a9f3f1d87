// Reading the JSON files that mark and describe our directories (feats.json, ali.json, model.json,
// asr-distill.json, cmvn.json, transition-model.json, ...): one place for the two ways it fails.
import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';

/** What to tell the user when the file is missing or is not JSON. */
export interface JsonFileExplanation {
  /**
   * The whole message when the file cannot be read, e.g. `x/ali.json: not found; is x an alignment
   * directory ...?`; or a function of the error code (`ENOENT`, `EACCES`, ...) that returns it.
   */
  missing: string | ((code: string | undefined) => string);
  /** What to do when it is not valid JSON, appended after `; ` (e.g. `re-run asr-distill features`). */
  invalidHint?: string;
}

/**
 * Read and parse a JSON file, or throw an InputError: `explain.missing` when it cannot be read,
 * `FILE: not valid JSON (parser message)[; invalidHint]` when it does not parse. The caller
 * checks the fields.
 *
 * @example const info = await readJsonFile<AliInfo>(file, { missing: `${file}: not found; run asr-distill align` });
 */
export async function readJsonFile<T>(file: string, explain: JsonFileExplanation): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const m = explain.missing;
    throw new InputError(typeof m === 'string' ? m : m((e as NodeJS.ErrnoException).code));
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})${explain.invalidHint ? `; ${explain.invalidHint}` : ''}`);
  }
}
