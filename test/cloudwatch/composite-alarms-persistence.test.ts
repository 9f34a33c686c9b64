import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAnomalyDetectorsCommand,
  GetMetricStreamCommand,
  ListMetricStreamsCommand,
  ListTagsForResourceCommand,
  PutAnomalyDetectorCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  PutMetricStreamCommand,
  SetAlarmStateCommand,
  StopMetricStreamsCommand,
} from '@aws-sdk/client-cloudwatch';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';

const { emulator, restart } = usePersistentEmulator('cw-composite');
const cw = () => new CloudWatchClient(clientConfig(emulator()));
const compositeArn = 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:svc-down';
const streamArn = 'arn:aws:cloudwatch:us-east-1:000000000000:metric-stream/to-firehose';
const composite = async () => (await cw().send(new DescribeAlarmsCommand({ AlarmNames: ['svc-down'], AlarmTypes: ['CompositeAlarm'] }))).CompositeAlarms?.[0];

describe('composite alarms, anomaly detectors and metric streams across a restart', () => {
  beforeAll(async () => {
    await cw().send(
      new PutMetricAlarmCommand({
        AlarmName: 'svc-errors',
        Namespace: 'Persist/Composite',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    await cw().send(new SetAlarmStateCommand({ AlarmName: 'svc-errors', StateValue: 'ALARM', StateReason: 'test' }));
    await cw().send(new PutCompositeAlarmCommand({ AlarmName: 'svc-down', AlarmRule: 'ALARM("svc-errors")', Tags: [{ Key: 'team', Value: 'sre' }] }));
    await cw().send(new PutAnomalyDetectorCommand({ SingleMetricAnomalyDetector: { Namespace: 'Persist/Composite', MetricName: 'Errors', Stat: 'Sum' }, Configuration: { MetricTimezone: 'UTC' } }));
    await cw().send(
      new PutMetricStreamCommand({
        Name: 'to-firehose',
        FirehoseArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/m',
        RoleArn: 'arn:aws:iam::000000000000:role/r',
        OutputFormat: 'opentelemetry0.7',
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    await cw().send(new StopMetricStreamsCommand({ Names: ['to-firehose'] }));
    expect((await composite())?.StateValue).toBe('ALARM');
    await restart();
  });

  it('keeps the composite with its state, tags and history, and evaluates it again when its child changes', async () => {
    expect(await composite()).toMatchObject({ AlarmRule: 'ALARM("svc-errors")', StateValue: 'ALARM', AlarmArn: compositeArn });
    expect((await cw().send(new ListTagsForResourceCommand({ ResourceARN: compositeArn }))).Tags).toEqual([{ Key: 'team', Value: 'sre' }]);
    const history = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: 'svc-down', AlarmTypes: ['CompositeAlarm'], HistoryItemType: 'StateUpdate' }));
    expect(history.AlarmHistoryItems?.map((h) => h.HistorySummary)).toEqual(['Alarm updated from INSUFFICIENT_DATA to ALARM']);
    await cw().send(new SetAlarmStateCommand({ AlarmName: 'svc-errors', StateValue: 'OK', StateReason: 'recovered' }));
    expect((await composite())?.StateValue).toBe('OK');
  });

  it('keeps anomaly detectors and metric streams (state and tags)', async () => {
    const detectors = await cw().send(new DescribeAnomalyDetectorsCommand({}));
    expect(detectors.AnomalyDetectors).toHaveLength(1);
    expect(detectors.AnomalyDetectors![0]).toMatchObject({ MetricName: 'Errors', Stat: 'Sum', Configuration: { MetricTimezone: 'UTC' } });
    expect(await cw().send(new GetMetricStreamCommand({ Name: 'to-firehose' }))).toMatchObject({ State: 'stopped', OutputFormat: 'opentelemetry0.7', Arn: streamArn });
    expect((await cw().send(new ListTagsForResourceCommand({ ResourceARN: streamArn }))).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
  });

  it('forgets all of it on POST /_harness/reset, and stays empty after another restart', async () => {
    expect((await fetch(`${emulator().endpoint}/_harness/reset`, { method: 'POST' })).status).toBe(200);
    await restart();
    expect(await composite()).toBeUndefined();
    expect((await cw().send(new DescribeAnomalyDetectorsCommand({}))).AnomalyDetectors).toEqual([]);
    expect((await cw().send(new ListMetricStreamsCommand({}))).Entries).toEqual([]);
  });
});
