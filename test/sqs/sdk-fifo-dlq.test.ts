import {
  CancelMessageMoveTaskCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { ScaledClock, VirtualClock } from '../../emulator/core/clock';
import { waitFor } from '../../harness/wait';
import { errorOf, startSqsServer, type SqsTestServer } from './helpers';

/** FIFO queues, dead-letter queues, move tasks and long polling through the SDK. */

let s: SqsTestServer;
let clock: VirtualClock;
let n = 0;
const unique = (base: string) => `${base}-${++n}`;

beforeAll(async () => {
  clock = new VirtualClock();
  s = await startSqsServer({ clock });
});
afterAll(() => s.stop());

const createQueue = async (name: string, Attributes?: Record<string, string>) => (await s.client.send(new CreateQueueCommand({ QueueName: name, Attributes })))!.QueueUrl!;
const arnOf = async (QueueUrl: string) => (await s.client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
/** True once a ReceiveMessage is long-polling on the queue (so what follows happens during the wait). */
const waiting = (url: string) => (s.sqs.queues.find(url)?.waitingReceivers ?? 0) > 0;
const receive = async (QueueUrl: string, max = 10, extra: Record<string, unknown> = {}) =>
  (await s.client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: max, MessageSystemAttributeNames: ['All'], ...extra }))).Messages ?? [];

describe('FIFO', () => {
  it('delivers in order per group, blocks a group while in flight, and numbers messages', async () => {
    const url = await createQueue(unique('orders') + '.fifo', { FifoQueue: 'true', VisibilityTimeout: '30' });
    const r1 = await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a1', MessageGroupId: 'a', MessageDeduplicationId: '1' }));
    await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a2', MessageGroupId: 'a', MessageDeduplicationId: '2' }));
    await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'b1', MessageGroupId: 'b', MessageDeduplicationId: '3' }));
    expect(r1.SequenceNumber).toMatch(/^\d{20}$/);
    const first = await receive(url, 1);
    expect(first.map((m) => m.Body)).toEqual(['a1']);
    expect(first[0]!.Attributes).toMatchObject({ MessageGroupId: 'a', MessageDeduplicationId: '1', SequenceNumber: r1.SequenceNumber });
    expect((await receive(url)).map((m) => m.Body)).toEqual(['b1']);
    expect(await receive(url)).toEqual([]);
    await s.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first[0]!.ReceiptHandle }));
    expect((await receive(url)).map((m) => m.Body)).toEqual(['a2']);
  });

  it('drops duplicates within five minutes and answers with the original message id', async () => {
    const url = await createQueue(unique('dedup') + '.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    const a = await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'g' }));
    const b = await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'g' }));
    expect(b.MessageId).toBe(a.MessageId);
    clock.advance(5 * 60_000);
    const c = await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'g' }));
    expect(c.MessageId).not.toBe(a.MessageId);
    expect(await receive(url)).toHaveLength(2);
  });

  it('names AWS’s errors for FIFO sends', async () => {
    const url = await createQueue(unique('fifo-errors') + '.fifo', { FifoQueue: 'true' });
    const noGroup = await errorOf(() => s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: '1' })));
    expect([noGroup.name, noGroup.message]).toEqual(['MissingParameter', 'The request must contain the parameter MessageGroupId.']);
    const noDedup = await errorOf(() => s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' })));
    expect([noDedup.name, noDedup.message]).toEqual([
      'InvalidParameterValue',
      'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    ]);
    const delay = await errorOf(() =>
      s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: '1', DelaySeconds: 3 })),
    );
    expect(delay.message).toBe('Value 3 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.');
    const batch = await errorOf(() => s.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'x', MessageDeduplicationId: '1' }] })));
    expect(batch.name).toBe('MissingParameter');
  });
});

describe('dead-letter queues', () => {
  it('moves a message on the receive after maxReceiveCount, keeping its SentTimestamp (standard)', async () => {
    const dlqUrl = await createQueue(unique('dlq'));
    const dlqArn = await arnOf(dlqUrl);
    const url = await createQueue(unique('src'), { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) });
    const srcArn = await arnOf(url);
    const sent = await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } }));
    const sentAt = String(clock.now());
    for (let i = 1; i <= 2; i++) {
      const got = await receive(url);
      expect(got[0]!.Attributes!.ApproximateReceiveCount).toBe(String(i));
      clock.advance(1_000);
    }
    expect(await receive(url)).toEqual([]);
    const dead = await receive(dlqUrl, 10, { MessageAttributeNames: ['All'] });
    expect(dead).toHaveLength(1);
    expect(dead[0]!.MessageId).toBe(sent.MessageId);
    expect(dead[0]!.MessageAttributes).toEqual({ k: { DataType: 'String', StringValue: 'v' } });
    expect(dead[0]!.Attributes).toMatchObject({ DeadLetterQueueSourceArn: srcArn, SentTimestamp: sentAt, ApproximateReceiveCount: '3' });
    const sources = await s.client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    expect(sources.queueUrls).toEqual([url]);
  });

  it('moves FIFO messages to a FIFO DLQ with the message id as deduplication id', async () => {
    const dlqUrl = await createQueue(unique('fdlq') + '.fifo', { FifoQueue: 'true' });
    const url = await createQueue(unique('fsrc') + '.fifo', {
      FifoQueue: 'true',
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlqUrl), maxReceiveCount: 1 }),
    });
    const sent = await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'orig' }));
    await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'next', MessageGroupId: 'g', MessageDeduplicationId: 'n' }));
    expect((await receive(url, 1)).map((m) => m.Body)).toEqual(['x']);
    clock.advance(1_000);
    expect((await receive(url, 1)).map((m) => m.Body)).toEqual(['next']);
    const dead = await receive(dlqUrl);
    expect(dead[0]!.Attributes).toMatchObject({ MessageGroupId: 'g', MessageDeduplicationId: sent.MessageId });
  });

  it('requires a DLQ of the same type that allows the source', async () => {
    const std = await arnOf(await createQueue(unique('std-dlq')));
    const fifoErr = await errorOf(() =>
      createQueue(unique('f') + '.fifo', { FifoQueue: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: std, maxReceiveCount: 1 }) }),
    );
    expect(fifoErr.message).toMatch(/Dead-letter queue must be same type of queue as the source/);
    const denyUrl = await createQueue(unique('deny-dlq'), { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'denyAll' }) });
    const denied = await errorOf(() => createQueue(unique('src'), { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: std.replace(/[^:]+$/, denyUrl.split('/').pop()!), maxReceiveCount: 1 }) }));
    expect(denied.name).toBe('InvalidParameterValue');
  });

  it('moves messages back to their source queue with StartMessageMoveTask, at the given rate', async () => {
    const dlqUrl = await createQueue(unique('mdlq'));
    const dlqArn = await arnOf(dlqUrl);
    const url = await createQueue(unique('msrc'), { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) });
    for (let i = 0; i < 5; i++) await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
    await receive(url);
    clock.advance(1_000);
    expect(await receive(url)).toEqual([]);
    expect((await s.client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes).toEqual({
      ApproximateNumberOfMessages: '5',
    });

    const srcArn = await arnOf(url);
    const notDlq = await errorOf(() => s.client.send(new StartMessageMoveTaskCommand({ SourceArn: srcArn })));
    expect(notDlq.message).toBe('Source queue must be configured as a Dead Letter Queue.');

    const { TaskHandle } = await s.client.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, MaxNumberOfMessagesPerSecond: 2 }));
    expect(TaskHandle).toBeDefined();
    const twice = await errorOf(() => s.client.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn })));
    expect(twice.message).toMatch(/Only one active task is allowed/);
    clock.advance(0);
    let tasks = (await s.client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results!;
    expect(tasks[0]).toMatchObject({ Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 2, ApproximateNumberOfMessagesToMove: 5, TaskHandle });
    clock.advance(2_000);
    tasks = (await s.client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results!;
    expect(tasks[0]).toMatchObject({ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 5 });
    expect(tasks[0]!.TaskHandle).toBeUndefined();
    const back = await receive(url);
    expect(back.map((m) => m.Body).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(back[0]!.Attributes!.DeadLetterQueueSourceArn).toBeUndefined();
    expect(back[0]!.Attributes!.ApproximateReceiveCount).toBe('1');
  });

  it('cancels a running move task', async () => {
    const dlqUrl = await createQueue(unique('cdlq'));
    const dlqArn = await arnOf(dlqUrl);
    const dest = await createQueue(unique('cdest'));
    await createQueue(unique('csrc'), { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) });
    for (let i = 0; i < 4; i++) await s.client.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: `m${i}` }));
    const { TaskHandle } = await s.client.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: await arnOf(dest), MaxNumberOfMessagesPerSecond: 1 }));
    clock.advance(0);
    const cancelled = await s.client.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
    expect(cancelled.ApproximateNumberOfMessagesMoved).toBe(1);
    clock.advance(0);
    const [task] = (await s.client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results!;
    expect(task).toMatchObject({ Status: 'CANCELLED', ApproximateNumberOfMessagesMoved: 1 });
    expect((await receive(dest)).map((m) => m.Body)).toEqual(['m0']);
    expect((await errorOf(() => s.client.send(new CancelMessageMoveTaskCommand({ TaskHandle })))).name).toBe('UnsupportedOperation');
  });
});

describe('long polling', () => {
  it('wakes a waiting ReceiveMessage when a message arrives (no time passes)', async () => {
    const url = await createQueue(unique('poll'));
    const pending = s.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    let settled = false;
    void pending.then(() => (settled = true));
    await waitFor(() => waiting(url), { what: 'the receive to be waiting' });
    expect(settled).toBe(false);
    await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const r = await pending;
    expect(r.Messages!.map((m) => m.Body)).toEqual(['wake up']);
  });

  it('uses the queue’s ReceiveMessageWaitTimeSeconds and returns empty when the wait ends', async () => {
    const url = await createQueue(unique('poll-default'), { ReceiveMessageWaitTimeSeconds: '5' });
    const pending = s.client.send(new ReceiveMessageCommand({ QueueUrl: url }));
    await waitFor(() => waiting(url), { what: 'the receive to be waiting' });
    clock.advance(5_000);
    expect((await pending).Messages).toBeUndefined();
  });

  it('wakes when a visibility timeout ends', async () => {
    const url = await createQueue(unique('poll-vis'), { VisibilityTimeout: '3' });
    await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    await receive(url);
    const pending = s.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await waitFor(() => waiting(url), { what: 'the receive to be waiting' });
    clock.advance(3_000);
    expect((await pending).Messages!.map((m) => m.Body)).toEqual(['again']);
  });
});

describe('long polling on scaled real time', () => {
  it('times out after WaitTimeSeconds of emulated time', async () => {
    const scaled = await startSqsServer({ clock: new ScaledClock(0.005) });
    try {
      const url = (await scaled.client.send(new CreateQueueCommand({ QueueName: 'scaled' }))).QueueUrl!;
      const r = await scaled.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }));
      expect(r.Messages).toBeUndefined();
      await scaled.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '1' } }));
      await scaled.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
      await scaled.client.send(new ReceiveMessageCommand({ QueueUrl: url }));
      const again = await scaled.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
      expect(again.Messages!.map((m) => m.Body)).toEqual(['x']);
    } finally {
      await scaled.stop();
    }
  });
});
