import {
  CloudWatchClient,
  DeleteMetricStreamCommand,
  GetMetricStreamCommand,
  ListMetricStreamsCommand,
  ListTagsForResourceCommand,
  PutMetricStreamCommand,
  StartMetricStreamsCommand,
  StopMetricStreamsCommand,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import { clientConfig, useEmulator } from '../helpers/emulator';

const emulator = useEmulator();
const cw = () => new CloudWatchClient(clientConfig(emulator()));
const stream = (name: string, extra: Record<string, unknown> = {}) =>
  new PutMetricStreamCommand({
    Name: name,
    FirehoseArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/metrics',
    RoleArn: 'arn:aws:iam::000000000000:role/metric-stream',
    OutputFormat: 'json',
    ...extra,
  });

describe('metric streams (stored only)', () => {
  it('puts a stream, running, and gets it back with its filters, statistics and tags', async () => {
    const put = await cw().send(
      stream('main', {
        IncludeFilters: [{ Namespace: 'AWS/SQS', MetricNames: ['ApproximateNumberOfMessagesVisible'] }, { Namespace: 'App' }],
        StatisticsConfigurations: [{ IncludeMetrics: [{ Namespace: 'App', MetricName: 'Latency' }], AdditionalStatistics: ['p99', 'Average'] }],
        IncludeLinkedAccountsMetrics: true,
        Tags: [{ Key: 'team', Value: 'obs' }],
      }),
    );
    expect(put.Arn).toBe('arn:aws:cloudwatch:us-east-1:000000000000:metric-stream/main');
    const got = await cw().send(new GetMetricStreamCommand({ Name: 'main' }));
    expect(got).toMatchObject({
      Arn: put.Arn,
      Name: 'main',
      State: 'running',
      OutputFormat: 'json',
      IncludeFilters: [{ Namespace: 'AWS/SQS', MetricNames: ['ApproximateNumberOfMessagesVisible'] }, { Namespace: 'App' }],
      ExcludeFilters: [],
      StatisticsConfigurations: [{ IncludeMetrics: [{ Namespace: 'App', MetricName: 'Latency' }], AdditionalStatistics: ['p99', 'Average'] }],
      IncludeLinkedAccountsMetrics: true,
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
    expect((await cw().send(new ListTagsForResourceCommand({ ResourceARN: put.Arn }))).Tags).toEqual([{ Key: 'team', Value: 'obs' }]);
    await cw().send(new TagResourceCommand({ ResourceARN: put.Arn, Tags: [{ Key: 'env', Value: 'dev' }] }));
    expect((await cw().send(new ListTagsForResourceCommand({ ResourceARN: put.Arn }))).Tags).toHaveLength(2);
  });

  it('stops and starts streams by name, and an update keeps the state and creation date', async () => {
    const created = (await cw().send(new GetMetricStreamCommand({ Name: 'main' }))).CreationDate;
    await cw().send(new StopMetricStreamsCommand({ Names: ['main', 'unknown'] }));
    expect((await cw().send(new GetMetricStreamCommand({ Name: 'main' }))).State).toBe('stopped');
    await cw().send(stream('main', { OutputFormat: 'opentelemetry1.0', ExcludeFilters: [{ Namespace: 'AWS/Lambda' }] }));
    const updated = await cw().send(new GetMetricStreamCommand({ Name: 'main' }));
    expect(updated).toMatchObject({ State: 'stopped', OutputFormat: 'opentelemetry1.0', IncludeFilters: [], ExcludeFilters: [{ Namespace: 'AWS/Lambda' }] });
    expect(updated.CreationDate).toEqual(created);
    await cw().send(new StartMetricStreamsCommand({ Names: ['main'] }));
    expect((await cw().send(new GetMetricStreamCommand({ Name: 'main' }))).State).toBe('running');
  });

  it('lists streams by name, paged', async () => {
    await cw().send(stream('b-second'));
    await cw().send(stream('a-first'));
    const first = await cw().send(new ListMetricStreamsCommand({ MaxResults: 2 }));
    expect(first.Entries?.map((e) => e.Name)).toEqual(['a-first', 'b-second']);
    expect(first.Entries?.[0]).toMatchObject({ State: 'running', OutputFormat: 'json', FirehoseArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/metrics' });
    const second = await cw().send(new ListMetricStreamsCommand({ MaxResults: 2, NextToken: first.NextToken }));
    expect(second.Entries?.map((e) => e.Name)).toEqual(['main']);
    expect(second.NextToken).toBeUndefined();
  });

  it('answers AWS errors for bad input and for a stream that does not exist', async () => {
    await expect(cw().send(stream('both', { IncludeFilters: [{ Namespace: 'A' }], ExcludeFilters: [{ Namespace: 'B' }] }))).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
    await expect(cw().send(stream('bad name!'))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(cw().send(stream('fmt', { OutputFormat: 'csv' }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      cw().send(stream('otel', { OutputFormat: 'opentelemetry0.7', StatisticsConfigurations: [{ IncludeMetrics: [{ Namespace: 'A', MetricName: 'B' }], AdditionalStatistics: ['Average'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(cw().send(new GetMetricStreamCommand({ Name: 'ghost' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  });

  it('deletes a stream (and a missing one without error)', async () => {
    await cw().send(new DeleteMetricStreamCommand({ Name: 'a-first' }));
    await cw().send(new DeleteMetricStreamCommand({ Name: 'a-first' }));
    await expect(cw().send(new GetMetricStreamCommand({ Name: 'a-first' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await cw().send(new ListMetricStreamsCommand({}))).Entries?.map((e) => e.Name)).toEqual(['b-second', 'main']);
  });
});
