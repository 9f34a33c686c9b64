import { CloudWatchClient, GetMetricDataCommand, PutMetricAlarmCommand, PutMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { VirtualClock } from '../../emulator/core/clock';
import { parseSearch, searchMatches } from '../../emulator/cloudwatch/metric-math/search';
import { clientConfig, useEmulator } from '../helpers/emulator';

/**
 * SEARCH() in metric math: the query language of CloudWatch's "search expression syntax" (schema, partial and exact
 * terms, designators, AND/OR/NOT) on its own, then through GetMetricData on stored data.
 */
const metric = (name: string, namespace = 'MyNamespace', dims: Record<string, string> = {}) => ({
  namespace,
  name,
  dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
});
const finds = (query: string, m: ReturnType<typeof metric>) => searchMatches(parseSearch(query), m);

describe('search terms', () => {
  it('matches single tokens in any case, composite tokens in their case, and whole names without separators', () => {
    const custom = metric('CustomCount1');
    for (const term of ['count', 'Count', 'COUNT', 'CustomCount', 'Count1', 'customcount1', '1']) expect([term, finds(term, custom)]).toEqual([term, true]);
    for (const term of ['couNT', 'customcount', 'count1', 'Custom1']) expect([term, finds(term, custom)]).toEqual([term, false]);
    expect(finds('sdb', metric('SDBFailure'))).toBe(true);
    expect(finds('trial', metric('Project2-trial333'))).toBe(true);
    expect(finds('project2trial333', metric('Project2-trial333'))).toBe(true);
    for (const term of ['network/errors', 'network+errors', 'network-errors', 'Network_Errors']) {
      expect([term, finds(term, metric('Network-Errors-2')), finds(term, metric('NetworkErrors2'))]).toEqual([term, true, true]);
    }
  });

  it('matches exactly in double quotes, with escapes, on names, dimension names and values and the namespace', () => {
    expect(finds('"CustomCount1"', metric('CustomCount1'))).toBe(true);
    expect(finds('"Custom"', metric('CustomCount1'))).toBe(false);
    expect(finds('"customcount1"', metric('CustomCount1'))).toBe(false);
    expect(finds('"Network-Errors-2"', metric('Network-Errors-2'))).toBe(true);
    expect(finds('"Network_Errors_2"', metric('Network-Errors-2'))).toBe(false);
    expect(finds('"Europe\\\\France Traffic\\(Network\\)"', metric('Europe\\France Traffic(Network)'))).toBe(true);
    expect(finds('"AWS/EC2"', metric('Other', 'AWS/EC2'))).toBe(true);
    expect(finds('"ProjectA"', metric('Errors', 'X', { Project: 'ProjectA' }))).toBe(true);
  });

  it('applies the schema (exactly those dimensions), designators and Boolean operators', () => {
    const cpu = (id: string) => metric('CPUUtilization', 'AWS/EC2', { InstanceId: id });
    expect(finds('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', cpu('i-1'))).toBe(true);
    expect(finds('{AWS/EC2} MetricName="CPUUtilization"', cpu('i-1'))).toBe(false);
    expect(finds('{AWS/EC2,InstanceId} MetricName="CPUUtilization" NOT i-1234567890123456', cpu('i-1234567890123456'))).toBe(false);
    expect(finds('{"My Namespace", "Dimension@Name"}, "Custom:Name[Special_Characters"', metric('Custom:Name[Special_Characters', 'My Namespace', { 'Dimension@Name': 'x' }))).toBe(true);
    expect(finds('InstanceType=micro', metric('CPUUtilization', 'AWS/EC2', { InstanceType: 't2.micro' }))).toBe(true);
    expect(finds('InstanceType="t2.micro" Namespace="AWS/EC2"', metric('CPUUtilization', 'AWS/EC2', { InstanceType: 't2.nano' }))).toBe(false);
    expect(finds('NOT Namespace=AWS', metric('Errors', 'MyApp'))).toBe(true);
    expect(finds('NOT Namespace=AWS', metric('Errors', 'AWS/Lambda'))).toBe(false);
    const lambda = (name: string, fn: string) => metric(name, 'AWS/Lambda', { FunctionName: fn });
    const query = '{AWS/Lambda,FunctionName} MetricName="Errors" OR (MetricName="Invocations" AND (ProjectA OR ProjectB))';
    expect([lambda('Errors', 'other'), lambda('Invocations', 'ProjectB-api'), lambda('Invocations', 'other')].map((m) => finds(query, m))).toEqual([true, true, false]);
    expect(finds('"InstanceId"=("i-123" OR "i-456")', cpu('i-456'))).toBe(true);
    // Boolean operators are uppercase: a lowercase "or" is a term to find.
    expect(finds('Errors or Invocations', lambda('Errors', 'f'))).toBe(false);
  });
});

describe('SEARCH in GetMetricData', () => {
  const START = Date.UTC(2026, 2, 1, 12, 0, 0);
  const MINUTE = 60_000;
  const emulator = useEmulator({ clock: new VirtualClock(START), log: () => undefined });
  const cw = () => new CloudWatchClient(clientConfig(emulator()));
  const range = { StartTime: new Date(START), EndTime: new Date(START + 2 * MINUTE), ScanBy: 'TimestampAscending' as const };

  beforeAll(async () => {
    const data: [string, Record<string, string>, number, number][] = [
      ['Errors', { FunctionName: 'checkout' }, 0, 2],
      ['Errors', { FunctionName: 'checkout' }, 1, 4],
      ['Errors', { FunctionName: 'search' }, 0, 1],
      ['Invocations', { FunctionName: 'checkout' }, 0, 10],
      ['Errors', {}, 0, 3],
    ];
    for (const [MetricName, dims, minute, Value] of data) {
      await cw().send(
        new PutMetricDataCommand({
          Namespace: 'Search/App',
          MetricData: [{ MetricName, Value, Timestamp: new Date(START + minute * MINUTE), Dimensions: Object.entries(dims).map(([Name, V]) => ({ Name, Value: V })) }],
        }),
      );
    }
  });

  const results = async (MetricDataQueries: MetricDataQuery[]) =>
    (await cw().send(new GetMetricDataCommand({ ...range, MetricDataQueries }))).MetricDataResults!.map((r) => [r.Id, r.Label, r.Values]);

  it('returns one series per metric found, labelled with its dimension values, and feeds metric math', async () => {
    expect(await results([{ Id: 'e1', Expression: `SEARCH('{Search/App,FunctionName} MetricName="Errors"', 'Sum', 60)` }])).toEqual([
      ['e1', 'checkout', [2, 4]],
      ['e1', 'search', [1]],
    ]);
    // Labels that would be the same get the metric name; the period comes from the query when SEARCH omits it.
    expect(await results([{ Id: 'e1', Expression: `SEARCH('{Search/App,FunctionName} checkout', 'Maximum')`, Period: 120, Label: 'fn' }])).toEqual([
      ['e1', 'fn checkout Errors', [4]],
      ['e1', 'fn checkout Invocations', [10]],
    ]);
    expect(await results([{ Id: 'total', Expression: `SUM(SEARCH('{Search/App,FunctionName} MetricName="Errors"', 'Sum', 60))` }])).toEqual([['total', 'total', [3, 4]]]);
  });

  it('answers a ValidationError for a malformed search, an unknown statistic, and SEARCH in an alarm', async () => {
    const rejection = (p: Promise<unknown>) => p.then(() => Promise.reject(new Error('expected the call to fail')), (e) => e);
    for (const [Expression, message] of [
      [`SEARCH('{Search/App', 'Sum', 60)`, /Error in expression e1: Unexpected end of the search query\./],
      [`SEARCH('Errors', 'p99', 60)`, /'p99' is not a statistic SEARCH can use/],
      [`SEARCH('Errors')`, /SEARCH takes a search query and a statistic/],
      [`SEARCH('Errors', 'Sum', -1)`, /SEARCH's period must be a positive whole number of seconds/],
    ] as const) {
      const err = await rejection(cw().send(new GetMetricDataCommand({ ...range, MetricDataQueries: [{ Id: 'e1', Expression }] })));
      expect(err).toMatchObject({ Code: 'ValidationError', $metadata: { httpStatusCode: 400 } });
      expect(err.message).toMatch(message);
    }
    const err = await rejection(
      cw().send(
        new PutMetricAlarmCommand({
          AlarmName: 'searching',
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 1,
          EvaluationPeriods: 1,
          Metrics: [{ Id: 'e1', Expression: `MAX(SEARCH('{Search/App,FunctionName} Errors', 'Sum', 60))`, Period: 60, ReturnData: true }],
        }),
      ),
    );
    expect(err.message).toMatch(/Error in expression e1: SEARCH expressions cannot be used in alarms\./);
  });
});
