import { ipInCidr, parseCidr } from './cidr';
import { wildcardMatches } from './wildcard';

/**
 * One content matcher for EventBridge event patterns and SNS filter policies. Both services document
 * the same language (EventBridge's engine is aws/event-ruler; SNS's filter pages describe the same
 * operators), so the matching rules live here once; `mode` selects the few SNS differences.
 *
 * Semantics (sources: EventBridge "Content filtering in Amazon EventBridge event patterns",
 * aws/event-ruler README, SNS "String value matching", "Numeric value matching", "Key matching",
 * "AND/OR logic"):
 * - Keys are AND'ed; the values in a key's array are OR'ed. Keys the pattern does not name are ignored.
 * - A pattern object descends into the event object; a pattern array is a leaf test.
 * - An event array matches if any element matches. Arrays of objects are "crushed": the nested
 *   pattern must match within one element (event-ruler's array-consistent matching).
 * - A missing field, or a field holding an object where the pattern expects a leaf, or an empty
 *   array, counts as absent: only `{"exists": false}` matches it. `anything-but` does NOT match an
 *   absent field (SNS: combine it with `{"exists": false}` for that).
 * - Exact values compare by JSON type: `"5"` does not match `5`; numbers compare numerically.
 * - `$or` (an array of objects) at any level: the object matches when its other keys match and at
 *   least one `$or` branch matches.
 *
 * Modes:
 * - `eventbridge` (default) and `sns-body`: `event` is the parsed JSON event / message body.
 * - `sns-attributes`: `event` is `{name: value}` built from SNS message attributes — String → the
 *   string, String.Array → the parsed JSON array, Number → a JS number, Binary → left out
 *   (`toFilterableAttributes` in ./sns-attributes.ts builds it). An empty attribute set matches no
 *   non-empty policy, not even `{"exists": false}` (SNS "Key matching" note).
 * - In both SNS modes `{"exists": true}` needs a non-null, non-empty value (SNS "Key matching").
 *
 * The pattern is assumed valid (see validateEventPattern / validateFilterPolicy); malformed parts
 * simply do not match.
 */
export type MatchMode = 'eventbridge' | 'sns-body' | 'sns-attributes';

export interface MatchOptions {
  mode?: MatchMode;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: unknown };

export const isPlainObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `$or` is the OR operator only when it holds an array of objects (event-ruler keeps other uses as a field name). */
export const isOrBranches = (v: unknown): v is JsonObject[] => Array.isArray(v) && v.length > 0 && v.every(isPlainObject);

interface Ctx {
  sns: boolean;
}

export function matchesPattern(pattern: object, event: object, opts: MatchOptions = {}): boolean {
  const mode = opts.mode ?? 'eventbridge';
  if (!isPlainObject(pattern)) return false;
  if (mode === 'sns-attributes' && Object.keys(pattern).length > 0 && Object.keys(event).length === 0) return false;
  return matchObject(pattern, event, { sns: mode !== 'eventbridge' });
}

/** Matches a pattern object against an event node, crushing arrays of objects. */
function matchObject(pattern: JsonObject, node: unknown, ctx: Ctx): boolean {
  if (!Array.isArray(node)) return matchFields(pattern, node, ctx);
  const elements = flatten(node).filter(isPlainObject);
  // No object in the array: every field below is absent.
  if (elements.length === 0) return matchFields(pattern, undefined, ctx);
  return elements.some((el) => matchFields(pattern, el, ctx));
}

function matchFields(pattern: JsonObject, node: unknown, ctx: Ctx): boolean {
  const obj = isPlainObject(node) ? node : undefined;
  let orBranches: JsonObject[] | undefined;
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or' && isOrBranches(sub)) {
      orBranches = sub;
      continue;
    }
    const child = obj && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
    if (isPlainObject(sub)) {
      if (!matchObject(sub, child, ctx)) return false;
    } else if (Array.isArray(sub)) {
      if (!matchLeaf(sub, child, ctx)) return false;
    } else {
      return false;
    }
  }
  return orBranches ? orBranches.some((branch) => matchFields(branch, node, ctx)) : true;
}

function flatten(values: unknown[]): unknown[] {
  return values.flatMap((v) => (Array.isArray(v) ? flatten(v) : [v]));
}

/** The leaf values at a field: none when absent or when the field holds an object. */
function leafValues(value: unknown): Json[] {
  if (value === undefined) return [];
  const all = Array.isArray(value) ? flatten(value) : [value];
  return all.filter((v) => !isPlainObject(v) && v !== undefined) as Json[];
}

function matchLeaf(matchers: unknown[], value: unknown, ctx: Ctx): boolean {
  const leaves = leafValues(value);
  for (const m of matchers) {
    if (isPlainObject(m) && 'exists' in m) {
      const present = ctx.sns ? leaves.some((v) => v !== null && v !== '') : leaves.length > 0;
      if (m.exists === present) return true;
      continue;
    }
    if (leaves.some((v) => matchValue(m, v))) return true;
  }
  return false;
}

const sameValue = (expected: unknown, actual: Json): boolean =>
  expected === null ? actual === null : typeof expected === typeof actual && expected === actual;

/** Positive string operators; non-strings never match them. */
function stringOp(op: string, arg: unknown, v: Json): boolean {
  if (typeof v !== 'string') return false;
  if (Array.isArray(arg)) return arg.some((a) => stringOp(op, a, v));
  switch (op) {
    case 'prefix':
      if (isPlainObject(arg)) return lowerOf(arg).some((p) => v.toLowerCase().startsWith(p));
      return typeof arg === 'string' && v.startsWith(arg);
    case 'suffix':
      if (isPlainObject(arg)) return lowerOf(arg).some((s) => v.toLowerCase().endsWith(s));
      return typeof arg === 'string' && v.endsWith(arg);
    case 'equals-ignore-case':
      return typeof arg === 'string' && v.toLowerCase() === arg.toLowerCase();
    case 'wildcard':
      return typeof arg === 'string' && wildcardMatches(arg, v);
    case 'cidr': {
      if (typeof arg !== 'string') return false;
      const block = parseCidr(arg);
      return typeof block !== 'string' && ipInCidr(v, block);
    }
    default:
      return false;
  }
}

/** `{"equals-ignore-case": "x"}` inside prefix/suffix, lower-cased. */
function lowerOf(arg: JsonObject): string[] {
  const v = arg['equals-ignore-case'];
  return (Array.isArray(v) ? v : [v]).filter((s): s is string => typeof s === 'string').map((s) => s.toLowerCase());
}

function matchValue(m: unknown, v: Json): boolean {
  if (!isPlainObject(m)) return sameValue(m, v);
  const [op, arg] = Object.entries(m)[0] ?? [];
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
    case 'wildcard':
    case 'cidr':
      return stringOp(op, arg, v);
    case 'numeric':
      return typeof v === 'number' && Array.isArray(arg) && numericMatches(arg, v);
    case 'anything-but':
      return anythingBut(arg, v);
    default:
      return false;
  }
}

/**
 * Anything-but is the negation of the inner test, per leaf value. As in event-ruler, a value of
 * another JSON type than the excluded ones counts as "anything but" them.
 */
function anythingBut(arg: unknown, v: Json): boolean {
  if (Array.isArray(arg)) return !arg.some((x) => sameValue(x, v));
  if (isPlainObject(arg)) {
    const [op, inner] = Object.entries(arg)[0] ?? [];
    return op !== undefined && !stringOp(op, inner, v);
  }
  return !sameValue(arg, v);
}

function numericMatches(conds: unknown[], v: number): boolean {
  for (let i = 0; i + 1 < conds.length; i += 2) {
    const op = conds[i];
    const n = conds[i + 1];
    if (typeof n !== 'number') return false;
    const ok =
      op === '=' ? v === n : op === '<' ? v < n : op === '<=' ? v <= n : op === '>' ? v > n : op === '>=' ? v >= n : false;
    if (!ok) return false;
  }
  return conds.length >= 2;
}
