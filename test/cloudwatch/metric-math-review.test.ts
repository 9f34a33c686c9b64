import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  paginateGetMetricData,
  type MetricDataQuery,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { VirtualClock } from '../../emulator/core/clock';
import { evaluatePlan, planQueries } from '../../emulator/cloudwatch/metric-math/queries';
import { clientConfig, useEmulator } from '../helpers/emulator';

/**
 * Metric math under hostile or unusual input: whatever the expression, the emulator answers (a result or a
 * ValidationError, never a 500 or a crash) and answers quickly; and alarm Metrics lists as AWS accepts them.
 */
const START = Date.UTC(2026, 2, 1, 12, 0, 0);
const MINUTE = 60_000;
const clock = new VirtualClock(START);
const emulator = useEmulator({ clock, log: () => undefined });
const cw = () => new CloudWatchClient(clientConfig(emulator()));
const NS = 'Review/Math';

const metric = (Id: string, MetricName = 'Errors', Period = 60): MetricDataQuery => ({
  Id,
  MetricStat: { Metric: { Namespace: NS, MetricName }, Period, Stat: 'Sum' },
  ReturnData: false,
});
const rejection = (p: Promise<unknown>): Promise<any> => p.then(() => Promise.reject(new Error('expected the call to fail')), (e) => e);
const range = { StartTime: new Date(START), EndTime: new Date(START + 10 * MINUTE) };
const getData = (MetricDataQueries: MetricDataQuery[], r: { StartTime: Date; EndTime: Date } = range) => cw().send(new GetMetricDataCommand({ ...r, MetricDataQueries }));

/** Runs a request that must be refused; returns the error after checking it is CloudWatch's ValidationError. */
async function validationError(p: Promise<unknown>): Promise<Error> {
  const err = await rejection(p);
  expect(err).toMatchObject({ Code: 'ValidationError', $metadata: { httpStatusCode: 400 } });
  return err;
}

describe('hostile expressions answer a ValidationError, never an internal error', () => {
  it('refuses nesting deeper than the parser allows, even within the 2048 characters', async () => {
    const deep = `${'('.repeat(1000)}m1${')'.repeat(1000)}`;
    expect(deep.length).toBeLessThanOrEqual(2048);
    for (const expression of [deep, `${'ABS('.repeat(400)}m1${')'.repeat(400)}`, `${'-'.repeat(2000)}m1`, `${'['.repeat(1000)}m1${']'.repeat(1000)}`]) {
      const err = await validationError(getData([metric('m1'), { Id: 'e1', Expression: expression }]));
      expect(err.message).toMatch(/^Error in expression e1: The expression nests more than 64 levels deep/);
    }
    // Nesting that real expressions use still parses.
    const out = await getData([metric('m1'), { Id: 'e1', Expression: 'ABS(FILL((m1 + (2 * (m1 - 1))), 0))' }]);
    expect(out.MetricDataResults?.[0]?.Values).toHaveLength(10);
  });

  it('refuses an Expression longer than the 2048 characters the API allows, before parsing it', async () => {
    const long = Array(20_000).fill('m1').join('+');
    const err = await validationError(getData([metric('m1'), { Id: 'e1', Expression: long }]));
    expect(err.message).toBe("1 validation error detected: Value at 'metricDataQueries.2.member.expression' failed to satisfy constraint: Member must have length less than or equal to 2048");
  });

  it('evaluates a long chain of additions within the limit, and refuses expressions chained too deeply to evaluate', async () => {
    const sum = Array(1000).fill('t').join('+');
    expect(sum.length).toBeLessThanOrEqual(2048);
    const ok = await getData([{ Id: 't', Expression: 'TIME_SERIES(1)', ReturnData: false }, { Id: 'e1', Expression: sum }]);
    expect(ok.MetricDataResults?.[0]?.Values).toEqual(Array(10).fill(1000));
    // 500 queries, each a 400-term sum of the one before, listed last first: evaluating the first recurses
    // through every sum down to e0.
    const chain: MetricDataQuery[] = [{ Id: 'e0', Expression: 'TIME_SERIES(1)', ReturnData: false }];
    for (let i = 1; i < 500; i++) chain.push({ Id: `e${i}`, Expression: Array(400).fill(`e${i - 1}`).join('+'), ReturnData: i === 499 });
    const err = await validationError(getData(chain.reverse(), { StartTime: new Date(START), EndTime: new Date(START + MINUTE) }));
    expect(err.message).toMatch(/^Error in expression e499: the expressions refer to each other too deeply to evaluate\.$/);
  });

  it('refuses more than 500 queries', async () => {
    const queries = Array.from({ length: 501 }, (_, i) => metric(`m${i}`));
    expect((await validationError(getData(queries))).message).toBe('The collection MetricDataQueries must not have a size greater than 500.');
  });

  it('refuses a FILL or TIME_SERIES over more periods than a request can return, instead of building them', async () => {
    const years = { StartTime: new Date(Date.UTC(2025, 0, 1)), EndTime: new Date(Date.UTC(2026, 1, 1)) };
    for (const Expression of ['TIME_SERIES(1)', 'FILL(m1, 0)', 'FILL(m1, REPEAT)']) {
      const err = await validationError(getData([metric('m1', 'Errors', 1), { Id: 'e1', Expression, Period: 1 }], years));
      expect(err.message).toMatch(/^Error in expression e1: The time range holds 34214400 periods of 1 seconds, more than the 100800 data points a request can return/);
    }
    // The emulator is still there, and a range of exactly 100,800 periods is computed.
    const most = await getData([{ Id: 'e1', Expression: 'TIME_SERIES(2)', Period: 1 }], { StartTime: new Date(START), EndTime: new Date(START + 100_800_000) });
    expect(most.MetricDataResults?.[0]?.Values).toHaveLength(100_800);
  });

  it('refuses a request whose expressions together compute too many points', async () => {
    // Each expression adds up 200 copies of a 100,000-point series: 20 of them build 400 million points.
    const queries: MetricDataQuery[] = [{ Id: 'base', Expression: 'TIME_SERIES(1)', Period: 1, ReturnData: false }];
    for (let i = 0; i < 20; i++) queries.push({ Id: `e${i}`, Expression: Array(200).fill('base').join('+'), ReturnData: false });
    queries.push({ Id: 'out', Expression: 'e0', ReturnData: true });
    // Refused from the plan, before anything is computed (computing it would outlast the test's deadline).
    const err = await validationError(getData(queries, { StartTime: new Date(START), EndTime: new Date(START + 100_000_000) }));
    expect(err.message).toMatch(/compute more than 2016000 data points/);
  });
});

describe('GetMetricData MaxDatapoints', () => {
  const NS_PAGED = 'Review/Paged';
  const at = (minute: number) => new Date(START + minute * MINUTE);
  const paged = (Id: string, MetricName: string): MetricDataQuery => ({ Id, MetricStat: { Metric: { Namespace: NS_PAGED, MetricName }, Period: 60, Stat: 'Sum' } });
  beforeAll(async () => {
    const points = [['Reads', 0, 1], ['Reads', 1, 2], ['Reads', 2, 3], ['Writes', 0, 10], ['Writes', 1, 20]] as const;
    await cw().send(new PutMetricDataCommand({ Namespace: NS_PAGED, MetricData: points.map(([MetricName, minute, Value]) => ({ MetricName, Value, Timestamp: at(minute) })) }));
  });

  it('pages metric queries with NextToken, a result cut short being PartialData', async () => {
    const request = { ...range, ScanBy: 'TimestampAscending' as const, MaxDatapoints: 2, MetricDataQueries: [paged('reads', 'Reads'), paged('writes', 'Writes')] };
    const pages: [string, number[], string][][] = [];
    const tokens: (string | undefined)[] = [];
    for (let NextToken: string | undefined, n = 0; n === 0 || NextToken; n++) {
      const out = await cw().send(new GetMetricDataCommand({ ...request, NextToken }));
      pages.push(out.MetricDataResults!.map((r) => [r.Id!, r.Values!, r.StatusCode!]));
      tokens.push((NextToken = out.NextToken));
      if (n > 5) throw new Error('the pages never end');
    }
    expect(pages).toEqual([
      [['reads', [1, 2], 'PartialData'], ['writes', [], 'PartialData']],
      [['reads', [3], 'Complete'], ['writes', [10], 'PartialData']],
      [['reads', [], 'Complete'], ['writes', [20], 'Complete']],
    ]);
    expect(tokens.map((t) => typeof t)).toEqual(['string', 'string', 'undefined']);
    // The SDK's paginator walks the same pages.
    const walked: number[] = [];
    for await (const page of paginateGetMetricData({ client: cw() }, request)) walked.push(...page.MetricDataResults!.flatMap((r) => r.Values!));
    expect(walked.sort((a, b) => a - b)).toEqual([1, 2, 3, 10, 20]);
    const bad = await rejection(cw().send(new GetMetricDataCommand({ ...request, NextToken: 'not-a-token' })));
    expect(bad).toMatchObject({ name: 'InvalidNextToken', $metadata: { httpStatusCode: 400 } });
  });

  it('cuts an expression result at MaxDatapoints, newest first by default, without a NextToken', async () => {
    const out = await cw().send(new GetMetricDataCommand({ ...range, MaxDatapoints: 2, MetricDataQueries: [{ ...paged('reads', 'Reads'), ReturnData: false }, { Id: 'twice', Expression: 'reads * 2' }] }));
    expect(out.MetricDataResults?.map((r) => [r.Id, r.Timestamps!.map((t) => t.getTime()), r.Values, r.StatusCode])).toEqual([['twice', [at(2).getTime(), at(1).getTime()], [6, 4], 'PartialData']]);
    expect(out.NextToken).toBeUndefined();
  });
});

/** Counts the reads of its entries (get, has, iteration), so a test can bound the work done on it. */
class CountingMap<K, V> extends Map<K, V> {
  reads = 0;
  override get(k: K): V | undefined {
    this.reads++;
    return super.get(k);
  }
  override has(k: K): boolean {
    this.reads++;
    return super.has(k);
  }
  override *[Symbol.iterator](): MapIterator<[K, V]> {
    for (const entry of super[Symbol.iterator]()) {
      this.reads++;
      yield entry;
    }
  }
  override *entries(): MapIterator<[K, V]> {
    yield* this[Symbol.iterator]();
  }
  override *keys(): MapIterator<K> {
    for (const [k] of this) yield k;
  }
  override *values(): MapIterator<V> {
    for (const [, v] of this) yield v;
  }
  override forEach(fn: (v: V, k: K, m: Map<K, V>) => void): void {
    for (const [k, v] of this) fn(v, k, this);
  }
}

describe('FILL(…, LINEAR) over a long range', () => {
  it('interpolates in one pass, not once per gap over all known points', () => {
    // Three metrics with a value every second for the first half of 100,800 seconds (less a gap to interpolate),
    // none in the second half: 50,400 gaps each, which a search per gap would compare with every known point.
    const T0 = Date.UTC(2026, 0, 1);
    const ids = ['m1', 'm2', 'm3'];
    const plan = planQueries([...ids.map((id) => metric(id, 'Errors', 1)), { Id: 'e', Expression: 'FILL(METRICS(), LINEAR)' }], 'MetricDataQueries');
    const known = new CountingMap(Array.from({ length: 50_400 }, (_, i) => [T0 + i * 1000, i * 2] as [number, number]).filter(([t]) => t < T0 + 1000_000 || t >= T0 + 1010_000));
    const result = evaluatePlan(plan, () => ({ label: 'm', periodMs: 1000, points: known }), T0, T0 + 100_800_000).get('e')!;
    // A few reads per period of each series (100,800 periods, 3 series), not one search of the known points per gap.
    expect(known.reads).toBeLessThan(10 * 3 * 100_800);
    const [first] = result.value.kind === 'array' ? result.value.list : [];
    expect([1000, 1005, 1009, 60_000].map((s) => first!.points.get(T0 + s * 1000))).toEqual([2000, 2010, 2018, undefined]);
  });
});

describe('alarms on a Metrics list, as AWS accepts them', () => {
  const base = (extra: Partial<PutMetricAlarmCommandInput>): PutMetricAlarmCommandInput => ({
    AlarmName: 'review',
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 5,
    EvaluationPeriods: 1,
    ...extra,
  });
  const describe1 = async (name: string) => (await cw().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!;

  it('takes an omitted ReturnData as true: CDK leaves it out on the expression and sets false on the metrics', async () => {
    await cw().send(
      new PutMetricAlarmCommand(base({ AlarmName: 'cdk-shape', Metrics: [{ Id: 'expr_1', Expression: 'errors * 2' }, { ...metric('errors'), ReturnData: false }] })),
    );
    await cw().send(new PutMetricDataCommand({ Namespace: NS, MetricData: [{ MetricName: 'Errors', Value: 4 }] }));
    const alarm = await describe1('cdk-shape');
    expect(alarm.StateValue).toBe('ALARM');
    expect(alarm.Metrics?.map((q) => [q.Id, q.ReturnData])).toEqual([
      ['expr_1', true],
      ['errors', false],
    ]);
    // A single metric query without ReturnData is the one that returns data.
    const { ReturnData: _omitted, ...single } = metric('only');
    await cw().send(new PutMetricAlarmCommand(base({ AlarmName: 'single-query', Metrics: [single] })));
    expect((await describe1('single-query')).StateReason).toBe('Threshold Crossed: 0 out of the last 1 datapoints [4] did not cross the threshold (5).');
    // Two queries that both leave ReturnData out both return data.
    const err = await validationError(cw().send(new PutMetricAlarmCommand(base({ AlarmName: 'two', Metrics: [single, { Id: 'e1', Expression: 'only * 2' }] }))));
    expect(err.message).toBe('Exactly one element of the metrics list should return data.');
  });

  it('accepts a 20-second period, one of PutMetricAlarm\'s high-resolution periods', async () => {
    await cw().send(new PutMetricAlarmCommand(base({ AlarmName: 'twenty', Metrics: [{ ...metric('m1', 'Errors', 20), ReturnData: true }] })));
    expect((await describe1('twenty')).Metrics?.[0]?.MetricStat?.Period).toBe(20);
    const err = await validationError(cw().send(new PutMetricAlarmCommand(base({ AlarmName: 'fifteen', Metrics: [{ ...metric('m1', 'Errors', 15), ReturnData: true }] }))));
    expect(err.message).toBe('The parameter Metrics.member.1.MetricStat.Period must be 10, 20, 30 or a multiple of 60.');
  });

  it('refuses Unit next to a Metrics list, as the other single-metric parameters', async () => {
    const err = await validationError(cw().send(new PutMetricAlarmCommand(base({ AlarmName: 'unit', Unit: 'Count', Metrics: [{ ...metric('m1'), ReturnData: true }] }))));
    expect(err.message).toBe('Unit should not be set if list of Metrics is set.');
  });

  it('says plainly that anomaly detection alarms are not supported, rather than calling their operator invalid', async () => {
    const anomaly = base({
      AlarmName: 'anomaly',
      Threshold: undefined,
      ComparisonOperator: 'GreaterThanUpperThreshold',
      ThresholdMetricId: 'ad1',
      Metrics: [{ ...metric('m1'), ReturnData: true }, { Id: 'ad1', Expression: 'ANOMALY_DETECTION_BAND(m1, 2)', ReturnData: true }],
    });
    const err = await validationError(cw().send(new PutMetricAlarmCommand(anomaly)));
    expect(err.message).toMatch(/anomaly detection models .* not supported by this emulator/);
    expect(err.message).not.toMatch(/enum value set/);
    expect((await cw().send(new DescribeAlarmsCommand({ AlarmNames: ['anomaly'] }))).MetricAlarms).toEqual([]);
  });
});
