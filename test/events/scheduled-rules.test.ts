import {
  CreateEventBusCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  DeleteRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';

/*
 * Rules with a ScheduleExpression were stored and never fired, so "run this every five minutes" pipelines (the
 * classic CloudWatch Events scheduled rule) did nothing against the emulator. They fire on the emulator clock now:
 * a virtual one here, moved by the test, so every due time is exact.
 */
const T0 = Date.UTC(2026, 2, 7, 11, 58, 30);
const clock = new VirtualClock(T0);
const { emulator, restart } = usePersistentEmulator('scheduled-rules', { clock });
const events = () => new EventBridgeClient({ ...clientConfig(emulator()), maxAttempts: 1 });
const sqs = () => new SQSClient(clientConfig(emulator()));
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

async function queue(name: string): Promise<string> {
  return (await sqs().send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
}
/** Takes everything on the queue now (deleted, so the clock's next advance does not bring it back). */
async function drain(url: string): Promise<Message[]> {
  const got: Message[] = [];
  for (;;) {
    await emulator().bus.idle();
    const r = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    if (!r.Messages?.length) return got;
    got.push(...r.Messages);
    await sqs().send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: r.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
}
const timesOf = (messages: Message[]) => messages.map((m) => JSON.parse(m.Body!).time as string).sort();

it('a rate rule sends a Scheduled Event every interval from its creation; disabled, it stops', async () => {
  const url = await queue('rate-rule');
  const { RuleArn } = await events().send(new PutRuleCommand({ Name: 'every-five', ScheduleExpression: 'rate(5 minutes)' }));
  await events().send(new PutTargetsCommand({ Rule: 'every-five', Targets: [{ Id: 'q', Arn: queueArn('rate-rule') }] }));

  clock.advance(4 * 60_000);
  expect(await drain(url)).toEqual([]);
  clock.advance(7 * 60_000);
  const first = await drain(url);
  expect(timesOf(first)).toEqual(['2026-03-07T12:03:30Z', '2026-03-07T12:08:30Z']);
  expect(JSON.parse(first[0]!.Body!)).toEqual({
    version: '0',
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: expect.any(String),
    region: 'us-east-1',
    resources: [RuleArn],
    detail: {},
  });

  await events().send(new DisableRuleCommand({ Name: 'every-five' }));
  clock.advance(20 * 60_000);
  expect(await drain(url)).toEqual([]);
  await events().send(new EnableRuleCommand({ Name: 'every-five' }));
  clock.advance(5 * 60_000);
  // The rate keeps counting from the rule's creation.
  expect(timesOf(await drain(url))).toEqual(['2026-03-07T12:33:30Z']);

  await events().send(new RemoveTargetsCommand({ Rule: 'every-five', Ids: ['q'] }));
  await events().send(new DeleteRuleCommand({ Name: 'every-five' }));
  clock.advance(60 * 60_000);
  expect(await drain(url)).toEqual([]);
});

it('a cron rule fires at its UTC times, and goes on after a restart', async () => {
  const url = await queue('cron-rule');
  await events().send(new PutRuleCommand({ Name: 'quarter-hours', ScheduleExpression: 'cron(0/15 * * * ? *)' }));
  await events().send(new PutTargetsCommand({ Rule: 'quarter-hours', Targets: [{ Id: 'q', Arn: queueArn('cron-rule'), Input: '{"fixed":true}' }] }));
  const start = clock.now();
  clock.advance(Math.ceil(start / 900_000) * 900_000 - start + 16 * 60_000);
  const bodies = await drain(url);
  expect(bodies.map((m) => m.Body)).toEqual(['{"fixed":true}', '{"fixed":true}']);

  await restart();
  clock.advance(15 * 60_000);
  expect(await drain(url)).toHaveLength(1);
  await events().send(new DisableRuleCommand({ Name: 'quarter-hours' }));
});

it('refuses what PutRule refuses: a bad expression, a rate of 1 with a plural unit, a schedule on a custom bus', async () => {
  for (const expr of ['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'cron(0 12 * * *)', 'every 5 minutes']) {
    await expect(events().send(new PutRuleCommand({ Name: 'bad', ScheduleExpression: expr }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Parameter ScheduleExpression is not valid.',
    });
  }
  await events().send(new CreateEventBusCommand({ Name: 'custom' }));
  await expect(events().send(new PutRuleCommand({ Name: 'bad', EventBusName: 'custom', ScheduleExpression: 'rate(1 hour)' }))).rejects.toMatchObject({
    name: 'ValidationException',
    message: 'ScheduleExpression is supported only on the default event bus.',
  });
});
