import { Time, type Value } from './fields';

/**
 * The order of Logs Insights' `sort` (AWS documents it as an updated natural sort): ascending, every non-numeric
 * value comes before every number; numbers compare by value; other values compare chunk by chunk (runs of digits
 * and runs of other characters), runs of digits by length and then digit by digit, anything else by Unicode order.
 * Descending is the reverse. Missing values are not compared here (they go last either way).
 */
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function numeric(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Time) return v.ms;
  return typeof v === 'string' && NUMERIC.test(v.trim()) ? Number(v) : undefined;
}

const byUnicode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function naturalCompare(a: string, b: string): number {
  const x = a.match(/\d+|\D+/g) ?? [];
  const y = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    const digits = /^\d/.test(p) && /^\d/.test(q);
    const d = digits ? p.length - q.length || byUnicode(p, q) : byUnicode(p, q);
    if (d) return Math.sign(d);
  }
  return Math.sign(x.length - y.length);
}

/** Ascending order of two present values. */
export function sortCompare(a: Value, b: Value): number {
  const x = numeric(a);
  const y = numeric(b);
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (x !== undefined) return 1;
  if (y !== undefined) return -1;
  return naturalCompare(String(a), String(b));
}
