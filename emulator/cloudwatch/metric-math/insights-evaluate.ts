import type { Datapoint, MetricId, MetricStore } from '../metrics';
import type { Condition, InsightsFunction, InsightsQuery } from './insights-parser';
import { MAX_INSIGHTS_SERIES } from './insights-parser';
import { MathError } from './parser';
import { build, MAX_DATAPOINTS, type MathContext, type Series } from './series';

/**
 * Runs a Metrics Insights query on the stored datapoints. The matching metrics (namespace, name, SCHEMA, WHERE; at
 * most the first 10,000, as on AWS) are grouped by the GROUP BY labels, and each group's observations are
 * aggregated per period with the SELECT function. Groups come in label order, or by the ORDER BY function over the
 * whole time range; LIMIT and the 500-series cap keep the first ones.
 */
export const MAX_INSIGHTS_METRICS = 10_000;
/** The GROUP BY value of a metric without that dimension. */
const OTHER = 'Other';

export interface InsightsRange {
  start: number;
  end: number;
  periodMs: number;
  /** Datapoints before this time are out of the query's reach (two weeks for GetMetricData, three hours for alarms). */
  dataFrom: number;
}

/** Whether a metric is one the query reads, whatever the time. */
export function insightsMatches(query: InsightsQuery, id: MetricId): boolean {
  if (id.namespace !== query.namespace || id.name !== query.metricName) return false;
  if (query.schema) {
    const keys = new Set(query.schema);
    if (id.dimensions.length !== keys.size || !id.dimensions.every((d) => keys.has(d.Name))) return false;
  }
  return !query.where || holds(query.where, id);
}

function holds(c: Condition, id: MetricId): boolean {
  switch (c.type) {
    case 'and':
      return holds(c.left, id) && holds(c.right, id);
    case 'or':
      return holds(c.left, id) || holds(c.right, id);
    case 'not':
      return !holds(c.arg, id);
    default: {
      // A metric without the label is not equal to, like or in anything: `!=`, NOT LIKE and NOT IN keep it.
      const value = id.dimensions.find((d) => d.Name === c.key)?.Value;
      const positive =
        value !== undefined && (c.type === 'compare' ? value === c.value : c.type === 'like' ? likePattern(c.pattern).test(value) : c.values.includes(value));
      return (c.type === 'compare' ? c.op === '!=' : c.negated) ? !positive : positive;
    }
  }
}

const patterns = new Map<string, RegExp>();
/** LIKE's pattern as a regular expression: `%` is any run of characters, everything else itself. */
function likePattern(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('%').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*')}$`);
    if (patterns.size > 1000) patterns.clear();
    patterns.set(pattern, re);
  }
  return re;
}

const empty = (): Datapoint => ({ timestamp: 0, sum: 0, count: 0, min: Infinity, max: -Infinity });
const add = (into: Datapoint, p: Datapoint) => {
  into.sum += p.sum;
  into.count += p.count;
  into.min = Math.min(into.min, p.min);
  into.max = Math.max(into.max, p.max);
};
function valueOf(fn: InsightsFunction, p: Datapoint): number {
  switch (fn) {
    case 'AVG':
      return p.sum / p.count;
    case 'COUNT':
      return p.count;
    case 'MAX':
      return p.max;
    case 'MIN':
      return p.min;
    case 'SUM':
      return p.sum;
  }
}

interface Group {
  labels: string[];
  buckets: Map<number, Datapoint>;
  whole: Datapoint;
}

/** The query's series over the range: one per group, or exactly one (possibly without points) without GROUP BY. */
export function runInsightsQuery(store: MetricStore, query: InsightsQuery, range: InsightsRange, ctx: MathContext, label: string): Series[] {
  const { start, end, periodMs } = range;
  const periods = Math.ceil((end - start) / periodMs);
  if (periods > MAX_DATAPOINTS) {
    throw new MathError(`The time range holds ${periods} periods of ${periodMs / 1000} seconds, more than the ${MAX_DATAPOINTS} data points a request can return: shorten the range or lengthen the period.`);
  }
  const from = Math.max(start, range.dataFrom);
  const groups = new Map<string, Group>();
  let matched = 0;
  for (const { id, points } of store.allSeries()) {
    if (!insightsMatches(query, id)) continue;
    if (++matched > MAX_INSIGHTS_METRICS) break;
    const labels = query.groupBy.map((key) => id.dimensions.find((d) => d.Name === key)?.Value ?? OTHER);
    const key = JSON.stringify(labels);
    for (const p of points) {
      if (p.timestamp < from || p.timestamp >= end || p.count <= 0) continue;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { labels, buckets: new Map(), whole: empty() }));
      const bucket = start + Math.floor((p.timestamp - start) / periodMs) * periodMs;
      let b = g.buckets.get(bucket);
      if (!b) g.buckets.set(bucket, (b = empty()));
      add(b, p);
      add(g.whole, p);
    }
  }
  const byLabels = (a: Group, b: Group) => {
    for (let i = 0; i < a.labels.length; i++) {
      if (a.labels[i] !== b.labels[i]) return a.labels[i]! < b.labels[i]! ? -1 : 1;
    }
    return 0;
  };
  const order = query.orderBy;
  const sorted = [...groups.values()].sort((a, b) => {
    if (order) {
      const d = valueOf(order.fn, a.whole) - valueOf(order.fn, b.whole);
      if (d !== 0) return order.descending ? -d : d;
    }
    return byLabels(a, b);
  });
  const kept = sorted.slice(0, Math.min(query.limit ?? MAX_INSIGHTS_SERIES, MAX_INSIGHTS_SERIES));
  const series = kept.map((g) =>
    build(query.groupBy.length ? g.labels.join(' ') : label, periodMs, ctx, (set) => {
      for (const t of [...g.buckets.keys()].sort((x, y) => x - y)) set(t, valueOf(query.fn, g.buckets.get(t)!));
    }),
  );
  if (!query.groupBy.length && series.length === 0) series.push({ label, periodMs, points: new Map() });
  return series;
}
