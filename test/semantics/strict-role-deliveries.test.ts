import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import type { Hop } from '../../emulator/core/delivery';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

/*
 * In strict mode a delivery from a service is checked against the destination's resource policy, as AWS checks
 * S3, SNS and EventBridge deliveries. Scheduler (and Pipes) act with the role the customer gives them instead, so
 * their deliveries to a queue without a policy were refused in strict mode though AWS makes them.
 */
const clock = new VirtualClock(Date.UTC(2026, 5, 1, 9, 0, 0));
const emulator = useEmulator({ strict: true, clock });
const config = () => ({ ...clientConfig(emulator()), maxAttempts: 1 });
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

it('a schedule reaches a queue without a policy; an EventBridge rule needs one', async () => {
  const sqs = new SQSClient(config());
  const scheduler = new SchedulerClient(config());
  const events = new EventBridgeClient(config());
  const hops: Hop[] = [];
  const off = emulator().bus.onHop((h) => hops.push(h));
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'no-policy' }));
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'nightly',
        ScheduleExpression: 'rate(1 hour)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: queueArn('no-policy'), RoleArn: 'arn:aws:iam::000000000000:role/scheduler', Input: '{"from":"scheduler"}' },
      }),
    );
    await events.send(new PutRuleCommand({ Name: 'to-queue', EventPattern: JSON.stringify({ source: ['app'] }) }));
    await events.send(new PutTargetsCommand({ Rule: 'to-queue', Targets: [{ Id: 'q', Arn: queueArn('no-policy'), RetryPolicy: { MaximumRetryAttempts: 0 } }] }));

    clock.advance(60 * 60_000);
    await events.send(new PutEventsCommand({ Entries: [{ Source: 'app', DetailType: 't', Detail: '{}' }] }));
    await waitFor(() => hops.some((h) => h.type === 'events.target.failed'), { what: 'the rule delivery refused' });

    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(got.Messages?.map((m) => m.Body)).toEqual(['{"from":"scheduler"}']);
    expect(hops.find((h) => h.type === 'events.target.failed')).toMatchObject({ error: expect.stringMatching(/AccessDenied/) });
  } finally {
    off();
    sqs.destroy();
    scheduler.destroy();
    events.destroy();
  }
});
