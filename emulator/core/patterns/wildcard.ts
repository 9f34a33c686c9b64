/**
 * EventBridge `wildcard` values: `*` matches any run of characters (including none), `\*` is a
 * literal asterisk and `\\` a literal backslash. Consecutive `*` and any other escape are invalid.
 * Source: aws/event-ruler README "Wildcard matching" (the engine EventBridge documents itself on).
 */
import { globMatches, STAR, type GlobToken } from './glob';

/** Returns Ruler-style reason text for an invalid wildcard value, or undefined when it is valid. */
export function wildcardProblem(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') return `Invalid escape character at pos ${i + 1}`;
      i++;
    } else if (c === '*' && pattern[i + 1] === '*') {
      return `Consecutive wildcard characters at pos ${i + 1}`;
    }
  }
  return undefined;
}

const cache = new Map<string, GlobToken[]>();

export function wildcardTokens(pattern: string): GlobToken[] {
  let tokens = cache.get(pattern);
  if (tokens) return tokens;
  tokens = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) tokens.push(pattern[++i]!);
    else tokens.push(c === '*' ? STAR : c);
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, tokens);
  return tokens;
}

// Not a RegExp: backtracking on a pattern of many wildcards against a long value would never end (see glob.ts).
export const wildcardMatches = (pattern: string, value: string): boolean => globMatches(wildcardTokens(pattern), value);
