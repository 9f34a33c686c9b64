import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteSubscriptionFilterCommand,
  DescribeSubscriptionFiltersCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { RunningEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient, recordHops, rejection, uniqueName } from '../lambda/helpers';

/** What AWS hands a subscribed function once `awslogs.data` is base64-decoded and gunzipped. */
interface DataMessage {
  messageType: string;
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: { id: string; timestamp: number; message: string; extractedFields?: Record<string, string> }[];
}

/** A function that decodes its `awslogs.data` exactly as a real handler does and forwards the result to a queue. */
const SINK = `
const zlib = require('zlib');
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const decoded = JSON.parse(zlib.gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'));
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: JSON.stringify(decoded) }));
};`;

const logsOf = (emu: RunningEmulator) => new CloudWatchLogsClient(clientConfig(emu));

async function groupWithStreams(emu: RunningEmulator, group: string, streams: string[]): Promise<void> {
  await logsOf(emu).send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const s of streams) await logsOf(emu).send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
}

const put = (emu: RunningEmulator, group: string, stream: string, messages: string[]) =>
  logsOf(emu).send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: messages.map((message) => ({ timestamp: Date.now(), message })) }));

/** Deploys the sink and its queue; `received()` waits until the delivered events number at least `count`. */
async function sink(emu: RunningEmulator) {
  const sqs = new SQSClient(clientConfig(emu));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('logs-sink') }));
  const name = uniqueName('logs-sink-fn');
  const arn = await deployNode(lambdaClient(emu), name, SINK, { Environment: { Variables: { QUEUE_URL: QueueUrl! } }, Timeout: 10 });
  const messages: DataMessage[] = [];
  const drain = async () => {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    for (const m of r.Messages ?? []) {
      messages.push(JSON.parse(m.Body!));
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  };
  const received = (count: number, what: string) =>
    waitFor(
      async () => {
        await drain();
        return messages.reduce((n, m) => n + m.logEvents.length, 0) >= count && messages;
      },
      { what, timeoutMs: 30_000, describe: () => JSON.stringify(messages) },
    );
  return { arn, name, messages, received };
}

describe('CloudWatch Logs subscription filters (scaled time)', () => {
  const emulator = useEmulator({ timeScale: 0.001 });
  const logs = () => logsOf(emulator());

  it('delivers only matching events to a Lambda function, batched per log stream, in AWS’s awslogs payload', async () => {
    const emu = emulator();
    const group = `/sf/app-${uniqueName('g')}`;
    await groupWithStreams(emu, group, ['s1', 's2']);
    const fn = await sink(emu);
    await logs().send(new PutSubscriptionFilterCommand({ logGroupName: group, filterName: 'errors', filterPattern: 'ERROR', destinationArn: fn.arn }));

    await put(emu, group, 's1', ['ERROR one', 'INFO two', 'ERROR three']);
    await put(emu, group, 's2', ['DEBUG nothing', 'ERROR four']);
    const messages = await fn.received(3, 'the three ERROR events');

    const all = messages.flatMap((m) => m.logEvents.map((e) => ({ stream: m.logStream, message: e.message })));
    expect(all.sort((a, b) => a.message.localeCompare(b.message))).toEqual([
      { stream: 's2', message: 'ERROR four' },
      { stream: 's1', message: 'ERROR one' },
      { stream: 's1', message: 'ERROR three' },
    ]);
    for (const m of messages) {
      expect(m).toMatchObject({ messageType: 'DATA_MESSAGE', owner: '000000000000', logGroup: group, subscriptionFilters: ['errors'] });
      for (const e of m.logEvents) {
        expect(e.id).toMatch(/^\d{56}$/);
        expect(typeof e.timestamp).toBe('number');
        expect(e.extractedFields).toBeUndefined();
      }
    }
    // Events that arrived in one PutLogEvents call travel in one batch, in order.
    const s1 = messages.filter((m) => m.logStream === 's1');
    expect(s1).toHaveLength(1);
    expect(s1[0]!.logEvents.map((e) => e.message)).toEqual(['ERROR one', 'ERROR three']);
    // The ids are the events' own: FilterLogEvents names them alike.
    const filtered = await logs().send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: 'ERROR' }));
    expect(new Set(filtered.events!.map((e) => e.eventId))).toEqual(new Set(messages.flatMap((m) => m.logEvents.map((e) => e.id))));
  });

  it('hands space-delimited fields over as extractedFields, and allows two filters per group (a third is LimitExceededException)', async () => {
    const emu = emulator();
    const group = `/sf/fields-${uniqueName('g')}`;
    await groupWithStreams(emu, group, ['s1']);
    const fn = await sink(emu);
    await logs().send(new PutSubscriptionFilterCommand({ logGroupName: group, filterName: 'warn-codes', filterPattern: '[level=WARN, code, ...]', destinationArn: fn.arn }));
    await logs().send(new PutSubscriptionFilterCommand({ logGroupName: group, filterName: 'none', filterPattern: 'NEVER_LOGGED', destinationArn: fn.arn }));

    const third = await rejection(logs().send(new PutSubscriptionFilterCommand({ logGroupName: group, filterName: 'third', filterPattern: '', destinationArn: fn.arn })));
    expect(third.name).toBe('LimitExceededException');
    expect(third.message).toBe('Resource limit exceeded.');
    expect(third.$metadata.httpStatusCode).toBe(400);
    // Updating one of the two by name is not a third.
    await logs().send(new PutSubscriptionFilterCommand({ logGroupName: group, filterName: 'none', filterPattern: 'STILL_NEVER', destinationArn: fn.arn }));

    await put(emu, group, 's1', ['WARN E42 disk almost full', 'INFO E1 fine', 'WARN']);
    const [m] = await fn.received(1, 'the WARN event');
    expect(m!.subscriptionFilters).toEqual(['warn-codes']);
    expect(m!.logEvents).toHaveLength(1);
    expect(m!.logEvents[0]).toMatchObject({ message: 'WARN E42 disk almost full', extractedFields: { level: 'WARN', code: 'E42' } });
  });

  it('describes, filters by prefix and deletes subscription filters; stores Kinesis, Firehose and logs-destination filters', async () => {
    const group = `/sf/describe-${uniqueName('g')}`;
    await logs().send(new CreateLogGroupCommand({ logGroupName: group }));
    expect((await logs().send(new DescribeSubscriptionFiltersCommand({ logGroupName: group }))).subscriptionFilters).toEqual([]);
    const kinesis = 'arn:aws:kinesis:us-east-1:000000000000:stream/logs';
    const role = 'arn:aws:iam::000000000000:role/cwl-to-kinesis';
    await logs().send(new PutSubscriptionFilterCommand({ logGroupName: group, filterName: 'b-kinesis', filterPattern: '{ $.level = "ERROR" }', destinationArn: kinesis, roleArn: role, distribution: 'Random' }));
    await logs().send(new PutSubscriptionFilterCommand({ logGroupName: group, filterName: 'a-firehose', filterPattern: '', destinationArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/logs', roleArn: role, applyOnTransformedLogs: true }));

    const described = (await logs().send(new DescribeSubscriptionFiltersCommand({ logGroupName: group }))).subscriptionFilters!;
    expect(described.map((f) => f.filterName)).toEqual(['a-firehose', 'b-kinesis']);
    expect(described[1]).toEqual({
      filterName: 'b-kinesis',
      logGroupName: group,
      filterPattern: '{ $.level = "ERROR" }',
      destinationArn: kinesis,
      roleArn: role,
      distribution: 'Random',
      applyOnTransformedLogs: false,
      creationTime: expect.any(Number),
    });
    expect(described[0]).toMatchObject({ distribution: 'ByLogStream', applyOnTransformedLogs: true });
    const prefixed = await logs().send(new DescribeSubscriptionFiltersCommand({ logGroupName: group, filterNamePrefix: 'b-' }));
    expect(prefixed.subscriptionFilters!.map((f) => f.filterName)).toEqual(['b-kinesis']);

    await logs().send(new DeleteSubscriptionFilterCommand({ logGroupName: group, filterName: 'b-kinesis' }));
    // The freed slot takes a cross-account logs destination.
    await logs().send(new PutSubscriptionFilterCommand({ logGroupName: group, filterName: 'c-dest', filterPattern: '', destinationArn: 'arn:aws:logs:us-east-1:111111111111:destination:central' }));
    expect((await logs().send(new DescribeSubscriptionFiltersCommand({ logGroupName: group }))).subscriptionFilters!.map((f) => f.filterName)).toEqual(['a-firehose', 'c-dest']);

    const again = await rejection(logs().send(new DeleteSubscriptionFilterCommand({ logGroupName: group, filterName: 'b-kinesis' })));
    expect(again.name).toBe('ResourceNotFoundException');
    expect(again.message).toBe('The specified subscription filter does not exist.');
    expect(again.$metadata.httpStatusCode).toBe(400);
    await logs().send(new DeleteLogGroupCommand({ logGroupName: group }));
  });

  it('refuses a missing function, an unsupported destination, a bad pattern and a missing group', async () => {
    const group = `/sf/errors-${uniqueName('g')}`;
    await logs().send(new CreateLogGroupCommand({ logGroupName: group }));
    const base = { logGroupName: group, filterName: 'f', filterPattern: 'ERROR' };

    const missing = await rejection(logs().send(new PutSubscriptionFilterCommand({ ...base, destinationArn: 'arn:aws:lambda:us-east-1:000000000000:function:no-such-function' })));
    expect(missing.name).toBe('InvalidParameterException');
    expect(missing.message).toBe('Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.');
    expect(missing.$metadata.httpStatusCode).toBe(400);

    const sqs = await rejection(logs().send(new PutSubscriptionFilterCommand({ ...base, destinationArn: 'arn:aws:sqs:us-east-1:000000000000:q' })));
    expect(sqs.name).toBe('InvalidParameterException');
    expect(sqs.$metadata.httpStatusCode).toBe(400);

    const pattern = await rejection(
      logs().send(new PutSubscriptionFilterCommand({ ...base, filterPattern: '{ $.level = ', destinationArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s' })),
    );
    expect(pattern.name).toBe('InvalidParameterException');
    expect(pattern.$metadata.httpStatusCode).toBe(400);

    const noGroup = await rejection(logs().send(new PutSubscriptionFilterCommand({ ...base, logGroupName: '/sf/none', destinationArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s' })));
    expect(noGroup.name).toBe('ResourceNotFoundException');
    expect(noGroup.$metadata.httpStatusCode).toBe(400);
    // Nothing was stored by the refused calls.
    expect((await logs().send(new DescribeSubscriptionFiltersCommand({ logGroupName: group }))).subscriptionFilters).toEqual([]);
  });

  it('delivers a function’s own output to itself, as AWS does, but stops a self-feeding loop instead of spinning', async () => {
    const emu = emulator();
    const lambda = lambdaClient(emu);
    const name = uniqueName('self-subscriber');
    const arn = await deployNode(lambda, name, `exports.handler = async (event) => { console.log('LOOP tick ' + (event.awslogs ? 'from-logs' : 'direct')); };`, { Timeout: 10 });
    const group = `/aws/lambda/${name}`;
    await logs().send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs().send(new PutSubscriptionFilterCommand({ logGroupName: group, filterName: 'self', filterPattern: 'LOOP', destinationArn: arn }));
    const hops = recordHops(emu);
    try {
      await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
      const stop = await waitFor(() => hops.hops.find((h) => h.type === 'logs.subscription.loop' && h.logGroupName === group), { what: 'the loop guard', timeoutMs: 60_000 });
      expect(stop).toMatchObject({ filterName: 'self', destination: arn, deliveriesInARow: 16 });
      expect(hops.hops.filter((h) => h.type === 'logs.subscription.deliver' && h.logGroupName === group)).toHaveLength(16);
      // The deliveries really ran the function: its own log group shows output written because of them.
      const fromLogs = await waitFor(
        async () => {
          const r = await logs().send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '"LOOP tick from-logs"' }));
          return r.events!.length >= 16 && r.events!;
        },
        { what: 'the invocations caused by the subscription to log' },
      );
      expect(fromLogs.length).toBeGreaterThanOrEqual(16);
    } finally {
      hops.stop();
    }
  });
});

describe('CloudWatch Logs subscription filters (virtual time)', () => {
  const emulator = useEmulator({ virtualTime: true });

  it('delivers the batch when the emulated delay passes, without real waiting', async () => {
    const emu = emulator();
    const group = `/sf/virtual-${uniqueName('g')}`;
    await groupWithStreams(emu, group, ['s1']);
    const fn = await sink(emu);
    await logsOf(emu).send(new PutSubscriptionFilterCommand({ logGroupName: group, filterName: 'all', filterPattern: '', destinationArn: fn.arn }));
    const before = emu.clock.now();
    await put(emu, group, 's1', ['first', 'second']);
    const [m] = await fn.received(2, 'both events');
    expect(m!.logEvents.map((e) => e.message)).toEqual(['first', 'second']);
    // The batch waited its emulated second.
    expect(emu.clock.now() - before).toBeGreaterThanOrEqual(1_000);
  });
});
