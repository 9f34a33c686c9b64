import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  type MetricDataQuery,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import { waitFor } from '../../harness/wait';
import { awsCli, CLIENTS, hasCommand, hasDebianAwsCli, skipBecause } from '../helpers/cli';
import { clientConfig, useEmulator } from '../helpers/emulator';

/**
 * Metric math through the SDK: GetMetricData expressions over PutMetricData data, and an error-rate alarm
 * (CDK's MathExpression shape) driven minute by minute on a virtual clock.
 */
const START = Date.UTC(2026, 2, 1, 12, 0, 0);
const MINUTE = 60_000;
const clock = new VirtualClock(START);
const emulator = useEmulator({ clock, log: () => undefined });
const cw = () => new CloudWatchClient(clientConfig(emulator()));

const metric = (Id: string, MetricName: string, namespace = 'Harness/Math'): MetricDataQuery => ({
  Id,
  MetricStat: { Metric: { Namespace: namespace, MetricName, Dimensions: [{ Name: 'Fn', Value: 'checkout' }] }, Period: 60, Stat: 'Sum' },
  ReturnData: false,
});

const put = (namespace: string, name: string, Value: number, minute?: number) =>
  cw().send(
    new PutMetricDataCommand({
      Namespace: namespace,
      MetricData: [{ MetricName: name, Value, Dimensions: [{ Name: 'Fn', Value: 'checkout' }], Timestamp: minute === undefined ? undefined : new Date(START + minute * MINUTE) }],
    }),
  );

const rejection = (p: Promise<unknown>) => p.then(() => Promise.reject(new Error('expected the call to fail')), (e) => e);

describe('GetMetricData with math expressions', () => {
  beforeAll(async () => {
    // Three minutes of a function's invocations and errors; minute 2 has no errors published at all.
    for (const [minute, invocations, errors] of [[0, 10, 1], [1, 20, 5], [2, 8, undefined]] as const) {
      await put('Harness/Math', 'Invocations', invocations, minute);
      if (errors !== undefined) await put('Harness/Math', 'Errors', errors, minute);
    }
    await put('Harness/Math', 'Throttles', 0, 0);
  });

  const range = { StartTime: new Date(START), EndTime: new Date(START + 3 * MINUTE) };

  it('evaluates an error rate over the metric queries and returns only the expression', async () => {
    const out = await cw().send(
      new GetMetricDataCommand({
        ...range,
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [metric('errors', 'Errors'), metric('invocations', 'Invocations'), { Id: 'rate', Expression: 'errors / invocations * 100' }],
      }),
    );
    expect(out.MetricDataResults).toHaveLength(1);
    const [rate] = out.MetricDataResults!;
    expect(rate).toMatchObject({ Id: 'rate', Label: 'rate', StatusCode: 'Complete', Messages: [] });
    expect(rate!.Timestamps!.map((t) => t.getTime())).toEqual([START, START + MINUTE, START + 2 * MINUTE]);
    // Minute 2 has no Errors: the missing value counts as 0, as CloudWatch documents for arithmetic.
    expect(rate!.Values).toEqual([10, 25, 0]);
  });

  it('returns newest first by default, uses a given Label, and chains expressions', async () => {
    const out = await cw().send(
      new GetMetricDataCommand({
        ...range,
        MetricDataQueries: [
          metric('errors', 'Errors'),
          { ...metric('invocations', 'Invocations'), ReturnData: true },
          { Id: 'ratio', Expression: 'errors / invocations', ReturnData: false },
          { Id: 'pct', Expression: 'FILL(ratio, 0) * 100', Label: 'Error rate (%)' },
        ],
      }),
    );
    expect(out.MetricDataResults?.map((r) => [r.Id, r.Label, r.Values])).toEqual([
      ['invocations', 'Invocations', [8, 20, 10]],
      ['pct', 'Error rate (%)', [0, 25, 10]],
    ]);
  });

  it('returns one result per series for an array expression, and SUM(METRICS()) per timestamp', async () => {
    const out = await cw().send(
      new GetMetricDataCommand({
        ...range,
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          metric('errors', 'Errors'),
          metric('invocations', 'Invocations'),
          { Id: 'filled', Expression: 'FILL(METRICS(), 0)', Label: 'Filled:' },
          { Id: 'total', Expression: 'SUM(METRICS())' },
        ],
      }),
    );
    expect(out.MetricDataResults?.map((r) => [r.Id, r.Label, r.Values])).toEqual([
      ['filled', 'Filled: Errors', [1, 5, 0]],
      ['filled', 'Filled: Invocations', [10, 20, 8]],
      ['total', 'total', [11, 25, 8]],
    ]);
  });

  it('drops a point divided by zero and says so in the result Messages', async () => {
    const out = await cw().send(
      new GetMetricDataCommand({
        ...range,
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [metric('errors', 'Errors'), metric('throttles', 'Throttles'), { Id: 'e1', Expression: 'errors / throttles' }],
      }),
    );
    const [e1] = out.MetricDataResults!;
    expect(e1!.Values).toEqual([]);
    expect(e1!.StatusCode).toBe('Complete');
    expect(e1!.Messages).toEqual([{ Code: 'ArithmeticError', Value: 'One or more data-points have been dropped due to non-numeric values (NaN, -Infinite, +Infinite)' }]);
  });

  it('answers a ValidationError for a syntax error, an unknown Id, a cycle, a scalar result and a query without MetricStat or Expression', async () => {
    const cases: [MetricDataQuery[], RegExp][] = [
      [[metric('m1', 'Errors'), { Id: 'e1', Expression: 'm1 * (2 +' }], /^Error in expression e1: Unexpected end of expression\.$/],
      [[metric('m1', 'Errors'), { Id: 'e1', Expression: 'm1 + m2' }], /^Error in expression e1: Unrecognized identifier 'm2'/],
      [[{ Id: 'e1', Expression: 'e2 + 1' }, { Id: 'e2', Expression: 'e1 + 1' }], /Circular reference: e1 -> e2 -> e1/],
      [[metric('m1', 'Errors'), { Id: 'e1', Expression: 'AVG(m1)' }], /^Error in expression e1: the result must be a time series or an array of time series, not a scalar\.$/],
      [[{ Id: 'e1' }], /^The parameter MetricDataQueries\.member\.1\.MetricStat is required\./],
    ];
    for (const [MetricDataQueries, message] of cases) {
      const err = await rejection(cw().send(new GetMetricDataCommand({ ...range, MetricDataQueries })));
      // The JSON protocol names the shape ValidationException; its Query code, ValidationError, is what boto3 and the CLI show.
      expect(err).toMatchObject({ name: 'ValidationException', Code: 'ValidationError', $metadata: { httpStatusCode: 400 } });
      expect(err.message).toMatch(message);
    }
  });
});

describe('metric math alarms', () => {
  const NS = 'Harness/ErrorRate';
  /** What CDK synthesizes for `new Alarm({ metric: new MathExpression({ expression: 'errors / invocations * 100', usingMetrics }) })`. */
  const errorRateAlarm = (extra: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
    AlarmName: 'checkout-error-rate',
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 10,
    EvaluationPeriods: 1,
    TreatMissingData: 'ignore',
    Metrics: [
      { Id: 'expr_1', Expression: 'errors / invocations * 100', Label: 'Error rate', ReturnData: true },
      metric('errors', 'Errors', NS),
      metric('invocations', 'Invocations', NS),
    ],
    ...extra,
  });

  it('refuses Metrics combined with single-metric parameters, no or two returning queries, arrays and bad periods', async () => {
    const base = errorRateAlarm();
    const cases: [Partial<PutMetricAlarmCommandInput>, string | RegExp][] = [
      [{ MetricName: 'Errors' }, 'MetricName should not be set if list of Metrics is set.'],
      [{ Statistic: 'Sum' }, 'Statistic should not be set if list of Metrics is set.'],
      [{ Period: 60 }, 'Period should not be set if list of Metrics is set.'],
      [{ Metrics: base.Metrics!.map((q) => ({ ...q, ReturnData: false })) }, 'Exactly one element of the metrics list should return data.'],
      [{ Metrics: base.Metrics!.map((q) => ({ ...q, ReturnData: true })) }, 'Exactly one element of the metrics list should return data.'],
      [{ Metrics: [{ Id: 'all', Expression: 'METRICS()', ReturnData: true }, metric('errors', 'Errors', NS)] }, /all: the result must be a single time series, not an array of time series/],
      [{ Metrics: [{ Id: 'e1', Expression: 'errors / calls', ReturnData: true }, metric('errors', 'Errors', NS)] }, /Unrecognized identifier 'calls'/],
      [{ Metrics: [{ Id: 'e1', Expression: 'errors', ReturnData: true }, { ...metric('errors', 'Errors', NS), MetricStat: { ...metric('x', 'Errors', NS).MetricStat!, Period: 45 } }] }, /Metrics\.member\.2\.MetricStat\.Period must be 10, 20, 30 or a multiple of 60/],
    ];
    for (const [extra, message] of cases) {
      const err = await rejection(cw().send(new PutMetricAlarmCommand(errorRateAlarm({ AlarmName: 'invalid', ...extra }))));
      // The JSON protocol names the shape ValidationException; its Query code, ValidationError, is what boto3 and the CLI show.
      expect(err).toMatchObject({ name: 'ValidationException', Code: 'ValidationError', $metadata: { httpStatusCode: 400 } });
      expect(err.message).toMatch(message);
    }
    expect((await cw().send(new DescribeAlarmsCommand({ AlarmNames: ['invalid'] }))).MetricAlarms).toEqual([]);
  });

  it('goes to ALARM when errors / invocations * 100 > 10, notifies SNS, and back to OK', async () => {
    const sns = new SNSClient(clientConfig(emulator()));
    const sqs = new SQSClient(clientConfig(emulator()));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'error-rate-alerts' }));
    const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'error-rate-inbox' }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));
    const nextNotification = () =>
      waitFor(
        async () => {
          const m = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }))).Messages?.[0];
          if (!m) return undefined;
          await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
          return JSON.parse(m.Body!);
        },
        { timeoutMs: 5_000, what: 'an alarm notification' },
      );
    const state = async () => (await cw().send(new DescribeAlarmsCommand({ AlarmNames: ['checkout-error-rate'] }))).MetricAlarms![0]!;

    await cw().send(new PutMetricAlarmCommand(errorRateAlarm({ AlarmActions: [TopicArn!], OKActions: [TopicArn!] })));
    const created = await state();
    expect(created).toMatchObject({ StateValue: 'INSUFFICIENT_DATA', Threshold: 10, EvaluationPeriods: 1 });
    expect(created.MetricName).toBeUndefined();
    expect(created.Metrics).toEqual([
      { Id: 'expr_1', Expression: 'errors / invocations * 100', Label: 'Error rate', ReturnData: true },
      { ...metric('errors', 'Errors', NS), ReturnData: false },
      { ...metric('invocations', 'Invocations', NS), ReturnData: false },
    ]);

    // 3 errors in 20 invocations: 15 % > 10 %. Errors alone divide by a missing (0) invocation count: no datapoint.
    await put(NS, 'Errors', 3);
    expect((await state()).StateValue).toBe('INSUFFICIENT_DATA');
    await put(NS, 'Invocations', 20);
    const alarmed = await state();
    expect(alarmed.StateValue).toBe('ALARM');
    expect(alarmed.StateReason).toBe('Threshold Crossed: 1 out of the last 1 datapoints [15] were greater than threshold (10).');
    const alarm = await nextNotification();
    expect(alarm).toMatchObject({ AlarmName: 'checkout-error-rate', NewStateValue: 'ALARM', OldStateValue: 'INSUFFICIENT_DATA' });
    expect(alarm.Trigger).toMatchObject({ Period: 60, EvaluationPeriods: 1, Threshold: 10, ComparisonOperator: 'GreaterThanThreshold' });
    expect(alarm.Trigger.Metrics[0]).toEqual({ Id: 'expr_1', Expression: 'errors / invocations * 100', Label: 'Error rate', ReturnData: true });
    expect(alarm.Trigger.Metrics[1].MetricStat.Metric.Dimensions).toEqual([{ value: 'checkout', name: 'Fn' }]);

    // The next minute: 1 error in 50 invocations, 2 %. Until its data arrives, TreatMissingData ignore keeps ALARM.
    clock.advance(MINUTE);
    expect((await state()).StateValue).toBe('ALARM');
    await put(NS, 'Errors', 1);
    expect((await state()).StateValue).toBe('ALARM');
    await put(NS, 'Invocations', 50);
    const ok = await state();
    expect(ok.StateValue).toBe('OK');
    expect(ok.StateReason).toBe('Threshold Crossed: 0 out of the last 1 datapoints [2] did not cross the threshold (10).');
    expect(await nextNotification()).toMatchObject({ NewStateValue: 'OK', OldStateValue: 'ALARM' });

    const history = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: 'checkout-error-rate', HistoryItemType: 'ConfigurationUpdate' }));
    expect(JSON.parse(history.AlarmHistoryItems![0]!.HistoryData!).createdAlarm.metrics[0]).toEqual({ id: 'expr_1', expression: 'errors / invocations * 100', label: 'Error rate', returnData: true });
  });

  it('re-evaluates on the minute: with the default TreatMissingData, a minute without data is INSUFFICIENT_DATA', async () => {
    clock.advance(MINUTE); // a minute of its own, without the previous test's data
    await cw().send(new PutMetricAlarmCommand(errorRateAlarm({ AlarmName: 'rate-missing', TreatMissingData: undefined })));
    await put(NS, 'Invocations', 10);
    await put(NS, 'Errors', 5);
    expect((await cw().send(new DescribeAlarmsCommand({ AlarmNames: ['rate-missing'] }))).MetricAlarms![0]!.StateValue).toBe('ALARM');
    clock.advance(MINUTE);
    expect((await cw().send(new DescribeAlarmsCommand({ AlarmNames: ['rate-missing'] }))).MetricAlarms![0]!.StateValue).toBe('INSUFFICIENT_DATA');
  });
});

describe('metric math through real CLIs', () => {
  for (const [name, bin, namespace, available] of [
    ['the AWS CLI v1 (CBOR)', CLIENTS.awsCliV1, 'Cli/MathCbor', () => hasCommand(CLIENTS.awsCliV1)],
    ["Debian's AWS CLI v2.9 (Query)", CLIENTS.awsCliDebian, 'Cli/MathQuery', async () => hasDebianAwsCli()],
  ] as const) {
    it(`puts and describes a Metrics alarm and evaluates an expression with ${name}`, async () => {
      if (!(await available())) return skipBecause(`${name} is not installed`);
      const ep = emulator().endpoint;
      const alarmName = `alarm-${namespace}`;
      const metrics = [
        { Id: 'e1', Expression: 'errors * 2', ReturnData: true },
        { Id: 'errors', MetricStat: { Metric: { Namespace: namespace, MetricName: 'Errors' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
      ];
      await awsCli(bin, ep, ['cloudwatch', 'put-metric-data', '--namespace', namespace, '--metric-name', 'Errors', '--value', '4', '--timestamp', new Date(clock.now()).toISOString()]);
      await awsCli(bin, ep, ['cloudwatch', 'put-metric-alarm', '--alarm-name', alarmName, '--evaluation-periods', '1', '--threshold', '5', '--comparison-operator', 'GreaterThanThreshold', '--metrics', JSON.stringify(metrics)]);
      const described = JSON.parse(await awsCli(bin, ep, ['cloudwatch', 'describe-alarms', '--alarm-names', alarmName])).MetricAlarms[0];
      expect(described.Metrics).toEqual(metrics);
      expect(described.StateValue).toBe('ALARM');
      const data = JSON.parse(
        await awsCli(bin, ep, [
          'cloudwatch', 'get-metric-data',
          '--start-time', new Date(clock.now() - 10 * MINUTE).toISOString(),
          '--end-time', new Date(clock.now() + 10 * MINUTE).toISOString(),
          '--metric-data-queries', JSON.stringify(metrics.map((q) => (q.Id === 'e1' ? { Id: q.Id, Expression: q.Expression } : q))),
        ]),
      );
      expect(data.MetricDataResults.map((r: { Id: string; Values: number[] }) => [r.Id, r.Values])).toEqual([['e1', [8]]]);
    });
  }
});
