import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, recordHops, rejection, uniqueName, useLambdaAndSqs } from './helpers';

/** SQS event source mappings: batches, deletes, partial batch failures and redrive, FIFO order, filters, checks. */

const emulator = useEmulator({ timeScale: 0.001 });
const { lambda, sqs, dir } = useLambdaAndSqs(emulator);

/**
 * Functions run in real time while queue timers follow the emulated clock (1000× faster here), so queues get a
 * visibility timeout of 1000 s (1 s real): long enough that a batch is never handed out twice while it runs.
 */
async function queue(name: string, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const url = (await sqs().send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '1000', ...attributes } }))).QueueUrl!;
  const arn = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url, arn };
}

async function depth(url: string): Promise<number> {
  const a = (await sqs().send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
  )).Attributes!;
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible) + Number(a.ApproximateNumberOfMessagesDelayed);
}

/**
 * A function that appends each batch it gets to a JSON-lines file, and reports as failed (ReportBatchItemFailures)
 * every message whose body starts with "bad".
 */
function recordingFunction(file: string): string {
  return `
const fs = require('fs');
exports.handler = async (event) => {
  fs.appendFileSync(${JSON.stringify(file)}, JSON.stringify(event.Records) + '\\n');
  return { batchItemFailures: event.Records.filter((r) => r.body.startsWith('bad')).map((r) => ({ itemIdentifier: r.messageId })) };
};`;
}

const batches = (file: string): any[][] =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

async function mapping(input: ConstructorParameters<typeof CreateEventSourceMappingCommand>[0]) {
  const created = await lambda().send(new CreateEventSourceMappingCommand(input));
  await waitFor(async () => {
    const state = (await lambda().send(new GetEventSourceMappingCommand({ UUID: created.UUID }))).State;
    return state === 'Enabled' || state === 'Disabled';
  }, { what: 'the mapping to settle' });
  return created;
}

describe('standard queues', () => {
  it('delivers a batch in the AWS record shape and deletes it on success (never twice while it runs)', async () => {
    // 30 s is 30 ms here, less than a cold start: the batch's visibility is renewed while the function runs.
    const q = await queue(uniqueName('orders'), { VisibilityTimeout: '30' });
    const file = path.join(dir(), `${uniqueName('batch')}.jsonl`);
    const name = uniqueName('consumer');
    const fnArn = await deployNode(lambda(), name, recordingFunction(file));
    const created = await lambda().send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: q.arn, BatchSize: 10 }));
    expect(created.$metadata.httpStatusCode).toBe(202);
    expect(created).toMatchObject({ State: 'Creating', BatchSize: 10, MaximumBatchingWindowInSeconds: 0, EventSourceArn: q.arn, FunctionArn: fnArn });
    expect(created.UUID).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(async () => (await lambda().send(new GetEventSourceMappingCommand({ UUID: created.UUID }))).State === 'Enabled', { what: 'Enabled' });

    await sqs().send(
      new SendMessageBatchCommand({
        QueueUrl: q.url,
        Entries: [1, 2, 3, 4, 5].map((i) => ({
          Id: `m${i}`,
          MessageBody: JSON.stringify({ i }),
          ...(i === 1 ? { MessageAttributes: { color: { DataType: 'String', StringValue: 'red' } } } : {}),
        })),
      }),
    );
    await waitFor(async () => batches(file).flat().length >= 5 && (await depth(q.url)) === 0, { what: 'all five processed and deleted' });
    const records = batches(file).flat();
    expect(records).toHaveLength(5);
    expect(records.map((r) => JSON.parse(r.body).i).sort()).toEqual([1, 2, 3, 4, 5]);
    const first = records.find((r) => JSON.parse(r.body).i === 1);
    expect(first).toMatchObject({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.any(String), SenderId: expect.any(String), ApproximateFirstReceiveTimestamp: expect.any(String) },
      messageAttributes: { color: { stringValue: 'red', stringListValues: [], binaryListValues: [], dataType: 'String' } },
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: q.arn,
      awsRegion: 'us-east-1',
    });
  });

  it('retries only the reported failure, which lands in the DLQ after maxReceiveCount', async () => {
    const dlq = await queue(uniqueName('partial-dlq'));
    const q = await queue(uniqueName('partial'), {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    const file = path.join(dir(), `${uniqueName('partial')}.jsonl`);
    const name = uniqueName('partial-fn');
    await deployNode(lambda(), name, recordingFunction(file), { Timeout: 10 });
    await mapping({ FunctionName: name, EventSourceArn: q.arn, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    await sqs().send(
      new SendMessageBatchCommand({
        QueueUrl: q.url,
        Entries: ['good-1', 'bad-1', 'good-2'].map((b, i) => ({ Id: `e${i}`, MessageBody: b })),
      }),
    );
    const inDlq = await waitFor(
      async () => (await sqs().send(new ReceiveMessageCommand({ QueueUrl: dlq.url, MaxNumberOfMessages: 10 }))).Messages,
      { what: 'the failed message in the DLQ' },
    );
    expect(inDlq.map((m) => m.Body)).toEqual(['bad-1']);
    await waitFor(async () => (await depth(q.url)) === 0, { what: 'the source queue to be empty' });
    const seen = batches(file).flat();
    const count = (body: string) => seen.filter((r) => r.body === body).length;
    expect(count('good-1')).toBe(1);
    expect(count('good-2')).toBe(1);
    expect(count('bad-1')).toBe(2);
    expect(seen.filter((r) => r.body === 'bad-1').map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
  });

  it('leaves a failed batch for the queue to redeliver, and drops messages the filter does not match', async () => {
    const q = await queue(uniqueName('filtered'));
    const file = path.join(dir(), `${uniqueName('filtered')}.jsonl`);
    const name = uniqueName('filtered-fn');
    await deployNode(lambda(), name, recordingFunction(file));
    const hops = recordHops(emulator());
    try {
      await mapping({
        FunctionName: name,
        EventSourceArn: q.arn,
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: { type: ['keep'] } }) }] },
      });
      await sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: q.url,
          Entries: [
            { Id: 'a', MessageBody: JSON.stringify({ type: 'keep', n: 1 }) },
            { Id: 'b', MessageBody: JSON.stringify({ type: 'skip', n: 2 }) },
            { Id: 'c', MessageBody: 'plain text' },
          ],
        }),
      );
      await waitFor(async () => (await depth(q.url)) === 0, { what: 'every message processed or dropped' });
      expect(batches(file).flat().map((r) => JSON.parse(r.body).n)).toEqual([1]);
      expect(hops.of('lambda.esm.filtered').flatMap((h) => h.messageIds as string[])).toHaveLength(2);
    } finally {
      hops.stop();
    }
  });

  it('gathers messages for the batching window', async () => {
    // The window's 30 s count against the visibility timeout (and SQS's 12-hour cap on it, which a long
    // function timeout reaches at this time scale); the function's real run must not expose the batch again.
    const q = await queue(uniqueName('window'), { VisibilityTimeout: '90' });
    const file = path.join(dir(), `${uniqueName('window')}.jsonl`);
    const name = uniqueName('window-fn');
    await deployNode(lambda(), name, recordingFunction(file), { Timeout: 60 });
    await mapping({ FunctionName: name, EventSourceArn: q.arn, BatchSize: 50, MaximumBatchingWindowInSeconds: 30 });
    await sqs().send(new SendMessageBatchCommand({ QueueUrl: q.url, Entries: [1, 2, 3].map((i) => ({ Id: `w${i}`, MessageBody: `w${i}` })) }));
    await waitFor(async () => batches(file).flat().length >= 3 && (await depth(q.url)) === 0, { what: 'the gathered batch' });
    expect(batches(file).map((b) => b.length)).toEqual([3]);
  });
});

describe('recursive loops', () => {
  it('stops a function that keeps feeding its own queue after 16 invocations', async () => {
    const q = await queue(uniqueName('loop'));
    const name = uniqueName('looper');
    await deployNode(
      lambda(),
      name,
      `const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event) => {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: 'again' }));
};`,
      { Environment: { Variables: { QUEUE_URL: q.url } }, Timeout: 10 },
    );
    const hops = recordHops(emulator());
    try {
      const m = await mapping({ FunctionName: name, EventSourceArn: q.arn });
      await sqs().send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'start' }));
      const stop = await waitFor(() => hops.of('lambda.recursion', name)[0], { what: 'the loop to be detected', timeoutMs: 30_000 });
      await lambda().send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: false }));
      expect(stop.count).toBe(17);
      expect(hops.of('lambda.invoke.start', name).length).toBe(16);
    } finally {
      hops.stop();
    }
  });
});

describe('FIFO queues', () => {
  it('keeps the order within each message group', async () => {
    const q = await queue(`${uniqueName('ordered')}.fifo`, { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    const file = path.join(dir(), `${uniqueName('fifo')}.jsonl`);
    const name = uniqueName('fifo-fn');
    await deployNode(lambda(), name, recordingFunction(file));
    const m = await mapping({ FunctionName: name, EventSourceArn: q.arn, BatchSize: 3, Enabled: false });
    for (let i = 1; i <= 8; i++) {
      for (const g of ['a', 'b']) await sqs().send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: `${g}-${i}`, MessageGroupId: g }));
    }
    await lambda().send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: true }));
    await waitFor(async () => batches(file).flat().length === 16 && (await depth(q.url)) === 0, { what: 'all sixteen processed' });
    const order = batches(file).flat().map((r) => r.body as string);
    for (const g of ['a', 'b']) {
      expect(order.filter((b) => b.startsWith(`${g}-`))).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => `${g}-${i}`));
    }
    const firstRecord = batches(file)[0]![0];
    expect(firstRecord.attributes).toMatchObject({ MessageGroupId: expect.any(String), MessageDeduplicationId: expect.any(String), SequenceNumber: expect.any(String) });
  });
});

describe('CreateEventSourceMapping checks and lifecycle', () => {
  it('refuses a queue visibility timeout shorter than the function timeout, with AWS exact message', async () => {
    const q = await queue(uniqueName('short-vt'), { VisibilityTimeout: '30' });
    const name = uniqueName('long-fn');
    await deployNode(lambda(), name, 'exports.handler = async () => {};', { Timeout: 60 });
    const err = await rejection(lambda().send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: q.arn })));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toBe('Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds');
  });

  it('validates batch settings', async () => {
    const q = await queue(uniqueName('settings'));
    const fifo = await queue(`${uniqueName('settings')}.fifo`, { FifoQueue: 'true' });
    const name = uniqueName('settings-fn');
    await deployNode(lambda(), name, 'exports.handler = async () => {};');
    const big = await rejection(lambda().send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: q.arn, BatchSize: 11 })));
    expect(big.message).toBe('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
    expect((await rejection(lambda().send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: fifo.arn, BatchSize: 11, MaximumBatchingWindowInSeconds: 1 })))).name).toBe(
      'InvalidParameterValueException',
    );
    expect((await rejection(lambda().send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: fifo.arn, MaximumBatchingWindowInSeconds: 1 })))).name).toBe(
      'InvalidParameterValueException',
    );
    expect((await rejection(lambda().send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: q.arn, ScalingConfig: { MaximumConcurrency: 1 } })))).name).toBe(
      'ValidationException',
    );
    const missing = await rejection(lambda().send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:nope' })));
    expect(missing.message).toContain('AWS.SimpleQueueService.NonExistentQueue');
    // A queue of another Region (one that exists there) is not a source for this Region's function.
    const westSqs = new SQSClient({ ...clientConfig(emulator()), region: 'eu-west-1' });
    const westUrl = (await westSqs.send(new CreateQueueCommand({ QueueName: uniqueName('west') }))).QueueUrl!;
    const westArn = (await westSqs.send(new GetQueueAttributesCommand({ QueueUrl: westUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const elsewhere = await rejection(lambda().send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: westArn })));
    expect([elsewhere.name, elsewhere.message]).toEqual(['InvalidParameterValueException', 'Event source region must match Lambda region us-east-1.']);
  });

  it('lists, disables, and deletes mappings', async () => {
    const q = await queue(uniqueName('life'));
    const name = uniqueName('life-fn');
    await deployNode(lambda(), name, 'exports.handler = async () => {};');
    const m = await mapping({ FunctionName: name, EventSourceArn: q.arn });
    const dup = await rejection(lambda().send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: q.arn })));
    expect(dup.name).toBe('ResourceConflictException');
    const listed = await lambda().send(new ListEventSourceMappingsCommand({ FunctionName: name }));
    expect(listed.EventSourceMappings?.map((x) => x.UUID)).toEqual([m.UUID]);
    const disabling = await lambda().send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: false }));
    expect(disabling.State).toBe('Disabling');
    await waitFor(async () => (await lambda().send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).State === 'Disabled', { what: 'Disabled' });
    const deleting = await lambda().send(new DeleteEventSourceMappingCommand({ UUID: m.UUID }));
    expect(deleting.State).toBe('Deleting');
    await waitFor(async () => (await rejection(lambda().send(new GetEventSourceMappingCommand({ UUID: m.UUID })))).name === 'ResourceNotFoundException', {
      what: 'the mapping to be gone',
    });
  });
});
