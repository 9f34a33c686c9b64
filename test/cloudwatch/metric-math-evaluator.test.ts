import { AwsError } from '../../emulator/core/errors';
import { evaluatePlan, planQueries, requireSeries, returnedSeries, type MetricDataQuery, type QueryResult } from '../../emulator/cloudwatch/metric-math/queries';
import { parseExpression } from '../../emulator/cloudwatch/metric-math/parser';

/**
 * The metric math evaluator on its own: expressions over made-up series of one-minute points starting at T0.
 * `undefined` in a series is a minute without data; results read back the same way over the query's range.
 */
const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
type Data = Record<string, (number | undefined)[]>;

function run(expression: string | Record<string, string>, data: Data = {}, opts: { minutes?: number; periods?: Record<string, number> } = {}) {
  const minutes = opts.minutes ?? Math.max(1, ...Object.values(data).map((d) => d.length));
  const expressions = typeof expression === 'string' ? { e: expression } : expression;
  const queries: MetricDataQuery[] = [
    ...Object.keys(data).map((id) => ({ Id: id, MetricStat: { Metric: { Namespace: 'Test', MetricName: `${id}Name` }, Period: opts.periods?.[id] ?? 60, Stat: 'Sum' }, ReturnData: false })),
    ...Object.entries(expressions).map(([Id, Expression]) => ({ Id, Expression })),
  ];
  const plan = planQueries(queries, 'MetricDataQueries');
  const fetch = (q: MetricDataQuery) => ({
    label: q.Id,
    periodMs: q.MetricStat!.Period * 1000,
    points: new Map(data[q.Id]!.flatMap((v, i) => (v === undefined ? [] : [[T0 + i * MINUTE, v] as [number, number]]))),
  });
  return evaluatePlan(plan, fetch, T0, T0 + minutes * MINUTE);
}

/** The result of query `id` as one value per minute (undefined where it has no point). */
function perMinute(r: QueryResult, minutes: number): (number | undefined)[] {
  if (r.value.kind !== 'series') throw new Error(`expected a series, got ${r.value.kind}`);
  const { points } = r.value.series;
  return Array.from({ length: minutes }, (_, i) => points.get(T0 + i * MINUTE));
}

const series = (expression: string, data: Data, minutes = Math.max(...Object.values(data).map((d) => d.length))) => perMinute(run(expression, data, { minutes }).get('e')!, minutes);
const scalarOf = (expression: string, data: Data = {}) => {
  const v = run(expression, data).get('e')!.value;
  if (v.kind !== 'scalar') throw new Error(`expected a scalar, got ${v.kind}`);
  return v.value;
};
const validationError = (fn: () => unknown): AwsError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AwsError);
    expect((e as AwsError).code).toBe('ValidationException');
    expect((e as AwsError).status).toBe(400);
    return e as AwsError;
  }
  throw new Error('expected a ValidationError');
};

describe('parsing', () => {
  it('applies precedence: ^ over unary minus over * / over + -, ^ grouping to the right', () => {
    expect(scalarOf('1 + 2 * 3 ^ 2')).toBe(19);
    expect(scalarOf('(1 + 2) * 3')).toBe(9);
    expect(scalarOf('-2 ^ 2')).toBe(-4);
    expect(scalarOf('2 ^ 3 ^ 2')).toBe(512);
    expect(scalarOf('10 - 4 - 3')).toBe(3);
    expect(scalarOf('1.5e1 / .5')).toBe(30);
  });

  it('reads comparison and logical operators, both spellings', () => {
    expect(scalarOf('1 < 2 AND 2 >= 2')).toBe(1);
    expect(scalarOf('1 > 2 || 3 != 3')).toBe(0);
    expect(scalarOf('NOT 0 && !(1 == 2)')).toBe(1);
  });

  it('rejects malformed expressions with a ValidationError naming the query', () => {
    for (const [bad, detail] of [
      ['m1 +', /Unexpected end of expression/],
      ['(m1', /Unexpected end of expression/],
      ['m1 m2', /Unexpected 'm2' at position 4/],
      ['m1 # 2', /Unexpected character '#' at position 4/],
      ['Errors + 1', /Unrecognized identifier 'Errors'/],
      ['', /empty/],
    ] as const) {
      const err = validationError(() => run(bad, { m1: [1], m2: [1] }));
      expect(err.message).toMatch(/^Error in expression e: /);
      expect(err.message).toMatch(detail);
    }
    expect(() => parseExpression('SUM(METRICS("errors"))')).not.toThrow();
  });

  it('rejects unknown ids, unknown and unsupported functions, and cycles between expressions', () => {
    expect(validationError(() => run('m1 + m9', { m1: [1] })).message).toMatch(/Unrecognized identifier 'm9'/);
    expect(validationError(() => run('avg(m1)', { m1: [1] })).message).toMatch(/Unknown function avg/);
    expect(validationError(() => run(`ANOMALY_DETECTION_BAND(m1)`, { m1: [1] })).message).toMatch(/ANOMALY_DETECTION_BAND is not supported/);
    // Without a store to search (the alarm dry run), SEARCH is refused as AWS refuses it in alarms.
    expect(validationError(() => run(`SEARCH('{AWS/Lambda} Errors', 'Sum', 60)`)).message).toMatch(/SEARCH expressions cannot be used in alarms/);
    const cycle = validationError(() => run({ e1: 'e2 + 1', e2: 'e1 * 2' }, { m1: [1] }));
    expect(cycle.message).toMatch(/Circular reference: e1 -> e2 -> e1/);
    expect(validationError(() => run('e + 1')).message).toMatch(/Circular reference: e -> e/);
  });

  it('checks the query list: ids, duplicates, and exactly one of MetricStat and Expression', () => {
    const stat = { Metric: { Namespace: 'N', MetricName: 'M' }, Period: 60, Stat: 'Sum' };
    expect(validationError(() => planQueries([{ Id: 'M1', MetricStat: stat }], 'MetricDataQueries')).message).toMatch(/MetricDataQueries\.member\.1\.Id/);
    expect(validationError(() => planQueries([{ Id: 'a', MetricStat: stat }, { Id: 'a', Expression: '1' }], 'MetricDataQueries')).message).toMatch(/member\.2\.Id .*unique/);
    expect(validationError(() => planQueries([{ Id: 'a' }], 'MetricDataQueries')).message).toBe('The parameter MetricDataQueries.member.1.MetricStat is required.\n');
    expect(validationError(() => planQueries([{ Id: 'a', MetricStat: stat, Expression: '1' }], 'Metrics')).message).toMatch(/either Expression or MetricStat but not both/);
    expect(validationError(() => planQueries([{ Id: 'a', MetricStat: { ...stat, Stat: 'Median' } }], 'Metrics')).message).toBe('The value for parameter Metrics.member.1.MetricStat.Stat is not a valid statistic.');
  });
});

describe('time series alignment', () => {
  it('combines two series at every timestamp either has, a missing value counting as 0', () => {
    const data = { m1: [1, 2, 3, undefined, undefined], m2: [10, undefined, 30, 40, undefined] };
    expect(series('m1 + m2', data)).toEqual([11, 2, 33, 40, undefined]);
    expect(series('m2 - m1', data)).toEqual([9, -2, 27, 40, undefined]);
  });

  it('applies a scalar to each point, on either side', () => {
    const data = { m1: [1, undefined, 4] };
    expect(series('m1 * 10', data)).toEqual([10, undefined, 40]);
    expect(series('100 / m1', data)).toEqual([100, undefined, 25]);
    expect(series('-m1', data)).toEqual([-1, undefined, -4]);
    expect(series('m1 ^ 2', data)).toEqual([1, undefined, 16]);
  });

  it('drops a point divided by zero and flags the result', () => {
    const results = run('errors / invocations * 100', { errors: [1, 5, undefined, 2], invocations: [10, 0, 4, undefined] });
    expect(perMinute(results.get('e')!, 4)).toEqual([10, undefined, 0, undefined]);
    expect(results.get('e')!.dropped).toBe(true);
    expect(run('m1 / 2', { m1: [4] }).get('e')!.dropped).toBe(false);
  });

  it('compares as the documentation example shows', () => {
    const data = { metric1: [30, 20, 0, 0], metric2: [20, undefined, 20, undefined] };
    expect(series('metric1 < metric2', data)).toEqual([0, 0, 1, 0]);
    expect(series('metric1 >= 30', data)).toEqual([1, 0, 0, 0]);
    expect(series('metric1 > 15 AND metric2 > 15', data)).toEqual([1, 0, 0, 0]);
  });

  it('keeps a longer period when series of different periods meet', () => {
    const r = run('m1 + m5', { m1: [1, 1, 1, 1, 1], m5: [5] }, { periods: { m5: 300 } });
    const v = r.get('e')!.value;
    expect(v.kind === 'series' && v.series.periodMs).toBe(300_000);
  });
});

describe('IF', () => {
  const metric1 = [1, 1, 0, 0, undefined];
  const metric2 = [30, undefined, 0, 0, 30];
  const metric3 = [0, 0, 20, undefined, 20];

  it('follows the documented tables', () => {
    expect(series('IF(metric1, metric2, metric3)', { metric1, metric2, metric3 })).toEqual([30, 0, 20, undefined, undefined]);
    expect(series('IF(metric1, 5, metric3)', { metric1, metric3 })).toEqual([5, 5, 20, undefined, undefined]);
    expect(series('IF(metric1, metric2, 5)', { metric1, metric2 })).toEqual([30, 0, 5, 5, undefined]);
    expect(series('IF(metric1, metric2)', { metric1, metric2 })).toEqual([30, 0, undefined, undefined, undefined]);
  });

  it('filters with a comparison, and picks a whole series on a scalar condition', () => {
    const data = { m1: [100, 500, 300] };
    expect(series('IF(m1 < 400, m1)', data)).toEqual([100, undefined, 300]);
    expect(series('IF(m1 < 400, 10, 2)', data)).toEqual([10, 2, 10]);
    expect(series('IF(1, m1, m1 * 2)', data)).toEqual([100, 500, 300]);
    expect(series('IF(0, m1)', data)).toEqual([undefined, undefined, undefined]);
  });
});

describe('functions', () => {
  const data = { m1: [2, undefined, 4, 6], m2: [1, 3, undefined, 5], other: [100, 100, 100, 100] };

  it('aggregates one series to a scalar and an array per timestamp', () => {
    expect(scalarOf('SUM(m1)', data)).toBe(12);
    expect(scalarOf('AVG(m1)', data)).toBe(4);
    expect(scalarOf('MAX(m1)', data)).toBe(6);
    expect(scalarOf('MIN(m1)', data)).toBe(2);
    expect(scalarOf('STDDEV(m1)', data)).toBeCloseTo(Math.sqrt(8 / 3));
    expect(scalarOf('DATAPOINT_COUNT(m1)', data)).toBe(3);
    expect(scalarOf('METRIC_COUNT(METRICS())', data)).toBe(3);
    expect(series('m1 - AVG(m1)', data)).toEqual([-2, undefined, 0, 2]);
    expect(series('SUM([m1, m2])', data)).toEqual([3, 3, 4, 11]);
    // A series without a value at a timestamp counts as 0 in an array's average.
    expect(series('AVG([m1, m2])', data)).toEqual([1.5, 1.5, 2, 5.5]);
    expect(series('MAX([m1, m2])', data)).toEqual([2, 3, 4, 6]);
    expect(series('MIN([m1, m2])', data)).toEqual([1, 3, 4, 5]);
  });

  it('METRICS() returns the metric queries, filtered by a string in their Id', () => {
    expect(series('SUM(METRICS())', data)).toEqual([103, 103, 104, 111]);
    expect(series('SUM(METRICS("m"))', data)).toEqual([3, 3, 4, 11]);
    const arr = run('METRICS("m") * 10', data).get('e')!;
    expect(arr.value.kind).toBe('array');
    expect(returnedSeries(arr).map((s) => [s.label, [...s.points.values()]])).toEqual([
      ['m1Name', [20, 40, 60]],
      ['m2Name', [10, 30, 50]],
    ]);
  });

  it('FILL fills the gaps of the range with a value, a series, the last value or a line', () => {
    const gappy = { m1: [undefined, 2, undefined, undefined, 8, undefined], m2: [9, 9, 9, 9, 9, 9] };
    expect(series('FILL(m1, 0)', gappy)).toEqual([0, 2, 0, 0, 8, 0]);
    expect(series('FILL(m1, m2)', gappy)).toEqual([9, 2, 9, 9, 8, 9]);
    expect(series('FILL(m1, REPEAT)', gappy)).toEqual([undefined, 2, 2, 2, 8, 8]);
    expect(series('FILL(m1, LINEAR)', gappy)).toEqual([undefined, 2, 4, 6, 8, undefined]);
    expect(series('FILL(m1, MIN(m1))', gappy)).toEqual([2, 2, 2, 2, 8, 2]);
    expect(series('SUM(FILL(METRICS(), 1))', { m1: [undefined, 2], m2: [3, undefined] })).toEqual([4, 3]);
  });

  it('DIFF, DIFF_TIME, RATE and RUNNING_SUM walk each series in time order', () => {
    const counter = { c: [10, 13, undefined, 25] };
    expect(series('DIFF(c)', counter)).toEqual([undefined, 3, undefined, 12]);
    expect(series('DIFF_TIME(c)', counter)).toEqual([undefined, 60, undefined, 120]);
    expect(series('RATE(c)', counter)).toEqual([undefined, 0.05, undefined, 0.1]);
    expect(series('RUNNING_SUM(c)', counter)).toEqual([10, 23, undefined, 48]);
  });

  it('PERIOD, ABS, CEIL, FLOOR, TIME_SERIES and FIRST/LAST', () => {
    expect(series('m1 / PERIOD(m1)', { m1: [120] })).toEqual([2]);
    expect(series('ABS(m1 - 5)', { m1: [2, 9] })).toEqual([3, 4]);
    expect(series('CEIL(m1 / 4)', { m1: [2, 9] })).toEqual([1, 3]);
    expect(series('FLOOR(m1 / 4)', { m1: [2, 9] })).toEqual([0, 2]);
    expect(series('TIME_SERIES(7)', { m1: [undefined, undefined, undefined] })).toEqual([7, 7, 7]);
    expect(series('LAST(METRICS())', data)).toEqual([100, 100, 100, 100]);
    expect(validationError(() => run({ e1: 'm1 * 2', e: 'PERIOD(e1)' }, { m1: [1] })).message).toMatch(/PERIOD takes the Id of a metric/);
  });

  it('refuses arguments of the wrong kind', () => {
    expect(validationError(() => run('SUM(5)', { m1: [1] })).message).toMatch(/Argument 1 of SUM must be a time series or an array of time series, not a scalar/);
    expect(validationError(() => run('METRICS() + METRICS()', { m1: [1] })).message).toMatch(/cannot combine two arrays/);
    expect(validationError(() => run('FILL(m1)', { m1: [1] })).message).toMatch(/FILL takes 2 arguments, not 1/);
    expect(validationError(() => run('[m1, 3]', { m1: [1] })).message).toMatch(/array may hold only time series/);
  });

  it('a returned expression must give series, and an alarm a single one', () => {
    const results = run({ avg: 'AVG(m1)', all: 'METRICS()', one: 'm1 - avg' }, { m1: [1, 3] });
    expect(validationError(() => requireSeries(results.get('avg')!, false)).message).toMatch(/must be a time series or an array of time series, not a scalar/);
    expect(() => requireSeries(results.get('all')!, false)).not.toThrow();
    expect(validationError(() => requireSeries(results.get('all')!, true)).message).toMatch(/must be a single time series, not an array of time series/);
    expect(perMinute(results.get('one')!, 2)).toEqual([-1, 1]);
  });
});
