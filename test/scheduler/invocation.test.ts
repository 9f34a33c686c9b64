import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, SchedulerClient, UpdateScheduleCommand, type CreateScheduleCommandInput } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { VirtualClock } from '../../emulator/core/clock';
import { AwsError } from '../../emulator/core/errors';
import type { DeliveryBus, Hop } from '../../emulator/core/delivery';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, useLambdaAndSqs } from '../lambda/helpers';

const T0 = Date.UTC(2026, 2, 7, 12, 0, 0);
const clock = new VirtualClock(T0);
const emulator = useEmulator({ clock, seed: 7 });
const { lambda, sqs, dir } = useLambdaAndSqs(emulator);
let scheduler: SchedulerClient;
let hops: Hop[] = [];
beforeAll(() => {
  scheduler = new SchedulerClient({ ...clientConfig(emulator()), maxAttempts: 1 });
  emulator().bus.onHop((h) => hops.push(h));
});
afterAll(() => scheduler.destroy());
beforeEach(() => {
  hops = [];
});

const ROLE = 'arn:aws:iam::000000000000:role/scheduler-role';
const ACCOUNT = '000000000000';
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const at = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`;

async function queue(name: string, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return { url: QueueUrl!, arn: queueArn(name) };
}
/** Waits until the queue holds `count` messages (all attributes), taking them. */
async function messages(url: string, count: number): Promise<Message[]> {
  const got: Message[] = [];
  await waitFor(async () => {
    const r = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], AttributeNames: ['All'] }));
    got.push(...(r.Messages ?? []));
    return got.length >= count;
  }, { what: `${count} messages on ${url}` });
  return got;
}
const schedule = (name: string, target: CreateScheduleCommandInput['Target'], extra: Partial<CreateScheduleCommandInput> = {}) =>
  scheduler.send(new CreateScheduleCommand({ Name: name, ScheduleExpression: 'rate(5 minutes)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: target, ...extra }));
const of = (type: string, scheduleName: string) => hops.filter((h) => h.type === type && String(h.scheduleArn).endsWith(`/${scheduleName}`));

describe('running schedules', () => {
  it('sends a rate schedule to SQS with the context attributes filled in, every interval', async () => {
    const q = await queue('sched-rate');
    const created = clock.now();
    const { ScheduleArn } = await schedule('every-five', {
      Arn: q.arn,
      RoleArn: ROLE,
      Input: '{"arn":"<aws.scheduler.schedule-arn>","at":"<aws.scheduler.scheduled-time>","id":"<aws.scheduler.execution-id>","n":<aws.scheduler.attempt-number>}',
    });
    clock.advance(4 * 60_000);
    expect(of('scheduler.invoke', 'every-five')).toHaveLength(0);
    clock.advance(11 * 60_000);
    const got = (await messages(q.url, 3)).map((m) => JSON.parse(m.Body!));
    expect(got.map((b) => b.at)).toEqual([iso(created + 300_000), iso(created + 600_000), iso(created + 900_000)]);
    expect(got[0]).toMatchObject({ arn: ScheduleArn, n: 1 });
    expect(got[0].id).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(got.map((b) => b.id)).size).toBe(3);
    expect(of('scheduler.invoke', 'every-five').map((h) => h.time)).toEqual([created + 300_000, created + 600_000, created + 900_000]);
  });

  it('runs a cron in its time zone, across the start of daylight saving time', async () => {
    const q = await queue('sched-cron');
    // 09:30 in New York: 14:30 UTC on Saturday 2026-03-07 (EST), 13:30 UTC on Sunday 2026-03-08 (EDT).
    await schedule('morning', { Arn: q.arn, RoleArn: ROLE, Input: '"<aws.scheduler.scheduled-time>"' }, { ScheduleExpression: 'cron(30 9 * * ? *)', ScheduleExpressionTimezone: 'America/New_York' });
    const startDay = Date.UTC(2026, 2, 7);
    clock.advance(startDay + 2 * 86_400_000 - clock.now());
    const got = await messages(q.url, 2);
    expect(got.map((m) => JSON.parse(m.Body!)).sort()).toEqual(['2026-03-07T14:30:00Z', '2026-03-08T13:30:00Z']);
  });

  it('invokes a Lambda function asynchronously with the Input as its event', async () => {
    const out = path.join(dir(), 'scheduled-event.json');
    const fn = await deployNode(lambda(), 'sched-fn', `exports.handler = async (e) => { require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(e)); };`);
    await schedule('call-fn', { Arn: fn, RoleArn: ROLE, Input: '{"job":"nightly","time":"<aws.scheduler.scheduled-time>"}' }, { ScheduleExpression: at(clock.now() + 60_000) });
    const due = clock.now() + 60_000;
    clock.advance(60_000);
    const event = await waitFor(() => fs.existsSync(out) && JSON.parse(fs.readFileSync(out, 'utf8')), { timeoutMs: 30_000, what: 'the function to run' });
    expect(event).toEqual({ job: 'nightly', time: iso(due) });
  });

  it('publishes to SNS and puts events on an EventBridge bus', async () => {
    const viaSns = await queue('sched-sns-out');
    const { TopicArn } = await new SNSClient(clientConfig(emulator())).send(new CreateTopicCommand({ Name: 'sched-topic' }));
    await new SNSClient(clientConfig(emulator())).send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: viaSns.arn, Attributes: { RawMessageDelivery: 'true' } }));
    const viaEvents = await queue('sched-events-out');
    const events = new EventBridgeClient(clientConfig(emulator()));
    await events.send(new PutRuleCommand({ Name: 'from-scheduler', EventPattern: JSON.stringify({ source: ['my.scheduler'] }) }));
    await events.send(new PutTargetsCommand({ Rule: 'from-scheduler', Targets: [{ Id: 'q', Arn: viaEvents.arn }] }));

    const when = clock.now() + 60_000;
    await schedule('to-sns', { Arn: TopicArn!, RoleArn: ROLE, Input: 'hello topic' }, { ScheduleExpression: at(when) });
    const { ScheduleArn } = await schedule(
      'to-bus',
      { Arn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`, RoleArn: ROLE, Input: '{"orderId":7}', EventBridgeParameters: { Source: 'my.scheduler', DetailType: 'Tick' } },
      { ScheduleExpression: at(when) },
    );
    clock.advance(60_000);
    expect((await messages(viaSns.url, 1))[0]!.Body).toBe('hello topic');
    const event = JSON.parse((await messages(viaEvents.url, 1))[0]!.Body!);
    expect(event).toMatchObject({ source: 'my.scheduler', 'detail-type': 'Tick', detail: { orderId: 7 }, resources: [ScheduleArn], account: ACCOUNT, time: iso(when) });
  });

  it('puts FIFO messages in the schedule message group', async () => {
    const q = await queue('sched-fifo.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    await schedule('fifo', { Arn: q.arn, RoleArn: ROLE, Input: 'x <aws.scheduler.execution-id>', SqsParameters: { MessageGroupId: 'tenant-1' } }, { ScheduleExpression: at(clock.now() + 60_000) });
    clock.advance(60_000);
    expect((await messages(q.url, 1))[0]!.Attributes?.MessageGroupId).toBe('tenant-1');
  });
});

describe('failures', () => {
  /** Makes every delivery to `arn` fail as a throttled call would, until the returned function is called. */
  function throttle(bus: DeliveryBus, arn: string): () => void {
    const real = bus.sendNow.bind(bus);
    bus.sendNow = async (destination, message, origin) => {
      if (destination === arn) throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
      return real(destination, message, origin);
    };
    return () => {
      bus.sendNow = real;
    };
  }

  it('retries with backoff on the emulator clock, then sends the dead-letter event to the DLQ', async () => {
    const target = await queue('sched-throttled');
    const dlq = await queue('sched-dlq');
    const restore = throttle(emulator().bus, target.arn);
    try {
      const when = clock.now() + 60_000;
      const { ScheduleArn } = await schedule(
        'flaky',
        { Arn: target.arn, RoleArn: ROLE, Input: 'attempt <aws.scheduler.attempt-number>', RetryPolicy: { MaximumRetryAttempts: 3 }, DeadLetterConfig: { Arn: dlq.arn } },
        { ScheduleExpression: at(when) },
      );
      clock.advance(60_000);
      // Each retry waits on the clock: 1 s, 2 s, 4 s after the failure before it.
      for (const [attempts, wait] of [[1, 1000], [2, 2000], [3, 4000]] as const) {
        await waitFor(() => of('scheduler.failed', 'flaky').length === attempts, { what: `failure ${attempts}` });
        clock.advance(wait);
      }
      const [dead] = await messages(dlq.url, 1);
      expect(dead!.Body).toBe('attempt 4');
      const attrs = Object.fromEntries(Object.entries(dead!.MessageAttributes!).map(([k, v]) => [k, v.StringValue]));
      expect(attrs).toMatchObject({
        ERROR_CODE: 'ThrottlingException',
        ERROR_MESSAGE: 'Rate exceeded',
        EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
        RETRY_ATTEMPTS: '3',
        SCHEDULE_ARN: ScheduleArn,
        TARGET_ARN: target.arn,
      });
      const invokes = of('scheduler.invoke', 'flaky');
      expect(invokes.map((h) => h.time)).toEqual([when, when + 1000, when + 3000, when + 7000]);
      expect(new Set(invokes.map((h) => h.executionId))).toEqual(new Set([attrs.EXECUTION_ID]));
      expect(of('scheduler.dlq', 'flaky')).toHaveLength(1);
    } finally {
      restore();
    }
  });

  it('dead-letters at once when the target does not exist', async () => {
    const dlq = await queue('sched-dlq-missing');
    await schedule('nowhere', { Arn: queueArn('no-such-queue'), RoleArn: ROLE, DeadLetterConfig: { Arn: dlq.arn } }, { ScheduleExpression: at(clock.now() + 60_000) });
    clock.advance(60_000);
    const [dead] = await messages(dlq.url, 1);
    expect(dead!.Body).toBe('{}');
    expect(dead!.MessageAttributes!.RETRY_ATTEMPTS!.StringValue).toBe('0');
    expect(dead!.MessageAttributes!.ERROR_CODE!.StringValue).toMatch(/QueueDoesNotExist|NonExistentQueue/);
    expect(of('scheduler.invoke', 'nowhere')).toHaveLength(1);
  });
});

describe('completion and flexible windows', () => {
  it('deletes a one-time schedule after it runs with ActionAfterCompletion DELETE, keeps it with NONE', async () => {
    const q = await queue('sched-once');
    await schedule('once-delete', { Arn: q.arn, RoleArn: ROLE, Input: 'd' }, { ScheduleExpression: at(clock.now() + 60_000), ActionAfterCompletion: 'DELETE' });
    await schedule('once-keep', { Arn: q.arn, RoleArn: ROLE, Input: 'k' }, { ScheduleExpression: at(clock.now() + 60_000) });
    clock.advance(60_000);
    expect((await messages(q.url, 2)).map((m) => m.Body).sort()).toEqual(['d', 'k']);
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'once-delete' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await scheduler.send(new GetScheduleCommand({ Name: 'once-keep' }))).State).toBe('ENABLED');
    clock.advance(86_400_000);
    expect(of('scheduler.invoke', 'once-keep')).toHaveLength(1);
  });

  it('stops while DISABLED, counts again from the update when re-enabled, and stops for good when deleted', async () => {
    const q = await queue('sched-toggle');
    const base = { Name: 'toggle', ScheduleExpression: 'rate(10 minutes)', FlexibleTimeWindow: { Mode: 'OFF' as const }, Target: { Arn: q.arn, RoleArn: ROLE } };
    await scheduler.send(new CreateScheduleCommand({ ...base, State: 'DISABLED' }));
    clock.advance(30 * 60_000);
    expect(of('scheduler.invoke', 'toggle')).toHaveLength(0);
    const enabled = clock.now();
    await scheduler.send(new UpdateScheduleCommand({ ...base, State: 'ENABLED' }));
    clock.advance(10 * 60_000);
    expect(of('scheduler.invoke', 'toggle').map((h) => h.time)).toEqual([enabled + 600_000]);
    await scheduler.send(new DeleteScheduleCommand({ Name: 'toggle' }));
    clock.advance(60 * 60_000);
    expect(of('scheduler.invoke', 'toggle')).toHaveLength(1);
  });

  it('runs a recurring schedule from its StartDate to its EndDate, then deletes it with ActionAfterCompletion DELETE', async () => {
    const q = await queue('sched-window');
    const start = clock.now() + 7 * 60_000;
    await schedule(
      'bounded',
      { Arn: q.arn, RoleArn: ROLE, Input: '<aws.scheduler.scheduled-time>' },
      { ScheduleExpression: 'rate(10 minutes)', StartDate: new Date(start), EndDate: new Date(start + 25 * 60_000), ActionAfterCompletion: 'DELETE' },
    );
    clock.advance(24 * 60_000);
    expect(of('scheduler.invoke', 'bounded').map((h) => h.time)).toEqual([start, start + 600_000]);
    expect((await scheduler.send(new GetScheduleCommand({ Name: 'bounded' }))).Name).toBe('bounded');
    clock.advance(60 * 60_000);
    expect(of('scheduler.invoke', 'bounded').map((h) => h.time)).toEqual([start, start + 600_000, start + 1_200_000]);
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'bounded' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await messages(q.url, 3)).toHaveLength(3);
  });

  it('draws each invocation within the flexible window, the same draws for the same seed', async () => {
    const q = await queue('sched-flex');
    const run = async (name: string) => {
      const created = clock.now();
      await schedule(name, { Arn: q.arn, RoleArn: ROLE }, { ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 } });
      for (let i = 0; i < 4; i++) clock.advance(3_600_000);
      const times = of('scheduler.invoke', name).map((h) => h.time - created);
      return times.slice(0, 3).map((t, i) => t - (i + 1) * 3_600_000);
    };
    await emulator().reset();
    const first = await run('flex-a');
    for (const offset of first) {
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(30 * 60_000);
    }
    expect(new Set(first).size).toBeGreaterThan(1);
    await emulator().reset();
    expect(await run('flex-b')).toEqual(first);
  });
});
