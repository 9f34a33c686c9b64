import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetDashboardCommand,
  GetMetricStatisticsCommand,
  ListDashboardsCommand,
  ListMetricsCommand,
  ListTagsForResourceCommand,
  PutDashboardCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { VirtualClock } from '../../emulator/core/clock';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { clientConfig } from '../helpers/emulator';

/**
 * `dataDir`: CloudWatch datapoints, alarms (state, tags, history) and dashboards come back after a stop and
 * start, and restored alarms are evaluated on the emulator clock again.
 */

const T0 = Date.UTC(2026, 0, 1, 12, 0, 10);
let clock: VirtualClock;
let dir: string;
let emu: RunningEmulator | undefined;
const start = async () => (emu = await startEmulator({ port: 0, dataDir: dir, clock, log: () => {} }));
const restart = async () => {
  await emu!.stop();
  return start();
};
const cw = () => new CloudWatchClient(clientConfig(emu!));
const journalSize = () => fs.statSync(path.join(dir, 'state', 'journal.jsonl')).size;
const stateOf = async (c: CloudWatchClient, name: string) => (await c.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];

beforeEach(async () => {
  clock = new VirtualClock(T0);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-cloudwatch-'));
  await start();
});
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

it('brings back datapoints, alarms with their state, tags and history, and dashboards', async () => {
  let c = cw();
  const body = JSON.stringify({ widgets: [{ type: 'text', x: 0, y: 0, width: 6, height: 3, properties: { markdown: 'kept' } }] });
  await c.send(new PutDashboardCommand({ DashboardName: 'kept-board', DashboardBody: body }));
  // Many datapoints are stored; one more is appended to the journal without rewriting them.
  await c.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'Bulk', Values: [1], Counts: [2000] }] }));
  const before = journalSize();
  await c.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'Latency', Value: 100, Dimensions: [{ Name: 'Api', Value: 'orders' }] }] }));
  expect(journalSize() - before).toBeLessThan(1000);
  await c.send(
    new PutMetricAlarmCommand({
      AlarmName: 'slow',
      Namespace: 'App',
      MetricName: 'Latency',
      Dimensions: [{ Name: 'Api', Value: 'orders' }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 50,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      Tags: [{ Key: 'team', Value: 'a' }],
    }),
  );
  expect((await stateOf(c, 'slow'))!.StateValue).toBe('ALARM');
  c.destroy();

  await restart();
  c = cw();
  const alarm = (await stateOf(c, 'slow'))!;
  expect(alarm).toMatchObject({ StateValue: 'ALARM', Threshold: 50, Dimensions: [{ Name: 'Api', Value: 'orders' }] });
  expect(alarm.StateReason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[100\]/);
  expect((await c.send(new ListTagsForResourceCommand({ ResourceARN: alarm.AlarmArn }))).Tags).toEqual([{ Key: 'team', Value: 'a' }]);
  const history = (await c.send(new DescribeAlarmHistoryCommand({ AlarmName: 'slow', ScanBy: 'TimestampAscending' }))).AlarmHistoryItems!;
  expect(history.map((h) => h.HistorySummary)).toEqual(['Alarm "slow" created', 'Alarm updated from INSUFFICIENT_DATA to ALARM']);
  expect((await c.send(new GetDashboardCommand({ DashboardName: 'kept-board' }))).DashboardBody).toBe(body);
  expect((await c.send(new ListDashboardsCommand({}))).DashboardEntries!.map((d) => d.DashboardName)).toEqual(['kept-board']);
  const metrics = (await c.send(new ListMetricsCommand({ Namespace: 'App' }))).Metrics!.map((m) => m.MetricName).sort();
  expect(metrics).toEqual(['Bulk', 'Latency']);
  const stats = await c.send(
    new GetMetricStatisticsCommand({ Namespace: 'App', MetricName: 'Bulk', StartTime: new Date(T0 - 60_000), EndTime: new Date(T0 + 60_000), Period: 120, Statistics: ['SampleCount', 'Sum'] }),
  );
  expect(stats.Datapoints).toMatchObject([{ SampleCount: 2000, Sum: 2000 }]);

  // The minute tick runs again: once the datapoint is out of the evaluation period, the alarm goes back to OK.
  clock.advance(3 * 60_000);
  expect((await stateOf(c, 'slow'))!.StateValue).toBe('OK');
  c.destroy();
});

it('a reset empties the CloudWatch state kept on disk', async () => {
  let c = cw();
  await c.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'Gone', Value: 1 }] }));
  await c.send(new PutMetricAlarmCommand({ AlarmName: 'gone', Namespace: 'App', MetricName: 'Gone', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 5, ComparisonOperator: 'GreaterThanThreshold' }));
  c.destroy();
  await restart();
  c = cw();
  expect((await c.send(new DescribeAlarmsCommand({}))).MetricAlarms).toHaveLength(1);
  c.destroy();
  await emu!.reset();
  await restart();
  c = cw();
  expect((await c.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
  expect((await c.send(new ListMetricsCommand({}))).Metrics).toEqual([]);
  expect((await c.send(new DescribeAlarmHistoryCommand({}))).AlarmHistoryItems).toEqual([]);
  c.destroy();
});
