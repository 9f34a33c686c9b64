import { CloudWatchClient, DescribeAlarmsCommand, PutCompositeAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

/*
 * ActionsSuppressor on a VirtualClock. The child and the suppressor are composites with a constant rule, so the
 * states SetAlarmState gives them hold while the clock moves (a metric alarm without data would go back to
 * INSUFFICIENT_DATA at its next minute).
 */
const clock = new VirtualClock(Date.UTC(2026, 4, 1, 8, 0, 0));
const emulator = useEmulator({ clock });
const cw = () => new CloudWatchClient(clientConfig(emulator()));
const sqs = () => new SQSClient(clientConfig(emulator()));
let queueUrl = '';
let topicArn = '';

const setState = (name: string, state: 'OK' | 'ALARM') => cw().send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: `set ${state}` }));
const suppressedBy = async (name: string) =>
  (await cw().send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['CompositeAlarm'] }))).CompositeAlarms?.[0]?.ActionsSuppressedBy;
/** Notifications received so far, by the composite they are about. */
const received: { AlarmName: string; NewStateValue: string }[] = [];
const drain = async () => {
  const r = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
  for (const m of r.Messages ?? []) {
    received.push(JSON.parse(m.Body!));
    await sqs().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
  }
  return received;
};
const alarmsFor = (name: string) => received.filter((m) => m.AlarmName === name && m.NewStateValue === 'ALARM').length;

beforeAll(async () => {
  const sns = new SNSClient(clientConfig(emulator()));
  topicArn = (await sns.send(new CreateTopicCommand({ Name: 'suppressed-alerts' }))).TopicArn!;
  queueUrl = (await sqs().send(new CreateQueueCommand({ QueueName: 'suppressed-probe' }))).QueueUrl!;
  const queueArn = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));
});

const setup = async (prefix: string) => {
  await cw().send(new PutCompositeAlarmCommand({ AlarmName: `${prefix}-child`, AlarmRule: 'FALSE' }));
  await cw().send(new PutCompositeAlarmCommand({ AlarmName: `${prefix}-maint`, AlarmRule: 'FALSE' }));
  await cw().send(
    new PutCompositeAlarmCommand({
      AlarmName: `${prefix}-page`,
      AlarmRule: `ALARM(${prefix}-child)`,
      AlarmActions: [topicArn],
      ActionsSuppressor: `${prefix}-maint`,
      ActionsSuppressorWaitPeriod: 120,
      ActionsSuppressorExtensionPeriod: 60,
    }),
  );
};

it('holds ALARM actions for the wait period, then sends them when the suppressor never went into ALARM', async () => {
  await setup('w');
  await setState('w-child', 'ALARM');
  expect(await suppressedBy('w-page')).toBe('WaitPeriod');
  await drain();
  expect(alarmsFor('w-page')).toBe(0);
  clock.advance(120_000);
  await waitFor(async () => (await drain(), alarmsFor('w-page') === 1), { timeoutMs: 10_000, what: 'the ALARM notification after the wait period' });
  expect(await suppressedBy('w-page')).toBeUndefined();
});

it('keeps them suppressed while the suppressor is in ALARM and for the extension period after, then sends them', async () => {
  await setup('x');
  await setState('x-child', 'ALARM');
  expect(await suppressedBy('x-page')).toBe('WaitPeriod');
  await setState('x-maint', 'ALARM');
  expect(await suppressedBy('x-page')).toBe('Alarm');
  // The wait period passing changes nothing while the suppressor is in ALARM.
  clock.advance(180_000);
  expect(await suppressedBy('x-page')).toBe('Alarm');
  await setState('x-maint', 'OK');
  expect(await suppressedBy('x-page')).toBe('ExtensionPeriod');
  await drain();
  expect(alarmsFor('x-page')).toBe(0);
  clock.advance(60_000);
  await waitFor(async () => (await drain(), alarmsFor('x-page') === 1), { timeoutMs: 10_000, what: 'the ALARM notification after the extension period' });
  expect(await suppressedBy('x-page')).toBeUndefined();
});

it('drops held actions when the composite changes state again before they go out', async () => {
  await setup('d');
  await setState('d-child', 'ALARM');
  expect(await suppressedBy('d-page')).toBe('WaitPeriod');
  await setState('d-child', 'OK');
  clock.advance(120_000);
  // The OK change has no OKActions; the ALARM one it replaced never goes out.
  await waitFor(async () => (await drain(), true), { timeoutMs: 10_000, what: 'a drained queue' });
  expect(alarmsFor('d-page')).toBe(0);
  expect(await suppressedBy('d-page')).toBeUndefined();
});
