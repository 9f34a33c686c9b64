import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  type MessageAttributeValue,
  type QueueAttributeName,
} from '@aws-sdk/client-sqs';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { clientConfig } from '../helpers/emulator';
import { ensureStopped, errorOf, spawnCli, statusOf, uniqueName, type CliProcess } from './helpers';

/**
 * SQS limits as AWS enforces them, through the official client (AWS JSON protocol), with AWS's error codes:
 * "Amazon SQS message quotas" (message size — 1 MiB since 2025, configurable here —, 10 attributes,
 * 10 batch entries with ids of ≤80 alphanumerics/hyphens/underscores), queue names (≤80, `.fifo`).
 */

const MiB = 1_048_576;
let emu: RunningEmulator;
let sqs: SQSClient;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, log: () => {} });
  sqs = new SQSClient({ ...clientConfig(emu), maxAttempts: 1 });
});
afterAll(async () => {
  sqs.destroy();
  await emu.stop();
});

const createQueue = async (client: SQSClient, name: string, Attributes?: Record<string, string>) =>
  (await client.send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl!;
const attribute = async (client: SQSClient, QueueUrl: string, name: QueueAttributeName) =>
  (await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: [name] }))).Attributes?.[name];

const str = (StringValue: string): MessageAttributeValue => ({ DataType: 'String', StringValue });
const attrs = (n: number): Record<string, MessageAttributeValue> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, str('v')]));

describe('message size', () => {
  it('defaults to 1 MiB (the 2025 quota): exactly 1,048,576 bytes is accepted, one more byte is not', async () => {
    const url = await createQueue(sqs, uniqueName('size'));
    expect(await attribute(sqs, url, 'MaximumMessageSize')).toBe(String(MiB));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(MiB) }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(got.Messages?.[0]?.Body).toHaveLength(MiB);

    const err = await errorOf(() => sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(MiB + 1) })));
    expect(err.name).toBe('InvalidParameterValue');
    expect(statusOf(err)).toBe(400);
    expect(err.message).toBe(`One or more parameters are invalid. Reason: Message must be shorter than ${MiB} bytes.`);
  });

  it('counts message attributes (name, type and value) against the size', async () => {
    const url = await createQueue(sqs, uniqueName('size-attrs'), { MaximumMessageSize: '1024' });
    // 1000 + "k" (1) + "String" (6) + 17 = 1024: fits; one more byte of value does not.
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1000), MessageAttributes: { k: str('v'.repeat(17)) } }));
    const err = await errorOf(() =>
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1000), MessageAttributes: { k: str('v'.repeat(18)) } })),
    );
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toMatch(/Message must be shorter than 1024 bytes/);
  });

  it('counts UTF-8 bytes, not characters', async () => {
    const url = await createQueue(sqs, uniqueName('size-utf8'), { MaximumMessageSize: '1024' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'é'.repeat(512) }));
    const err = await errorOf(() => sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'é'.repeat(513) })));
    expect(err.name).toBe('InvalidParameterValue');
  });

  it('refuses MaximumMessageSize outside 1,024 … the configured limit (InvalidAttributeValue)', async () => {
    const url = await createQueue(sqs, uniqueName('max-attr'));
    for (const value of ['1023', String(MiB + 1), 'lots']) {
      const err = await errorOf(() => sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { MaximumMessageSize: value } })));
      expect(err.name).toBe('InvalidAttributeValue');
      expect(err.message).toBe('Invalid value for the parameter MaximumMessageSize.');
    }
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { MaximumMessageSize: '1024' } }));
    expect(await attribute(sqs, url, 'MaximumMessageSize')).toBe('1024');
  });

  it('follows sqsMaxMessageSize when configured (e.g. the historical 256 KiB)', async () => {
    const old = await startEmulator({ port: 0, log: () => {}, sqsMaxMessageSize: 262_144 });
    const client = new SQSClient({ ...clientConfig(old), maxAttempts: 1 });
    try {
      const url = await createQueue(client, 'historical');
      expect(await attribute(client, url, 'MaximumMessageSize')).toBe('262144');
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(262_144) }));
      const big = await errorOf(() => client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(262_145) })));
      expect(big.message).toBe('One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.');
      const attr = await errorOf(() => createQueue(client, 'too-big', { MaximumMessageSize: String(MiB) }));
      expect(attr.name).toBe('InvalidAttributeValue');
      const batch = await errorOf(() =>
        client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [0, 1].map((i) => ({ Id: `m${i}`, MessageBody: 'x'.repeat(140_000) })) })),
      );
      expect(batch.name).toBe('BatchRequestTooLong');
      expect(batch.message).toBe('Batch requests cannot be longer than 262144 bytes. You have sent 280000 bytes.');
    } finally {
      client.destroy();
      await old.stop();
    }
  });
});

describe('serve --sqs-max-message-size', () => {
  let serve: CliProcess | undefined;
  afterEach(() => ensureStopped(serve));

  it('sets the limit new queues get and that sends are held to', async () => {
    serve = spawnCli(['serve', '--port', '0', '--sqs-max-message-size', '262144']);
    const endpoint = await serve.ready();
    const client = new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    try {
      const url = await createQueue(client, 'from-cli');
      expect(await attribute(client, url, 'MaximumMessageSize')).toBe('262144');
      const err = await errorOf(() => client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(262_145) })));
      expect(err.message).toBe('One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.');
    } finally {
      client.destroy();
    }
    serve.child.kill('SIGINT');
    expect((await serve.exited).code).toBe(0);
  }, 60_000);
});

describe('batches', () => {
  let url: string;
  beforeAll(async () => {
    url = await createQueue(sqs, uniqueName('batches'), { VisibilityTimeout: '300' });
  });

  const sendBatch = (Entries: { Id: string; MessageBody: string }[]) => sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries }));
  const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `m${i}`, MessageBody: `body ${i}` }));

  it('takes up to 10 entries; 11 is TooManyEntriesInBatchRequest for every batch operation', async () => {
    const ok = await sendBatch(entries(10));
    expect(ok.Successful).toHaveLength(10);

    const send = await errorOf(() => sendBatch(entries(11)));
    expect(send.name).toBe('TooManyEntriesInBatchRequest');
    expect(send.Code).toBe('AWS.SimpleQueueService.TooManyEntriesInBatchRequest');
    expect(send.message).toBe('Maximum number of entries per request are 10. You have sent 11.');

    const handles = Array.from({ length: 11 }, (_, i) => ({ Id: `h${i}`, ReceiptHandle: 'unused' }));
    const del = await errorOf(() => sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: handles })));
    expect(del.name).toBe('TooManyEntriesInBatchRequest');
    const vis = await errorOf(() =>
      sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: handles.map((h) => ({ ...h, VisibilityTimeout: 0 })) })),
    );
    expect(vis.name).toBe('TooManyEntriesInBatchRequest');
  });

  it('refuses an empty batch (EmptyBatchRequest)', async () => {
    expect((await errorOf(() => sendBatch([]))).name).toBe('EmptyBatchRequest');
  });

  it('takes ids of up to 80 alphanumerics, hyphens and underscores (InvalidBatchEntryId otherwise)', async () => {
    const longest = `${'a'.repeat(40)}-${'B'.repeat(38)}_`;
    expect(longest).toHaveLength(80);
    expect((await sendBatch([{ Id: longest, MessageBody: 'x' }])).Successful?.[0]?.Id).toBe(longest);
    for (const Id of ['a'.repeat(81), 'has space', 'dot.ted', 'ünï', 'semi;colon', '']) {
      const err = await errorOf(() => sendBatch([{ Id, MessageBody: 'x' }]));
      expect(err.name).toBe('InvalidBatchEntryId');
      expect(err.message).toBe('A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    }
  });

  it('needs distinct ids (BatchEntryIdsNotDistinct), in every batch operation', async () => {
    const send = await errorOf(() => sendBatch([{ Id: 'same', MessageBody: 'a' }, { Id: 'same', MessageBody: 'b' }]));
    expect(send.name).toBe('BatchEntryIdsNotDistinct');
    expect(send.message).toBe('Id same repeated.');
    const del = await errorOf(() =>
      sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'x', ReceiptHandle: 'a' }, { Id: 'x', ReceiptHandle: 'b' }] })),
    );
    expect(del.name).toBe('BatchEntryIdsNotDistinct');
    const vis = await errorOf(() =>
      sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'y', ReceiptHandle: 'a', VisibilityTimeout: 1 },
            { Id: 'y', ReceiptHandle: 'b', VisibilityTimeout: 1 },
          ],
        }),
      ),
    );
    expect(vis.name).toBe('BatchEntryIdsNotDistinct');
  });

  it('limits the whole batch to the maximum message size (BatchRequestTooLong), and nothing of it is sent', async () => {
    const q = await createQueue(sqs, uniqueName('batch-total'));
    const half = Math.floor(MiB / 2);
    const err = await errorOf(() =>
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: q,
          Entries: [
            { Id: 'a', MessageBody: 'x'.repeat(half) },
            { Id: 'b', MessageBody: 'x'.repeat(half + 1) },
          ],
        }),
      ),
    );
    expect(err.name).toBe('BatchRequestTooLong');
    expect(err.message).toBe(`Batch requests cannot be longer than ${MiB} bytes. You have sent ${MiB + 1} bytes.`);
    expect(await attribute(sqs, q, 'ApproximateNumberOfMessages')).toBe('0');
  });
});

describe('message attributes', () => {
  let url: string;
  beforeAll(async () => {
    url = await createQueue(sqs, uniqueName('attrs'));
  });
  const send = (MessageAttributes: Record<string, MessageAttributeValue>) =>
    sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes }));

  it('takes up to 10 attributes; 11 is InvalidParameterValue', async () => {
    await send(attrs(10));
    const err = await errorOf(() => send(attrs(11)));
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toBe('Number of message attributes [11] exceeds the allowed maximum [10].');
  });

  it('refuses more than 10 attributes in a batch entry, in that entry only', async () => {
    const r = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'ok', MessageBody: 'x', MessageAttributes: attrs(10) },
          { Id: 'many', MessageBody: 'x', MessageAttributes: attrs(11) },
        ],
      }),
    );
    expect(r.Successful?.map((e) => e.Id)).toEqual(['ok']);
    expect(r.Failed).toEqual([
      { Id: 'many', SenderFault: true, Code: 'InvalidParameterValue', Message: 'Number of message attributes [11] exceeds the allowed maximum [10].' },
    ]);
  });

  it('takes names of up to 256 characters from A-Z a-z 0-9 _ - .', async () => {
    await send({ [`${'n'.repeat(250)}_-.9Zz`]: str('v') });
    const long = await errorOf(() => send({ ['n'.repeat(257)]: str('v') }));
    expect(long.name).toBe('InvalidParameterValue');
    expect(long.message).toBe('Message (user) attribute names must be shorter than 256 Bytes');
    for (const name of ['has space', 'semi;colon', 'slash/name', 'star*']) {
      const err = await errorOf(() => send({ [name]: str('v') }));
      expect(err.name).toBe('InvalidParameterValue');
      expect(err.message).toMatch(/can only contain upper and lower score characters, digits, periods, hyphens and underscores/);
    }
  });

  it('refuses reserved prefixes (AWS., Amazon., any case), leading/trailing periods and ".."', async () => {
    for (const name of ['AWS.trace', 'aws.x', 'Amazon.id', 'AMAZON.y', '.lead', 'trail.']) {
      const err = await errorOf(() => send({ [name]: str('v') }));
      expect(err.name).toBe('InvalidParameterValue');
      expect(err.message).toMatch(/^You can't use message attribute names beginning with 'AWS.' or 'Amazon.'/);
    }
    const dots = await errorOf(() => send({ 'a..b': str('v') }));
    expect(dots.name).toBe('InvalidParameterValue');
  });

  it('needs a type of String, Number or Binary (optionally .custom) and a non-empty value', async () => {
    await send({ n: { DataType: 'Number.int', StringValue: '42' }, b: { DataType: 'Binary.gz', BinaryValue: Buffer.from([1]) }, s: { DataType: 'String.json', StringValue: '{}' } });
    const type = await errorOf(() => send({ t: { DataType: 'Date', StringValue: 'x' } }));
    expect(type.message).toBe("The type of message (user) attribute 't' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
    const empty = await errorOf(() => send({ e: { DataType: 'String', StringValue: '' } }));
    expect(empty.message).toBe("Message (user) attribute 'e' must contain a non-empty value of type 'String'.");
    const nan = await errorOf(() => send({ n: { DataType: 'Number', StringValue: 'ten' } }));
    expect(nan.message).toBe("Can't cast the value of message (user) attribute 'n' to a number.");
  });
});

describe('queue names', () => {
  it('takes 1-80 alphanumerics, hyphens and underscores', async () => {
    const longest = `q${'-'.repeat(39)}${'_'.repeat(39)}Z`;
    expect(longest).toHaveLength(80);
    expect(await createQueue(sqs, longest)).toMatch(new RegExp(`/${longest}$`));
    expect(await createQueue(sqs, '1')).toMatch(/\/1$/);
    for (const name of ['q'.repeat(81), 'has space', 'dot.ted', 'ümlaut', 'slash/ed', 'colon:x']) {
      const err = await errorOf(() => createQueue(sqs, name));
      expect(err.name).toBe('InvalidParameterValue');
      expect(err.message).toBe('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    expect((await errorOf(() => createQueue(sqs, ''))).name).toBe('MissingParameter');
  });

  it('FIFO queues end in .fifo within the 80 characters, and only FIFO queues may', async () => {
    const longest = `${'f'.repeat(75)}.fifo`;
    expect(await createQueue(sqs, longest, { FifoQueue: 'true' })).toMatch(/\.fifo$/);
    const fifoMessage =
      'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length';
    for (const name of [`${'f'.repeat(76)}.fifo`, 'no-suffix', 'two.dots.fifo']) {
      const err = await errorOf(() => createQueue(sqs, name, { FifoQueue: 'true' }));
      expect(err.name).toBe('InvalidParameterValue');
      expect(err.message).toBe(fifoMessage);
    }
    const standard = await errorOf(() => createQueue(sqs, 'standard.fifo'));
    expect(standard.name).toBe('InvalidParameterValue');
  });
});
