import {
  CloudWatchClient,
  DeleteAnomalyDetectorCommand,
  DescribeAnomalyDetectorsCommand,
  GetMetricDataCommand,
  PutAnomalyDetectorCommand,
} from '@aws-sdk/client-cloudwatch';
import { clientConfig, useEmulator } from '../helpers/emulator';

const emulator = useEmulator();
const cw = () => new CloudWatchClient(clientConfig(emulator()));
const single = (metricName: string, extra: Record<string, unknown> = {}) => ({
  SingleMetricAnomalyDetector: { Namespace: 'Anomaly/Test', MetricName: metricName, Dimensions: [{ Name: 'Queue', Value: 'orders' }], Stat: 'Average', ...extra },
});
const math = {
  MetricMathAnomalyDetector: {
    MetricDataQueries: [
      { Id: 'm1', MetricStat: { Metric: { Namespace: 'Anomaly/Test', MetricName: 'Errors' }, Period: 300, Stat: 'Sum' }, ReturnData: false },
      { Id: 'e1', Expression: 'm1 * 2', ReturnData: true },
    ],
  },
};

describe('anomaly detectors', () => {
  it('puts single-metric and metric math detectors and describes them by type, stored only (PENDING_TRAINING)', async () => {
    const excluded = { StartTime: new Date('2026-01-01T00:00:00Z'), EndTime: new Date('2026-01-02T00:00:00Z') };
    await cw().send(new PutAnomalyDetectorCommand({ ...single('Latency'), Configuration: { ExcludedTimeRanges: [excluded], MetricTimezone: 'Europe/Paris' } }));
    // The older top-level form names the same kind of detector.
    await cw().send(new PutAnomalyDetectorCommand({ Namespace: 'Anomaly/Test', MetricName: 'Depth', Stat: 'p99' }));
    await cw().send(new PutAnomalyDetectorCommand(math));

    const plain = await cw().send(new DescribeAnomalyDetectorsCommand({}));
    expect(plain.AnomalyDetectors?.map((d) => d.SingleMetricAnomalyDetector?.MetricName)).toEqual(['Latency', 'Depth']);
    const latency = plain.AnomalyDetectors![0]!;
    expect(latency).toMatchObject({
      Namespace: 'Anomaly/Test',
      MetricName: 'Latency',
      Stat: 'Average',
      StateValue: 'PENDING_TRAINING',
      Configuration: { ExcludedTimeRanges: [excluded], MetricTimezone: 'Europe/Paris' },
      SingleMetricAnomalyDetector: { Dimensions: [{ Name: 'Queue', Value: 'orders' }] },
    });
    expect(latency.AnomalyDetectorId).toMatch(/^[0-9a-f-]{36}$/);

    const mathOnly = await cw().send(new DescribeAnomalyDetectorsCommand({ AnomalyDetectorTypes: ['METRIC_MATH'] }));
    expect(mathOnly.AnomalyDetectors).toHaveLength(1);
    expect(mathOnly.AnomalyDetectors![0]!.MetricMathAnomalyDetector?.MetricDataQueries?.[1]).toMatchObject({ Id: 'e1', Expression: 'm1 * 2' });

    const filtered = await cw().send(new DescribeAnomalyDetectorsCommand({ MetricName: 'Latency', Dimensions: [{ Name: 'Queue', Value: 'orders' }], AnomalyDetectorTypes: ['SINGLE_METRIC', 'METRIC_MATH'] }));
    expect(filtered.AnomalyDetectors?.map((d) => d.MetricName)).toEqual(['Latency']);
  });

  it('replaces the configuration when the same detector is put again, keeping its id', async () => {
    const before = (await cw().send(new DescribeAnomalyDetectorsCommand({ MetricName: 'Latency' }))).AnomalyDetectors![0]!;
    await cw().send(new PutAnomalyDetectorCommand({ ...single('Latency'), Configuration: { ExcludedTimeRanges: [] } }));
    const after = await cw().send(new DescribeAnomalyDetectorsCommand({ MetricName: 'Latency' }));
    expect(after.AnomalyDetectors).toHaveLength(1);
    expect(after.AnomalyDetectors![0]).toMatchObject({ AnomalyDetectorId: before.AnomalyDetectorId, Configuration: { ExcludedTimeRanges: [] } });
  });

  it('pages with MaxResults and NextToken', async () => {
    for (let i = 0; i < 3; i++) await cw().send(new PutAnomalyDetectorCommand(single(`Paged${i}`)));
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await cw().send(new DescribeAnomalyDetectorsCommand({ Namespace: 'Anomaly/Test', MaxResults: 2, NextToken: token }));
      expect(page.AnomalyDetectors!.length).toBeLessThanOrEqual(2);
      names.push(...page.AnomalyDetectors!.map((d) => d.MetricName!));
      token = page.NextToken;
    } while (token);
    expect(names).toEqual(['Latency', 'Depth', 'Paged0', 'Paged1', 'Paged2']);
  });

  it('answers AWS errors for bad input', async () => {
    await expect(cw().send(new PutAnomalyDetectorCommand({}))).rejects.toMatchObject({ name: 'MissingRequiredParameterException' });
    await expect(cw().send(new PutAnomalyDetectorCommand({ ...single('Both'), ...math }))).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await expect(cw().send(new PutAnomalyDetectorCommand(single('BadStat', { Stat: 'Median' })))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(cw().send(new PutAnomalyDetectorCommand({ ...single('BadTz'), Configuration: { MetricTimezone: 'Mars/Olympus' } }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
    await expect(cw().send(new DescribeAnomalyDetectorsCommand({ MaxResults: 101 }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('deletes by metric, by expression or by id, and answers ResourceNotFoundException for a missing one', async () => {
    await cw().send(new DeleteAnomalyDetectorCommand(single('Latency')));
    await cw().send(new DeleteAnomalyDetectorCommand(math));
    const depth = (await cw().send(new DescribeAnomalyDetectorsCommand({ MetricName: 'Depth' }))).AnomalyDetectors![0]!;
    await cw().send(new DeleteAnomalyDetectorCommand({ AnomalyDetectorId: depth.AnomalyDetectorId }));
    const left = await cw().send(new DescribeAnomalyDetectorsCommand({ AnomalyDetectorTypes: ['SINGLE_METRIC', 'METRIC_MATH'] }));
    expect(left.AnomalyDetectors?.map((d) => d.MetricName)).toEqual(['Paged0', 'Paged1', 'Paged2']);
    await expect(cw().send(new DeleteAnomalyDetectorCommand(single('Latency')))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('does not compute a band: ANOMALY_DETECTION_BAND still answers its validation error', async () => {
    const err = await cw()
      .send(
        new GetMetricDataCommand({
          StartTime: new Date(Date.now() - 3600_000),
          EndTime: new Date(),
          MetricDataQueries: [
            { Id: 'm1', MetricStat: { Metric: { Namespace: 'Anomaly/Test', MetricName: 'Paged0' }, Period: 300, Stat: 'Average' } },
            { Id: 'ad1', Expression: 'ANOMALY_DETECTION_BAND(m1, 2)' },
          ],
        }),
      )
      .catch((e) => e);
    expect(err).toMatchObject({ name: 'ValidationException' });
  });
});
