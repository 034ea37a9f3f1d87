// The one C-locale string order of the toolkit: Kaldi sorts every table with `LC_ALL=C sort`,
// which compares the UTF-8 bytes. UTF-8 byte order is Unicode code point order; JavaScript's `<`
// compares UTF-16 code units, which agrees except that a character above U+FFFF (a surrogate
// pair, code units U+D800-U+DFFF) sorts before U+E000-U+FFFF instead of after. Hand-written: no npm
// package does just this, and sorts of large id lists need the plain-loop speed.

/**
 * Compare two strings in C-locale order (`LC_ALL=C sort`: by their UTF-8 bytes, i.e. by code
 * point); a negative, zero or positive number, for `Array.prototype.sort`.
 *
 * @example ['b', 'B', 'a_1', 'a-1'].sort(compareCLocale) // ['B', 'a-1', 'a_1', 'b']
 * @example compareCLocale('\u{1F600}', '\uFFFD') > 0   // true (JS `<` says the opposite)
 */
export function compareCLocale(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Only when both are at or above the surrogates can code unit and code point order differ
    // (a surrogate against anything below U+D800 orders the same either way).
    if (x >= 0xd800 && y >= 0xd800) {
      x = codePointRank(x);
      y = codePointRank(y);
    }
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Moves surrogates (U+D800-U+DFFF: characters above U+FFFF) after U+E000-U+FFFF, keeping the rest in order. */
function codePointRank(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
