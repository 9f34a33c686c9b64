import type { Expr } from './parser';
import { Time, type Row, type Value } from './fields';

/**
 * Evaluating expressions over a row. Missing fields are null: arithmetic on null is null, and a comparison with
 * null is false (so `filter level != "DEBUG"` drops events without a level, as a missing field never matches).
 * Strings that hold numbers compare and compute as numbers (a JSON `"status": "500"` = 500).
 */

/** The value a stats row holds for an aggregate call (stats.ts); undefined outside stats. */
export type AggregateLookup = (call: Expr & { k: 'call' }) => Value | undefined;

export function toNumber(v: Value): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Time) return v.ms;
  const t = v.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

export const toText = (v: Value): string | null => (v === null ? null : v instanceof Time ? String(v.ms) : String(v));

export function truthy(v: Value): boolean {
  if (v === null || v === false || v === '') return false;
  if (typeof v === 'number') return v !== 0;
  return true;
}

/** -1, 0, 1; numbers when both sides are numeric, else text (null when either side is missing). */
export function compareValues(a: Value, b: Value): number | null {
  if (a === null || b === null) return null;
  const x = toNumber(a);
  const y = toNumber(b);
  if (x !== null && y !== null) return x < y ? -1 : x > y ? 1 : 0;
  const s = toText(a)!;
  const t = toText(b)!;
  return s < t ? -1 : s > t ? 1 : 0;
}

const floorTo = (ms: number, period: number) => Math.floor(ms / period) * period;
const num1 = (f: (n: number) => number) => (args: Value[]) => {
  const n = toNumber(args[0] ?? null);
  return n === null ? null : f(n);
};
const str1 = (f: (s: string) => Value) => (args: Value[]) => {
  const s = toText(args[0] ?? null);
  return s === null ? null : f(s);
};
const periodOf = (v: Value): number | null => {
  const n = toNumber(v);
  return n !== null && n > 0 ? n : null;
};
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Scalar functions by lower-case name: each gets its evaluated arguments and the row (for bin's @timestamp). */
export const FUNCTIONS: Record<string, (args: Value[], row: Row) => Value> = {
  ispresent: (a) => a[0] !== null && a[0] !== undefined,
  isempty: (a) => a[0] === null || a[0] === undefined || a[0] === '',
  isblank: (a) => a[0] === null || a[0] === undefined || String(a[0]).trim() === '',
  coalesce: (a) => a.find((v) => v !== null) ?? null,
  strlen: str1((s) => [...s].length),
  toupper: str1((s) => s.toUpperCase()),
  tolower: str1((s) => s.toLowerCase()),
  trim: str1((s) => s.trim()),
  ltrim: str1((s) => s.trimStart()),
  rtrim: str1((s) => s.trimEnd()),
  concat: (a) => (a.some((v) => v === null) ? null : a.map((v) => toText(v)).join('')),
  substr: (a) => {
    const s = toText(a[0] ?? null);
    const start = toNumber(a[1] ?? null);
    if (s === null || start === null) return null;
    const len = a.length > 2 ? toNumber(a[2] ?? null) : null;
    return len === null ? s.slice(start) : s.slice(start, start + len);
  },
  replace: (a) => {
    const [s, from, to] = a.map((v) => toText(v ?? null));
    if (s === null || s === undefined || from === null || from === undefined) return null;
    return s.replace(new RegExp(escapeRegex(from), 'g'), () => to ?? '');
  },
  strcontains: (a) => {
    const [s, sub] = a.map((v) => toText(v ?? null));
    return s !== null && s !== undefined && sub !== null && sub !== undefined && s.includes(sub) ? 1 : 0;
  },
  abs: num1(Math.abs),
  ceil: num1(Math.ceil),
  floor: num1(Math.floor),
  sqrt: num1(Math.sqrt),
  log: num1(Math.log),
  round: (a) => {
    const n = toNumber(a[0] ?? null);
    if (n === null) return null;
    const digits = toNumber(a[1] ?? null) ?? 0;
    return Math.round(n * 10 ** digits) / 10 ** digits;
  },
  pow: (a) => {
    const [x, y] = a.map((v) => toNumber(v ?? null));
    return x === null || y === null || x === undefined || y === undefined ? null : x ** y;
  },
  greatest: (a) => {
    const ns = a.map((v) => toNumber(v)).filter((n): n is number => n !== null);
    return ns.length ? Math.max(...ns) : null;
  },
  least: (a) => {
    const ns = a.map((v) => toNumber(v)).filter((n): n is number => n !== null);
    return ns.length ? Math.min(...ns) : null;
  },
  bin: (a, row) => {
    const period = periodOf(a[0] ?? null);
    const t = row.get('@timestamp');
    return period === null || !(t instanceof Time) ? null : new Time(floorTo(t.ms, period));
  },
  datefloor: (a) => {
    const t = toNumber(a[0] ?? null);
    const period = periodOf(a[1] ?? null);
    return t === null || period === null ? null : new Time(floorTo(t, period));
  },
  dateceil: (a) => {
    const t = toNumber(a[0] ?? null);
    const period = periodOf(a[1] ?? null);
    return t === null || period === null ? null : new Time(Math.ceil(t / period) * period);
  },
  frommillis: (a) => {
    const n = toNumber(a[0] ?? null);
    return n === null ? null : new Time(n);
  },
  tomillis: (a) => toNumber(a[0] ?? null),
};

function arithmetic(op: string, x: number, y: number): Value {
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return y === 0 ? null : x / y;
    case '%':
      return y === 0 ? null : x % y;
    default:
      return x ** y;
  }
}

function matches(l: Value, r: Expr, row: Row, agg?: AggregateLookup): boolean {
  const text = toText(l);
  if (text === null) return false;
  if (r.k === 'regex') return r.re.test(text);
  const sub = toText(evaluate(r, row, agg));
  return sub !== null && text.includes(sub);
}

export function evaluate(e: Expr, row: Row, agg?: AggregateLookup): Value {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'field':
      return row.get(e.name) ?? null;
    case 'dur':
      return e.ms;
    case 'regex':
      return e.re.source;
    case 'list':
      return null;
    case 'neg': {
      const n = toNumber(evaluate(e.e, row, agg));
      return n === null ? null : -n;
    }
    case 'not':
      return !truthy(evaluate(e.e, row, agg));
    case 'like': {
      const hit = matches(evaluate(e.l, row, agg), e.r, row, agg);
      return e.not ? !hit : hit;
    }
    case 'in': {
      const v = evaluate(e.l, row, agg);
      if (v === null) return false;
      const hit = e.items.some((i) => compareValues(v, evaluate(i, row, agg)) === 0);
      return e.not ? !hit : hit;
    }
    case 'call': {
      const fromStats = agg?.(e);
      if (fromStats !== undefined) return fromStats;
      const fn = FUNCTIONS[e.fn];
      return fn ? fn(e.args.map((a) => evaluate(a, row, agg)), row) : null;
    }
    case 'op': {
      if (e.op === 'and') return truthy(evaluate(e.l, row, agg)) && truthy(evaluate(e.r, row, agg));
      if (e.op === 'or') return truthy(evaluate(e.l, row, agg)) || truthy(evaluate(e.r, row, agg));
      const l = evaluate(e.l, row, agg);
      const r = evaluate(e.r, row, agg);
      if (['=', '!=', '<', '<=', '>', '>='].includes(e.op)) {
        const c = compareValues(l, r);
        if (c === null) return false;
        return e.op === '=' ? c === 0 : e.op === '!=' ? c !== 0 : e.op === '<' ? c < 0 : e.op === '<=' ? c <= 0 : e.op === '>' ? c > 0 : c >= 0;
      }
      const x = toNumber(l);
      const y = toNumber(r);
      return x === null || y === null ? null : arithmetic(e.op, x, y);
    }
  }
}
