/**
 * Glob matching (`*` any run of characters, optionally `?` one character) in O(pattern × value) steps at worst.
 * A backtracking RegExp built from the glob (`^.*a.*a.*a…b$`) takes (value length)^(number of stars) steps on a
 * value that almost matches (`*a*a*a*a*a*a*a*a*a*a*a*a*b` against 3,000 `a`s never ends), blocking the event loop.
 */

/** A compiled glob: literal characters, `STAR` for `*`, `ONE` for `?`. */
export const STAR = 0;
export const ONE = 1;
export type GlobToken = string | typeof STAR | typeof ONE;

/** Plain `*` (and `?` when `questionMark`: one UTF-16 unit, as the RegExp it replaces) wildcards, no escapes. */
export function globTokens(pattern: string, questionMark = false): GlobToken[] {
  return pattern.split('').map((c) => (c === '*' ? STAR : questionMark && c === '?' ? ONE : c));
}

/**
 * Whether `value` matches the whole glob. Greedy, going back only to the last `*` seen: a later `*` can absorb
 * whatever an earlier one would have, so earlier ones never need to be revisited.
 */
export function globMatches(tokens: readonly GlobToken[], value: string): boolean {
  let t = 0;
  let v = 0;
  let star = -1;
  let starV = 0;
  while (v < value.length) {
    const token = tokens[t];
    if (token === STAR) {
      star = t++;
      starV = v;
    } else if (token !== undefined && (token === ONE || token === value[v])) {
      t++;
      v++;
    } else if (star >= 0) {
      t = star + 1;
      v = ++starV;
    } else return false;
  }
  while (tokens[t] === STAR) t++;
  return t === tokens.length;
}
