import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreatePipeCommand, StartPipeCommand, StopPipeCommand, type PipesClient } from '@aws-sdk/client-pipes';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { waitFor } from '../../harness/wait';
import { useEmulator } from '../helpers/emulator';
import { deployNode, recordHops, useLambdaAndSqs } from '../lambda/helpers';
import { createQueue, pipesClient, receiveAll, ROLE, waitForState } from './helpers';

/**
 * Pipes from SQS queues: filters, a Lambda enrichment, input templates, SQS / Lambda / EventBridge targets, failures
 * left to the queue's redrive policy, partial batch failures, and stop/start.
 */
const emulator = useEmulator({ timeScale: 0.001 });
const { lambda, sqs, dir } = useLambdaAndSqs(emulator);
let pipes: PipesClient;
let hops: ReturnType<typeof recordHops>;
beforeAll(() => {
  pipes = pipesClient(emulator());
  hops = recordHops(emulator());
});
afterAll(() => {
  hops.stop();
  pipes.destroy();
});

async function counts(url: string): Promise<{ visible: number; inFlight: number }> {
  const a = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
  return { visible: Number(a.ApproximateNumberOfMessages), inFlight: Number(a.ApproximateNumberOfMessagesNotVisible) };
}

const empty = async (url: string) => {
  const c = await counts(url);
  return c.visible === 0 && c.inFlight === 0;
};

it('filters, enriches with a Lambda function and delivers transformed events to an SQS queue', async () => {
  const src = await createQueue(sqs(), 'e2e-src');
  const dst = await createQueue(sqs(), 'e2e-dst');
  const seen = path.join(dir(), 'enrich.jsonl');
  const enricher = await deployNode(
    lambda(),
    'e2e-enrich',
    `const fs = require('fs');
exports.handler = async (events) => {
  fs.appendFileSync(${JSON.stringify(seen)}, JSON.stringify(events) + '\\n');
  return events.map((e) => ({ orderId: e.orderId, id: e.id, total: e.orderId * 10 }));
};`,
  );
  await pipes.send(
    new CreatePipeCommand({
      Name: 'e2e',
      Source: src.arn,
      SourceParameters: { SqsQueueParameters: { BatchSize: 10 }, FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: { kind: ['order'] } }) }] } },
      Enrichment: enricher,
      EnrichmentParameters: { InputTemplate: '{"id": "<$.messageId>", "orderId": <$.body.orderId>, "source": "<aws.pipes.source-arn>"}' },
      Target: dst.arn,
      TargetParameters: { InputTemplate: '{"order": <$.orderId>, "label": "order-<$.orderId>", "pipe": "<aws.pipes.pipe-name>", "total": <$.total>}' },
      RoleArn: ROLE,
    }),
  );
  await waitForState(pipes, 'e2e', 'RUNNING');
  await sqs().send(
    new SendMessageBatchCommand({
      QueueUrl: src.url,
      Entries: [
        { Id: 'a', MessageBody: JSON.stringify({ kind: 'order', orderId: 1 }) },
        { Id: 'b', MessageBody: JSON.stringify({ kind: 'ping' }) },
        { Id: 'c', MessageBody: 'plain text' },
        { Id: 'd', MessageBody: JSON.stringify({ kind: 'order', orderId: 2 }) },
      ],
    }),
  );
  const delivered = await receiveAll(sqs(), dst.url, 2);
  const bodies = delivered.map((m) => JSON.parse(m.Body!)).sort((x, y) => x.order - y.order);
  expect(bodies).toEqual([
    { order: 1, label: 'order-1', pipe: 'e2e', total: 10 },
    { order: 2, label: 'order-2', pipe: 'e2e', total: 20 },
  ]);
  // The enrichment got only matching messages, as its template shaped them, as one JSON array per batch.
  const enrichedInput = fs.readFileSync(seen, 'utf8').trim().split('\n').flatMap((l) => JSON.parse(l));
  expect(enrichedInput.map((e: any) => e.orderId).sort()).toEqual([1, 2]);
  expect(enrichedInput[0]).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), source: src.arn });
  // Matched or not, every message leaves the source queue.
  await waitFor(() => empty(src.url), { what: 'the source queue to empty' });
  expect(hops.of('pipes.filtered').flatMap((h) => h.messageIds as string[])).toHaveLength(2);
  expect(hops.of('pipes.enrich').length).toBeGreaterThan(0);
  expect(hops.of('pipes.target').filter((h) => h.pipeName === 'e2e').flatMap((h) => h.messageIds as string[])).toHaveLength(2);
});

it('passes the SQS record as Pipes documents it when there is no template', async () => {
  const src = await createQueue(sqs(), 'shape-src');
  const dst = await createQueue(sqs(), 'shape-dst');
  await pipes.send(new CreatePipeCommand({ Name: 'shape', Source: src.arn, Target: dst.arn, RoleArn: ROLE }));
  await waitForState(pipes, 'shape', 'RUNNING');
  const sent = await sqs().send(
    new SendMessageCommand({ QueueUrl: src.url, MessageBody: 'hello', MessageAttributes: { color: { DataType: 'String', StringValue: 'red' } } }),
  );
  const [m] = await receiveAll(sqs(), dst.url, 1);
  const record = JSON.parse(m!.Body!);
  expect(record).toMatchObject({
    messageId: sent.MessageId,
    receiptHandle: expect.any(String),
    body: 'hello',
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.any(String), SenderId: expect.any(String) },
    messageAttributes: { color: { stringValue: 'red', dataType: 'String' } },
    md5OfBody: sent.MD5OfMessageBody,
    eventSource: 'aws:sqs',
    eventSourceARN: src.arn,
    awsRegion: 'us-east-1',
  });
});

it('leaves messages a failing target could not take to the queue redrive policy (DLQ)', async () => {
  const dlq = await createQueue(sqs(), 'fail-dlq');
  const src = await createQueue(sqs(), 'fail-src', { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }) });
  // The target queue does not exist: every delivery fails.
  await pipes.send(new CreatePipeCommand({ Name: 'failing', Source: src.arn, Target: 'arn:aws:sqs:us-east-1:000000000000:fail-missing', RoleArn: ROLE }));
  await waitForState(pipes, 'failing', 'RUNNING');
  const sent = await sqs().send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: 'doomed' }));
  const [dead] = await receiveAll(sqs(), dlq.url, 1);
  expect(dead).toMatchObject({ MessageId: sent.MessageId, Body: 'doomed' });
  expect(Number(dead!.Attributes!.ApproximateReceiveCount)).toBeGreaterThanOrEqual(2);
  const failures = hops.of('pipes.failed').filter((h) => h.pipeName === 'failing');
  expect(failures.length).toBeGreaterThanOrEqual(2);
  expect(failures[0]).toMatchObject({ stage: 'target', messageIds: [sent.MessageId] });
  await pipes.send(new StopPipeCommand({ Name: 'failing' }));
});

it('retries only the messages a Lambda target reports in batchItemFailures', async () => {
  const dlq = await createQueue(sqs(), 'partial-dlq');
  const src = await createQueue(sqs(), 'partial-src', { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }) });
  const file = path.join(dir(), 'partial.jsonl');
  const fn = await deployNode(
    lambda(),
    'partial-target',
    `const fs = require('fs');
exports.handler = async (events) => {
  fs.appendFileSync(${JSON.stringify(file)}, JSON.stringify(events.map((e) => e.body)) + '\\n');
  return { batchItemFailures: events.filter((e) => e.body.startsWith('bad')).map((e) => ({ itemIdentifier: e.messageId })) };
};`,
  );
  await pipes.send(
    new CreatePipeCommand({
      Name: 'partial',
      Source: src.arn,
      SourceParameters: { SqsQueueParameters: { BatchSize: 10, MaximumBatchingWindowInSeconds: 1 } },
      Target: fn,
      TargetParameters: { LambdaFunctionParameters: { InvocationType: 'REQUEST_RESPONSE' } },
      RoleArn: ROLE,
    }),
  );
  await waitForState(pipes, 'partial', 'RUNNING');
  await sqs().send(
    new SendMessageBatchCommand({
      QueueUrl: src.url,
      Entries: ['good-1', 'bad-1', 'good-2'].map((b, i) => ({ Id: String(i), MessageBody: b })),
    }),
  );
  const [dead] = await receiveAll(sqs(), dlq.url, 1);
  expect(dead!.Body).toBe('bad-1');
  await waitFor(() => empty(src.url), { what: 'the source queue to empty' });
  const delivered = fs.readFileSync(file, 'utf8').trim().split('\n').flatMap((l) => JSON.parse(l) as string[]);
  // The good messages were delivered once each (deleted after the batch); the bad one at least once.
  expect(delivered.filter((b) => b.startsWith('good')).sort()).toEqual(['good-1', 'good-2']);
  expect(delivered).toContain('bad-1');
});

it('publishes to an event bus with DetailType and Source, where a rule routes it', async () => {
  const src = await createQueue(sqs(), 'bus-src');
  const out = await createQueue(sqs(), 'bus-out');
  const { EventBridgeClient, PutRuleCommand, PutTargetsCommand } = await import('@aws-sdk/client-eventbridge');
  const eb = new EventBridgeClient({ ...(await import('../helpers/emulator')).clientConfig(emulator()), maxAttempts: 1 });
  await eb.send(new PutRuleCommand({ Name: 'from-pipe', EventPattern: JSON.stringify({ source: ['orders.pipe'] }) }));
  await eb.send(new PutTargetsCommand({ Rule: 'from-pipe', Targets: [{ Id: 'q', Arn: out.arn }] }));
  eb.destroy();
  await pipes.send(
    new CreatePipeCommand({
      Name: 'to-bus',
      Source: src.arn,
      Target: 'arn:aws:events:us-east-1:000000000000:event-bus/default',
      TargetParameters: { InputTemplate: '{"orderId": <$.body.orderId>}', EventBridgeEventBusParameters: { DetailType: 'OrderPlaced', Source: 'orders.pipe' } },
      RoleArn: ROLE,
    }),
  );
  await waitForState(pipes, 'to-bus', 'RUNNING');
  await sqs().send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: JSON.stringify({ orderId: 7 }) }));
  const [m] = await receiveAll(sqs(), out.url, 1);
  expect(JSON.parse(m!.Body!)).toMatchObject({ 'detail-type': 'OrderPlaced', source: 'orders.pipe', detail: { orderId: 7 }, account: '000000000000', region: 'us-east-1' });
});

it('takes no messages while STOPPED and delivers them once started again', async () => {
  const src = await createQueue(sqs(), 'stop-src');
  const dst = await createQueue(sqs(), 'stop-dst');
  await pipes.send(new CreatePipeCommand({ Name: 'stoppable', Source: src.arn, Target: dst.arn, RoleArn: ROLE }));
  await waitForState(pipes, 'stoppable', 'RUNNING');
  await pipes.send(new StopPipeCommand({ Name: 'stoppable' }));
  await waitForState(pipes, 'stoppable', 'STOPPED');
  await sqs().send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: 'while stopped' }));
  // The poller is gone: the message stays visible in the source queue.
  expect(await counts(src.url)).toEqual({ visible: 1, inFlight: 0 });
  await pipes.send(new StartPipeCommand({ Name: 'stoppable' }));
  const [m] = await receiveAll(sqs(), dst.url, 1);
  expect(JSON.parse(m!.Body!).body).toBe('while stopped');
  await waitFor(() => empty(src.url), { what: 'the source queue to empty' });
});

it('keeps FIFO order through a pipe into a FIFO queue (MessageGroupId from the record)', async () => {
  const src = await createQueue(sqs(), 'order-src.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
  const dst = await createQueue(sqs(), 'order-dst.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
  await pipes.send(
    new CreatePipeCommand({
      Name: 'fifo',
      Source: src.arn,
      SourceParameters: { SqsQueueParameters: { BatchSize: 2 } },
      Target: dst.arn,
      TargetParameters: { InputTemplate: '<$.body>', SqsQueueParameters: { MessageGroupId: '$.attributes.MessageGroupId' } },
      RoleArn: ROLE,
    }),
  );
  await waitForState(pipes, 'fifo', 'RUNNING');
  for (let i = 1; i <= 5; i++) await sqs().send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: JSON.stringify({ n: i }), MessageGroupId: 'g' }));
  const got: string[] = [];
  await waitFor(
    async () => {
      const { ReceiveMessageCommand, DeleteMessageCommand } = await import('@aws-sdk/client-sqs');
      const r = await sqs().send(new ReceiveMessageCommand({ QueueUrl: dst.url, MaxNumberOfMessages: 10, VisibilityTimeout: 600, MessageSystemAttributeNames: ['MessageGroupId'] }));
      for (const m of r.Messages ?? []) {
        got.push(`${m.Attributes?.MessageGroupId}:${m.Body}`);
        await sqs().send(new DeleteMessageCommand({ QueueUrl: dst.url, ReceiptHandle: m.ReceiptHandle }));
      }
      return got.length >= 5;
    },
    { what: 'five messages in order', describe: () => got.join(',') },
  );
  expect(got).toEqual([1, 2, 3, 4, 5].map((n) => `g:{"n":${n}}`));
});

it('invokes a Lambda target asynchronously with FIRE_AND_FORGET, the batch as one JSON array', async () => {
  const src = await createQueue(sqs(), 'async-src');
  const file = path.join(dir(), 'async.jsonl');
  const fn = await deployNode(
    lambda(),
    'async-target',
    `const fs = require('fs');
exports.handler = async (events) => { fs.appendFileSync(${JSON.stringify(file)}, JSON.stringify(events) + '\\n'); };`,
  );
  await pipes.send(
    new CreatePipeCommand({
      Name: 'async',
      Source: src.arn,
      SourceParameters: { SqsQueueParameters: { BatchSize: 5, MaximumBatchingWindowInSeconds: 1 } },
      Target: fn,
      TargetParameters: { LambdaFunctionParameters: { InvocationType: 'FIRE_AND_FORGET' }, InputTemplate: '{"n": <$.body.n>}' },
      RoleArn: ROLE,
    }),
  );
  await waitForState(pipes, 'async', 'RUNNING');
  await sqs().send(new SendMessageBatchCommand({ QueueUrl: src.url, Entries: [1, 2, 3].map((n) => ({ Id: String(n), MessageBody: JSON.stringify({ n }) })) }));
  const events = await waitFor(
    () => {
      const got = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').flatMap((l) => JSON.parse(l)) : [];
      return got.length >= 3 ? got : undefined;
    },
    { what: 'three events at the function' },
  );
  expect(events.map((e: any) => e.n).sort()).toEqual([1, 2, 3]);
  await waitFor(() => empty(src.url), { what: 'the source queue to empty' });
});

it('publishes to an SNS topic and writes to a log group', async () => {
  const { SNSClient, CreateTopicCommand, SubscribeCommand } = await import('@aws-sdk/client-sns');
  const { CloudWatchLogsClient, CreateLogGroupCommand, GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const { clientConfig } = await import('../helpers/emulator');
  const sns = new SNSClient({ ...clientConfig(emulator()), maxAttempts: 1 });
  const logs = new CloudWatchLogsClient({ ...clientConfig(emulator()), maxAttempts: 1 });
  try {
    const src = await createQueue(sqs(), 'fan-src');
    const sub = await createQueue(sqs(), 'fan-sub');
    const topic = (await sns.send(new CreateTopicCommand({ Name: 'pipe-topic' }))).TopicArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: sub.arn, Attributes: { RawMessageDelivery: 'true' } }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'pipe-logs' }));
    await pipes.send(new CreatePipeCommand({ Name: 'to-topic', Source: src.arn, Target: topic, TargetParameters: { InputTemplate: '{"note": "<$.body.text>!"}' }, RoleArn: ROLE }));
    await pipes.send(
      new CreatePipeCommand({
        Name: 'to-logs',
        Source: sub.arn,
        Target: 'arn:aws:logs:us-east-1:000000000000:log-group:pipe-logs',
        TargetParameters: { CloudWatchLogsParameters: { LogStreamName: 'from-pipe' }, InputTemplate: '<$.body>' },
        RoleArn: ROLE,
      }),
    );
    await waitForState(pipes, 'to-topic', 'RUNNING');
    await waitForState(pipes, 'to-logs', 'RUNNING');
    await sqs().send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: JSON.stringify({ text: 'hi' }) }));
    // queue → pipe → topic → (raw) queue → pipe → log group
    const messages = await waitFor(
      async () => {
        try {
          const out = await logs.send(new GetLogEventsCommand({ logGroupName: 'pipe-logs', logStreamName: 'from-pipe' }));
          return out.events?.length ? out.events.map((e) => JSON.parse(e.message!)) : undefined;
        } catch {
          return undefined;
        }
      },
      { what: 'a log event from the pipe' },
    );
    expect(messages).toEqual([{ note: 'hi!' }]);
  } finally {
    sns.destroy();
    logs.destroy();
  }
});
