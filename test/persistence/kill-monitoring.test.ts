import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand, GetDashboardCommand, ListMetricsCommand, PutDashboardCommand, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeDestinationsCommand,
  DescribeMetricFiltersCommand,
  DescribeResourcePoliciesCommand,
  GetLogEventsCommand,
  PutDestinationCommand,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ensureStopped, spawnCli, type CliProcess } from '../reliability/helpers';

/**
 * `serve --data-dir`, killed with SIGKILL right after the requests were answered, then started again: log
 * events and filters, CloudWatch datapoints, alarms (another Region's too) and dashboards, STS credentials, an SQS
 * FIFO deduplication window and receive attempt, and a recently deleted queue's name are all there (each was
 * written before its request was answered).
 */

const KEY = { accessKeyId: 'test', secretAccessKey: 'test' };
const config = (endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = KEY) => ({
  endpoint,
  region: 'us-east-1',
  credentials,
  maxAttempts: 1,
});
const ARGS = ['--verify-signatures', '--sqs-delay-recently-deleted'];

let dir: string;
let server: CliProcess | undefined;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-kill-monitoring-'));
});
afterAll(async () => {
  await ensureStopped(server);
  fs.rmSync(dir, { recursive: true, force: true });
});

it('keeps logs, CloudWatch, STS credentials and SQS deduplication through a kill -9', async () => {
  server = spawnCli(['serve', '--port', '0', '--data-dir', dir, ...ARGS]);
  let endpoint = await server.ready();
  const logs = new CloudWatchLogsClient(config(endpoint));
  const cw = new CloudWatchClient(config(endpoint));
  const sts = new STSClient(config(endpoint));
  let sqs = new SQSClient(config(endpoint));
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/app' }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: '/app', logStreamName: 's' }));
  await logs.send(new PutMetricFilterCommand({ logGroupName: '/app', filterName: 'errors', filterPattern: 'ERROR', metricTransformations: [{ metricName: 'Errors', metricNamespace: 'App', metricValue: '1' }] }));
  for (let i = 0; i < 5; i++) await logs.send(new PutLogEventsCommand({ logGroupName: '/app', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: `line ${i}` }] }));
  await cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'Orders', Value: 3 }] }));
  await cw.send(new PutMetricAlarmCommand({ AlarmName: 'orders', Namespace: 'App', MetricName: 'Orders', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' }));
  await cw.send(new PutDashboardCommand({ DashboardName: 'ops', DashboardBody: '{"widgets":[]}' }));
  const cwWest = new CloudWatchClient({ ...config(endpoint), region: 'eu-west-1' });
  const logsWest = new CloudWatchLogsClient({ ...config(endpoint), region: 'eu-west-1' });
  await logsWest.send(new PutDestinationCommand({ destinationName: 'central', targetArn: 'arn:aws:kinesis:eu-west-1:000000000000:stream/s', roleArn: 'arn:aws:iam::000000000000:role/r' }));
  await logsWest.send(new PutResourcePolicyCommand({ policyName: 'west-policy', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }));
  await cwWest.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'WestOrders', Value: 1 }] }));
  await cwWest.send(new PutMetricAlarmCommand({ AlarmName: 'orders', AlarmDescription: 'west', Namespace: 'App', MetricName: 'WestOrders', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 5, ComparisonOperator: 'GreaterThanThreshold' }));
  const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ops', RoleSessionName: 'kill' }));
  const fifo = await sqs.send(new CreateQueueCommand({ QueueName: 'k.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }));
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl: fifo.QueueUrl, MessageBody: 'once', MessageGroupId: 'g' }));
  const receiveAttempt = () => sqs.send(new ReceiveMessageCommand({ QueueUrl: fifo.QueueUrl, ReceiveRequestAttemptId: 'kill-attempt' }));
  const received = (await receiveAttempt()).Messages!.map((m) => [m.MessageId, m.ReceiptHandle]);
  const doomed = await sqs.send(new CreateQueueCommand({ QueueName: 'doomed' }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl: doomed.QueueUrl }));
  server.child.kill('SIGKILL');
  await server.exited;
  for (const c of [logs, logsWest, cw, cwWest, sts, sqs]) c.destroy();

  server = spawnCli(['serve', '--port', '0', '--data-dir', dir, ...ARGS]);
  endpoint = await server.ready();
  const logs2 = new CloudWatchLogsClient(config(endpoint));
  const cw2 = new CloudWatchClient(config(endpoint));
  sqs = new SQSClient(config(endpoint));
  const events = (await logs2.send(new GetLogEventsCommand({ logGroupName: '/app', logStreamName: 's', startFromHead: true }))).events!;
  expect(events.map((e) => e.message)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
  expect((await logs2.send(new DescribeMetricFiltersCommand({ logGroupName: '/app' }))).metricFilters!.map((f) => f.filterName)).toEqual(['errors']);
  expect((await cw2.send(new ListMetricsCommand({ Namespace: 'App' }))).Metrics!.map((m) => m.MetricName)).toContain('Orders');
  expect((await cw2.send(new DescribeAlarmsCommand({ AlarmNames: ['orders'] }))).MetricAlarms![0]!.StateValue).toBe('ALARM');
  expect((await cw2.send(new GetDashboardCommand({ DashboardName: 'ops' }))).DashboardBody).toBe('{"widgets":[]}');
  const cwWest2 = new CloudWatchClient({ ...config(endpoint), region: 'eu-west-1' });
  const westAlarm = (await cwWest2.send(new DescribeAlarmsCommand({ AlarmNames: ['orders'] }))).MetricAlarms![0]!;
  expect([westAlarm.AlarmArn, westAlarm.AlarmDescription, westAlarm.StateValue]).toEqual(['arn:aws:cloudwatch:eu-west-1:000000000000:alarm:orders', 'west', 'OK']);
  expect((await cwWest2.send(new ListMetricsCommand({ Namespace: 'App' }))).Metrics!.map((m) => m.MetricName)).toEqual(['WestOrders']);
  expect((await cw2.send(new ListMetricsCommand({ Namespace: 'App' }))).Metrics!.map((m) => m.MetricName)).not.toContain('WestOrders');
  cwWest2.destroy();
  const logsWest2 = new CloudWatchLogsClient({ ...config(endpoint), region: 'eu-west-1' });
  expect((await logsWest2.send(new DescribeDestinationsCommand({}))).destinations!.map((d) => d.arn)).toEqual(['arn:aws:logs:eu-west-1:000000000000:destination:central']);
  expect((await logsWest2.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies!.map((p) => p.policyName)).toEqual(['west-policy']);
  expect((await logs2.send(new DescribeDestinationsCommand({}))).destinations).toEqual([]);
  logsWest2.destroy();
  const c = assumed.Credentials!;
  const temporary = new STSClient(config(endpoint, { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }));
  expect((await temporary.send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:sts::000000000000:assumed-role/ops/kill');
  expect((await sqs.send(new SendMessageCommand({ QueueUrl: fifo.QueueUrl, MessageBody: 'once', MessageGroupId: 'g' }))).MessageId).toBe(sent.MessageId);
  expect((await receiveAttempt()).Messages!.map((m) => [m.MessageId, m.ReceiptHandle])).toEqual(received);
  await expect(sqs.send(new CreateQueueCommand({ QueueName: 'doomed' }))).rejects.toMatchObject({ name: 'QueueDeletedRecently' });
  for (const x of [logs2, cw2, temporary, sqs]) x.destroy();
  server.child.kill('SIGTERM');
  await server.exited;
}, 120_000);
