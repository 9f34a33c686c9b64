import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  type MetricDataQuery,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { VirtualClock } from '../../emulator/core/clock';
import { CLIENTS, skipBecause } from '../helpers/cli';
import { clientConfig, useEmulator } from '../helpers/emulator';

/**
 * Metrics Insights queries (Expression: SELECT …) in GetMetricData and in a metric alarm, over PutMetricData data on
 * a virtual clock: WHERE, GROUP BY, ORDER BY, LIMIT, SCHEMA, quoting, the two-week reach, and the ValidationErrors.
 */
const START = Date.UTC(2026, 2, 1, 12, 0, 0);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const clock = new VirtualClock(START);
const emulator = useEmulator({ clock, log: () => undefined });
const cw = () => new CloudWatchClient(clientConfig(emulator()));
const NS = 'Harness/Insights';

type Dims = Record<string, string>;
const put = (namespace: string, name: string, dims: Dims, Value: number, at = clock.now()) =>
  cw().send(
    new PutMetricDataCommand({
      Namespace: namespace,
      MetricData: [{ MetricName: name, Value, Timestamp: new Date(at), Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })) }],
    }),
  );

const rejection = (p: Promise<unknown>) => p.then(() => Promise.reject(new Error('expected the call to fail')), (e) => e);

/** Runs one query over the first three minutes, oldest point first: [label, values] per series. */
async function select(Expression: string, extra: MetricDataQuery[] = [], range = { StartTime: new Date(START), EndTime: new Date(START + 3 * MINUTE) }) {
  const out = await cw().send(
    new GetMetricDataCommand({ ...range, ScanBy: 'TimestampAscending', MetricDataQueries: [{ Id: 'q', Expression, Period: 60 }, ...extra] }),
  );
  return out.MetricDataResults!.map((r) => [r.Label, r.Values]);
}

describe('Metrics Insights in GetMetricData', () => {
  beforeAll(async () => {
    // Latency per Service and Region over two minutes, plus a metric with only Service and one with no dimension.
    const data: [Dims, number, number][] = [
      [{ Service: 'checkout', Region: 'eu' }, 0, 100],
      [{ Service: 'checkout', Region: 'eu' }, 1, 300],
      [{ Service: 'checkout', Region: 'us' }, 0, 200],
      [{ Service: 'search', Region: 'eu' }, 0, 50],
      [{ Service: 'search', Region: 'eu' }, 1, 70],
      [{ Service: 'cart-api', Region: 'us' }, 1, 900],
      [{ Service: 'checkout' }, 0, 1000],
      [{}, 0, 5],
    ];
    for (const [dims, minute, value] of data) await put(NS, 'Latency', dims, value, START + minute * MINUTE);
  });

  it('aggregates every matching metric into one series labelled with the query Id', async () => {
    expect(await select(`SELECT SUM(Latency) FROM SCHEMA("${NS}", Service, Region)`)).toEqual([['q', [350, 1270]]]);
    // Keywords in any case; a bare namespace takes every metric of that name, whatever its dimensions.
    expect(await select(`select count(Latency) from "${NS}"`)).toEqual([['q', [5, 3]]]);
    // SCHEMA with the namespace alone: only the metric without dimensions.
    expect(await select(`SELECT SUM(Latency) FROM SCHEMA("${NS}")`)).toEqual([['q', [5]]]);
    // A SCHEMA's keys in any order; a Label names the single series.
    const labelled = await cw().send(
      new GetMetricDataCommand({
        StartTime: new Date(START),
        EndTime: new Date(START + 3 * MINUTE),
        MetricDataQueries: [{ Id: 'q', Expression: `SELECT MAX(Latency) FROM SCHEMA("${NS}", Service)`, Period: 120, Label: 'Slowest' }],
      }),
    );
    expect(labelled.MetricDataResults!.map((r) => [r.Label, r.Values])).toEqual([['Slowest', [1000]]]);
  });

  it('filters with WHERE (=, !=, LIKE, IN, OR, NOT) and splits by GROUP BY, groups in label order', async () => {
    expect(await select(`SELECT MAX(Latency) FROM SCHEMA("${NS}", Region, Service) WHERE Region = 'eu' GROUP BY Service`)).toEqual([
      ['checkout', [100, 300]],
      ['search', [50, 70]],
    ]);
    expect(await select(`SELECT SUM(Latency) FROM SCHEMA("${NS}", Service, Region) WHERE Service != 'search' AND Service LIKE 'c%' GROUP BY Service, Region`)).toEqual([
      ['cart-api us', [900]],
      ['checkout eu', [100, 300]],
      ['checkout us', [200]],
    ]);
    expect(await select(`SELECT AVG(Latency) FROM SCHEMA("${NS}", Service, Region) WHERE Service IN ('search', 'cart-api') OR NOT (Region = 'eu' OR Service LIKE '%t') GROUP BY Service`)).toEqual([
      ['cart-api', [900]],
      ['search', [50, 70]],
    ]);
  });

  it('orders groups by the ORDER BY function over the whole range and keeps the LIMIT first ones', async () => {
    const query = `SELECT AVG(Latency) FROM SCHEMA("${NS}", Service, Region) GROUP BY Service`;
    // Maximum over the range: cart-api 900, checkout 300, search 70.
    expect(await select(`${query} ORDER BY MAX() DESC LIMIT 2`)).toEqual([
      ['cart-api', [900]],
      ['checkout', [150, 300]],
    ]);
    expect(await select(`${query} ORDER BY SUM() ASC LIMIT 1`)).toEqual([['search', [50, 70]]]);
    // Without GROUP BY's label a metric counts as "Other": here the metric without Region and the one without any.
    expect(await select(`SELECT SUM(Latency) FROM "${NS}" GROUP BY Region ORDER BY SUM() DESC`)).toEqual([
      ['us', [200, 900]],
      ['Other', [1005]],
      ['eu', [150, 370]],
    ]);
  });

  it('reads names in double quotes with escaped quotes, values in single quotes, keywords as quoted names', async () => {
    await put('My.App/Edge', 'Bytes"In"', { 'edge-zone': "it's" }, 7, START);
    await put('My.App/Edge', 'Limit', {}, 3, START);
    expect(await select(`SELECT SUM("Bytes\\"In\\"") FROM SCHEMA("My.App/Edge", "edge-zone") WHERE "edge-zone" = 'it\\'s' GROUP BY "edge-zone"`)).toEqual([["it's", [7]]]);
    expect(await select(`SELECT SUM("Limit") FROM "My.App/Edge"`)).toEqual([['q', [3]]]);
  });

  it('can be used by metric math, and returns an empty series when nothing matches', async () => {
    const grouped: MetricDataQuery = { Id: 'byservice', Expression: `SELECT SUM(Latency) FROM SCHEMA("${NS}", Service, Region) GROUP BY Service`, Period: 60, ReturnData: false };
    const out = await cw().send(
      new GetMetricDataCommand({
        StartTime: new Date(START),
        EndTime: new Date(START + 3 * MINUTE),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [grouped, { Id: 'top', Expression: 'MAX(byservice)' }],
      }),
    );
    expect(out.MetricDataResults!.map((r) => [r.Id, r.Values])).toEqual([['top', [300, 900]]]);
    expect(await select(`SELECT SUM(Latency) FROM "${NS}" WHERE Service = 'nothing'`)).toEqual([['q', []]]);
  });

  it('reaches two weeks back from the emulator clock, where a metric query reaches further', async () => {
    await put(NS, 'Old', {}, 1, START - 15 * DAY);
    await put(NS, 'Old', {}, 2, START - 13 * DAY);
    const old: MetricDataQuery = { Id: 'm', MetricStat: { Metric: { Namespace: NS, MetricName: 'Old' }, Period: 86_400, Stat: 'Sum' } };
    const out = await cw().send(
      new GetMetricDataCommand({
        StartTime: new Date(START - 16 * DAY),
        EndTime: new Date(START),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [{ Id: 'q', Expression: `SELECT SUM(Old) FROM "${NS}"`, Period: 86_400 }, old],
      }),
    );
    expect(out.MetricDataResults!.map((r) => [r.Id, r.Values])).toEqual([
      ['q', [2]],
      ['m', [1, 2]],
    ]);
  });

  it('answers a ValidationError for a malformed query, a second query, and a range past the points limit', async () => {
    const cases: [MetricDataQuery[], RegExp][] = [
      [[{ Id: 'q', Expression: 'SELECT AVG(Latency)', Period: 60 }], /^Error in expression q: Expected FROM but found the end of the query\.$/],
      [[{ Id: 'q', Expression: `SELECT MEDIAN(Latency) FROM "${NS}"`, Period: 60 }], /^Error in expression q: Expected one of the functions AVG, COUNT, MAX, MIN, SUM but found 'MEDIAN'/],
      [[{ Id: 'q', Expression: `SELECT AVG(Latency) FROM "${NS}" WHERE Service = "checkout"`, Period: 60 }], /Expected a label value in single quotes but found '"checkout"'/],
      [[{ Id: 'q', Expression: `SELECT AVG(Latency) FROM "${NS}" LIMIT 501`, Period: 60 }], /LIMIT must be a whole number from 1 to 500, not '501'/],
      [[{ Id: 'q', Expression: `SELECT AVG(My.Metric) FROM "${NS}"`, Period: 60 }], /Unexpected character '\.' at position 14/],
      [[{ Id: 'q', Expression: `SELECT AVG(Limit) FROM "${NS}"`, Period: 60 }], /Expected a metric name \(a keyword used as a name is written in double quotes\) but found 'Limit'/],
      [[{ Id: 'q', Expression: `SELECT AVG(Latency) FROM "${NS}" ORDER BY MAX(Latency)`, Period: 60 }], /Expected '\)' but found 'Latency'/],
      [[{ Id: 'q', Expression: `SELECT AVG(Latency) FROM "${NS}`, Period: 60 }], /Unterminated quoted name starting at position 26/],
      [
        [
          { Id: 'a', Expression: `SELECT AVG(Latency) FROM "${NS}"`, Period: 60 },
          { Id: 'b', Expression: `SELECT MAX(Latency) FROM "${NS}"`, Period: 60 },
        ],
        /may hold only one Metrics Insights query .*: a and b both are/,
      ],
    ];
    for (const [MetricDataQueries, message] of cases) {
      const err = await rejection(cw().send(new GetMetricDataCommand({ StartTime: new Date(START), EndTime: new Date(START + MINUTE), MetricDataQueries })));
      expect(err).toMatchObject({ name: 'ValidationException', Code: 'ValidationError', $metadata: { httpStatusCode: 400 } });
      expect(err.message).toMatch(message);
    }
    const tooLong = await rejection(
      cw().send(new GetMetricDataCommand({ StartTime: new Date(START - 71 * DAY), EndTime: new Date(START), MetricDataQueries: [{ Id: 'q', Expression: `SELECT AVG(Latency) FROM "${NS}"`, Period: 60 }] })),
    );
    expect(tooLong.message).toMatch(/more than the 100800 data points a request can return/);
  });
});

describe('an alarm on a Metrics Insights query', () => {
  const ALARM_NS = 'Harness/InsightsAlarm';
  const query = `SELECT SUM(Errors) FROM SCHEMA("${ALARM_NS}", Fn) WHERE Fn LIKE 'pay-%'`;
  const alarm = (extra: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
    AlarmName: 'payment-errors',
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 5,
    EvaluationPeriods: 1,
    Metrics: [{ Id: 'q1', Expression: query, Period: 60, ReturnData: true }],
    ...extra,
  });
  const state = async (name = 'payment-errors') => (await cw().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!;

  it('refuses a query returning several series, a window past three hours and a query without Period', async () => {
    const cases: [Partial<PutMetricAlarmCommandInput>, RegExp][] = [
      [{ Metrics: [{ Id: 'q1', Expression: `${query} GROUP BY Fn`, Period: 60, ReturnData: true }] }, /q1: the result must be a single time series, not an array of time series/],
      [{ Metrics: [{ Id: 'q1', Expression: query, Period: 3600, ReturnData: true }], EvaluationPeriods: 4 }, /^MetricsInsights monitors cannot be checked across more than 3 hours$/],
      [{ Metrics: [{ Id: 'q1', Expression: query, ReturnData: true }] }, /^Period must not be null$/],
      [{ Metrics: [{ Id: 'q1', Expression: 'SELECT SUM(Errors)', Period: 60, ReturnData: true }] }, /^Error in expression q1: Expected FROM/],
    ];
    for (const [extra, message] of cases) {
      const err = await rejection(cw().send(new PutMetricAlarmCommand(alarm({ AlarmName: 'invalid', ...extra }))));
      expect(err).toMatchObject({ Code: 'ValidationError', $metadata: { httpStatusCode: 400 } });
      expect(err.message).toMatch(message);
    }
    expect((await cw().send(new DescribeAlarmsCommand({ AlarmNames: ['invalid'] }))).MetricAlarms).toEqual([]);
  });

  it('goes to ALARM when the matching metrics together cross the threshold, and back to OK the next minute', async () => {
    clock.advance(10 * MINUTE); // a minute of its own
    await cw().send(new PutMetricAlarmCommand(alarm()));
    expect(await state()).toMatchObject({ StateValue: 'INSUFFICIENT_DATA', Metrics: [{ Id: 'q1', Expression: query, Period: 60, ReturnData: true }] });
    await put(ALARM_NS, 'Errors', { Fn: 'pay-card' }, 4);
    expect((await state()).StateValue).toBe('OK');
    // Outside the WHERE (and the SCHEMA): no change.
    await put(ALARM_NS, 'Errors', { Fn: 'search' }, 50);
    await put(ALARM_NS, 'Errors', { Fn: 'pay-card', Stage: 'prod' }, 50);
    expect((await state()).StateValue).toBe('OK');
    await put(ALARM_NS, 'Errors', { Fn: 'pay-wallet' }, 3);
    const alarmed = await state();
    expect(alarmed.StateValue).toBe('ALARM');
    expect(alarmed.StateReason).toBe('Threshold Crossed: 1 out of the last 1 datapoints [7] were greater than threshold (5).');
    clock.advance(MINUTE);
    await put(ALARM_NS, 'Errors', { Fn: 'pay-card' }, 1);
    expect((await state()).StateValue).toBe('OK');
  });
});

describe('Metrics Insights through boto3', () => {
  const run = promisify(execFile);
  const SCRIPT = `
import boto3, datetime, json, sys
endpoint, ns, start = sys.argv[1], sys.argv[2], datetime.datetime.fromtimestamp(int(sys.argv[3]) / 1000, datetime.timezone.utc)
c = boto3.client('cloudwatch', endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id='t', aws_secret_access_key='t')
for fn, v in (('a', 1), ('b', 5), ('c', 3)):
    c.put_metric_data(Namespace=ns, MetricData=[{'MetricName': 'Calls', 'Value': v, 'Timestamp': start, 'Dimensions': [{'Name': 'Fn', 'Value': fn}]}])
out = c.get_metric_data(StartTime=start, EndTime=start + datetime.timedelta(minutes=5), MetricDataQueries=[
    {'Id': 'q', 'Expression': 'SELECT SUM(Calls) FROM SCHEMA("%s", Fn) GROUP BY Fn ORDER BY SUM() DESC LIMIT 2' % ns, 'Period': 300}])
try:
    c.get_metric_data(StartTime=start, EndTime=start + datetime.timedelta(minutes=5), MetricDataQueries=[{'Id': 'q', 'Expression': 'SELECT SUM(Calls)', 'Period': 300}])
    err = None
except c.exceptions.ClientError as e:
    err = e.response['Error']['Code']
print(json.dumps({'results': [[r['Label'], r['Values']] for r in out['MetricDataResults']], 'error': err}))
`;
  it.each([
    { label: 'python3 on PATH (CBOR)', exe: 'python3', ns: 'Boto/InsightsCbor' },
    { label: "Debian's python3 (Query)", exe: CLIENTS.debianPython, ns: 'Boto/InsightsQuery' },
  ])('runs a GROUP BY / ORDER BY / LIMIT query with boto3 on $label', async ({ exe, ns }) => {
    try {
      await run(exe, ['-c', 'import boto3'], { timeout: 30_000 });
    } catch {
      return skipBecause(`${exe} has no boto3`);
    }
    const { stdout } = await run(exe, ['-c', SCRIPT, emulator().endpoint, ns, String(clock.now())], {
      timeout: 90_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    expect(JSON.parse(stdout)).toEqual({ results: [['b', [5]], ['c', [3]]], error: 'ValidationError' });
  });
});
