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
  if (!tokens.includes(ONE)) return starsMatch(tokens, value);
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

/**
 * `*`-only globs in O(pattern + value): each literal run between stars taken at its leftmost place (KMP). Stepping
 * back one character at a time costs (literal length × value length): `*aaa…ab` (1,000 a's) against a 256 KB event
 * of a's takes seconds.
 */
function starsMatch(tokens: readonly GlobToken[], value: string): boolean {
  const runs = [''];
  for (const token of tokens) {
    if (token === STAR) runs.push('');
    else runs[runs.length - 1] += token;
  }
  if (runs.length === 1) return value === runs[0];
  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  const end = value.length - last.length;
  if (end < first.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  for (const run of runs.slice(1, -1)) {
    const found = indexWithin(value, run, at, end);
    if (found < 0) return false;
    at = found + run.length;
  }
  return true;
}

/** Where `needle` first lies wholly inside value[from, end), or -1 (Knuth–Morris–Pratt: linear, unlike indexOf). */
function indexWithin(value: string, needle: string, from: number, end: number): number {
  if (needle.length === 0) return from;
  const border = new Int32Array(needle.length);
  for (let i = 1, k = 0; i < needle.length; i++) {
    while (k > 0 && needle[i] !== needle[k]) k = border[k - 1]!;
    if (needle[i] === needle[k]) k++;
    border[i] = k;
  }
  for (let i = from, k = 0; i < end; i++) {
    while (k > 0 && value[i] !== needle[k]) k = border[k - 1]!;
    if (value[i] === needle[k]) k++;
    if (k === needle.length) return i - k + 1;
  }
  return -1;
}
