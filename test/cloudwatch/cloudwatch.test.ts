import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { awsCli, CLIENTS, hasDebianAwsCli, skipBecause } from '../helpers/cli';

const emulator = useEmulator();
const start = () => new Date(Date.now() - 10 * 60_000);
const end = () => new Date(Date.now() + 10 * 60_000);

describe('CloudWatch metrics (AWS JSON 1.0, the JS SDK)', () => {
  it('stores datapoints and computes statistics per period', async () => {
    const cw = new CloudWatchClient(clientConfig(emulator()));
    const dims = [{ Name: 'Stage', Value: 'test' }];
    await cw.send(new PutMetricDataCommand({ Namespace: 'Harness/Test', MetricData: [1, 2, 6].map((Value) => ({ MetricName: 'Latency', Value, Dimensions: dims, Unit: 'Milliseconds' })) }));
    const stats = await cw.send(
      new GetMetricStatisticsCommand({ Namespace: 'Harness/Test', MetricName: 'Latency', Dimensions: dims, StartTime: start(), EndTime: end(), Period: 3600, Statistics: ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount'] }),
    );
    expect(stats.Datapoints).toHaveLength(1);
    expect(stats.Datapoints![0]).toMatchObject({ Sum: 9, Average: 3, Maximum: 6, Minimum: 1, SampleCount: 3 });
    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: start(),
        EndTime: end(),
        MetricDataQueries: [{ Id: 'm1', MetricStat: { Metric: { Namespace: 'Harness/Test', MetricName: 'Latency', Dimensions: dims }, Period: 3600, Stat: 'Sum' } }],
      }),
    );
    expect(data.MetricDataResults?.[0]?.Values).toEqual([9]);
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'Harness/Test' }));
    expect(listed.Metrics?.map((m) => m.MetricName)).toEqual(['Latency']);
  });

  it('takes Values with Counts as that many observations in one step, however large the counts', async () => {
    const cw = new CloudWatchClient(clientConfig(emulator()));
    // A count of 10^12 was once observed one by one: the request never ended (found by the well-typed fuzzer).
    await cw.send(new PutMetricDataCommand({ Namespace: 'Harness/Counts', MetricData: [{ MetricName: 'Size', Values: [5, 7], Counts: [1e12, 0] }] }));
    const stats = await cw.send(
      new GetMetricStatisticsCommand({ Namespace: 'Harness/Counts', MetricName: 'Size', StartTime: start(), EndTime: end(), Period: 3600, Statistics: ['Sum', 'SampleCount', 'Minimum', 'Maximum'] }),
    );
    expect(stats.Datapoints).toHaveLength(1);
    expect(stats.Datapoints![0]).toMatchObject({ Sum: 5e12, SampleCount: 1e12, Minimum: 5, Maximum: 5 });
  }, 15_000);

  it('rejects the reserved AWS/ namespace', async () => {
    const cw = new CloudWatchClient(clientConfig(emulator()));
    await expect(cw.send(new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'x', Value: 1 }] }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('evaluates an alarm when a breaching datapoint arrives, and SetAlarmState overrides it', async () => {
    const cw = new CloudWatchClient(clientConfig(emulator()));
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'errors-high',
        Namespace: 'Harness/Alarm',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    const before = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['errors-high'] }));
    expect(before.MetricAlarms?.[0]?.StateValue).toBe('INSUFFICIENT_DATA');
    await cw.send(new PutMetricDataCommand({ Namespace: 'Harness/Alarm', MetricData: [{ MetricName: 'Errors', Value: 2 }] }));
    const after = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['errors-high'] }));
    expect(after.MetricAlarms?.[0]?.StateValue).toBe('ALARM');
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'errors-high', StateValue: 'OK', StateReason: 'manual' }));
    const manual = await cw.send(new DescribeAlarmsCommand({ StateValue: 'OK' }));
    expect(manual.MetricAlarms?.map((a) => a.AlarmName)).toContain('errors-high');
  });
});

describe('CloudWatch through real CLIs', () => {
  it('speaks CBOR to the AWS CLI v1 (botocore 1.43)', async () => {
    const ep = emulator().endpoint;
    await awsCli(CLIENTS.awsCliV1, ep, ['cloudwatch', 'put-metric-data', '--namespace', 'Cli/V1', '--metric-name', 'Hits', '--value', '5']);
    const out = JSON.parse(
      await awsCli(CLIENTS.awsCliV1, ep, ['cloudwatch', 'get-metric-statistics', '--namespace', 'Cli/V1', '--metric-name', 'Hits', '--start-time', start().toISOString(), '--end-time', end().toISOString(), '--period', '3600', '--statistics', 'Sum']),
    );
    expect(out.Datapoints[0].Sum).toBe(5);
  });

  it('speaks Query to Debian\'s AWS CLI v2.9', async () => {
    if (!hasDebianAwsCli()) return skipBecause("Debian's awscli is not installed (.ci/run installs it)");
    const ep = emulator().endpoint;
    await awsCli(CLIENTS.awsCliDebian, ep, ['cloudwatch', 'put-metric-data', '--namespace', 'Cli/V2', '--metric-name', 'Hits', '--value', '7']);
    const out = JSON.parse(
      await awsCli(CLIENTS.awsCliDebian, ep, ['cloudwatch', 'get-metric-statistics', '--namespace', 'Cli/V2', '--metric-name', 'Hits', '--start-time', start().toISOString(), '--end-time', end().toISOString(), '--period', '3600', '--statistics', 'Sum']),
    );
    expect(out.Datapoints[0].Sum).toBe(7);
  });
});
