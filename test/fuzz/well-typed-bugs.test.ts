import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, InvokeWithResponseStreamCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand, S3Client, UploadPartCommand, UploadPartCopyCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, json, lambdaClient, rejection, uniqueName } from '../lambda/helpers';

// Regressions for the bugs the well-typed fuzzer found (see test/fuzz/well-typed.ts): each answered a 500,
// changed state half-way, or was served as another operation.

const emulator = useEmulator({ timeScale: 0.001 });
const config = () => ({ ...clientConfig(emulator()), maxAttempts: 1 });

describe('events TestEventPattern', () => {
  it.each(['true', '-1', 'null', '"text"', '[1]'])('answers 400 to an Event that is JSON but not an object (%s)', async (event) => {
    const events = new EventBridgeClient(config());
    const err = await rejection(events.send(new TestEventPatternCommand({ EventPattern: '{"source":["x"]}', Event: event })));
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.name).toBe('InvalidEventPatternException');
    events.destroy();
  });
});

describe('monitoring DeleteAlarms', () => {
  it('deletes an alarm named twice once, with one history item', async () => {
    const cw = new CloudWatchClient(config());
    const name = uniqueName('twice');
    await cw.send(new PutMetricAlarmCommand({ AlarmName: name, Namespace: 'WT/Bugs', MetricName: 'M', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' }));
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [name, name] }));
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms).toEqual([]);
    const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: 'ConfigurationUpdate' }));
    expect(history.AlarmHistoryItems?.map((h) => h.HistorySummary)).toEqual([`Alarm "${name}" deleted`, `Alarm "${name}" created`]);
    cw.destroy();
  });
});

describe('lambda ClientContext', () => {
  let client: ReturnType<typeof lambdaClient> | undefined;
  const lambda = () => (client ??= lambdaClient(emulator()));
  afterAll(() => client?.destroy());
  const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  let fn: string;
  beforeAll(async () => {
    fn = uniqueName('ctx');
    await deployNode(lambda(), fn, `exports.handler = async (event, context) => ({ custom: context.clientContext && context.clientContext.custom });`);
  });

  it.each([
    ['not base64', '%00'],
    ['plain text', 'plain text'],
    ['base64 of text that is not JSON', encode('<?xml version="1.0"?>')],
    ['base64 of JSON that is not an object', encode('[1,2]')],
    ['longer than 3,583 bytes', encode(JSON.stringify({ custom: { pad: 'x'.repeat(3000) } }))],
  ])('Invoke answers 400 InvalidRequestContentException to a ClientContext that is %s', async (_what, clientContext) => {
    const err = await rejection(lambda().send(new InvokeCommand({ FunctionName: fn, ClientContext: clientContext, Payload: Buffer.from('{}') })));
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.name).toBe('InvalidRequestContentException');
  });

  it('InvokeWithResponseStream answers the same 400 before anything runs', async () => {
    const err = await rejection(lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: fn, ClientContext: 'plain text', Payload: Buffer.from('{}') })));
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.name).toBe('InvalidRequestContentException');
  });

  it('passes base64 JSON with text outside Latin-1 to the function intact', async () => {
    const custom = { city: 'Zürich', greeting: 'こんにちは 👋', quote: '"\\\n' };
    const out = await lambda().send(new InvokeCommand({ FunctionName: fn, ClientContext: encode(JSON.stringify({ custom })), Payload: Buffer.from('{}') }));
    expect(out.FunctionError).toBeUndefined();
    expect(json(out.Payload)).toEqual({ custom });
  });
});

describe('s3 multipart requests without a key', () => {
  it.each(['UploadPartCopy', 'UploadPart'])('%s with an empty Key is refused and creates no bucket', async (op) => {
    const s3 = new S3Client({ ...config(), forcePathStyle: true });
    const source = uniqueName('wt-src');
    const target = uniqueName('wt-new');
    await s3.send(new CreateBucketCommand({ Bucket: source }));
    await s3.send(new PutObjectCommand({ Bucket: source, Key: 'obj.csv', Body: 'a,b' }));
    const command =
      op === 'UploadPartCopy'
        ? new UploadPartCopyCommand({ Bucket: target, Key: '', CopySource: `${source}/obj.csv`, PartNumber: 1, UploadId: 'x' })
        : new UploadPartCommand({ Bucket: target, Key: '', PartNumber: 1, UploadId: 'x', Body: 'part' });
    const err = await rejection(s3.send(command as any));
    expect(err.$metadata.httpStatusCode).toBe(405);
    expect(err.name).toBe('MethodNotAllowed');
    const head = await rejection(s3.send(new HeadBucketCommand({ Bucket: target })));
    expect(head.$metadata.httpStatusCode).toBe(404);
    s3.destroy();
  });
});

describe('sqs SendMessageBatch with the entry id __proto__', () => {
  it('reports the failed entry under its id (the SDK checksum check, not the emulator, trips on it)', async () => {
    // md5: false: the SDK's own check keeps entries in a plain object, where `__proto__` finds Object.prototype.
    const sqs = new SQSClient({ ...config(), md5: false });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${uniqueName('proto')}.fifo`, Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }));
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: '__proto__', MessageBody: 'bad', MessageGroupId: 'g', MessageAttributes: { a: { DataType: 'x'.repeat(1025), StringValue: 'v' } } },
          { Id: 'ok', MessageBody: 'good', MessageGroupId: 'g' },
        ],
      }),
    );
    expect(out.Failed?.map((f) => [f.Id, f.SenderFault])).toEqual([['__proto__', true]]);
    expect(out.Successful?.map((s) => s.Id)).toEqual(['ok']);
    sqs.destroy();
  });
});
