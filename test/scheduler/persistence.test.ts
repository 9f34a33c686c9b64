import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import type { Hop } from '../../emulator/core/delivery';
import { waitFor } from '../../harness/wait';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';

const clock = new VirtualClock(Date.UTC(2026, 5, 1, 0, 0, 0));
const { emulator, restart } = usePersistentEmulator('scheduler-persist', { clock });
const ROLE = 'arn:aws:iam::000000000000:role/scheduler-role';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:sched-persist';
const GROUP_ARN = 'arn:aws:scheduler:us-east-1:000000000000:schedule-group/kept';
const at = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`;

const clients = () => ({
  scheduler: new SchedulerClient({ ...clientConfig(emulator()), maxAttempts: 1 }),
  sqs: new SQSClient({ ...clientConfig(emulator()), maxAttempts: 1 }),
});
/** Receives and deletes `count` messages (a message left would come back once the clock passes its visibility timeout). */
async function take(sqs: SQSClient, url: string, count: number): Promise<Message[]> {
  const got: Message[] = [];
  await waitFor(async () => {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    for (const m of r.Messages ?? []) {
      got.push(m);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
    return got.length >= count;
  }, { what: `${count} messages` });
  return got;
}
const invokes = (hops: Hop[], name: string) => hops.filter((h) => h.type === 'scheduler.invoke' && String(h.scheduleArn).endsWith(`/${name}`));

it('keeps groups and schedules across a restart, re-arms them, and runs a one-time schedule missed while stopped once', async () => {
  let c = clients();
  const { QueueUrl } = await c.sqs.send(new CreateQueueCommand({ QueueName: 'sched-persist' }));
  await c.scheduler.send(new CreateScheduleGroupCommand({ Name: 'kept', Tags: [{ Key: 'team', Value: 'data' }] }));
  const t0 = clock.now();
  const target = (input: string) => ({ Arn: QUEUE_ARN, RoleArn: ROLE, Input: input });
  await c.scheduler.send(new CreateScheduleCommand({ Name: 'hourly', GroupName: 'kept', ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: target('hourly') }));
  await c.scheduler.send(
    new CreateScheduleCommand({ Name: 'missed', ScheduleExpression: at(t0 + 30 * 60_000), FlexibleTimeWindow: { Mode: 'OFF' }, Target: target('missed <aws.scheduler.scheduled-time>'), ActionAfterCompletion: 'NONE' }),
  );
  await c.scheduler.send(
    new CreateScheduleCommand({ Name: 'missed-delete', ScheduleExpression: at(t0 + 40 * 60_000), FlexibleTimeWindow: { Mode: 'OFF' }, Target: target('missed-delete'), ActionAfterCompletion: 'DELETE' }),
  );
  c.scheduler.destroy();
  c.sqs.destroy();

  // Stopped for 50 minutes: both one-time schedules came due meanwhile.
  await emulator().stop();
  clock.advance(50 * 60_000);
  await restart();
  let hops: Hop[] = [];
  emulator().bus.onHop((h) => hops.push(h));
  c = clients();
  const restored = await c.scheduler.send(new GetScheduleCommand({ Name: 'hourly', GroupName: 'kept' }));
  expect(restored).toMatchObject({ ScheduleExpression: 'rate(1 hour)', Target: target('hourly'), State: 'ENABLED' });
  expect(restored.CreationDate?.getTime()).toBe(t0);
  expect((await c.scheduler.send(new ListTagsForResourceCommand({ ResourceArn: GROUP_ARN }))).Tags).toEqual([{ Key: 'team', Value: 'data' }]);

  clock.advance(0);
  const late = (await take(c.sqs, QueueUrl!, 2)).map((m) => m.Body).sort();
  expect(late).toEqual(['missed 2026-06-01T00:30:00Z', 'missed-delete']);
  await waitFor(async () => (await c.scheduler.send(new ListSchedulesCommand({}))).Schedules!.every((s) => s.Name !== 'missed-delete'), { what: 'missed-delete to go' });

  // The hourly schedule keeps its rhythm from its creation.
  clock.advance(10 * 60_000);
  expect((await take(c.sqs, QueueUrl!, 1)).map((m) => m.Body)).toEqual(['hourly']);
  expect(invokes(hops, 'hourly').map((h) => h.time)).toEqual([t0 + 3_600_000]);
  c.scheduler.destroy();
  c.sqs.destroy();

  // Once run, the one-time schedule is not run again by a further restart.
  await restart();
  hops = [];
  emulator().bus.onHop((h) => hops.push(h));
  c = clients();
  clock.advance(0);
  clock.advance(60 * 60_000);
  await take(c.sqs, QueueUrl!, 1);
  expect(invokes(hops, 'missed')).toHaveLength(0);
  expect((await c.scheduler.send(new GetScheduleCommand({ Name: 'missed' }))).State).toBe('ENABLED');

  // reset() forgets every schedule and its timer.
  await emulator().reset();
  hops = [];
  clock.advance(3 * 3_600_000);
  expect(invokes(hops, 'hourly')).toHaveLength(0);
  expect((await c.scheduler.send(new ListSchedulesCommand({}))).Schedules).toEqual([]);
  c.scheduler.destroy();
  c.sqs.destroy();
});
