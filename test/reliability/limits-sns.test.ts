import {
  CreateTopicCommand,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  type MessageAttributeValue,
  type PublishBatchRequestEntry,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig } from '../helpers/emulator';
import { errorOf, statusOf, uniqueName } from './helpers';

/**
 * SNS limits as AWS enforces them, through the official client (Query protocol): the 256 KiB payload
 * (message plus attributes, Publish and the whole of a PublishBatch), 10 batch entries with distinct ids of
 * ≤80 characters, attribute names, topic names (≤256, `.fifo`), filter policies (≤5 keys, ≤150 combinations,
 * ≤256 KB; "Filter policy constraints in Amazon SNS"), and the 10-attribute limit of raw delivery to SQS
 * ("Amazon SNS message attributes": such messages are discarded as client-side errors).
 */

const PAYLOAD = 262_144;
let emu: RunningEmulator;
let sns: SNSClient;
let sqs: SQSClient;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, log: () => {} });
  sns = new SNSClient({ ...clientConfig(emu), maxAttempts: 1 });
  sqs = new SQSClient({ ...clientConfig(emu), maxAttempts: 1 });
});
afterAll(async () => {
  sns.destroy();
  sqs.destroy();
  await emu.stop();
});

const topic = async (name = uniqueName('t'), Attributes?: Record<string, string>) =>
  (await sns.send(new CreateTopicCommand({ Name: name, Attributes }))).TopicArn!;
const str = (StringValue: string): MessageAttributeValue => ({ DataType: 'String', StringValue });
const attrs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, str(`v${i}`)]));

async function queue(prefix: string): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName(prefix) }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url, arn };
}

async function receiveOne(url: string, what: string): Promise<Message> {
  return waitFor(
    async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }))).Messages?.[0],
    { what },
  );
}

describe('payload size (256 KiB)', () => {
  let arn: string;
  beforeAll(async () => {
    arn = await topic();
  });

  it('accepts exactly 262,144 bytes and refuses one more (InvalidParameter "Message too long")', async () => {
    expect((await sns.send(new PublishCommand({ TopicArn: arn, Message: 'x'.repeat(PAYLOAD) }))).MessageId).toBeTruthy();
    const err = await errorOf(() => sns.send(new PublishCommand({ TopicArn: arn, Message: 'x'.repeat(PAYLOAD + 1) })));
    expect(err.name).toBe('InvalidParameterException');
    expect(statusOf(err)).toBe(400);
    expect(err.message).toBe('Invalid parameter: Message too long');
  });

  it('counts UTF-8 bytes and the message attributes (name, type, value)', async () => {
    const utf8 = await errorOf(() => sns.send(new PublishCommand({ TopicArn: arn, Message: 'é'.repeat(PAYLOAD / 2 + 1) })));
    expect(utf8.message).toBe('Invalid parameter: Message too long');
    // 262,144 - ("k" + "String" + 3 bytes of value) = 262,134 bytes of body: exactly the limit.
    await sns.send(new PublishCommand({ TopicArn: arn, Message: 'x'.repeat(PAYLOAD - 10), MessageAttributes: { k: str('abc') } }));
    const over = await errorOf(() =>
      sns.send(new PublishCommand({ TopicArn: arn, Message: 'x'.repeat(PAYLOAD - 10), MessageAttributes: { k: str('abcd') } })),
    );
    expect(over.message).toBe('Invalid parameter: Message too long');
  });

  it('limits a PublishBatch as a whole (BatchRequestTooLong), publishing none of it', async () => {
    const inbox = await queue('batch-total');
    const t = await topic();
    await sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'sqs', Endpoint: inbox.arn, Attributes: { RawMessageDelivery: 'true' } }));
    const half = PAYLOAD / 2;
    const err = await errorOf(() =>
      sns.send(
        new PublishBatchCommand({
          TopicArn: t,
          PublishBatchRequestEntries: [
            { Id: 'a', Message: 'x'.repeat(half) },
            { Id: 'b', Message: 'x'.repeat(half + 1) },
          ],
        }),
      ),
    );
    expect(err.name).toBe('BatchRequestTooLongException');
    expect(err.message).toBe('The length of all the messages put together is more than the limit.');
    // The next publish is the first thing the queue sees.
    await sns.send(new PublishCommand({ TopicArn: t, Message: 'after' }));
    expect((await receiveOne(inbox.url, 'the message after the refused batch')).Body).toBe('after');
  });
});

describe('PublishBatch entries', () => {
  let arn: string;
  beforeAll(async () => {
    arn = await topic();
  });
  const batch = (PublishBatchRequestEntries: PublishBatchRequestEntry[]) => sns.send(new PublishBatchCommand({ TopicArn: arn, PublishBatchRequestEntries }));
  const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, Message: `m${i}` }));

  it('takes 1 to 10 entries', async () => {
    expect((await batch(entries(10))).Successful).toHaveLength(10);
    const many = await errorOf(() => batch(entries(11)));
    expect(many.name).toBe('TooManyEntriesInBatchRequestException');
    expect(many.message).toBe('The batch request contains more entries than permissible.');
    const none = await errorOf(() => batch([]));
    expect(none.name).toBe('EmptyBatchRequestException');
  });

  it('takes ids of up to 80 alphanumerics, hyphens and underscores, all distinct', async () => {
    const longest = `${'i'.repeat(78)}-_`;
    expect((await batch([{ Id: longest, Message: 'x' }])).Successful?.[0]?.Id).toBe(longest);
    const long = await errorOf(() => batch([{ Id: 'i'.repeat(81), Message: 'x' }]));
    expect(long.name).toBe('InvalidBatchEntryIdException');
    expect(long.message).toBe(`The Id of a batch entry in the batch request is too long: ${'i'.repeat(81)}`);
    for (const Id of ['has space', 'dot.ted', 'ünï']) {
      const err = await errorOf(() => batch([{ Id, Message: 'x' }]));
      expect(err.name).toBe('InvalidBatchEntryIdException');
      expect(err.message).toBe(`The Id of a batch entry in the batch request contains an impermissible character: ${Id}`);
    }
    const dup = await errorOf(() => batch([{ Id: 'same', Message: 'a' }, { Id: 'same', Message: 'b' }]));
    expect(dup.name).toBe('BatchEntryIdsNotDistinctException');
    expect(dup.message).toBe('Two or more batch entries in the request have the same Id.');
  });

  it('reports an entry that breaks a rule in Failed, and publishes the others', async () => {
    const r = await batch([
      { Id: 'ok', Message: 'small' },
      { Id: 'bad', Message: 'x', MessageAttributes: { 'bad name': str('v') } },
    ]);
    expect(r.Successful?.map((e) => e.Id)).toEqual(['ok']);
    expect(r.Failed?.map((e) => [e.Id, e.Code, e.SenderFault])).toEqual([['bad', 'ParameterValueInvalid', true]]);
  });
});

describe('message attributes', () => {
  let arn: string;
  beforeAll(async () => {
    arn = await topic();
  });
  const publish = (MessageAttributes: Record<string, MessageAttributeValue>) => sns.send(new PublishCommand({ TopicArn: arn, Message: 'x', MessageAttributes }));

  it('names: up to 256 characters of A-Z a-z 0-9 _ - . , no leading/trailing or double period', async () => {
    await publish({ [`${'n'.repeat(250)}_-.9Z`]: str('v') });
    const cases: [string, string][] = [
      ['n'.repeat(257), 'Length of message attribute name must be less than 256 bytes.'],
      ['.lead', "Invalid message attribute name starting with character '.' was found."],
      ['trail.', "Invalid message attribute name ending with character '.' was found."],
      ['a..b', "Message attribute name can not have successive '.' character."],
      [
        'has space',
        "Invalid non-alphanumeric character '#x20' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.",
      ],
    ];
    for (const [name, message] of cases) {
      const err = await errorOf(() => publish({ [name]: str('v') }));
      expect(err.name).toBe('InvalidParameterValueException');
      expect(err.message).toBe(message);
    }
  });

  it('types and values: String/Number/Binary (+ custom suffix), non-empty, numbers that parse', async () => {
    await publish({ n: { DataType: 'Number.float', StringValue: '1.5e3' }, b: { DataType: 'Binary', BinaryValue: Buffer.from([0]) }, l: { DataType: 'String.Array', StringValue: '["a",1]' } });
    const type = await errorOf(() => publish({ t: { DataType: 'Date', StringValue: 'x' } }));
    expect(type.message).toBe("The message attribute 't' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.");
    const nan = await errorOf(() => publish({ n: { DataType: 'Number', StringValue: 'ten' } }));
    expect(nan.message).toBe("Could not cast message attribute 'n' value to number.");
    const array = await errorOf(() => publish({ l: { DataType: 'String.Array', StringValue: 'not json' } }));
    expect(array.message).toBe("The message attribute 'l' with type 'String.Array' must be a JSON array.");
  });

  it('Publish takes more than 10 attributes; raw delivery to SQS discards such a message (to the subscription DLQ), an envelope carries them', async () => {
    const t = await topic();
    const raw = await queue('raw');
    const dlq = await queue('raw-dlq');
    const wrapped = await queue('wrapped');
    await sns.send(
      new SubscribeCommand({
        TopicArn: t,
        Protocol: 'sqs',
        Endpoint: raw.arn,
        Attributes: { RawMessageDelivery: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }) },
      }),
    );
    await sns.send(new SubscribeCommand({ TopicArn: t, Protocol: 'sqs', Endpoint: wrapped.arn }));

    await sns.send(new PublishCommand({ TopicArn: t, Message: 'eleven', MessageAttributes: attrs(11) }));
    const envelope = JSON.parse((await receiveOne(wrapped.url, 'the enveloped message')).Body!);
    expect(envelope.Message).toBe('eleven');
    expect(Object.keys(envelope.MessageAttributes)).toHaveLength(11);
    const dead = await receiveOne(dlq.url, 'the discarded raw delivery in the subscription DLQ');
    expect(JSON.parse(dead.Body!).Message).toBe('eleven');

    // Ten attributes are fine on raw delivery, and arrive as SQS attributes; the eleven-attribute message never does.
    await sns.send(new PublishCommand({ TopicArn: t, Message: 'ten', MessageAttributes: attrs(10) }));
    const ten = await receiveOne(raw.url, 'the ten-attribute message');
    expect(ten.Body).toBe('ten');
    expect(Object.keys(ten.MessageAttributes ?? {})).toHaveLength(10);
  });
});

describe('topic names', () => {
  it('take 1-256 alphanumerics, hyphens and underscores', async () => {
    const longest = `t${'-'.repeat(127)}${'_'.repeat(127)}Z`;
    expect(longest).toHaveLength(256);
    expect(await topic(longest)).toBe(`arn:aws:sns:us-east-1:000000000000:${longest}`);
    for (const name of ['t'.repeat(257), 'has space', 'dot.ted', 'ümlaut', 'colon:x', 'slash/x']) {
      const err = await errorOf(() => topic(name));
      expect(err.name).toBe('InvalidParameterException');
      expect(err.message).toBe('Invalid parameter: Topic Name');
    }
  });

  it('FIFO topics end in .fifo within the 256 characters; a standard topic may not', async () => {
    const longest = `${'f'.repeat(251)}.fifo`;
    expect(await topic(longest, { FifoTopic: 'true' })).toMatch(/\.fifo$/);
    const long = await errorOf(() => topic(`${'f'.repeat(252)}.fifo`, { FifoTopic: 'true' }));
    expect(long.name).toBe('InvalidParameterException');
    expect(long.message).toMatch(/^Invalid parameter: Fifo Topic names must end with .fifo/);
    expect((await errorOf(() => topic('no-suffix', { FifoTopic: 'true' }))).name).toBe('InvalidParameterException');
    expect((await errorOf(() => topic('standard.fifo'))).message).toBe('Invalid parameter: Topic Name');
  });
});

describe('filter policies', () => {
  let arn: string;
  let subscriptionArn: string;
  beforeAll(async () => {
    arn = await topic();
    const q = await queue('filtered');
    subscriptionArn = (await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'sqs', Endpoint: q.arn, ReturnSubscriptionArn: true }))).SubscriptionArn!;
  });
  const set = (policy: unknown, scope?: 'MessageBody') =>
    sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subscriptionArn,
        AttributeName: scope ? 'FilterPolicyScope' : 'FilterPolicy',
        AttributeValue: scope ?? (typeof policy === 'string' ? policy : JSON.stringify(policy)),
      }),
    );
  const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, ['v']]));
  const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);

  it('take at most 5 keys', async () => {
    await set(keys(5));
    const err = await errorOf(() => set(keys(6)));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys');
  });

  it('Subscribe reports the same limit under "Attributes Reason:"', async () => {
    const q = await queue('filtered-subscribe');
    const err = await errorOf(() =>
      sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'sqs', Endpoint: q.arn, Attributes: { FilterPolicy: JSON.stringify(keys(6)) } })),
    );
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('Invalid parameter: Attributes Reason: FilterPolicy: Filter policy can not have more than 5 keys');
  });

  it('take at most 150 combinations (the product of the value arrays)', async () => {
    await set({ a: values(10), b: values(15) });
    const err = await errorOf(() => set({ a: values(10), b: values(16) }));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('Invalid parameter: FilterPolicy: Filter policy is too complex');
    // With $or, the branches' combinations add up: 75 + 75 fits, 75 + 76 does not.
    await set({ $or: [{ a: values(5), b: values(15) }, { c: values(75) }] });
    expect((await errorOf(() => set({ $or: [{ a: values(5), b: values(15) }, { c: values(76) }] }))).message).toBe(
      'Invalid parameter: FilterPolicy: Filter policy is too complex',
    );
  });

  it('count nested keys by their top-level key in MessageBody scope (and refuse nesting in attribute scope)', async () => {
    const nested = { a: { b: ['x'] }, c: { d: { e: ['y'] } }, f: ['z'], g: ['z'], h: ['z'] };
    const err = await errorOf(() => set(nested));
    expect(err.message).toBe('Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy');
    await set(undefined, 'MessageBody');
    await set(nested);
    expect((await errorOf(() => set({ ...nested, i: ['z'] }))).message).toBe('Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys');
  });

  it('are at most 256 KB', async () => {
    const within = JSON.stringify({ k: ['v'.repeat(256 * 1024 - 20)] });
    expect(Buffer.byteLength(within)).toBeLessThanOrEqual(256 * 1024);
    await set(within);
    const err = await errorOf(() => set(JSON.stringify({ k: ['v'.repeat(256 * 1024)] })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toMatch(/^Invalid parameter: FilterPolicy: /);
  });
});
