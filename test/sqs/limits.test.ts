import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import type { SqsOptions } from '../../emulator/sqs/options';
import { waitFor } from '../../harness/wait';
import { errorOf, sqsClient, startSqsServer, type SqsTestServer } from './helpers';

/**
 * SQS quotas the emulator enforces: in-flight messages per queue (standard: OverLimit on short polls; FIFO and long
 * polls: nothing more is handed out) and, when asked for, the 60-second wait before a deleted queue's name is reused.
 */

let n = 0;
const unique = (base: string) => `${base}-${++n}`;

/** Starts an SQS server on a virtual clock with SQS-only options (not part of the shared EmulatorOptions type). */
const start = (clock: VirtualClock, sqs: SqsOptions) => startSqsServer({ clock, ...sqs });

const form = (s: SqsTestServer, fields: Record<string, string>) =>
  fetch(s.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ Version: '2012-11-05', ...fields }) });

describe('in-flight limit', () => {
  let s: SqsTestServer;
  const clock = new VirtualClock();
  beforeAll(async () => {
    s = await start(clock, { sqsMaxInflightMessages: 3, sqsMaxInflightMessagesFifo: 2 });
  });
  afterAll(() => s.stop());

  const createQueue = async (name: string, Attributes?: Record<string, string>) => (await s.client.send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl!;
  const sendMany = (QueueUrl: string, count: number, extra: (i: number) => Record<string, string> = () => ({})) =>
    s.client.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: count }, (_, i) => ({ Id: `m${i}`, MessageBody: `body-${i}`, ...extra(i) })) }));
  const receive = async (QueueUrl: string, extra: Record<string, unknown> = {}) =>
    (await s.client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, ...extra }))).Messages ?? [];

  it('standard queue: hands out only the room left, then refuses short polls with OverLimit (403)', async () => {
    const url = await createQueue(unique('std'), { VisibilityTimeout: '30' });
    await sendMany(url, 5);
    const first = await receive(url);
    expect(first).toHaveLength(3);

    const err = await errorOf(() => s.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 })));
    expect(err.name).toBe('OverLimit');
    expect(err.Code).toBe('OverLimit');
    expect(err.$metadata?.httpStatusCode).toBe(403);
    expect(err.message).toMatch(/^Too many messages have been received without being deleted/);
    const attrs = (await s.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes!;
    expect(attrs).toMatchObject({ ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '3' });

    // Deleting one makes room for one.
    await s.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first[0]!.ReceiptHandle! }));
    expect(await receive(url)).toHaveLength(1);
    await expect(receive(url)).rejects.toMatchObject({ name: 'OverLimit' });

    // Visibility timeouts ending take messages out of flight: the count follows the clock, no scan needed.
    clock.advance(30_000);
    expect(await receive(url)).toHaveLength(3);
  });

  it('standard queue: a receive with VisibilityTimeout 0 puts nothing in flight and is not limited', async () => {
    const url = await createQueue(unique('std-peek'));
    await sendMany(url, 6);
    expect(await receive(url)).toHaveLength(3);
    // At the limit, with three still visible: all three come back, and stay visible.
    expect(await receive(url, { VisibilityTimeout: 0 })).toHaveLength(3);
    expect(await receive(url, { VisibilityTimeout: 0 })).toHaveLength(3);
  });

  it('standard queue: a long poll at the limit gets no error, just no messages', async () => {
    const url = await createQueue(unique('std-long'));
    await sendMany(url, 4);
    expect(await receive(url)).toHaveLength(3);
    const pending = s.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }));
    await waitFor(() => (s.sqs.queues.find(url)?.waitingReceivers ?? 0) > 0, { what: 'the receive to be waiting' });
    clock.advance(5_000);
    expect((await pending).Messages).toBeUndefined();
  });

  it('FIFO queue: stops handing out messages at its own limit without an error', async () => {
    const url = await createQueue(unique('fifo') + '.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    await sendMany(url, 4, (i) => ({ MessageGroupId: `g${i}` }));
    expect(await receive(url)).toHaveLength(2);
    expect(await receive(url)).toEqual([]);
    clock.advance(30_000);
    expect(await receive(url)).toHaveLength(2);
  });

  it('event source mapping receives are capped the same way (no error: Lambda long-polls)', async () => {
    const url = await createQueue(unique('esm'));
    await sendMany(url, 6);
    const arn = s.sqs.queues.find(url)!.arn;
    expect(s.sqs.receiveForMapping(arn, 10)).toHaveLength(3);
    expect(s.sqs.receiveForMapping(arn, 10)).toHaveLength(0);
  });

  it('Query protocol: OverLimit is a Sender fault with status 403', async () => {
    const url = await createQueue(unique('query'));
    await sendMany(url, 3);
    expect(await receive(url)).toHaveLength(3);
    const res = await form(s, { Action: 'ReceiveMessage', QueueUrl: url });
    expect(res.status).toBe(403);
    const xml = await res.text();
    expect(xml).toContain('<Code>OverLimit</Code>');
    expect(xml).toContain('<Type>Sender</Type>');
  });
});

describe('in-flight limit: AWS default', () => {
  let s: SqsTestServer;
  beforeAll(async () => {
    s = await startSqsServer({ clock: new VirtualClock() });
  });
  afterAll(() => s.stop());

  it('a standard queue holds 120,000 in-flight messages', async () => {
    const url = (await s.client.send(new CreateQueueCommand({ QueueName: unique('big') }))).QueueUrl!;
    const q = s.sqs.queues.find(url)!;
    for (let i = 0; i <= 120_000; i++) q.send({ body: 'x', md5OfBody: '9dd4e461268c8034f5c8564e155c67a6', senderId: 'test' });
    expect(s.sqs.receiveForMapping(q.arn, 130_000)).toHaveLength(120_000);
    // A fresh client: the long synchronous fill may have outlasted the server's keep-alive on the old connection.
    const client = sqsClient(s.endpoint);
    try {
      await expect(client.send(new ReceiveMessageCommand({ QueueUrl: url }))).rejects.toMatchObject({ name: 'OverLimit' });
    } finally {
      client.destroy();
    }
  }, 30_000);
});

describe('QueueDeletedRecently', () => {
  it('is off by default: a deleted queue can be created again at once', async () => {
    const s = await startSqsServer({ clock: new VirtualClock() });
    try {
      const name = unique('redeploy');
      const url = (await s.client.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
      await s.client.send(new DeleteQueueCommand({ QueueUrl: url }));
      expect((await s.client.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl).toBe(url);
    } finally {
      await s.stop();
    }
  });

  describe('with sqsDelayRecentlyDeleted', () => {
    let s: SqsTestServer;
    const clock = new VirtualClock();
    beforeAll(async () => {
      s = await start(clock, { sqsDelayRecentlyDeleted: true });
    });
    afterAll(() => s.stop());

    it('refuses the same name for 60 s of the emulator clock after DeleteQueue', async () => {
      const name = unique('recent');
      const url = (await s.client.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
      await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
      await s.client.send(new DeleteQueueCommand({ QueueUrl: url }));

      const err = await errorOf(() => s.client.send(new CreateQueueCommand({ QueueName: name })));
      expect(err.name).toBe('QueueDeletedRecently');
      expect(err.Code).toBe('AWS.SimpleQueueService.QueueDeletedRecently');
      expect(err.$metadata?.httpStatusCode).toBe(400);
      expect(err.message).toBe('You must wait 60 seconds after deleting a queue before you can create another with the same name.');
      // Other names are free.
      await s.client.send(new CreateQueueCommand({ QueueName: unique('other') }));

      clock.advance(59_999);
      await expect(s.client.send(new CreateQueueCommand({ QueueName: name }))).rejects.toMatchObject({ name: 'QueueDeletedRecently' });
      clock.advance(1);
      const again = (await s.client.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
      expect(again).toBe(url);
      // A new queue: the deleted one's message is gone.
      expect((await s.client.send(new ReceiveMessageCommand({ QueueUrl: again }))).Messages).toBeUndefined();
    });

    it('Query protocol: the legacy code AWS.SimpleQueueService.QueueDeletedRecently', async () => {
      const name = unique('recent-query');
      const url = (await s.client.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
      await s.client.send(new DeleteQueueCommand({ QueueUrl: url }));
      const res = await form(s, { Action: 'CreateQueue', QueueName: name });
      expect(res.status).toBe(400);
      const xml = await res.text();
      expect(xml).toContain('<Code>AWS.SimpleQueueService.QueueDeletedRecently</Code>');
      expect(xml).toContain('<Message>You must wait 60 seconds after deleting a queue before you can create another with the same name.</Message>');
    });
  });
});
