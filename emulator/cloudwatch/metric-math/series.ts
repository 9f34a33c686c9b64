import { MathError } from './parser';

/**
 * The values metric math works on: a scalar, one time series, or an array of them. A series holds only the
 * timestamps that have data; the timestamps it could have run from the query's start to its end in steps of
 * its period (FILL and TIME_SERIES fill that grid).
 */
export interface Series {
  label: string;
  periodMs: number;
  /** Value by timestamp (epoch ms); never NaN or infinite. */
  points: Map<number, number>;
}

export type Value = { kind: 'scalar'; value: number } | { kind: 'series'; series: Series } | { kind: 'array'; list: Series[] };

/** What evaluation needs besides the values themselves. */
export interface MathContext {
  start: number;
  end: number;
  /** Called when a computed data point is dropped because it is not a finite number (division by zero). */
  dropped(): void;
  /** Data points the request may still compute, shared by all its expressions (see MAX_COMPUTED_POINTS). */
  budget: { left: number };
}

/** The most data points one GetMetricData call returns (its MaxDatapoints default): the longest grid a series may have. */
export const MAX_DATAPOINTS = 100_800;
/**
 * What one request (or one alarm evaluation) may compute in all: twenty times what it can return, so a full
 * request can go through a few expressions, while a hostile one is refused within a few seconds.
 */
export const MAX_COMPUTED_POINTS = 20 * MAX_DATAPOINTS;

export const scalar = (value: number): Value => ({ kind: 'scalar', value });
export const single = (series: Series): Value => ({ kind: 'series', series });
export const array = (list: Series[]): Value => ({ kind: 'array', list });

export const KIND_NAMES: Record<Value['kind'], string> = { scalar: 'a scalar', series: 'a time series', array: 'an array of time series' };

export const sortedTimes = (s: Series): number[] => [...s.points.keys()].sort((a, b) => a - b);

/** The timestamps a series could have in the query's time range; refused past MAX_DATAPOINTS, before they are built. */
export function grid(s: Series, ctx: MathContext): number[] {
  const count = Math.ceil((ctx.end - ctx.start) / s.periodMs);
  if (count > MAX_DATAPOINTS) {
    throw new MathError(`The time range holds ${count} periods of ${s.periodMs / 1000} seconds, more than the ${MAX_DATAPOINTS} data points a request can return: shorten the range or lengthen the period.`);
  }
  const times: number[] = [];
  for (let t = ctx.start; t < ctx.end; t += s.periodMs) times.push(t);
  return times;
}

/** A series built point by point; points that come out NaN or infinite are dropped (and reported). */
export function build(label: string, periodMs: number, ctx: MathContext, fill: (set: (t: number, v: number) => void) => void): Series {
  const points = new Map<number, number>();
  fill((t, v) => {
    if (--ctx.budget.left < 0) {
      throw new MathError(`The expressions of this request compute more than ${MAX_COMPUTED_POINTS} data points: shorten the range, lengthen the period or simplify the expressions.`);
    }
    if (Number.isFinite(v)) points.set(t, v);
    else ctx.dropped();
  });
  return { label, periodMs, points };
}

/** Applies `f` to every point of `s`. */
export const mapSeries = (s: Series, ctx: MathContext, f: (v: number, t: number) => number): Series =>
  build(s.label, s.periodMs, ctx, (set) => s.points.forEach((v, t) => set(t, f(v, t))));

/**
 * Combines two series at every timestamp either has; a missing value counts as 0, as CloudWatch documents
 * for arithmetic, comparison and logical operators.
 */
export function zipSeries(a: Series, b: Series, ctx: MathContext, f: (x: number, y: number) => number, label = a.label): Series {
  const times = new Set([...a.points.keys(), ...b.points.keys()]);
  return build(label, Math.max(a.periodMs, b.periodMs), ctx, (set) => {
    for (const t of times) set(t, f(a.points.get(t) ?? 0, b.points.get(t) ?? 0));
  });
}

/** Applies a binary operation between any two values: per point, per series of an array, or on scalars. */
export function combine(a: Value, b: Value, ctx: MathContext, f: (x: number, y: number) => number, what: string): Value {
  if (a.kind === 'scalar' && b.kind === 'scalar') return scalar(f(a.value, b.value));
  if (a.kind === 'array' && b.kind === 'array') throw new MathError(`${what} cannot combine two arrays of time series.`);
  if (a.kind === 'array') return array(a.list.map((s) => combineSeries(s, b as Exclude<Value, { kind: 'array' }>, ctx, f, false)));
  if (b.kind === 'array') return array(b.list.map((s) => combineSeries(s, a, ctx, f, true)));
  if (a.kind === 'series') return single(combineSeries(a.series, b, ctx, f, false));
  return single(combineSeries((b as { series: Series }).series, a, ctx, f, true));
}

/** `s` op `other` (or `other` op `s` when `swapped`), keeping `s`'s label. */
function combineSeries(s: Series, other: Exclude<Value, { kind: 'array' }>, ctx: MathContext, f: (x: number, y: number) => number, swapped: boolean): Series {
  const g = swapped ? (x: number, y: number) => f(y, x) : f;
  if (other.kind === 'scalar') return mapSeries(s, ctx, (v) => g(v, other.value));
  return zipSeries(s, other.series, ctx, g, s.label);
}

/** Every timestamp any of the series has, ascending. */
export function unionTimes(list: Series[]): number[] {
  const times = new Set<number>();
  for (const s of list) for (const t of s.points.keys()) times.add(t);
  return [...times].sort((a, b) => a - b);
}
