import { createHash } from 'node:crypto';
import {
  AddPermissionCommand,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  RemovePermissionCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import { md5OfMessageAttributes } from '../../emulator/sqs/md5';
import { errorOf, startSqsServer, type SqsTestServer } from './helpers';

/**
 * Conformance of the SQS API through the official SDK (AWS JSON protocol) against the running emulator:
 * every operation's success and error paths. Time is virtual, so visibility and delays are exact.
 */

let s: SqsTestServer;
let clock: VirtualClock;
let n = 0;
const unique = (base: string) => `${base}-${++n}`;

beforeAll(async () => {
  clock = new VirtualClock();
  s = await startSqsServer({ clock, sqsMaxMessageSize: 16_384 });
});
afterAll(() => s.stop());

const createQueue = async (name: string, Attributes?: Record<string, string>) =>
  (await s.client.send(new CreateQueueCommand({ QueueName: name, Attributes })))!.QueueUrl!;
const attributesOf = async (QueueUrl: string) =>
  (await s.client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes!;

describe('queues', () => {
  it('creates a queue, finds its URL, lists and deletes it', async () => {
    const name = unique('orders');
    const url = await createQueue(name);
    expect(url).toBe(`${s.endpoint}/000000000000/${name}`);
    expect((await s.client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl).toBe(url);
    expect((await s.client.send(new ListQueuesCommand({ QueueNamePrefix: name }))).QueueUrls).toEqual([url]);
    await s.client.send(new DeleteQueueCommand({ QueueUrl: url }));
    const err = await errorOf(() => s.client.send(new GetQueueUrlCommand({ QueueName: name })));
    expect(err.name).toBe('QueueDoesNotExist');
    expect(err.Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
    expect(err.message).toBe('The specified queue does not exist.');
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it('is idempotent for the same attributes and refuses different ones', async () => {
    const name = unique('idem');
    const url = await createQueue(name, { VisibilityTimeout: '45' });
    expect(await createQueue(name, { VisibilityTimeout: '45' })).toBe(url);
    const err = await errorOf(() => createQueue(name, { VisibilityTimeout: '46' }));
    expect(err.name).toBe('QueueNameExists');
    expect(err.Code).toBe('QueueAlreadyExists');
    expect(err.message).toBe('A queue already exists with the same name and a different value for attribute VisibilityTimeout');
  });

  it('validates names and the FIFO suffix', async () => {
    const bad = await errorOf(() => createQueue('has space'));
    expect(bad.name).toBe('InvalidParameterValue');
    expect(bad.message).toBe('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    expect((await errorOf(() => createQueue('x'.repeat(81)))).name).toBe('InvalidParameterValue');
    expect((await errorOf(() => createQueue('standard.fifo'))).name).toBe('InvalidParameterValue');
    expect((await errorOf(() => createQueue('nofifosuffix', { FifoQueue: 'true' }))).message).toMatch(/must end with .fifo suffix/);
  });

  it('pages ListQueues with MaxResults and NextToken', async () => {
    const prefix = unique('page');
    const urls: string[] = [];
    for (let i = 0; i < 5; i++) urls.push(await createQueue(`${prefix}-${i}`));
    const seen: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await s.client.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2, NextToken }));
      expect(page.QueueUrls!.length).toBeLessThanOrEqual(2);
      seen.push(...page.QueueUrls!);
      NextToken = page.NextToken;
    } while (NextToken);
    expect(seen.sort()).toEqual(urls.sort());
    expect((await s.client.send(new ListQueuesCommand({ QueueNamePrefix: 'no-such-prefix' }))).QueueUrls).toBeUndefined();
  });

  it('reports every attribute of a standard queue', async () => {
    const url = await createQueue(unique('attrs'), { DelaySeconds: '5', MaximumMessageSize: '2048' });
    const a = await attributesOf(url);
    expect(a).toMatchObject({
      QueueArn: `arn:aws:sqs:us-east-1:000000000000:${url.split('/').pop()}`,
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
      CreatedTimestamp: String(Math.floor(clock.now() / 1000)),
      VisibilityTimeout: '30',
      MaximumMessageSize: '2048',
      MessageRetentionPeriod: '345600',
      DelaySeconds: '5',
      ReceiveMessageWaitTimeSeconds: '0',
      SqsManagedSseEnabled: 'true',
    });
    expect(a.LastModifiedTimestamp).toBeDefined();
    expect(a.FifoQueue).toBeUndefined();
    const some = await s.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['DelaySeconds', 'QueueArn'] }));
    expect(Object.keys(some.Attributes!).sort()).toEqual(['DelaySeconds', 'QueueArn']);
  });

  it('reports the FIFO attributes of a FIFO queue', async () => {
    const url = await createQueue(unique('attrs') + '.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    expect(await attributesOf(url)).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      DeduplicationScope: 'queue',
      FifoThroughputLimit: 'perQueue',
    });
  });

  it('refuses unknown attribute names', async () => {
    const url = await createQueue(unique('unknown'));
    const err = await errorOf(() => s.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Bogus' as never] })));
    expect(err.name).toBe('InvalidAttributeName');
    expect(err.message).toBe('Unknown Attribute Bogus.');
  });

  it('sets attributes within their ranges and names AWS’s errors otherwise', async () => {
    const url = await createQueue(unique('set'));
    await s.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '60', KmsMasterKeyId: 'alias/aws/sqs' } }));
    const a = await attributesOf(url);
    expect(a.VisibilityTimeout).toBe('60');
    expect(a.KmsMasterKeyId).toBe('alias/aws/sqs');
    expect(a.KmsDataKeyReusePeriodSeconds).toBe('300');
    expect(a.SqsManagedSseEnabled).toBe('false');

    const cases: [Record<string, string>, string, string][] = [
      [{ VisibilityTimeout: '43201' }, 'InvalidAttributeValue', 'Invalid value for the parameter VisibilityTimeout.'],
      [{ MessageRetentionPeriod: '59' }, 'InvalidAttributeValue', 'Invalid value for the parameter MessageRetentionPeriod.'],
      [{ DelaySeconds: '901' }, 'InvalidAttributeValue', 'Invalid value for the parameter DelaySeconds.'],
      [{ ReceiveMessageWaitTimeSeconds: '21' }, 'InvalidAttributeValue', 'Invalid value for the parameter ReceiveMessageWaitTimeSeconds.'],
      [{ MaximumMessageSize: '1023' }, 'InvalidAttributeValue', 'Invalid value for the parameter MaximumMessageSize.'],
      [{ Policy: '{not json' }, 'InvalidAttributeValue', 'Invalid value for the parameter Policy.'],
      [{ Bogus: '1' }, 'InvalidAttributeName', 'Unknown Attribute Bogus.'],
      [{ QueueArn: 'x' }, 'InvalidAttributeName', 'Unknown Attribute QueueArn.'],
      [{ ContentBasedDeduplication: 'true' }, 'InvalidAttributeName', 'Unknown Attribute ContentBasedDeduplication.'],
    ];
    for (const [Attributes, name, message] of cases) {
      const err = await errorOf(() => s.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes })));
      expect([name, err.name, err.message]).toEqual([name, name, message]);
    }
    const missing = await errorOf(() =>
      s.client.send(
        new SetQueueAttributesCommand({
          QueueUrl: url,
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nope', maxReceiveCount: 3 }) },
        }),
      ),
    );
    expect(missing.name).toBe('InvalidParameterValue');
    expect(missing.message).toMatch(/for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist./);
    // A queue of another Region is not found as a dead-letter target (AWS: same account and Region).
    const west = new SQSClient({ endpoint: s.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const westUrl = (await west.send(new CreateQueueCommand({ QueueName: unique('west-dlq') }))).QueueUrl!;
    const westArn = (await west.send(new GetQueueAttributesCommand({ QueueUrl: westUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const elsewhere = await errorOf(() =>
      s.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: westArn, maxReceiveCount: 3 }) } })),
    );
    expect([elsewhere.name, elsewhere.message]).toEqual(['InvalidParameterValue', expect.stringMatching(/Reason: Dead letter target does not exist.$/)]);
    west.destroy();
    const count = await errorOf(() =>
      s.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: a.QueueArn, maxReceiveCount: 0 }) } })),
    );
    expect(count.message).toMatch(/Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive./);
  });

  it('answers QueueDoesNotExist and InvalidAddress for queue URLs that name nothing', async () => {
    const gone = await errorOf(() => s.client.send(new SendMessageCommand({ QueueUrl: `${s.endpoint}/000000000000/never-made`, MessageBody: 'x' })));
    expect(gone.name).toBe('QueueDoesNotExist');
    const bad = await errorOf(() => s.client.send(new SendMessageCommand({ QueueUrl: 'not-a-url', MessageBody: 'x' })));
    expect(bad.name).toBe('InvalidAddress');
    expect(bad.$metadata?.httpStatusCode).toBe(404);
  });

  it('speaks the Query protocol too (form posts, XML answers, legacy error codes)', async () => {
    const name = unique('query');
    const post = (form: Record<string, string>) =>
      fetch(s.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ Version: '2012-11-05', ...form }) });
    const created = await post({ Action: 'CreateQueue', QueueName: name });
    expect(await created.text()).toContain(`<QueueUrl>${s.endpoint}/000000000000/${name}</QueueUrl>`);
    const sent = await post({
      Action: 'SendMessage',
      QueueUrl: `${s.endpoint}/000000000000/${name}`,
      MessageBody: 'via query',
      'MessageAttribute.1.Name': 'color',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'blue',
    });
    const sentXml = await sent.text();
    expect(sentXml).toContain(`<MD5OfMessageAttributes>${md5OfMessageAttributes({ color: { DataType: 'String', StringValue: 'blue' } })}</MD5OfMessageAttributes>`);
    const missing = await post({ Action: 'GetQueueUrl', QueueName: 'never-made-query' });
    expect(missing.status).toBe(400);
    const xml = await missing.text();
    expect(xml).toContain('<Code>AWS.SimpleQueueService.NonExistentQueue</Code>');
    expect(xml).toContain('<Message>The specified queue does not exist for this wsdl version.</Message>');
  });

  it('accepts queue URLs with any host (resolved by account and name)', async () => {
    const name = unique('anyhost');
    await createQueue(name);
    const r = await s.client.send(new SendMessageCommand({ QueueUrl: `https://sqs.us-east-1.amazonaws.com/000000000000/${name}`, MessageBody: 'x' }));
    expect(r.MessageId).toBeDefined();
  });

  it('tags and untags queues', async () => {
    const url = (await s.client.send(new CreateQueueCommand({ QueueName: unique('tags'), tags: { team: 'a' } }))).QueueUrl!;
    await s.client.send(new TagQueueCommand({ QueueUrl: url, Tags: { env: 'test', team: 'b' } }));
    expect((await s.client.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toEqual({ team: 'b', env: 'test' });
    await s.client.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['team', 'env'] }));
    expect((await s.client.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toBeUndefined();
  });

  it('adds and removes permissions in the queue Policy', async () => {
    const url = await createQueue(unique('perm'));
    await s.client.send(new AddPermissionCommand({ QueueUrl: url, Label: 'send', AWSAccountIds: ['111122223333'], Actions: ['SendMessage'] }));
    const policy = JSON.parse((await attributesOf(url)).Policy!);
    expect(policy.Statement).toEqual([
      { Sid: 'send', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'SQS:SendMessage', Resource: policy.Statement[0].Resource },
    ]);
    expect((await errorOf(() => s.client.send(new AddPermissionCommand({ QueueUrl: url, Label: 'send', AWSAccountIds: ['1'], Actions: ['SendMessage'] })))).message).toMatch(
      /Already exists/,
    );
    expect((await errorOf(() => s.client.send(new AddPermissionCommand({ QueueUrl: url, Label: 'x', AWSAccountIds: ['1'], Actions: ['Fly'] })))).name).toBe(
      'InvalidParameterValue',
    );
    await s.client.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'send' }));
    expect((await attributesOf(url)).Policy).toBeUndefined();
    expect((await errorOf(() => s.client.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'send' })))).name).toBe('InvalidParameterValue');
  });
});

describe('messages', () => {
  const allTypes: Record<string, MessageAttributeValue> = {
    str: { DataType: 'String', StringValue: 'hello ✓' },
    num: { DataType: 'Number', StringValue: '-12.5e3' },
    bin: { DataType: 'Binary', BinaryValue: Uint8Array.from([0, 1, 2, 255]) },
    custom: { DataType: 'String.custom', StringValue: 'x' },
    numInt: { DataType: 'Number.int', StringValue: '7' },
    gz: { DataType: 'Binary.gzip', BinaryValue: Buffer.from('zz') },
    'app.trace': { DataType: 'String', StringValue: 't-1' },
    'app.user': { DataType: 'String', StringValue: 'u-1' },
  };

  it('round-trips message attributes of every type, with MD5s the client can check', async () => {
    const url = await createQueue(unique('attrs-msg'));
    const sent = await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'body ✓', MessageAttributes: allTypes }));
    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update('body ✓').digest('hex'));
    expect(sent.MD5OfMessageAttributes).toBe(md5OfMessageAttributes(allTypes));
    const got = await s.client.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
    const m = got.Messages![0]!;
    expect(m.Body).toBe('body ✓');
    expect(m.MessageId).toBe(sent.MessageId);
    expect(m.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(Object.keys(m.MessageAttributes!).sort()).toEqual(Object.keys(allTypes).sort());
    expect(Buffer.from(m.MessageAttributes!.bin!.BinaryValue!)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(m.MessageAttributes!.num).toEqual({ DataType: 'Number', StringValue: '-12.5e3' });
    expect(m.Attributes).toMatchObject({ SenderId: 'test', ApproximateReceiveCount: '1', SentTimestamp: String(clock.now()) });
    expect(m.Attributes!.ApproximateFirstReceiveTimestamp).toBe(String(clock.now()));
  });

  it('filters message attributes by name and by prefix, hashing what it returns', async () => {
    const url = await createQueue(unique('filter'));
    await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes: allTypes }));
    const got = await s.client.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['app.*', 'str'], VisibilityTimeout: 0 }));
    const m = got.Messages![0]!;
    expect(Object.keys(m.MessageAttributes!).sort()).toEqual(['app.trace', 'app.user', 'str']);
    expect(m.MD5OfMessageAttributes).toBe(md5OfMessageAttributes(m.MessageAttributes!));
    expect(m.Attributes).toBeUndefined();
    const none = await s.client.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['SentTimestamp'] }));
    expect(none.Messages![0]!.MessageAttributes).toBeUndefined();
    expect(none.Messages![0]!.MD5OfMessageAttributes).toBeUndefined();
    expect(Object.keys(none.Messages![0]!.Attributes!)).toEqual(['SentTimestamp']);
  });

  it('carries AWSTraceHeader as a system attribute with its MD5', async () => {
    const url = await createQueue(unique('trace'));
    const MessageSystemAttributes = { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793' } };
    const sent = await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageSystemAttributes }));
    expect(sent.MD5OfMessageSystemAttributes).toBe(md5OfMessageAttributes(MessageSystemAttributes));
    const got = await s.client.send(new ReceiveMessageCommand({ QueueUrl: url, AttributeNames: ['AWSTraceHeader' as never] }));
    expect(got.Messages![0]!.Attributes).toEqual({ AWSTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793' });
  });

  it('refuses bodies that are too large, empty or hold invalid characters, and bad attributes', async () => {
    const url = await createQueue(unique('limits'), { MaximumMessageSize: '1024' });
    const big = await errorOf(() => s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1025) })));
    expect(big.name).toBe('InvalidParameterValue');
    expect(big.message).toBe('One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.');
    const withAttrs = await errorOf(() =>
      s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1000), MessageAttributes: { a: { DataType: 'String', StringValue: 'y'.repeat(30) } } })),
    );
    expect(withAttrs.message).toMatch(/Message must be shorter than 1024 bytes/);
    const chars = await errorOf(() => s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'bad \u0000 char' })));
    expect(chars.name).toBe('InvalidMessageContents');
    const empty = await errorOf(() => s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '' })));
    expect(empty.name).toBe('MissingParameter');
    const delay = await errorOf(() => s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 })));
    expect(delay.message).toBe('Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.');
    const attr = await errorOf(() => s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes: { 'AWS.x': { DataType: 'String', StringValue: 'v' } } })));
    expect(attr.name).toBe('InvalidParameterValue');
  });

  it('delays messages per queue and per message', async () => {
    const url = await createQueue(unique('delay'), { DelaySeconds: '10' });
    await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'queue-delay' }));
    await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'no-delay', DelaySeconds: 0 }));
    expect((await attributesOf(url)).ApproximateNumberOfMessagesDelayed).toBe('1');
    const first = await s.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(first.Messages!.map((m) => m.Body)).toEqual(['no-delay']);
    clock.advance(10_000);
    const second = await s.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(second.Messages!.map((m) => m.Body)).toEqual(['queue-delay']);
  });

  it('validates ReceiveMessage parameters', async () => {
    const url = await createQueue(unique('recv-params'));
    const max = await errorOf(() => s.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })));
    expect(max.message).toBe('Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.');
    const wait = await errorOf(() => s.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 21 })));
    expect(wait.message).toBe('Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.');
  });

  it('hides received messages for the visibility timeout and counts receives', async () => {
    const url = await createQueue(unique('vis'), { VisibilityTimeout: '20' });
    await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    const r1 = await s.client.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect((await s.client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    expect((await attributesOf(url)).ApproximateNumberOfMessagesNotVisible).toBe('1');
    clock.advance(20_000);
    const r2 = await s.client.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    expect(r2.Messages![0]!.MessageId).toBe(r1.Messages![0]!.MessageId);
    expect(r2.Messages![0]!.Attributes!.ApproximateReceiveCount).toBe('2');
  });

  it('deletes messages, and refuses receipt handles that are not valid', async () => {
    const url = await createQueue(unique('del'));
    await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    const m = (await s.client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages![0]!;
    await s.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    expect((await attributesOf(url)).ApproximateNumberOfMessagesNotVisible).toBe('0');
    const err = await errorOf(() => s.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })));
    expect(err.name).toBe('ReceiptHandleIsInvalid');
    expect(err.message).toBe('The input receipt handle "garbage" is not a valid receipt handle.');
  });

  it('sends batches, reporting per-entry failures in Failed', async () => {
    const url = await createQueue(unique('batch'));
    const r = await s.client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'ok-1', MessageBody: 'one', MessageAttributes: { k: { DataType: 'Number', StringValue: '1' } } },
          { Id: 'bad', MessageBody: 'nul \u0000' },
          { Id: 'ok_2', MessageBody: 'two', DelaySeconds: 0 },
        ],
      }),
    );
    expect(r.Successful!.map((e) => e.Id)).toEqual(['ok-1', 'ok_2']);
    expect(r.Successful![0]!.MD5OfMessageAttributes).toBe(md5OfMessageAttributes({ k: { DataType: 'Number', StringValue: '1' } }));
    expect(r.Failed).toEqual([{ Id: 'bad', SenderFault: true, Code: 'InvalidMessageContents', Message: expect.stringMatching(/Invalid characters found/) }]);
    expect((await attributesOf(url)).ApproximateNumberOfMessages).toBe('2');
  });

  it('refuses malformed batches as a whole', async () => {
    const url = await createQueue(unique('badbatch'));
    const send = (Entries: { Id: string; MessageBody: string }[]) => errorOf(() => s.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries })));
    expect((await send([])).name).toBe('EmptyBatchRequest');
    expect((await send(Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' })))).name).toBe('TooManyEntriesInBatchRequest');
    const dup = await send([{ Id: 'a', MessageBody: 'x' }, { Id: 'a', MessageBody: 'y' }]);
    expect(dup.name).toBe('BatchEntryIdsNotDistinct');
    expect(dup.Code).toBe('AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
    expect((await send([{ Id: 'no spaces', MessageBody: 'x' }])).name).toBe('InvalidBatchEntryId');
    const long = await send([{ Id: 'a', MessageBody: 'x'.repeat(9000) }, { Id: 'b', MessageBody: 'x'.repeat(9000) }]);
    expect(long.name).toBe('BatchRequestTooLong');
    expect(long.message).toBe('Batch requests cannot be longer than 16384 bytes. You have sent 18000 bytes.');
  });

  it('deletes and changes visibility in batches', async () => {
    const url = await createQueue(unique('batch-ops'), { VisibilityTimeout: '30' });
    await s.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [1, 2, 3].map((i) => ({ Id: `m${i}`, MessageBody: `b${i}` })) }));
    const ms = (await s.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages!;
    expect(ms).toHaveLength(3);
    const vis = await s.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', ReceiptHandle: ms[0]!.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: 'b', ReceiptHandle: 'garbage', VisibilityTimeout: 0 },
        ],
      }),
    );
    expect(vis.Successful).toEqual([{ Id: 'a' }]);
    expect(vis.Failed![0]).toMatchObject({ Id: 'b', Code: 'ReceiptHandleIsInvalid', SenderFault: true });
    const del = await s.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'x', ReceiptHandle: ms[1]!.ReceiptHandle },
          { Id: 'y', ReceiptHandle: ms[2]!.ReceiptHandle },
          { Id: 'z', ReceiptHandle: 'garbage' },
        ],
      }),
    );
    expect(del.Successful!.map((e) => e.Id)).toEqual(['x', 'y']);
    expect(del.Failed!.map((e) => e.Id)).toEqual(['z']);
    expect(await attributesOf(url)).toMatchObject({ ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('changes a message’s visibility only while it is in flight', async () => {
    const url = await createQueue(unique('cmv'), { VisibilityTimeout: '5' });
    await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    const m = (await s.client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages![0]!;
    await s.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 100 }));
    clock.advance(50_000);
    expect((await s.client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    clock.advance(50_000);
    const err = await errorOf(() => s.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 10 })));
    expect(err.name).toBe('MessageNotInflight');
    expect(err.Code).toBe('AWS.SimpleQueueService.MessageNotInflight');
  });

  it('purges a queue once a minute', async () => {
    const url = await createQueue(unique('purge'));
    for (let i = 0; i < 3; i++) await s.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
    await s.client.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect((await attributesOf(url)).ApproximateNumberOfMessages).toBe('0');
    const again = await errorOf(() => s.client.send(new PurgeQueueCommand({ QueueUrl: url })));
    expect(again.name).toBe('PurgeQueueInProgress');
    expect(again.$metadata?.httpStatusCode).toBe(403);
    clock.advance(60_000);
    await s.client.send(new PurgeQueueCommand({ QueueUrl: url }));
  });
});
