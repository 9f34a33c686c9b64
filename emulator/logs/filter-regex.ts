import { FilterPatternError } from './filter-pattern-error';

/**
 * The regular expressions CloudWatch Logs filter patterns accept between `%` signs: letters, digits, the symbols
 * `: _ # = @ / ; , -`, and the operators `^ $ ? [ ] { } | \ * + .` — no parentheses (so no groups), no other
 * characters, no multi-byte ones. A match is found anywhere in the value (`%AUTHORIZED%` matches "UNAUTHORIZED")
 * unless `^`/`$` anchor it; `|` separates whole alternatives (`%gra|ey%` is "gra" or "ey"); case counts.
 *
 * Matched without a backtracking engine: `%.*.*.*.*x%` against a long line would take (length)^4 steps in a
 * RegExp, and filter patterns run on every event. Without groups each alternative is a sequence of quantified
 * single-character atoms, so a set-of-states simulation matches in O(value × states) steps.
 */
export interface FilterRegex {
  test(value: string): boolean;
}

/** Repetition counts above this are refused (RE2, whose syntax this follows, has the same limit). */
const MAX_REPEAT = 1000;
/** States of one alternative (about the sum of its repetition counts): refused above this. */
const MAX_STATES = 10_000;
const ALLOWED = /^[A-Za-z0-9:_#=@/;,\-^$?[\]{}|\\*+.]*$/;

type CharTest = (c: string) => boolean;
interface Item {
  test: CharTest;
  min: number;
  /** Infinity for `*`, `+`, `{m,}`. */
  max: number;
}
interface Alternative {
  atStart: boolean;
  atEnd: boolean;
  items: Item[];
  /** Per item: the highest count a state keeps (`max`, or `min` for an unbounded item). */
  cap: number[];
  /** Per item: its first state's number. */
  offset: number[];
  /** Per state: its item. */
  itemOf: Int32Array;
  /** The accepting state (all items done). */
  final: number;
}

const isDigit: CharTest = (c) => c >= '0' && c <= '9';
const isWord: CharTest = (c) => isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isSpace: CharTest = (c) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
const CLASS_ESCAPES: Record<string, CharTest> = {
  d: isDigit,
  D: (c) => !isDigit(c),
  w: isWord,
  W: (c) => !isWord(c),
  s: isSpace,
  S: (c) => !isSpace(c),
};

export function compileFilterRegex(source: string): FilterRegex {
  const bad = (why: string) => new FilterPatternError(`Invalid regular expression %${source}%: ${why}`);
  if (source === '') throw bad('it is empty');
  if (!ALLOWED.test(source)) throw bad('it may only hold letters, digits, the symbols : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \\ * + .');
  const alternatives = source.split('|').map((text) => parseAlternative(text, bad));
  return { test: (value) => alternatives.some((alt) => matches(alt, value)) };
}

function parseAlternative(text: string, bad: (why: string) => FilterPatternError): Alternative {
  let i = 0;
  const atStart = text.startsWith('^');
  if (atStart) i++;
  const items: Item[] = [];
  let atEnd = false;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '$') {
      if (i !== text.length - 1) throw bad('$ may only end an alternative');
      atEnd = true;
      break;
    }
    if (c === '^') throw bad('^ may only start an alternative');
    if (c === '*' || c === '+' || c === '?' || c === '{') throw bad(`${c} must follow a character or a class`);
    let test: CharTest;
    if (c === '.') {
      test = (x) => x !== '\n';
      i++;
    } else if (c === '\\') {
      const e = text[i + 1];
      if (e === undefined) throw bad('\\ cannot end it');
      test = CLASS_ESCAPES[e] ?? ((x) => x === e);
      i += 2;
    } else if (c === '[') {
      const close = classEnd(text, i);
      if (close < 0) throw bad('[ is not closed');
      test = parseClass(text.slice(i + 1, close), bad);
      i = close + 1;
    } else if (c === ']' || c === '}') {
      throw bad(`${c} has no opening bracket`);
    } else {
      test = (x) => x === c;
      i++;
    }
    const [min, max, next] = parseQuantifier(text, i, bad);
    items.push({ test, min, max });
    i = next;
  }
  const cap = items.map((it) => (Number.isFinite(it.max) ? it.max : it.min));
  const offset: number[] = [];
  let final = 0;
  for (const c of cap) {
    offset.push(final);
    final += c + 1;
  }
  if (final + 1 > MAX_STATES) throw bad('its repetitions are too large');
  const itemOf = new Int32Array(final);
  for (let k = 0; k < items.length; k++) itemOf.fill(k, offset[k]!, offset[k]! + cap[k]! + 1);
  return { atStart, atEnd, items, cap, offset, itemOf, final };
}

/** Index of the `]` closing the class opened at `open` (a `]` right after `[` or `[^`, or escaped, is a member). */
function classEnd(text: string, open: number): number {
  let i = open + 1;
  if (text[i] === '^') i++;
  if (text[i] === ']') i++;
  for (; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === ']') return i;
  }
  return -1;
}

function parseClass(body: string, bad: (why: string) => FilterPatternError): CharTest {
  const negated = body.startsWith('^');
  const members: CharTest[] = [];
  let i = negated ? 1 : 0;
  if (i >= body.length) throw bad('a class [] cannot be empty');
  while (i < body.length) {
    let from = body[i]!;
    if (from === '\\') {
      const e = body[i + 1]!;
      i += 2;
      if (CLASS_ESCAPES[e]) {
        members.push(CLASS_ESCAPES[e]);
        continue;
      }
      from = e;
    } else i++;
    if (body[i] === '-' && i + 1 < body.length) {
      let to = body[i + 1]!;
      i += 2;
      if (to === '\\') to = body[i++] ?? '';
      if (to === '' || to < from) throw bad(`the range ${from}-${to} is out of order`);
      members.push((x) => x >= from && x <= to);
    } else {
      members.push((x) => x === from);
    }
  }
  return negated ? (x) => !members.some((m) => m(x)) : (x) => members.some((m) => m(x));
}

/** The quantifier at `i`, if any: [min, max, index after it]. A trailing `?` (lazy) changes nothing for a test. */
function parseQuantifier(text: string, i: number, bad: (why: string) => FilterPatternError): [number, number, number] {
  let min = 1;
  let max = 1;
  const c = text[i];
  if (c === '*') [min, max, i] = [0, Infinity, i + 1];
  else if (c === '+') [min, max, i] = [1, Infinity, i + 1];
  else if (c === '?') [min, max, i] = [0, 1, i + 1];
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(text.slice(i));
    if (!m) throw bad('{ must be {m}, {m,} or {m,n}');
    min = Number(m[1]);
    max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (min > MAX_REPEAT || (Number.isFinite(max) && max > MAX_REPEAT)) throw bad(`a repetition count is over ${MAX_REPEAT}`);
    if (max < min) throw bad(`{${min},${max}} is out of order`);
    i += m[0].length;
  } else return [min, max, i];
  if (text[i] === '?') i++;
  if (text[i] === '*' || text[i] === '+' || text[i] === '?' || text[i] === '{') throw bad('a repetition cannot be repeated');
  return [min, max, i];
}

/**
 * Runs the alternative as a set of states over the value's characters. State (item, count): `count` characters
 * of that item matched so far (capped at `min` for an unbounded item, which then loops).
 */
function matches(alt: Alternative, value: string): boolean {
  const { items, cap, offset, itemOf, final } = alt;
  const add = (list: number[], marks: Uint8Array, state: number): void => {
    // Closure: an item that has had its minimum may be left for the next one.
    for (;;) {
      if (marks[state]) return;
      marks[state] = 1;
      list.push(state);
      if (state === final) return;
      const k = itemOf[state]!;
      if (state - offset[k]! < items[k]!.min) return;
      state = k + 1 < items.length ? offset[k + 1]! : final;
    }
  };
  const start = items.length ? 0 : final;
  let current: number[] = [];
  let marks = new Uint8Array(final + 1);
  add(current, marks, start);
  for (const ch of value) {
    if (marks[final] && !alt.atEnd) return true;
    const next: number[] = [];
    const nextMarks = new Uint8Array(final + 1);
    for (const state of current) {
      if (state === final) continue;
      const k = itemOf[state]!;
      if (!items[k]!.test(ch)) continue;
      if (state - offset[k]! < cap[k]!) add(next, nextMarks, state + 1);
      else if (!Number.isFinite(items[k]!.max)) add(next, nextMarks, state);
    }
    if (!alt.atStart) add(next, nextMarks, start);
    else if (next.length === 0) return false;
    current = next;
    marks = nextMarks;
  }
  return marks[final] === 1;
}
