import { createHash } from 'node:crypto';
import { VirtualClock } from '../../emulator/core/clock';
import type { RequestContext } from '../../emulator/core/context';
import { DeliveryBus, type Hop, type Origin } from '../../emulator/core/delivery';
import { AwsError } from '../../emulator/core/errors';
import { resetRandomSource, setRandomSource } from '../../emulator/core/ids';
import type { EmulatorOptions } from '../../emulator/core/service';
import { createSqsProvider, type SqsEventRecord, type SqsService } from '../../emulator/sqs';

/** The provider without HTTP: the delivery bus, the event-source-mapping API, peek and digest. */

const options = (over: Partial<EmulatorOptions> = {}): EmulatorOptions => ({
  host: '127.0.0.1',
  port: 4566,
  region: 'us-east-1',
  accountId: '000000000000',
  timeScale: 1,
  sqsMaxMessageSize: 262_144,
  strict: false,
  lambdaConcurrencyLimit: 1000,
  scaleFunctionTimeouts: false,
  verifySignatures: false,
  credentials: {},
  ...over,
}) as EmulatorOptions;

const ctx: RequestContext = {
  region: 'us-east-1',
  accountId: '000000000000',
  requestId: 'req-1',
  hostId: 'h',
  endpoint: 'http://localhost:4566',
  sourceIp: '127.0.0.1',
  accessKeyId: 'AKIDEXAMPLE',
  headers: { 'x-amz-target': 'AmazonSQS.X' },
  operation: 'X',
};

function setup(over: Partial<EmulatorOptions> = {}) {
  const clock = new VirtualClock();
  const bus = new DeliveryBus(clock);
  const hops: Hop[] = [];
  bus.onHop((h) => hops.push(h));
  const sqs: SqsService = createSqsProvider({ clock, bus, options: options(over) });
  const create = async (name: string, Attributes?: Record<string, string>) => {
    const url = (await sqs.CreateQueue({ QueueName: name, Attributes }, ctx)).QueueUrl!;
    return { url, arn: `arn:aws:sqs:us-east-1:000000000000:${name}` };
  };
  return { clock, bus, hops, sqs, create };
}

const s3Origin: Origin = { principal: 's3.amazonaws.com', sourceArn: 'arn:aws:s3:::uploads', sourceAccount: '000000000000', correlation: { requestId: 'abc' } };
const flush = () => new Promise((r) => setImmediate(r));

describe('deliveries through the bus', () => {
  it('enqueues kind:"sqs" messages, traces them, and refuses unknown queues', async () => {
    const { bus, sqs, create, hops } = setup();
    const { arn } = await create('events');
    bus.check(arn, s3Origin);
    await bus.sendNow(arn, { kind: 'sqs', body: '{"Records":[]}', messageAttributes: { a: { DataType: 'String', StringValue: 'b' } } }, s3Origin);
    const [m] = sqs.peek(arn);
    expect(m).toMatchObject({ body: '{"Records":[]}', state: 'visible', messageAttributes: { a: { stringValue: 'b', dataType: 'String' } } });
    expect(hops.find((h) => h.type === 'sqs.send')).toMatchObject({ queueArn: arn, messageId: m!.messageId, sourceArn: 'arn:aws:s3:::uploads', requestId: 'abc' });
    expect(() => bus.check('arn:aws:sqs:us-east-1:000000000000:missing', s3Origin)).toThrow(AwsError);
    await expect(bus.sendNow('arn:aws:sqs:us-east-1:000000000000:missing', { kind: 'sqs', body: 'x' }, s3Origin)).rejects.toMatchObject({
      code: 'QueueDoesNotExist',
    });
  });

  it('delivers to FIFO queues with group and deduplication ids, and carries system attributes', async () => {
    const { bus, sqs, create } = setup();
    const { arn } = await create('events.fifo', { FifoQueue: 'true' });
    const msg = { kind: 'sqs' as const, body: 'x', messageGroupId: 'g', messageDeduplicationId: 'd', systemAttributes: { AWSTraceHeader: 'Root=1-abc' } };
    await bus.sendNow(arn, msg, s3Origin);
    await bus.sendNow(arn, msg, s3Origin);
    const peeked = sqs.peek(arn);
    expect(peeked).toHaveLength(1);
    expect(peeked[0]!.attributes).toMatchObject({ MessageGroupId: 'g', MessageDeduplicationId: 'd', AWSTraceHeader: 'Root=1-abc' });
    await expect(bus.sendNow(arn, { kind: 'sqs', body: 'no group' }, s3Origin)).rejects.toMatchObject({ code: 'MissingParameter' });
  });

  it('in strict mode requires a queue policy that lets the origin send', async () => {
    const { bus, create, sqs } = setup({ strict: true });
    const { arn, url } = await create('guarded');
    expect(() => bus.check(arn, s3Origin)).toThrow(/does not allow s3.amazonaws.com/);
    await expect(bus.sendNow(arn, { kind: 'sqs', body: 'x' }, s3Origin)).rejects.toMatchObject({ code: 'AccessDenied' });
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'SQS:SendMessage',
          Resource: arn,
          Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:*:*:upl*' }, StringEquals: { 'aws:SourceAccount': '000000000000' } },
        },
      ],
    };
    await sqs.SetQueueAttributes({ QueueUrl: url, Attributes: { Policy: JSON.stringify(policy) } }, ctx);
    bus.check(arn, s3Origin);
    expect(() => bus.check(arn, { ...s3Origin, sourceArn: 'arn:aws:s3:::other' })).toThrow(AwsError);
    expect(() => bus.check(arn, { ...s3Origin, principal: 'sns.amazonaws.com', sourceArn: 'arn:aws:sns:us-east-1:000000000000:t' })).toThrow(AwsError);
    // Lambda (async DLQ, destinations) is authorised by its execution role, not by the queue policy.
    bus.check(arn, { principal: 'lambda.amazonaws.com', sourceArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', sourceAccount: '000000000000' });
  });
});

describe('event source mapping API', () => {
  it('announces arrivals on send, delay end and visibility expiry', async () => {
    const { clock, sqs, create } = setup();
    const { url, arn } = await create('arrivals', { VisibilityTimeout: '10' });
    let calls = 0;
    const unsubscribe = sqs.subscribeArrivals(arn, () => calls++);
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'now' }, ctx);
    await flush();
    expect(calls).toBe(1);
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 5 }, ctx);
    await flush();
    expect(calls).toBe(1);
    clock.advance(5_000);
    await flush();
    expect(calls).toBe(2);
    expect(sqs.receiveForMapping(arn, 10)).toHaveLength(2);
    clock.advance(10_000);
    await flush();
    expect(calls).toBe(3);
    unsubscribe();
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'unheard' }, ctx);
    await flush();
    expect(calls).toBe(3);
  });

  it('receives Lambda SQS records, more than ten at a time, and deletes them', async () => {
    const { clock, sqs, create } = setup();
    const { url, arn } = await create('mapping');
    for (let i = 0; i < 25; i++) {
      await sqs.SendMessage({ QueueUrl: url, MessageBody: `m${i}`, MessageAttributes: { n: { DataType: 'Number', StringValue: String(i) }, b: { DataType: 'Binary', BinaryValue: Buffer.from('hi') } } }, ctx);
    }
    const records: SqsEventRecord[] = sqs.receiveForMapping(arn, 20, 60);
    expect(records).toHaveLength(20);
    const r = records[0]!;
    expect(r).toMatchObject({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: 'm0',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(clock.now()), SenderId: 'AKIDEXAMPLE', ApproximateFirstReceiveTimestamp: String(clock.now()) },
      messageAttributes: {
        n: { stringValue: '0', stringListValues: [], binaryListValues: [], dataType: 'Number' },
        b: { binaryValue: Buffer.from('hi').toString('base64'), stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
      md5OfBody: createHash('md5').update('m0').digest('hex'),
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: arn,
      awsRegion: 'us-east-1',
    });
    const result = sqs.deleteForMapping(arn, [...records.map((x) => x.receiptHandle), 'bogus']);
    expect(result.deleted).toHaveLength(20);
    expect(result.failed).toEqual([{ receiptHandle: 'bogus', code: 'ReceiptHandleIsInvalid', message: expect.any(String) }]);
    expect(sqs.peek(arn)).toHaveLength(5);
  });

  it('changes visibility for a batch (0 returns the messages at once)', async () => {
    const { sqs, create } = setup();
    const { url, arn } = await create('cv');
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'a' }, ctx);
    const [r] = sqs.receiveForMapping(arn, 1);
    expect(sqs.changeVisibilityForMapping(arn, [r!.receiptHandle], 0).failed).toEqual([]);
    expect(sqs.receiveForMapping(arn, 1)[0]!.attributes.ApproximateReceiveCount).toBe('2');
  });

  it('redrives to the DLQ on the mapping’s receives too', async () => {
    const { clock, sqs, create, hops } = setup();
    const dlq = await create('m-dlq');
    const { url, arn } = await create('m-src', { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }) });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'x' }, ctx);
    expect(sqs.receiveForMapping(arn, 10)).toHaveLength(1);
    clock.advance(1_000);
    expect(sqs.receiveForMapping(arn, 10)).toEqual([]);
    expect(sqs.peek(dlq.arn)[0]!.attributes.DeadLetterQueueSourceArn).toBe(arn);
    expect(hops.find((h) => h.type === 'sqs.redrive')).toMatchObject({ queueArn: arn, dlqArn: dlq.arn, receiveCount: 1 });
  });

  it('describes queues for the mapping', async () => {
    const { sqs, create } = setup();
    const dlq = await create('info-dlq.fifo', { FifoQueue: 'true' });
    const { arn } = await create('info.fifo', { FifoQueue: 'true', VisibilityTimeout: '90', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: '4' }) });
    expect(sqs.getQueueInfo(arn)).toMatchObject({
      exists: true,
      fifo: true,
      visibilityTimeout: 90,
      redrivePolicy: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 4 },
      queueUrl: 'http://127.0.0.1:4566/000000000000/info.fifo',
    });
    expect(sqs.getQueueInfo('arn:aws:sqs:us-east-1:000000000000:nope')).toEqual({ exists: false, queueArn: 'arn:aws:sqs:us-east-1:000000000000:nope' });
  });

  it('answers the same questions through bus.ask', async () => {
    const { bus, create, sqs } = setup();
    const { url, arn } = await create('asked');
    let heard = 0;
    const unsubscribe = await bus.ask<unknown, () => void>('sqs.subscribeArrivals', { queueArn: arn, listener: () => heard++ });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'a' }, ctx);
    await flush();
    expect(heard).toBe(1);
    unsubscribe();
    expect(await bus.ask('sqs.queueInfo', { queueArn: arn })).toMatchObject({ exists: true, fifo: false });
    expect(await bus.ask('sqs.peek', { queue: url })).toHaveLength(1);
    const records = await bus.ask<unknown, SqsEventRecord[]>('sqs.receive', { queueArn: arn, max: 5, visibilityTimeoutSeconds: 30 });
    expect(records).toHaveLength(1);
    expect(await bus.ask('sqs.changeVisibility', { queueArn: arn, receiptHandles: [records[0]!.receiptHandle], visibilityTimeoutSeconds: 60 })).toMatchObject({ failed: [] });
    expect(await bus.ask('sqs.delete', { queueArn: arn, receiptHandles: [records[0]!.receiptHandle] })).toMatchObject({ failed: [] });
    expect(typeof (await bus.ask('sqs.digest', {}))).toBe('string');
    await expect(bus.ask('sqs.receive', { queueArn: 'arn:aws:sqs:us-east-1:000000000000:nope', max: 1 })).rejects.toMatchObject({ code: 'QueueDoesNotExist' });
  });
});

describe('inspection', () => {
  it('peeks at visible, in-flight and delayed messages without receiving them', async () => {
    const { clock, sqs, create } = setup();
    const { url, arn } = await create('peeked', { VisibilityTimeout: '30' });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'inflight' }, ctx);
    await sqs.ReceiveMessage({ QueueUrl: url }, ctx);
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'visible' }, ctx);
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'delayed', DelaySeconds: 60 }, ctx);
    const peeked = sqs.peek('peeked');
    expect(peeked.map((m) => [m.body, m.state, m.attributes.ApproximateReceiveCount])).toEqual([
      ['inflight', 'inflight', '1'],
      ['visible', 'visible', '0'],
      ['delayed', 'delayed', '0'],
    ]);
    expect(peeked[0]!.visibleAt).toBe(clock.now() + 30_000);
    expect(sqs.peek(url)).toEqual(sqs.peek(arn));
    const again = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }, ctx);
    expect(again.Messages!.map((m) => [m.Body, m.Attributes!.ApproximateReceiveCount])).toEqual([['visible', '1']]);
  });

  it('digests all messages stably: same history, same digest', async () => {
    const run = async () => {
      let seed = 0;
      setRandomSource((n) => Buffer.alloc(n, seed++ % 256));
      try {
        const { sqs, create } = setup();
        const a = await create('a');
        const b = await create('b.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
        await sqs.SendMessage({ QueueUrl: a.url, MessageBody: 'one' }, ctx);
        await sqs.SendMessage({ QueueUrl: b.url, MessageBody: 'two', MessageGroupId: 'g' }, ctx);
        const before = sqs.digest();
        await sqs.ReceiveMessage({ QueueUrl: a.url }, ctx);
        return [before, sqs.digest()];
      } finally {
        resetRandomSource();
      }
    };
    const [x1, x2] = await run();
    const [y1, y2] = await run();
    expect([x1, x2]).toEqual([y1, y2]);
    expect(x1).not.toBe(x2);
  });

  it('reset drops every queue', async () => {
    const { sqs, create } = setup();
    const { url } = await create('gone');
    sqs.reset();
    await expect(sqs.SendMessage({ QueueUrl: url, MessageBody: 'x' }, ctx)).rejects.toMatchObject({ code: 'QueueDoesNotExist' });
  });
});

describe('fault hooks', () => {
  it('duplicate-receive leaves a received message visible; lose-delete acknowledges without deleting', async () => {
    const { startEmulator } = await import('../../emulator');
    const { SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand, GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
    const emu = await startEmulator({ port: 0, faults: 'duplicate-receive=1,lose-delete=1', seed: 3 });
    try {
      const sqs = new SQSClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'faulty', Attributes: { VisibilityTimeout: '300' } }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'once' }));
      const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
      const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
      expect(first.Messages?.[0]?.Body).toBe('once');
      expect(second.Messages?.[0]?.Body).toBe('once');
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second.Messages![0]!.ReceiptHandle! }));
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      const total = Number(attrs.Attributes!.ApproximateNumberOfMessages) + Number(attrs.Attributes!.ApproximateNumberOfMessagesNotVisible);
      expect(total).toBe(1);
    } finally {
      await emu.stop();
    }
  });
});
