import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand,
  ListTagsForResourceCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import { evaluateRule, parseRule, ruleReferences } from '../../emulator/cloudwatch/composite-rule';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

const clock = new VirtualClock(Date.UTC(2026, 2, 4, 10, 0, 0));
const emulator = useEmulator({ clock });
const cw = () => new CloudWatchClient(clientConfig(emulator()));
const ARN = (name: string) => `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${name}`;

const metricAlarm = (name: string, extra: Record<string, unknown> = {}) =>
  cw().send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'Composite/Test',
      MetricName: name,
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
      ...extra,
    }),
  );
const setState = (name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA') =>
  cw().send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: `test set ${state}` }));
const composite = async (name: string) =>
  (await cw().send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['CompositeAlarm'] }))).CompositeAlarms?.[0];

describe('the AlarmRule language', () => {
  const states: Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'> = { a: 'ALARM', b: 'OK', c: 'INSUFFICIENT_DATA', 'x y': 'ALARM' };
  const value = (text: string) => evaluateRule(parseRule(text), (ref) => states[ref]);

  it('evaluates functions, TRUE/FALSE, NOT over AND over OR, parentheses and quoted or bare names', () => {
    expect(value('ALARM(a)')).toBe(true);
    expect(value('ALARM("b")')).toBe(false);
    expect(value('OK(b) AND INSUFFICIENT_DATA(c)')).toBe(true);
    expect(value('ALARM(b) OR ALARM(a) AND OK(a)')).toBe(false);
    expect(value('(ALARM(b) OR ALARM(a)) AND NOT OK(a)')).toBe(true);
    expect(value('NOT ALARM(a) OR TRUE')).toBe(true);
    expect(value('FALSE')).toBe(false);
    expect(value('ALARM(x y) AND ALARM("x y")')).toBe(true);
    expect(value('ALARM(missing)')).toBe(false);
  });

  it('evaluates AT_LEAST by count and percentage, and with NOT', () => {
    expect(value('AT_LEAST(2, ALARM, (a, b, "x y"))')).toBe(true);
    expect(value('AT_LEAST(3, ALARM, (a, b, "x y"))')).toBe(false);
    expect(value('AT_LEAST(50%, ALARM, (a, b))')).toBe(true);
    expect(value('AT_LEAST(2, NOT OK, (a, b, c))')).toBe(true);
  });

  it('lists each referenced alarm once', () => {
    expect(ruleReferences(parseRule('ALARM(a) AND (OK(b) OR ALARM("a")) AND AT_LEAST(1, OK, (c, b))'))).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['()', "Error in AlarmRule [Unsupported token ')' at char 1]"],
    ['ALARM(a) AND', 'Error in AlarmRule [Unexpected end of expression at char 12]'],
    ['ALARM(a) XOR ALARM(b)', "Error in AlarmRule [Unsupported token 'XOR' at char 9]"],
    ['alarm(a)', "Error in AlarmRule [Unsupported token 'alarm' at char 0]"],
    ['ALARM("a)', 'Error in AlarmRule [Unterminated quoted alarm name at char 6]'],
    ['AT_LEAST(3, ALARM, (a, b))', 'Error in AlarmRule [AT_LEAST threshold 3 is greater than the number of alarms (2)]'],
  ])('rejects %s', (text, message) => {
    expect(() => parseRule(text)).toThrow(message);
  });
});

describe('PutCompositeAlarm validation', () => {
  beforeAll(async () => {
    await metricAlarm('v-child');
  });

  it('answers ValidationError for a rule that does not parse', async () => {
    const err = await cw()
      .send(new PutCompositeAlarmCommand({ AlarmName: 'v-bad', AlarmRule: 'ALARM(v-child) AND' }))
      .catch((e) => e);
    expect(err).toMatchObject({ name: 'ValidationException', Code: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    expect(err.message).toBe('Error in AlarmRule [Unexpected end of expression at char 18]');
  });

  it('refuses a rule over alarms that do not exist, naming them', async () => {
    await expect(cw().send(new PutCompositeAlarmCommand({ AlarmName: 'v-missing', AlarmRule: 'ALARM(v-child) OR ALARM(nope) OR OK("gone")' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Could not save the composite alarm as alarms [nope, gone] in the alarm rule do not exist',
    });
    // An ARN of another Region does not name this Region's alarm.
    await expect(cw().send(new PutCompositeAlarmCommand({ AlarmName: 'v-arn', AlarmRule: 'ALARM("arn:aws:cloudwatch:eu-west-1:000000000000:alarm:v-child")' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('refuses a rule over more than 100 alarms and one longer than 10,240 characters', async () => {
    const refs = Array.from({ length: 101 }, (_, i) => `ALARM(v-${i})`).join(' OR ');
    await expect(cw().send(new PutCompositeAlarmCommand({ AlarmName: 'v-many', AlarmRule: refs }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('at most 100'),
    });
    const long = `ALARM(v-child) OR ${'TRUE OR '.repeat(1300)}FALSE`;
    await expect(cw().send(new PutCompositeAlarmCommand({ AlarmName: 'v-long', AlarmRule: long }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 10240'),
    });
  });

  it('requires both suppressor periods with ActionsSuppressor', async () => {
    await expect(cw().send(new PutCompositeAlarmCommand({ AlarmName: 'v-supp', AlarmRule: 'ALARM(v-child)', ActionsSuppressor: 'v-child' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('refuses a composite under a metric alarm’s name and a metric alarm under a composite’s', async () => {
    await expect(cw().send(new PutCompositeAlarmCommand({ AlarmName: 'v-child', AlarmRule: 'TRUE' }))).rejects.toMatchObject({ name: 'ValidationException' });
    await cw().send(new PutCompositeAlarmCommand({ AlarmName: 'v-comp', AlarmRule: 'FALSE' }));
    await expect(metricAlarm('v-comp')).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('composite alarm evaluation and actions', () => {
  it('is evaluated at creation, follows its children set by SetAlarmState, and notifies its SNS topic with the rule and the triggering child', async () => {
    const sns = new SNSClient(clientConfig(emulator()));
    const sqs = new SQSClient(clientConfig(emulator()));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'composite-alerts' }));
    const queue = (await sqs.send(new CreateQueueCommand({ QueueName: 'composite-probe' }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));
    await metricAlarm('errors');
    await metricAlarm('latency');
    await setState('errors', 'OK');
    await setState('latency', 'OK');

    const rule = `ALARM(errors) AND ALARM("${ARN('latency')}")`;
    await cw().send(new PutCompositeAlarmCommand({ AlarmName: 'service-down', AlarmRule: rule, AlarmActions: [TopicArn!], OKActions: [TopicArn!], AlarmDescription: 'both' }));
    const created = await composite('service-down');
    // Evaluated at once: the rule is FALSE, so OK rather than INSUFFICIENT_DATA.
    expect(created).toMatchObject({ AlarmRule: rule, StateValue: 'OK', ActionsEnabled: true, AlarmArn: ARN('service-down'), AlarmDescription: 'both' });
    expect(created?.StateTransitionedTimestamp).toBeInstanceOf(Date);

    const received: any[] = [];
    const drain = async () => {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: 10 }));
      for (const m of r.Messages ?? []) {
        received.push(JSON.parse(m.Body!));
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queue, ReceiptHandle: m.ReceiptHandle! }));
      }
    };
    await waitFor(async () => (await drain(), received.some((m) => m.NewStateValue === 'OK')), { timeoutMs: 10_000, what: 'the OK notification at creation' });

    await setState('errors', 'ALARM');
    expect((await composite('service-down'))?.StateValue).toBe('OK');
    await setState('latency', 'ALARM');
    const alarmed = await composite('service-down');
    expect(alarmed?.StateValue).toBe('ALARM');
    expect(alarmed?.StateReason).toBe(`${ARN('latency')} transitioned to ALARM at Wednesday 04 March, 2026 10:00:00 UTC`);
    expect(JSON.parse(alarmed!.StateReasonData!)).toEqual({ triggeringAlarms: [{ arn: ARN('latency'), state: { value: 'ALARM', timestamp: '2026-03-04T10:00:00.000+0000' } }] });

    await waitFor(async () => (await drain(), received.some((m) => m.NewStateValue === 'ALARM')), { timeoutMs: 10_000, what: 'the ALARM notification' });
    const note = received.find((m) => m.NewStateValue === 'ALARM');
    expect(note).toMatchObject({
      AlarmName: 'service-down',
      AlarmDescription: 'both',
      AWSAccountId: '000000000000',
      OldStateValue: 'OK',
      Region: 'US East (N. Virginia)',
      AlarmArn: ARN('service-down'),
      AlarmRule: rule,
      AlarmActions: [TopicArn],
      TriggeringChildren: [{ Arn: ARN('latency'), State: { Value: 'ALARM', Timestamp: '2026-03-04T10:00:00.000+0000' } }],
    });

    // History: the creation, and the two state updates, for composite alarms only when asked for.
    const history = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: 'service-down', AlarmTypes: ['CompositeAlarm'], HistoryItemType: 'StateUpdate' }));
    expect(history.AlarmHistoryItems?.map((h) => h.HistorySummary)).toEqual(['Alarm updated from OK to ALARM', 'Alarm updated from INSUFFICIENT_DATA to OK']);
    expect(history.AlarmHistoryItems?.[0]).toMatchObject({ AlarmType: 'CompositeAlarm', HistoryItemType: 'StateUpdate' });
    const config = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: 'service-down', AlarmTypes: ['CompositeAlarm'], HistoryItemType: 'ConfigurationUpdate' }));
    expect(JSON.parse(config.AlarmHistoryItems![0]!.HistoryData!)).toMatchObject({ type: 'Create', createdAlarm: { alarmName: 'service-down', alarmRule: rule } });
    expect((await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: 'service-down' }))).AlarmHistoryItems).toEqual([]);
  });

  it('goes to ALARM when a child alarm does on metric data, through a composite of composites', async () => {
    await metricAlarm('queue-depth', { Namespace: 'Composite/Metric', MetricName: 'Depth' });
    await metricAlarm('dlq-depth', { Namespace: 'Composite/Metric', MetricName: 'DlqDepth' });
    await cw().send(new PutCompositeAlarmCommand({ AlarmName: 'queue-trouble', AlarmRule: 'ALARM(queue-depth) OR ALARM(dlq-depth)' }));
    await cw().send(new PutCompositeAlarmCommand({ AlarmName: 'page-someone', AlarmRule: 'ALARM(queue-trouble) AND NOT ALARM(maintenance)' }).constructor === PutCompositeAlarmCommand ? new PutCompositeAlarmCommand({ AlarmName: 'page-someone', AlarmRule: 'ALARM(queue-trouble)' }) : (undefined as never));
    // Children without data are INSUFFICIENT_DATA: the rule is FALSE, so OK.
    expect((await composite('queue-trouble'))?.StateValue).toBe('OK');

    await cw().send(new PutMetricDataCommand({ Namespace: 'Composite/Metric', MetricData: [{ MetricName: 'DlqDepth', Value: 50, Timestamp: new Date(clock.now()) }] }));
    expect((await cw().send(new DescribeAlarmsCommand({ AlarmNames: ['dlq-depth'] }))).MetricAlarms?.[0]?.StateValue).toBe('ALARM');
    expect((await composite('queue-trouble'))?.StateValue).toBe('ALARM');
    expect((await composite('page-someone'))?.StateReason).toBe(`${ARN('queue-trouble')} transitioned to ALARM at Wednesday 04 March, 2026 10:00:00 UTC`);
    expect((await composite('page-someone'))?.StateValue).toBe('ALARM');

    // The next minute without data: the metric alarm is INSUFFICIENT_DATA again, and so both composites are OK.
    clock.advance(120_000);
    await waitFor(async () => (await composite('page-someone'))?.StateValue === 'OK', { timeoutMs: 10_000, what: 'the composites back to OK' });
    expect((await composite('queue-trouble'))?.StateValue).toBe('OK');
  });

  it('stops at a cycle of composites instead of evaluating forever', async () => {
    await metricAlarm('cycle-child');
    await setState('cycle-child', 'OK');
    await cw().send(new PutCompositeAlarmCommand({ AlarmName: 'cycle-a', AlarmRule: 'ALARM(cycle-child)' }));
    await cw().send(new PutCompositeAlarmCommand({ AlarmName: 'cycle-b', AlarmRule: 'ALARM(cycle-a) OR ALARM(cycle-child)' }));
    // AWS lets an update close the cycle.
    await cw().send(new PutCompositeAlarmCommand({ AlarmName: 'cycle-a', AlarmRule: 'ALARM(cycle-child) OR ALARM(cycle-b)' }));
    await setState('cycle-child', 'ALARM');
    expect((await composite('cycle-a'))?.StateValue).toBe('ALARM');
    expect((await composite('cycle-b'))?.StateValue).toBe('ALARM');
    // Neither can be deleted while the other depends on it.
    await expect(cw().send(new DeleteAlarmsCommand({ AlarmNames: ['cycle-a'] }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(cw().send(new DeleteAlarmsCommand({ AlarmNames: ['cycle-a', 'cycle-child'] }))).rejects.toMatchObject({
      message: 'Cannot delete cycle-a,cycle-child as there are composite alarm(s) depending on them.',
    });
  });

  it('takes SetAlarmState until a child changes, and shows ActionsSuppressedBy while the suppressor is in ALARM', async () => {
    await metricAlarm('supp-child');
    await metricAlarm('maintenance');
    await setState('supp-child', 'OK');
    await setState('maintenance', 'ALARM');
    await cw().send(
      new PutCompositeAlarmCommand({
        AlarmName: 'suppressed',
        AlarmRule: 'ALARM(supp-child)',
        ActionsSuppressor: 'maintenance',
        ActionsSuppressorWaitPeriod: 60,
        ActionsSuppressorExtensionPeriod: 60,
      }),
    );
    await setState('suppressed', 'ALARM');
    expect(await composite('suppressed')).toMatchObject({ StateValue: 'ALARM', StateReason: 'test set ALARM', ActionsSuppressedBy: 'Alarm', ActionsSuppressor: 'maintenance', ActionsSuppressorWaitPeriod: 60 });
    await setState('supp-child', 'INSUFFICIENT_DATA');
    expect((await composite('suppressed'))?.StateValue).toBe('OK');
  });
});

describe('composite alarms in the other alarm operations', () => {
  beforeAll(async () => {
    await metricAlarm('ops-child', { Namespace: 'Composite/Ops', MetricName: 'Errors' });
    await cw().send(new PutCompositeAlarmCommand({ AlarmName: 'ops-parent', AlarmRule: 'ALARM(ops-child)', Tags: [{ Key: 'team', Value: 'ops' }] }));
  });

  it('DescribeAlarms returns composites only when AlarmTypes asks for them', async () => {
    const plain = await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'ops-' }));
    expect(plain.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['ops-child']);
    expect(plain.CompositeAlarms).toEqual([]);
    const both = await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'ops-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
    expect(both.CompositeAlarms?.map((a) => a.AlarmName)).toEqual(['ops-parent']);
    expect(both.MetricAlarms).toHaveLength(1);
  });

  it('lists children and parents with name, ARN and state only', async () => {
    const kids = await cw().send(new DescribeAlarmsCommand({ ChildrenOfAlarmName: 'ops-parent' }));
    expect(kids.MetricAlarms).toEqual([{ AlarmName: 'ops-child', AlarmArn: ARN('ops-child'), StateValue: 'INSUFFICIENT_DATA', StateUpdatedTimestamp: expect.any(Date) }]);
    const parents = await cw().send(new DescribeAlarmsCommand({ ParentsOfAlarmName: 'ops-child' }));
    expect(parents.CompositeAlarms?.map((a) => a.AlarmName)).toEqual(['ops-parent']);
    await expect(cw().send(new DescribeAlarmsCommand({ ParentsOfAlarmName: 'ops-child', StateValue: 'OK' }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('DescribeAlarmsForMetric leaves composites out', async () => {
    const r = await cw().send(new DescribeAlarmsForMetricCommand({ Namespace: 'Composite/Ops', MetricName: 'Errors' }));
    expect(r.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['ops-child']);
  });

  it('tags by the composite’s ARN and disables its actions', async () => {
    await cw().send(new TagResourceCommand({ ResourceARN: ARN('ops-parent'), Tags: [{ Key: 'env', Value: 'test' }] }));
    expect((await cw().send(new ListTagsForResourceCommand({ ResourceARN: ARN('ops-parent') }))).Tags).toEqual([
      { Key: 'team', Value: 'ops' },
      { Key: 'env', Value: 'test' },
    ]);
    await cw().send(new DisableAlarmActionsCommand({ AlarmNames: ['ops-parent'] }));
    expect((await composite('ops-parent'))?.ActionsEnabled).toBe(false);
  });

  it('refuses to delete a child a composite depends on, or two composites at once, then deletes the composite', async () => {
    await expect(cw().send(new DeleteAlarmsCommand({ AlarmNames: ['ops-child'] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Cannot delete ops-child as there are composite alarm(s) depending on it.',
    });
    await cw().send(new PutCompositeAlarmCommand({ AlarmName: 'ops-other', AlarmRule: 'TRUE' }));
    await expect(cw().send(new DeleteAlarmsCommand({ AlarmNames: ['ops-parent', 'ops-other'] }))).rejects.toMatchObject({ name: 'ValidationException' });
    expect(await composite('ops-parent')).toBeDefined();
    await cw().send(new DeleteAlarmsCommand({ AlarmNames: ['ops-parent', 'ops-child'] }));
    expect(await composite('ops-parent')).toBeUndefined();
    await expect(cw().send(new ListTagsForResourceCommand({ ResourceARN: ARN('ops-parent') }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const deleted = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: 'ops-parent', AlarmTypes: ['CompositeAlarm'], HistoryItemType: 'ConfigurationUpdate' }));
    expect(deleted.AlarmHistoryItems?.[0]?.HistorySummary).toBe('Alarm "ops-parent" deleted');
  });
});
