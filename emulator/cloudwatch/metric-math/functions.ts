import { MathError } from './parser';
import { array, build, grid, KIND_NAMES, mapSeries, scalar, single, sortedTimes, unionTimes, type MathContext, type Series, type Value } from './series';

/**
 * The metric math functions that work on values alone (METRICS and PERIOD, which read the request, live in
 * evaluate.ts). Semantics follow CloudWatch's "Metric math syntax and functions": an aggregate of one series
 * is a scalar, of an array of series a series computed per timestamp.
 */
export type Arg = Value | { kind: 'keyword'; name: 'REPEAT' | 'LINEAR' } | { kind: 'string'; value: string };
type Fn = (args: Arg[], ctx: FunctionContext, name: string) => Value;

export interface FunctionContext extends MathContext {
  /** Period for series that come from no metric (TIME_SERIES, an empty array's aggregate). */
  periodMs: number;
}

const ARG_NAMES: Record<Arg['kind'], string> = { ...KIND_NAMES, keyword: 'a keyword', string: 'a string' };

function arity(name: string, args: Arg[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const wanted = min === max ? `${min}` : `${min} to ${max}`;
    throw new MathError(`${name} takes ${wanted} argument${max === 1 ? '' : 's'}, not ${args.length}.`);
  }
}

function argOf<K extends Arg['kind']>(name: string, args: Arg[], i: number, ...kinds: K[]): Extract<Arg, { kind: K }> {
  const a = args[i]!;
  if (!kinds.includes(a.kind as K)) {
    throw new MathError(`Argument ${i + 1} of ${name} must be ${kinds.map((k) => ARG_NAMES[k]).join(' or ')}, not ${ARG_NAMES[a.kind]}.`);
  }
  return a as Extract<Arg, { kind: K }>;
}

/** A function applied to each data point, keeping the shape of its argument. */
const pointwise =
  (f: (v: number) => number): Fn =>
  (args, ctx, name) => {
    arity(name, args, 1);
    const a = argOf(name, args, 0, 'scalar', 'series', 'array');
    if (a.kind === 'scalar') return scalar(f(a.value));
    if (a.kind === 'series') return single(mapSeries(a.series, ctx, f));
    return array(a.list.map((s) => mapSeries(s, ctx, f)));
  };

/** A function over one series at a time, in time order (DIFF, RATE, RUNNING_SUM). */
const sequential =
  (f: (s: Series, ctx: MathContext) => Series): Fn =>
  (args, ctx, name) => {
    arity(name, args, 1);
    const a = argOf(name, args, 0, 'series', 'array');
    return a.kind === 'series' ? single(f(a.series, ctx)) : array(a.list.map((s) => f(s, ctx)));
  };

/** Each point against the one before it; the first point has no predecessor and is left out. */
const withPrevious = (f: (v: number, prev: number, seconds: number) => number) => (s: Series, ctx: MathContext) =>
  build(s.label, s.periodMs, ctx, (set) => {
    const times = sortedTimes(s);
    for (let i = 1; i < times.length; i++) set(times[i]!, f(s.points.get(times[i]!)!, s.points.get(times[i - 1]!)!, (times[i]! - times[i - 1]!) / 1000));
  });

/**
 * An aggregate: over the points of one series it is a scalar; over an array of series it is a series, one
 * value per timestamp from the values the series have there (and the number of series, for AVG).
 */
const aggregate =
  (f: (values: number[], seriesCount: number) => number): Fn =>
  (args, ctx, name) => {
    arity(name, args, 1);
    const a = argOf(name, args, 0, 'series', 'array');
    if (a.kind === 'series') return scalar(f([...a.series.points.values()], 1));
    const periodMs = a.list.length ? Math.max(...a.list.map((s) => s.periodMs)) : ctx.periodMs;
    return single(
      build('', periodMs, ctx, (set) => {
        for (const t of unionTimes(a.list)) {
          const values = a.list.flatMap((s) => (s.points.has(t) ? [s.points.get(t)!] : []));
          set(t, f(values, a.list.length));
        }
      }),
    );
  };

const sum = (values: number[]) => values.reduce((x, y) => x + y, 0);
const mean = (values: number[]) => sum(values) / values.length;

function fill(s: Series, filler: Arg, ctx: MathContext): Series {
  const times = grid(s, ctx);
  const points = new Map(s.points);
  if (filler.kind === 'scalar') for (const t of times) if (!points.has(t)) points.set(t, filler.value);
  if (filler.kind === 'series') {
    for (const t of times) if (!points.has(t) && filler.series.points.has(t)) points.set(t, filler.series.points.get(t)!);
  }
  if (filler.kind === 'keyword' && filler.name === 'REPEAT') {
    // The last real value carries forward; a gap before the first value stays a gap.
    let last: number | undefined;
    for (const t of times) {
      if (s.points.has(t)) last = s.points.get(t);
      else if (last !== undefined) points.set(t, last);
    }
  }
  if (filler.kind === 'keyword' && filler.name === 'LINEAR') {
    // A straight line between the values either side of a gap; a gap at either end has only one side.
    // Both lists ascend, so the first known time after t only moves forward: one pass, however long the range.
    const known = sortedTimes(s);
    let after = 0;
    for (const t of times) {
      while (after < known.length && known[after]! <= t) after++;
      if (s.points.has(t) || after === 0 || after === known.length) continue;
      const [t0, t1] = [known[after - 1]!, known[after]!];
      const [v0, v1] = [s.points.get(t0)!, s.points.get(t1)!];
      points.set(t, v0 + ((v1 - v0) * (t - t0)) / (t1 - t0));
    }
  }
  return build(s.label, s.periodMs, ctx, (set) => points.forEach((v, t) => set(t, v)));
}

/** IF(condition, whenTrue, whenFalse?) as "Using IF expressions" describes each combination. */
function ifThen(args: Arg[], ctx: FunctionContext, name: string): Value {
  arity(name, args, 2, 3);
  const cond = argOf(name, args, 0, 'scalar', 'series');
  if (cond.kind === 'scalar') {
    if (cond.value !== 0) return argOf(name, args, 1, 'scalar', 'series');
    return args[2] ? argOf(name, args, 2, 'scalar', 'series') : single({ label: '', periodMs: ctx.periodMs, points: new Map() });
  }
  const yes = argOf(name, args, 1, 'scalar', 'series');
  const no = args[2] && argOf(name, args, 2, 'scalar', 'series');
  return single(
    build(cond.series.label, cond.series.periodMs, ctx, (set) => {
      cond.series.points.forEach((c, t) => {
        // A true condition with no value in the series gives 0; a false one with nothing to fall back on, no point.
        if (c !== 0) set(t, yes.kind === 'scalar' ? yes.value : yes.series.points.get(t) ?? 0);
        else if (no?.kind === 'scalar') set(t, no.value);
        else if (no?.kind === 'series' && no.series.points.has(t)) set(t, no.series.points.get(t)!);
      });
    }),
  );
}

export const FUNCTIONS: Record<string, Fn> = {
  ABS: pointwise(Math.abs),
  CEIL: pointwise(Math.ceil),
  FLOOR: pointwise(Math.floor),
  LOG: pointwise(Math.log),
  LOG10: pointwise(Math.log10),
  SUM: aggregate(sum),
  // CloudWatch counts a series with no value at a timestamp as 0 in an array's average.
  AVG: aggregate((values, n) => (n === 1 ? mean(values) : sum(values) / n)),
  MIN: aggregate((values) => (values.length ? values.reduce((x, y) => Math.min(x, y)) : NaN)),
  MAX: aggregate((values) => (values.length ? values.reduce((x, y) => Math.max(x, y)) : NaN)),
  STDDEV: aggregate((values) => {
    const m = mean(values);
    return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
  }),
  DATAPOINT_COUNT: aggregate((values) => values.length),
  METRIC_COUNT: (args, _ctx, name) => {
    arity(name, args, 1);
    return scalar(argOf(name, args, 0, 'array').list.length);
  },
  DIFF: sequential(withPrevious((v, prev) => v - prev)),
  DIFF_TIME: sequential(withPrevious((_v, _prev, seconds) => seconds)),
  RATE: sequential(withPrevious((v, prev, seconds) => (v - prev) / seconds)),
  RUNNING_SUM: sequential((s, ctx) =>
    build(s.label, s.periodMs, ctx, (set) => {
      let total = 0;
      for (const t of sortedTimes(s)) set(t, (total += s.points.get(t)!));
    }),
  ),
  FILL: (args, ctx, name) => {
    arity(name, args, 2);
    const target = argOf(name, args, 0, 'series', 'array');
    const filler = argOf(name, args, 1, 'scalar', 'series', 'keyword');
    return target.kind === 'series' ? single(fill(target.series, filler, ctx)) : array(target.list.map((s) => fill(s, filler, ctx)));
  },
  IF: ifThen,
  TIME_SERIES: (args, ctx, name) => {
    arity(name, args, 1);
    const { value } = argOf(name, args, 0, 'scalar');
    const empty: Series = { label: '', periodMs: ctx.periodMs, points: new Map() };
    return single(build('', ctx.periodMs, ctx, (set) => grid(empty, ctx).forEach((t) => set(t, value))));
  },
  FIRST: (args, ctx, name) => {
    arity(name, args, 1);
    const { list } = argOf(name, args, 0, 'array');
    return single(list[0] ?? { label: '', periodMs: ctx.periodMs, points: new Map() });
  },
  LAST: (args, ctx, name) => {
    arity(name, args, 1);
    const { list } = argOf(name, args, 0, 'array');
    return single(list[list.length - 1] ?? { label: '', periodMs: ctx.periodMs, points: new Map() });
  },
  REMOVE_EMPTY: (args, _ctx, name) => {
    arity(name, args, 1);
    return array(argOf(name, args, 0, 'array').list.filter((s) => s.points.size > 0));
  },
};

/** CloudWatch functions the emulator does not evaluate: named in the error rather than called unknown. */
export const UNSUPPORTED = [
  'ANOMALY_DETECTION_BAND',
  'INSIGHT_RULE_METRIC',
  'SERVICE_QUOTA',
  'SORT',
  'SLICE',
  'MINUTE',
  'HOUR',
  'DAY',
  'DATE',
  'MONTH',
  'YEAR',
  'EPOCH',
  'LAMBDA',
  'SELECT',
  'CONCAT',
  'CONTAINS',
  'ENDSWITH',
  'STARTSWITH',
  'RELABEL',
  'STRING',
];
