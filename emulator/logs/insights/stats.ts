import { malformed } from './lexer';
import type { Command, Expr, Named } from './parser';
import { compareValues, evaluate, FUNCTIONS, toNumber } from './evaluate';
import { formatValue, Time, type Row, type Value } from './fields';

/**
 * The stats command: rows grouped by the `by` expressions (in the order groups first appear), each aggregate
 * computed per group. An aggregate expression may combine aggregates (`sum(x) / count(*)`) and name earlier
 * columns of the same stats (`max(a) as hi, min(a) as lo, hi - lo as spread`).
 */

type Call = Expr & { k: 'call' };
interface Accumulator {
  add(v: Value, row: Row): void;
  result(): Value;
}

const numbers = () => {
  const ns: number[] = [];
  return { ns, add: (v: Value) => void (toNumber(v) !== null && ns.push(toNumber(v)!)) };
};
const timeOf = (row: Row) => {
  const t = row.get('@timestamp');
  return t instanceof Time ? t.ms : 0;
};
function extreme(pick: (c: number) => boolean): Accumulator {
  let best: Value = null;
  return {
    add: (v) => {
      if (v === null) return;
      const c = best === null ? null : compareValues(v, best);
      if (best === null || (c !== null && pick(c))) best = v;
    },
    result: () => best,
  };
}
function byTime(later: boolean): Accumulator {
  let best: { t: number; v: Value } | undefined;
  return {
    add: (v, row) => {
      if (v === null) return;
      const t = timeOf(row);
      if (!best || (later ? t >= best.t : t < best.t)) best = { t, v };
    },
    result: () => best?.v ?? null,
  };
}

/** Aggregate functions: a new accumulator for one group, given the call's extra arguments (pct's percentile). */
const AGGREGATES: Record<string, (call: Call, row0: Row) => Accumulator> = {
  count: (call) => {
    let n = 0;
    return { add: (v) => void ((call.star || call.args.length === 0 || v !== null) && n++), result: () => n };
  },
  count_distinct: () => {
    const seen = new Set<string>();
    return { add: (v) => void (v !== null && seen.add(formatValue(v)!)), result: () => seen.size };
  },
  sum: () => {
    const { ns, add } = numbers();
    return { add, result: () => (ns.length ? ns.reduce((a, b) => a + b, 0) : null) };
  },
  avg: () => {
    const { ns, add } = numbers();
    return { add, result: () => (ns.length ? ns.reduce((a, b) => a + b, 0) / ns.length : null) };
  },
  stddev: () => {
    const { ns, add } = numbers();
    return {
      add,
      result: () => {
        if (ns.length < 2) return ns.length ? 0 : null;
        const mean = ns.reduce((a, b) => a + b, 0) / ns.length;
        return Math.sqrt(ns.reduce((a, b) => a + (b - mean) ** 2, 0) / (ns.length - 1));
      },
    };
  },
  min: () => extreme((c) => c < 0),
  max: () => extreme((c) => c > 0),
  earliest: () => byTime(false),
  latest: () => byTime(true),
  pct: (call, row0) => {
    const p = toNumber(evaluate(call.args[1] ?? { k: 'lit', v: 50 }, row0)) ?? 50;
    const { ns, add } = numbers();
    return {
      add,
      result: () => {
        if (!ns.length) return null;
        ns.sort((a, b) => a - b);
        // Nearest rank.
        return ns[Math.min(ns.length - 1, Math.max(0, Math.ceil((p / 100) * ns.length) - 1))]!;
      },
    };
  },
};
AGGREGATES.percentile = AGGREGATES.pct!;
AGGREGATES.median = (call, row0) => AGGREGATES.pct!({ ...call, args: [call.args[0]!, { k: 'lit', v: 50 }] }, row0);

/** The aggregate calls an expression holds (not looking inside them). */
function aggregateCalls(e: Expr, out: Call[] = []): Call[] {
  if (e.k === 'call' && AGGREGATES[e.fn]) out.push(e);
  else if (e.k === 'call') e.args.forEach((a) => aggregateCalls(a, out));
  else if (e.k === 'neg' || e.k === 'not') aggregateCalls(e.e, out);
  else if (e.k === 'op' || e.k === 'like') [e.l, e.r].forEach((a) => aggregateCalls(a, out));
  else if (e.k === 'in') [e.l, ...e.items].forEach((a) => aggregateCalls(a, out));
  else if (e.k === 'list') e.items.forEach((a) => aggregateCalls(a, out));
  return out;
}

/** Refuses unknown functions, and aggregates anywhere but a stats command's aggregate list. */
export function checkFunctions(commands: Command[], query: string): void {
  const where = (fn: string) => Math.max(0, query.toLowerCase().indexOf(`${fn}(`));
  const walk = (e: Expr, aggregatesAllowed: boolean): void => {
    if (e.k === 'call') {
      const isAggregate = AGGREGATES[e.fn] !== undefined;
      if (!isAggregate && !FUNCTIONS[e.fn]) throw malformed(query, where(e.fn), where(e.fn) + e.fn.length, `unknown function ${e.fn} found`);
      if (isAggregate && !aggregatesAllowed) {
        throw malformed(query, where(e.fn), where(e.fn) + e.fn.length, `aggregate function ${e.fn} is only allowed in stats`);
      }
      e.args.forEach((a) => walk(a, aggregatesAllowed && !isAggregate));
    } else if (e.k === 'neg' || e.k === 'not') walk(e.e, aggregatesAllowed);
    else if (e.k === 'op' || e.k === 'like') [e.l, e.r].forEach((a) => walk(a, aggregatesAllowed));
    else if (e.k === 'in') [e.l, ...e.items].forEach((a) => walk(a, aggregatesAllowed));
    else if (e.k === 'list') e.items.forEach((a) => walk(a, aggregatesAllowed));
  };
  for (const c of commands) {
    if (c.k === 'fields') c.items.forEach((i) => walk(i.expr, false));
    else if (c.k === 'filter') walk(c.expr, false);
    else if (c.k === 'sort') c.keys.forEach((k) => walk(k.expr, false));
    else if (c.k === 'stats') {
      c.aggs.forEach((a) => walk(a.expr, true));
      c.by.forEach((b) => walk(b.expr, false));
    }
  }
}

export function runStats(rows: Row[], aggs: Named[], by: Named[]): Row[] {
  const calls = aggs.flatMap((a) => aggregateCalls(a.expr));
  const groups = new Map<string, { key: Row; accs: Map<Call, Accumulator> }>();
  for (const row of rows) {
    const key: Row = new Map(by.map((b) => [b.name, evaluate(b.expr, row)] as const));
    const id = JSON.stringify([...key.values()].map((v) => formatValue(v) ?? null));
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, accs: new Map(calls.map((c) => [c, AGGREGATES[c.fn]!(c, row)] as const)) }));
    for (const [c, acc] of g.accs) acc.add(c.star || c.args.length === 0 ? true : evaluate(c.args[0]!, row), row);
  }
  return [...groups.values()].map(({ key, accs }) => {
    const out: Row = new Map(key);
    const lookup = (c: Call) => (accs.has(c) ? accs.get(c)!.result() : undefined);
    for (const a of aggs) out.set(a.name, evaluate(a.expr, out, lookup));
    return out;
  });
}

