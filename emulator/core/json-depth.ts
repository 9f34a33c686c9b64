/**
 * How deep objects and arrays nest in JSON text (0 for a scalar), counted without recursion and without parsing:
 * JSON.parse takes any depth, but JSON.stringify, pattern matching and other walks recurse once per level and
 * exhaust the stack on deep enough input. Stops counting once past `stopAbove` (the caller only asks "deeper
 * than?"). Meant for valid JSON; on other text the count means nothing.
 */
export function jsonNestingDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest && (deepest = depth) > stopAbove) return deepest;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
