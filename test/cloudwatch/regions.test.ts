import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetDashboardCommand,
  ListMetricsCommand,
  PutCompositeAlarmCommand,
  PutDashboardCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator, usePersistentEmulator } from '../helpers/emulator';
import { deployNode } from '../lambda/helpers';

const emulator = useEmulator({ log: () => {} });
const cloudWatchIn = (region: string) => new CloudWatchClient({ ...clientConfig(emulator()), region });
const ACCOUNT = '000000000000';

const sentAlarm = (name: string, queue: string): PutMetricAlarmCommandInput => ({
  AlarmName: name,
  Namespace: 'AWS/SQS',
  MetricName: 'NumberOfMessagesSent',
  Dimensions: [{ Name: 'QueueName', Value: queue }],
  Statistic: 'Sum',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 0,
  ComparisonOperator: 'GreaterThanThreshold',
});

const alarmsIn = async (client: CloudWatchClient) => {
  const out = await client.send(new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
  return [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])].map((a) => ({ arn: a.AlarmArn, state: a.StateValue }));
};

describe('CloudWatch keeps metrics and alarms per Region', () => {
  it('lets two Regions have an alarm of the same name, each listed, evaluated and deleted in its own Region', async () => {
    const east = cloudWatchIn('us-east-1');
    const west = cloudWatchIn('eu-west-1');
    for (const region of ['us-east-1', 'eu-west-1']) {
      const sqs = new SQSClient({ ...clientConfig(emulator()), region });
      await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }));
    }
    await east.send(new PutMetricAlarmCommand(sentAlarm('orders-sent', 'orders')));
    await west.send(new PutMetricAlarmCommand(sentAlarm('orders-sent', 'orders')));

    // A message sent to the west queue is west's metric: only west's alarm sees it.
    const westSqs = new SQSClient({ ...clientConfig(emulator()), region: 'eu-west-1' });
    const westQueue = (await westSqs.send(new CreateQueueCommand({ QueueName: 'orders' }))).QueueUrl!;
    await westSqs.send(new SendMessageCommand({ QueueUrl: westQueue, MessageBody: 'one' }));
    await waitFor(async () => ((await alarmsIn(west))[0]?.state === 'ALARM' ? true : undefined), { what: "west's alarm in ALARM" });

    expect(await alarmsIn(west)).toEqual([{ arn: `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:orders-sent`, state: 'ALARM' }]);
    expect(await alarmsIn(east)).toEqual([{ arn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:orders-sent`, state: 'INSUFFICIENT_DATA' }]);
    const sqsMetrics = async (client: CloudWatchClient) =>
      (await client.send(new ListMetricsCommand({ Namespace: 'AWS/SQS', MetricName: 'NumberOfMessagesSent' }))).Metrics?.length ?? 0;
    expect(await sqsMetrics(west)).toBe(1);
    expect(await sqsMetrics(east)).toBe(0);

    await west.send(new DeleteAlarmsCommand({ AlarmNames: ['orders-sent'] }));
    expect(await alarmsIn(west)).toEqual([]);
    expect(await alarmsIn(east)).toHaveLength(1);
  });

  it("keeps custom metrics to the Region they were put in, and a composite's rule to its own Region's alarms", async () => {
    const east = cloudWatchIn('us-east-1');
    const west = cloudWatchIn('ap-south-1');
    await west.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'Orders', Value: 3 }] }));
    const listed = async (client: CloudWatchClient) => (await client.send(new ListMetricsCommand({ Namespace: 'App' }))).Metrics?.map((m) => m.MetricName);
    expect(await listed(west)).toEqual(['Orders']);
    expect(await listed(east)).toEqual([]);

    await west.send(new PutMetricAlarmCommand({ ...sentAlarm('only-in-west', 'orders') }));
    await expect(east.send(new PutCompositeAlarmCommand({ AlarmName: 'parent', AlarmRule: 'ALARM("only-in-west")' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await west.send(new PutCompositeAlarmCommand({ AlarmName: 'parent', AlarmRule: 'ALARM("only-in-west")' }));
    expect((await alarmsIn(west)).map((a) => a.arn)).toContain(`arn:aws:cloudwatch:ap-south-1:${ACCOUNT}:alarm:parent`);
    const eastNames = (await alarmsIn(east)).map((a) => a.arn!.split(':').pop());
    expect(eastNames).not.toContain('parent');
    expect(eastNames).not.toContain('only-in-west');
  });
});

describe("an alarm's actions", () => {
  it("must be in the alarm's Region, metric and composite alarms alike", async () => {
    const east = cloudWatchIn('us-east-1');
    const westTopic = `arn:aws:sns:eu-west-1:${ACCOUNT}:alerts`;
    const refused = { message: 'Invalid region eu-west-1 specified. Only us-east-1 is supported.', $metadata: { httpStatusCode: 400 } };
    await expect(east.send(new PutMetricAlarmCommand({ ...sentAlarm('far-actions', 'q'), AlarmActions: [westTopic] }))).rejects.toMatchObject(refused);
    await expect(east.send(new PutMetricAlarmCommand({ ...sentAlarm('far-ok', 'q'), OKActions: [`arn:aws:sns:us-east-1:${ACCOUNT}:near`, westTopic] }))).rejects.toMatchObject(refused);
    await east.send(new PutMetricAlarmCommand({ ...sentAlarm('near-actions', 'q'), AlarmActions: [`arn:aws:sns:us-east-1:${ACCOUNT}:alerts`] }));
    await expect(
      east.send(new PutCompositeAlarmCommand({ AlarmName: 'far-composite', AlarmRule: 'ALARM("near-actions")', InsufficientDataActions: [westTopic] })),
    ).rejects.toMatchObject(refused);
    const names = (await alarmsIn(east)).map((a) => a.arn!.split(':').pop());
    expect(names).toContain('near-actions');
    expect(names).not.toContain('far-actions');
    expect(names).not.toContain('far-composite');
  });
});

describe("a function's metrics", () => {
  it("go to the function's own Region", async () => {
    const region = 'sa-east-1';
    const lambda = new LambdaClient({ ...clientConfig(emulator()), region });
    await deployNode(lambda, 'counted', 'exports.handler = async () => 1;');
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'counted' });
    await lambda.send(new InvokeCommand({ FunctionName: 'counted' }));
    const invocations = async (where: string) =>
      (await cloudWatchIn(where).send(new ListMetricsCommand({ Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: 'counted' }] })))
        .Metrics?.length ?? 0;
    expect(await waitFor(async () => ((await invocations(region)) === 1 ? 1 : undefined), { what: "the function's Invocations in its Region" })).toBe(1);
    expect(await invocations('us-east-1')).toBe(0);
  });
});

describe('with --data-dir', () => {
  const persistent = usePersistentEmulator('cloudwatch-regions', { log: () => {} });
  const client = (region: string) => new CloudWatchClient({ ...clientConfig(persistent.emulator()), region });

  it("keeps each Region's alarms and metrics apart across a restart, and the account's dashboards", async () => {
    for (const region of ['us-east-1', 'eu-central-1']) {
      await client(region).send(new PutMetricAlarmCommand({ ...sentAlarm('kept', 'q'), AlarmDescription: `in ${region}` }));
      await client(region).send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: `From-${region}`, Value: 1 }] }));
    }
    await client('us-east-1').send(new PutDashboardCommand({ DashboardName: 'ops', DashboardBody: '{"widgets":[]}' }));
    await persistent.restart();
    for (const region of ['us-east-1', 'eu-central-1']) {
      const alarms = (await client(region).send(new DescribeAlarmsCommand({}))).MetricAlarms ?? [];
      expect(alarms.map((a) => [a.AlarmArn, a.AlarmDescription])).toEqual([[`arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:kept`, `in ${region}`]]);
      const metrics = (await client(region).send(new ListMetricsCommand({ Namespace: 'App' }))).Metrics?.map((m) => m.MetricName);
      expect(metrics).toEqual([`From-${region}`]);
    }
    // Dashboards are the account's: read from any Region.
    const dashboard = await client('eu-central-1').send(new GetDashboardCommand({ DashboardName: 'ops' }));
    expect(dashboard.DashboardArn).toBe(`arn:aws:cloudwatch::${ACCOUNT}:dashboard/ops`);
  });
});
