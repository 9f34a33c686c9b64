import { appendAll } from '../core/arrays';

/**
 * The metric store: datapoints by namespace, name and dimensions, and the statistics AWS computes over a
 * period. Kept apart from the API so alarms and the providers' own metrics share one implementation.
 */
export interface Dimension {
  Name: string;
  Value: string;
}

export interface Datapoint {
  timestamp: number;
  sum: number;
  count: number;
  min: number;
  max: number;
  unit?: string;
}

export type Statistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';

export interface MetricId {
  namespace: string;
  name: string;
  dimensions: Dimension[];
}

export const metricKey = (m: MetricId): string =>
  `${m.namespace}\u0000${m.name}\u0000${[...m.dimensions]
    .sort((a, b) => a.Name.localeCompare(b.Name))
    .map((d) => `${d.Name}=${d.Value}`)
    .join('\u0000')}`;

export class MetricStore {
  private readonly series = new Map<string, { id: MetricId; points: Datapoint[] }>();
  private readonly listeners = new Set<(id: MetricId) => void>();
  /** Told of every datapoint stored (persistence appends them). */
  recorder?: (key: string, id: MetricId, point: Datapoint) => void;

  /** `key` is `metricKey(id)`, for callers that keep it (the service metrics, once per series). */
  put(id: MetricId, point: Datapoint, key = metricKey(id)): void {
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { id: { ...id, dimensions: [...id.dimensions] }, points: [] }));
    s.points.push(point);
    this.recorder?.(key, s.id, point);
    for (const l of this.listeners) l(id);
  }

  /** Every series with its datapoints (for a snapshot). */
  allSeries(): Iterable<{ id: MetricId; points: Datapoint[] }> {
    return this.series.values();
  }

  /** Adds saved datapoints back after a restart, without telling listeners or the recorder. */
  restore(id: MetricId, points: Datapoint[]): void {
    const key = metricKey(id);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { id, points: [] }));
    appendAll(s.points, points);
  }

  /** Adds one observation of `value` at `timestamp`. */
  observe(id: MetricId, timestamp: number, value: number, unit?: string, key?: string): void {
    this.put(id, { timestamp, sum: value, count: 1, min: value, max: value, unit }, key);
  }

  onPut(listener: (id: MetricId) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(filter: { namespace?: string; name?: string; dimensions?: { Name: string; Value?: string }[] }): MetricId[] {
    return [...this.series.values()]
      .map((s) => s.id)
      .filter(
        (id) =>
          (!filter.namespace || id.namespace === filter.namespace) &&
          (!filter.name || id.name === filter.name) &&
          (filter.dimensions ?? []).every((f) => id.dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value))),
      );
  }

  /** Aggregates per period: [periodStart, aggregate] for each period in [start, end) that has data. */
  aggregate(id: MetricId, start: number, end: number, periodMs: number, unit?: string): [number, Datapoint][] {
    const s = this.series.get(metricKey(id));
    if (!s) return [];
    const buckets = new Map<number, Datapoint>();
    for (const p of s.points) {
      if (p.timestamp < start || p.timestamp >= end || (unit && p.unit && p.unit !== unit)) continue;
      const bucket = start + Math.floor((p.timestamp - start) / periodMs) * periodMs;
      const b = buckets.get(bucket);
      if (!b) buckets.set(bucket, { ...p, timestamp: bucket });
      else {
        b.sum += p.sum;
        b.count += p.count;
        b.min = Math.min(b.min, p.min);
        b.max = Math.max(b.max, p.max);
      }
    }
    return [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  }

  clear(): void {
    this.series.clear();
  }
}

export function statistic(p: Datapoint, stat: string): number {
  switch (stat) {
    case 'SampleCount':
      return p.count;
    case 'Average':
      return p.count ? p.sum / p.count : 0;
    case 'Sum':
      return p.sum;
    case 'Minimum':
      return p.min;
    case 'Maximum':
      return p.max;
    default:
      throw new Error(`unsupported statistic ${stat}`);
  }
}

export const STATISTICS: Statistic[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
