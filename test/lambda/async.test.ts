import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  InvokeCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, HOLDING_HANDLER, lambdaClient, payload, recordHops, scratchDir, uniqueName } from './helpers';

/**
 * Asynchronous invocation: retries on emulated time (timeScale 0.001: the 1- and 2-minute waits take 60 and
 * 120 ms), throttle backoff, the DLQ with its attributes, on-failure / on-success destinations.
 */

const emulator = useEmulator({ timeScale: 0.001 });
let lambdaC: ReturnType<typeof lambdaClient> | undefined;
let sqsC: SQSClient | undefined;
let snsC: SNSClient | undefined;
const lambda = () => (lambdaC ??= lambdaClient(emulator()));
const sqs = () => (sqsC ??= new SQSClient({ ...clientConfig(emulator()), maxAttempts: 1 }));
const sns = () => (snsC ??= new SNSClient({ ...clientConfig(emulator()), maxAttempts: 1 }));
afterAll(() => {
  lambdaC?.destroy();
  sqsC?.destroy();
  snsC?.destroy();
});

const FAILING = `exports.handler = async (event) => { throw new Error('boom ' + JSON.stringify(event)); };`;

async function queue(prefix: string): Promise<{ url: string; arn: string }> {
  const url = (await sqs().send(new CreateQueueCommand({ QueueName: uniqueName(prefix) }))).QueueUrl!;
  const arn = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url, arn };
}

/** Waits for one message in the queue and returns it (with its message attributes). */
async function oneMessage(url: string, what: string): Promise<Message> {
  return waitFor(
    async () => (await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'], MaxNumberOfMessages: 10 }))).Messages?.[0],
    { what },
  );
}

describe('retries and the dead-letter queue', () => {
  it('retries a failing event twice (~1 and ~2 minutes apart), then dead-letters it with RequestID/ErrorCode/ErrorMessage', async () => {
    const dlq = await queue('dlq');
    const name = uniqueName('failing');
    await deployNode(lambda(), name, FAILING, { DeadLetterConfig: { TargetArn: dlq.arn } });
    const hops = recordHops(emulator());
    try {
      const out = await lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: payload({ n: 1 }) }));
      expect(out.StatusCode).toBe(202);
      const requestId = out.$metadata.requestId!;

      const msg = await oneMessage(dlq.url, 'the event in the DLQ');
      expect(JSON.parse(msg.Body!)).toEqual({ n: 1 });
      expect(msg.MessageAttributes?.RequestID).toMatchObject({ DataType: 'String', StringValue: requestId });
      expect(msg.MessageAttributes?.ErrorCode).toMatchObject({ DataType: 'Number', StringValue: '200' });
      expect(msg.MessageAttributes?.ErrorMessage?.StringValue).toBe('boom {"n":1}');

      const starts = hops.of('lambda.invoke.start', name);
      expect(starts.map((h) => h.attempt)).toEqual([1, 2, 3]);
      expect(starts.every((h) => h.requestId === requestId)).toBe(true);
      expect(starts[1]!.time - starts[0]!.time).toBeGreaterThanOrEqual(60_000);
      expect(starts[2]!.time - starts[1]!.time).toBeGreaterThanOrEqual(120_000);
      expect(hops.of('lambda.retry', name).map((h) => h.delayMs)).toEqual([60_000, 120_000]);
      expect(hops.of('lambda.dlq', name)).toHaveLength(1);
    } finally {
      hops.stop();
    }
  });

  it('dead-letters to an SNS topic with the same message attributes', async () => {
    const inbox = await queue('dlq-topic-inbox');
    const topicArn = (await sns().send(new CreateTopicCommand({ Name: uniqueName('dlq-topic') }))).TopicArn!;
    await sns().send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: inbox.arn, Attributes: { RawMessageDelivery: 'true' } }));
    const name = uniqueName('failing-sns');
    await deployNode(lambda(), name, FAILING, { DeadLetterConfig: { TargetArn: topicArn } });
    await lambda().send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 0 }));
    const out = await lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: payload({ via: 'sns' }) }));
    const msg = await oneMessage(inbox.url, 'the event delivered through the DLQ topic');
    expect(JSON.parse(msg.Body!)).toEqual({ via: 'sns' });
    expect(msg.MessageAttributes?.RequestID?.StringValue).toBe(out.$metadata.requestId);
    expect(msg.MessageAttributes?.ErrorCode).toMatchObject({ DataType: 'Number', StringValue: '200' });
    expect(msg.MessageAttributes?.ErrorMessage?.StringValue).toBe('boom {"via":"sns"}');
  });

  it('with MaximumRetryAttempts 0 runs once, then sends the on-failure record', async () => {
    const failures = await queue('on-failure');
    const name = uniqueName('no-retry');
    const arn = await deployNode(lambda(), name, FAILING);
    await lambda().send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: failures.arn } } }),
    );
    const hops = recordHops(emulator());
    try {
      const out = await lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: payload({ k: 'v' }) }));
      const msg = await oneMessage(failures.url, 'the on-failure record');
      const record = JSON.parse(msg.Body!);
      expect(record).toEqual({
        version: '1.0',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        requestContext: { requestId: out.$metadata.requestId, functionArn: `${arn}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 1 },
        requestPayload: { k: 'v' },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: expect.objectContaining({ errorType: 'Error', errorMessage: 'boom {"k":"v"}' }),
      });
      expect(hops.of('lambda.invoke.start', name)).toHaveLength(1);
      expect(hops.of('lambda.retry', name)).toHaveLength(0);
    } finally {
      hops.stop();
    }
  });

  it('gives up with EventAgeExceeded when the next retry would be past MaximumEventAgeInSeconds', async () => {
    const failures = await queue('too-old');
    const name = uniqueName('aged');
    await deployNode(lambda(), name, FAILING);
    await lambda().send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumEventAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: failures.arn } } }),
    );
    await lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: payload({}) }));
    const record = JSON.parse((await oneMessage(failures.url, 'the on-failure record')).Body!);
    expect(record.requestContext.condition).toBe('EventAgeExceeded');
    // 60 s is 60 ms here: a loaded machine may even let the event expire before its first attempt.
    expect(record.requestContext.approximateInvokeCount).toBeLessThanOrEqual(1);
  });

  it('sends events straight to the DLQ when reserved concurrency is 0', async () => {
    const dlq = await queue('dlq-zero');
    const name = uniqueName('zero');
    await deployNode(lambda(), name, `exports.handler = async () => 'ran';`, { DeadLetterConfig: { TargetArn: dlq.arn } });
    await lambda().send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 0 }));
    const hops = recordHops(emulator());
    try {
      await lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: payload({ z: 0 }) }));
      const msg = await oneMessage(dlq.url, 'the throttled event in the DLQ');
      expect(JSON.parse(msg.Body!)).toEqual({ z: 0 });
      expect(msg.MessageAttributes?.ErrorCode?.StringValue).toBe('429');
      expect(hops.of('lambda.invoke.start', name)).toHaveLength(0);
    } finally {
      hops.stop();
    }
  });
});

describe('destinations and throttles', () => {
  it('sends an on-success record with the response', async () => {
    const successes = await queue('on-success');
    const name = uniqueName('succeeds');
    await deployNode(lambda(), name, `exports.handler = async (e) => ({ doubled: e.x * 2 });`);
    await lambda().send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, DestinationConfig: { OnSuccess: { Destination: successes.arn } } }));
    await lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: payload({ x: 21 }) }));
    const record = JSON.parse((await oneMessage(successes.url, 'the on-success record')).Body!);
    expect(record.requestContext).toMatchObject({ condition: 'Success', approximateInvokeCount: 1 });
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    expect(record.requestPayload).toEqual({ x: 21 });
    expect(record.responsePayload).toEqual({ doubled: 42 });
  });

  it('passes a failure record to a Lambda destination as its event', async () => {
    const dir = scratchDir();
    try {
      const sink = uniqueName('sink');
      const sinkArn = await deployNode(lambda(), sink, `const fs = require('fs'); exports.handler = async (e) => { fs.writeFileSync(process.env.OUT, JSON.stringify(e)); };`, {
        Environment: { Variables: { OUT: path.join(dir, 'record.json') } },
      });
      const name = uniqueName('to-lambda');
      await deployNode(lambda(), name, FAILING);
      await lambda().send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: sinkArn } } }),
      );
      await lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: payload({ id: 5 }) }));
      const file = path.join(dir, 'record.json');
      const record = await waitFor(() => fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')), { what: 'the sink function to run' });
      expect(record.requestContext.condition).toBe('RetriesExhausted');
      expect(record.requestPayload).toEqual({ id: 5 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts a throttled event back on the queue with backoff until there is room', async () => {
    const dir = scratchDir();
    const name = uniqueName('busy');
    await deployNode(lambda(), name, HOLDING_HANDLER, { Timeout: 30 });
    await lambda().send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 }));
    const hops = recordHops(emulator());
    try {
      // A synchronous invocation holds the only slot, so the async attempt is throttled by the pool.
      const holding = lambda().send(new InvokeCommand({ FunctionName: name, Payload: payload({ dir, id: 'sync' }) }));
      await waitFor(() => fs.existsSync(path.join(dir, 'started-sync')), { what: 'the sync invocation to start' });
      await lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: payload({ dir, id: 'async' }) }));
      await waitFor(() => hops.of('lambda.retry', name).some((h) => h.reason === 'throttle'), { what: 'a throttle retry' });
      fs.writeFileSync(path.join(dir, 'release'), '');
      await holding;
      await waitFor(() => fs.existsSync(path.join(dir, 'started-async')), { what: 'the async event to run after the throttle' });
      const delays = hops.of('lambda.retry', name).map((h) => h.delayMs as number);
      expect(delays[0]).toBe(1000);
      expect(delays.every((d, i) => i === 0 || d >= delays[i - 1]!)).toBe(true);
    } finally {
      hops.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deliveries from other services', () => {
  it('queues a bus delivery (S3, SNS) as an asynchronous invocation, carrying the lineage along', async () => {
    const dir = scratchDir();
    try {
      const name = uniqueName('from-bus');
      const arn = await deployNode(lambda(), name, `const fs = require('fs'); exports.handler = async (e) => { fs.writeFileSync(process.env.OUT, JSON.stringify({ e, trace: process.env._X_AMZN_TRACE_ID })); };`, {
        Environment: { Variables: { OUT: path.join(dir, 'out.json') } },
      });
      await emulator().bus.sendNow(arn, { kind: 'lambda', payload: '{"Records":[]}' }, {
        principal: 's3.amazonaws.com',
        sourceArn: 'arn:aws:s3:::bucket',
        sourceAccount: '000000000000',
        correlation: { traceHeader: 'Root=1-00000000-111111111111111111111111;Parent=1;Sampled=0;Lineage=feedbeef:4' },
      });
      const file = path.join(dir, 'out.json');
      const seen = await waitFor(() => fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')), { what: 'the delivered event to run' });
      expect(seen.e).toEqual({ Records: [] });
      expect(seen.trace).toMatch(/^Root=1-00000000-111111111111111111111111;.*Lineage=[0-9a-f]{8}:5$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
