import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import type { SqsEventRecord } from '../../emulator/sqs';
import { waitFor } from '../../harness/wait';
import { startSqsServer, type SqsTestServer } from './helpers';

/**
 * The in-flight quota, reviewed: room freed at the limit reaches receivers that got nothing (long polls, the
 * Lambda poller behind the bus), and a short poll that puts nothing in flight is never refused.
 */

let n = 0;
const unique = (base: string) => `${base}-${++n}`;

let s: SqsTestServer;
const clock = new VirtualClock();
beforeAll(async () => {
  s = await startSqsServer({ clock, sqsMaxInflightMessages: 3, sqsMaxInflightMessagesFifo: 2 });
});
afterAll(() => s.stop());

const createQueue = async (name: string, Attributes?: Record<string, string>) => (await s.client.send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl!;
const sendMany = (QueueUrl: string, count: number, extra: (i: number) => Record<string, string> = () => ({})) =>
  s.client.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: count }, (_, i) => ({ Id: `m${i}`, MessageBody: `body-${i}`, ...extra(i) })) }));
const receive = async (QueueUrl: string, extra: Record<string, unknown> = {}) =>
  (await s.client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, ...extra }))).Messages ?? [];

it('a long poll waiting at the limit gets a message as soon as a delete makes room (not at its deadline)', async () => {
  const url = await createQueue(unique('long'));
  await sendMany(url, 5);
  const held = await receive(url);
  expect(held).toHaveLength(3);
  let answer: unknown[] | undefined;
  const pending = s.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 })).then((r) => (answer = r.Messages ?? []));
  await waitFor(() => (s.sqs.queues.find(url)?.waitingReceivers ?? 0) > 0, { what: 'the receive to be waiting' });
  await s.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: held[0]!.ReceiptHandle! }));
  // The emulator clock stands still: only the freed room can end this wait.
  await waitFor(() => answer, { what: 'the long poll to return', timeoutMs: 5_000 });
  expect(answer).toHaveLength(1);
  await pending;
});

describe.each<{ label: string; name: () => string; attributes: Record<string, string>; send: number; limit: number; extra: (i: number) => Record<string, string> }>([
  { label: 'standard', name: () => unique('esm'), attributes: {}, send: 5, limit: 3, extra: () => ({}) },
  {
    label: 'FIFO',
    name: () => `${unique('esm')}.fifo`,
    attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
    send: 4,
    limit: 2,
    extra: (i: number) => ({ MessageGroupId: `g${i}` }),
  },
])('a poller on the bus at the limit ($label queue)', ({ name, attributes, send, limit, extra }) => {
  it('is not woken by its own empty receives, and is woken when a delete makes room', async () => {
    const url = await createQueue(name(), attributes);
    const queueArn = s.sqs.queues.find(url)!.arn;
    await sendMany(url, send, extra);
    const held = await receive(url);
    expect(held).toHaveLength(limit);

    let wakes = 0;
    const unsubscribe = await s.bus.ask<unknown, () => void>('sqs.subscribeArrivals', { queueArn, listener: () => wakes++ });
    try {
      const poll = () => s.bus.ask<unknown, SqsEventRecord[]>('sqs.receive', { queueArn, max: 10 });
      expect(await poll()).toEqual([]);
      expect(await poll()).toEqual([]);
      await Promise.resolve();
      expect(wakes).toBe(0);

      await s.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: held[0]!.ReceiptHandle! }));
      await waitFor(() => wakes > 0, { what: 'the poller to be woken', timeoutMs: 5_000 });
      expect(await poll()).toHaveLength(1);
    } finally {
      unsubscribe();
    }
  });
});

it('a short poll that takes the queue\'s VisibilityTimeout of 0 puts nothing in flight and is not refused', async () => {
  const url = await createQueue(unique('vt0'), { VisibilityTimeout: '0' });
  await sendMany(url, 5);
  expect(await receive(url, { VisibilityTimeout: 30 })).toHaveLength(3);
  // Same as an explicit VisibilityTimeout of 0 at the limit: the two visible messages, no OverLimit.
  expect(await receive(url)).toHaveLength(2);
  expect(await receive(url, { VisibilityTimeout: 0 })).toHaveLength(2);
});
