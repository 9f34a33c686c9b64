import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteMetricFilterCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeMetricFiltersCommand,
  DescribeSubscriptionFiltersCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  PutRetentionPolicyCommand,
  TestMetricFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

const emulator = useEmulator();
const logs = () => new CloudWatchLogsClient(clientConfig(emulator()));
const cw = () => new CloudWatchClient(clientConfig(emulator()));
const window = () => ({ StartTime: new Date(Date.now() - 10 * 60_000), EndTime: new Date(Date.now() + 10 * 60_000) });

async function groupWithStream(group: string, stream = 's1'): Promise<void> {
  await logs().send(new CreateLogGroupCommand({ logGroupName: group }));
  await logs().send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
}
const put = (group: string, messages: string[], stream = 's1') =>
  logs().send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: messages.map((message) => ({ timestamp: Date.now(), message })) }));

async function sumOf(namespace: string, name: string, dimensions: { Name: string; Value: string }[] = []): Promise<number | undefined> {
  const r = await cw().send(new GetMetricStatisticsCommand({ Namespace: namespace, MetricName: name, Dimensions: dimensions, Period: 3600, Statistics: ['Sum'], ...window() }));
  return r.Datapoints?.[0]?.Sum;
}

describe('CloudWatch Logs metric filters', () => {
  it('publishes MetricValue for matching events and DefaultValue for the others, seen by GetMetricStatistics and GetMetricData', async () => {
    await groupWithStream('/mf/plain');
    await logs().send(
      new PutMetricFilterCommand({
        logGroupName: '/mf/plain',
        filterName: 'errors',
        filterPattern: 'ERROR',
        metricTransformations: [{ metricName: 'ErrorCount', metricNamespace: 'Harness/Logs', metricValue: '1', defaultValue: 0, unit: 'Count' }],
      }),
    );
    await put('/mf/plain', ['ERROR boom', 'INFO fine', 'ERROR again', 'DEBUG x']);
    // Every event counts once: 2 matches (value 1) and 2 misses (default 0).
    const stats = await waitFor(async () => {
      const r = await cw().send(new GetMetricStatisticsCommand({ Namespace: 'Harness/Logs', MetricName: 'ErrorCount', Period: 3600, Statistics: ['Sum', 'SampleCount'], ...window() }));
      return r.Datapoints?.[0]?.SampleCount === 4 && r.Datapoints[0];
    }, { what: 'ErrorCount datapoints' });
    expect(stats).toMatchObject({ Sum: 2, SampleCount: 4, Unit: 'Count' });
    const data = await cw().send(
      new GetMetricDataCommand({ ...window(), MetricDataQueries: [{ Id: 'e', MetricStat: { Metric: { Namespace: 'Harness/Logs', MetricName: 'ErrorCount' }, Period: 3600, Stat: 'Sum' } }] }),
    );
    expect(data.MetricDataResults?.[0]?.Values).toEqual([2]);
  });

  it('takes the value and dimensions from JSON fields and space-delimited fields', async () => {
    await groupWithStream('/mf/json');
    await logs().send(
      new PutMetricFilterCommand({
        logGroupName: '/mf/json',
        filterName: 'latency',
        filterPattern: '{ $.latency > 0 && $.path = "/api/*" }',
        metricTransformations: [{ metricName: 'Latency', metricNamespace: 'Harness/Json', metricValue: '$.latency', dimensions: { Path: '$.path' }, unit: 'Milliseconds' }],
      }),
    );
    await put('/mf/json', [
      JSON.stringify({ path: '/api/orders', latency: 120 }),
      JSON.stringify({ path: '/api/orders', latency: 30 }),
      JSON.stringify({ path: '/api/users', latency: 5 }),
      JSON.stringify({ path: '/health', latency: 1 }),
      'not json at all',
    ]);
    await waitFor(async () => (await sumOf('Harness/Json', 'Latency', [{ Name: 'Path', Value: '/api/orders' }])) === 150, { what: 'Latency for /api/orders' });
    expect(await sumOf('Harness/Json', 'Latency', [{ Name: 'Path', Value: '/api/users' }])).toBe(5);
    expect(await sumOf('Harness/Json', 'Latency', [{ Name: 'Path', Value: '/health' }])).toBeUndefined();

    await groupWithStream('/mf/access');
    await logs().send(
      new PutMetricFilterCommand({
        logGroupName: '/mf/access',
        filterName: 'bytes-4xx',
        filterPattern: '[ip, user, username, timestamp, request, status_code=4*, bytes]',
        metricTransformations: [{ metricName: 'Bytes4xx', metricNamespace: 'Harness/Access', metricValue: '$bytes' }],
      }),
    );
    await put('/mf/access', [
      '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /missing HTTP/1.0" 404 100',
      '127.0.0.1 - frank [10/Oct/2000:13:25:16 -0700] "GET /ok HTTP/1.0" 200 5000',
      '127.0.0.1 - frank [10/Oct/2000:13:25:17 -0700] "GET /gone HTTP/1.0" 410 23',
    ]);
    await waitFor(async () => (await sumOf('Harness/Access', 'Bytes4xx')) === 123, { what: 'Bytes4xx sum' });
  });

  it('describes, counts, replaces and deletes filters', async () => {
    await groupWithStream('/mf/crud');
    const filter = (filterName: string, metricName: string) =>
      new PutMetricFilterCommand({ logGroupName: '/mf/crud', filterName, filterPattern: 'WARN', metricTransformations: [{ metricName, metricNamespace: 'Harness/Crud', metricValue: '1' }] });
    await logs().send(filter('a-warn', 'Warn'));
    await logs().send(filter('b-warn', 'Warn2'));
    await logs().send(filter('a-warn', 'WarnRenamed'));
    const all = await logs().send(new DescribeMetricFiltersCommand({ logGroupName: '/mf/crud' }));
    expect(all.metricFilters?.map((f) => [f.filterName, f.metricTransformations?.[0]?.metricName])).toEqual([
      ['a-warn', 'WarnRenamed'],
      ['b-warn', 'Warn2'],
    ]);
    expect(all.metricFilters?.[0]).toMatchObject({ logGroupName: '/mf/crud', filterPattern: 'WARN' });
    expect(typeof all.metricFilters?.[0]?.creationTime).toBe('number');
    expect((await logs().send(new DescribeMetricFiltersCommand({ logGroupName: '/mf/crud', filterNamePrefix: 'b-' }))).metricFilters?.map((f) => f.filterName)).toEqual(['b-warn']);
    expect((await logs().send(new DescribeMetricFiltersCommand({ metricName: 'Warn2', metricNamespace: 'Harness/Crud' }))).metricFilters?.map((f) => f.filterName)).toEqual(['b-warn']);
    const groups = await logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/mf/crud' }));
    expect(groups.logGroups?.[0]?.metricFilterCount).toBe(2);

    await logs().send(new DeleteMetricFilterCommand({ logGroupName: '/mf/crud', filterName: 'a-warn' }));
    await expect(logs().send(new DeleteMetricFilterCommand({ logGroupName: '/mf/crud', filterName: 'a-warn' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      logs().send(new PutMetricFilterCommand({ logGroupName: '/mf/none', filterName: 'x', filterPattern: '', metricTransformations: [{ metricName: 'm', metricNamespace: 'n', metricValue: '1' }] })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
  });

  it('refuses the 101st filter of a group with LimitExceededException, and bad patterns and transformations', async () => {
    await groupWithStream('/mf/limit');
    const filter = (filterName: string, extra: Record<string, unknown> = {}) =>
      new PutMetricFilterCommand({
        logGroupName: '/mf/limit',
        filterName,
        filterPattern: 'x',
        metricTransformations: [{ metricName: 'm', metricNamespace: 'Harness/Limit', metricValue: '1', ...extra }],
      });
    for (let i = 0; i < 100; i++) await logs().send(filter(`f${i}`));
    await expect(logs().send(filter('f100'))).rejects.toMatchObject({ name: 'LimitExceededException', message: 'Resource limit exceeded.', $metadata: { httpStatusCode: 400 } });
    // Replacing an existing filter is not a new one.
    await logs().send(filter('f0', { metricValue: '2' }));

    await groupWithStream('/mf/invalid');
    const invalid = (filterPattern: string, transformation: Record<string, unknown> = {}) =>
      logs().send(
        new PutMetricFilterCommand({
          logGroupName: '/mf/invalid',
          filterName: 'bad',
          filterPattern,
          metricTransformations: [{ metricName: 'm', metricNamespace: 'n', metricValue: '1', ...transformation }],
        }),
      );
    await expect(invalid('{ $.a = ')).rejects.toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
    await expect(invalid('x', { metricValue: 'abc' })).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(invalid('{ $.a = 1 }', { dimensions: { A: '$.a' }, defaultValue: 0 })).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('TestMetricFilter returns the matching events with their extracted values', async () => {
    const json = await logs().send(
      new TestMetricFilterCommand({ filterPattern: '{ $.status = 500 }', logEventMessages: ['{"status":200}', '{"status":500,"path":"/x"}', 'plain'] }),
    );
    expect(json.matches).toEqual([{ eventNumber: 2, eventMessage: '{"status":500,"path":"/x"}', extractedValues: { '$.status': '500' } }]);
    const spaced = await logs().send(new TestMetricFilterCommand({ filterPattern: '[ip, ..., status>=500]', logEventMessages: ['10.0.0.1 GET / 503', '10.0.0.2 GET / 200'] }));
    expect(spaced.matches).toEqual([{ eventNumber: 1, eventMessage: '10.0.0.1 GET / 503', extractedValues: { $ip: '10.0.0.1', $status: '503' } }]);
    const terms = await logs().send(new TestMetricFilterCommand({ filterPattern: '?ERROR ?FATAL', logEventMessages: ['FATAL: x', 'ok'] }));
    expect(terms.matches).toEqual([{ eventNumber: 1, eventMessage: 'FATAL: x', extractedValues: {} }]);
  });

  it('FilterLogEvents understands JSON patterns too', async () => {
    await groupWithStream('/mf/filter');
    await put('/mf/filter', [JSON.stringify({ level: 'ERROR', n: 1 }), JSON.stringify({ level: 'INFO', n: 2 }), 'ERROR plain']);
    const r = await logs().send(new FilterLogEventsCommand({ logGroupName: '/mf/filter', filterPattern: '{ $.level = "ERROR" }' }));
    expect(r.events?.map((e) => JSON.parse(e.message!).n)).toEqual([1]);
  });
});

describe('CloudWatch Logs retention and subscription filters', () => {
  it('DeleteRetentionPolicy removes the retention a group had', async () => {
    await logs().send(new CreateLogGroupCommand({ logGroupName: '/ret/g' }));
    await logs().send(new PutRetentionPolicyCommand({ logGroupName: '/ret/g', retentionInDays: 7 }));
    expect((await logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ret/g' }))).logGroups?.[0]?.retentionInDays).toBe(7);
    await logs().send(new DeleteRetentionPolicyCommand({ logGroupName: '/ret/g' }));
    expect((await logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ret/g' }))).logGroups?.[0]?.retentionInDays).toBeUndefined();
    await expect(logs().send(new DeleteRetentionPolicyCommand({ logGroupName: '/ret/missing' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('DescribeSubscriptionFilters lists none for a group without filters and refuses a missing group', async () => {
    await logs().send(new CreateLogGroupCommand({ logGroupName: '/sub/g' }));
    expect((await logs().send(new DescribeSubscriptionFiltersCommand({ logGroupName: '/sub/g' }))).subscriptionFilters).toEqual([]);
    await expect(logs().send(new DescribeSubscriptionFiltersCommand({ logGroupName: '/sub/missing' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
