/**
 * An error caused by the user's input (a file, an option, a transcript), as opposed to a bug.
 * The CLI prints only its message (no stack) and exits 1; the message names where the problem is
 * and what to do, e.g. `wav.scp line 12 (utt spk1-0003): file not found: audio/0003.wav`.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True for errors whose message alone is what the user needs to see. */
export function isInputError(e: unknown): e is InputError {
  return e instanceof Error && e.name === 'InputError';
}
