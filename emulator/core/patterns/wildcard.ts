/**
 * EventBridge `wildcard` values: `*` matches any run of characters (including none), `\*` is a
 * literal asterisk and `\\` a literal backslash. Consecutive `*` and any other escape are invalid.
 * Source: aws/event-ruler README "Wildcard matching" (the engine EventBridge documents itself on).
 */

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

const cache = new Map<string, RegExp>();

export function wildcardRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      source += `\\${pattern[++i]}`;
    } else if (c === '*') {
      source += '[\\s\\S]*';
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  re = new RegExp(`^${source}$`, 'u');
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return re;
}

export const wildcardMatches = (pattern: string, value: string): boolean => wildcardRegExp(pattern).test(value);
