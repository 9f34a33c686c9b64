import { evaluate, toText, truthy } from './evaluate';
import { sortCompare } from './sort-order';
import { eventRow, formatValue, pointerOf, type Row, type SourceEvent } from './fields';
import type { Command } from './parser';
import { runStats } from './stats';

/**
 * Runs parsed commands over the events of a query's time range (newest first: Logs Insights' order when the
 * query does not sort). Without `fields`, `display` or `stats`, a result shows every field of its event.
 */
export interface QueryOutput {
  results: { field: string; value: string }[][];
  recordsMatched: number;
}

interface Item {
  row: Row;
  ptr?: string;
}

export function runQuery(commands: Command[], events: SourceEvent[], accountId: string, maxResults: number): QueryOutput {
  let items: Item[] = events.map((e) => ({ row: eventRow(e, accountId), ptr: pointerOf(e) }));
  let shown: string[] | undefined;
  let matched: number | undefined;
  const show = (names: string[]) => {
    shown ??= [];
    for (const n of names) if (!shown.includes(n)) shown.push(n);
  };
  for (const c of commands) {
    switch (c.k) {
      case 'fields':
        for (const { row } of items) for (const f of c.items) row.set(f.name, evaluate(f.expr, row));
        show(c.items.map((f) => f.name));
        break;
      case 'display':
        shown = [...new Set(c.names)];
        break;
      case 'filter':
        items = items.filter(({ row }) => truthy(evaluate(c.expr, row)));
        break;
      case 'parse':
        for (const { row } of items) {
          const text = toText(row.get(c.field) ?? null);
          const m = text === null ? null : c.pattern.re.exec(text);
          if (!m) continue;
          c.pattern.names.forEach((name, i) => {
            const v = c.pattern.kind === 'regex' ? m.groups?.[`g${i}`] : m[i + 1];
            if (v !== undefined) row.set(name, v);
          });
        }
        break;
      case 'stats':
        matched ??= items.length;
        items = runStats(
          items.map((i) => i.row),
          c.aggs,
          c.by,
        ).map((row) => ({ row }));
        shown = [...c.by.map((b) => b.name), ...c.aggs.map((a) => a.name)];
        break;
      case 'sort':
        items = [...items].sort((a, b) => {
          for (const k of c.keys) {
            const x = evaluate(k.expr, a.row);
            const y = evaluate(k.expr, b.row);
            // Rows without the value come last either way.
            if (x === null || y === null) {
              if (x !== y) return x === null ? 1 : -1;
              continue;
            }
            const d = sortCompare(x, y);
            if (d) return k.desc ? -d : d;
          }
          return 0;
        });
        break;
      case 'limit':
        items = items.slice(0, c.n);
        break;
      case 'dedup': {
        const seen = new Set<string>();
        items = items.filter(({ row }) => {
          const values = c.names.map((n) => row.get(n) ?? null);
          // Rows missing a dedup field are never duplicates.
          if (values.some((v) => v === null)) return true;
          const key = JSON.stringify(values.map(formatValue));
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        break;
      }
    }
  }
  matched ??= items.length;
  const results = items.slice(0, maxResults).map(({ row, ptr }) => {
    const out: { field: string; value: string }[] = [];
    for (const name of shown ?? row.keys()) {
      const value = formatValue(row.get(name) ?? null);
      if (value !== undefined) out.push({ field: name, value });
    }
    if (ptr) out.push({ field: '@ptr', value: ptr });
    return out;
  });
  return { results, recordsMatched: matched };
}
