import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, type Credentials } from '@aws-sdk/client-sts';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ListQueuesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import { startEmulator, type RunningEmulator } from '../../emulator';

/**
 * `dataDir`: STS credentials handed out keep signing after a restart until they expire; SQS FIFO deduplication
 * windows and the names of recently deleted queues are kept, and both still end on the emulator clock.
 */

const KEY = { accessKeyId: 'AKIDKEPT', secretAccessKey: 'kept-secret' };
let clock: VirtualClock;
let dir: string;
let emu: RunningEmulator | undefined;
const start = async () =>
  (emu = await startEmulator({
    port: 0,
    dataDir: dir,
    clock,
    log: () => {},
    verifySignatures: true,
    credentials: { [KEY.accessKeyId]: KEY.secretAccessKey },
    sqsDelayRecentlyDeleted: true,
  }));
const restart = async () => {
  await emu!.stop();
  return start();
};
type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const config = (credentials: Keys = KEY) => ({ endpoint: emu!.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
const asKeys = (c: Credentials): Keys => ({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });

beforeEach(async () => {
  clock = new VirtualClock(Date.UTC(2026, 0, 1));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-sts-sqs-'));
  await start();
});
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

it('STS credentials still sign after a restart, until they expire', async () => {
  const sts = new STSClient(config());
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/deployer', RoleSessionName: 'kept', DurationSeconds: 900 }));
  sts.destroy();

  await restart();
  const temporary = new STSClient(config(asKeys(out.Credentials!)));
  expect((await temporary.send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:sts::000000000000:assumed-role/deployer/kept');
  const sqs = new SQSClient(config(asKeys(out.Credentials!)));
  expect((await sqs.send(new ListQueuesCommand({}))).$metadata.httpStatusCode).toBe(200);
  clock.advance(900_000);
  await expect(temporary.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'ExpiredToken' });
  temporary.destroy();
  sqs.destroy();
});

it('SQS FIFO deduplication windows survive a restart and close on the emulator clock', async () => {
  let sqs = new SQSClient(config());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'orders.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }));
  const first = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'order 1', MessageGroupId: 'g' }));
  sqs.destroy();

  await restart();
  sqs = new SQSClient(config());
  const again = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'order 1', MessageGroupId: 'g' }));
  expect(again.MessageId).toBe(first.MessageId);
  expect(again.SequenceNumber).toBe(first.SequenceNumber);
  const count = async () => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes!.ApproximateNumberOfMessages;
  expect(await count()).toBe('1');
  // Sequence numbers keep growing after the restart.
  const other = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'order 2', MessageGroupId: 'g' }));
  expect(BigInt(other.SequenceNumber!)).toBeGreaterThan(BigInt(first.SequenceNumber!));
  // Five minutes later the window has closed: the same body is a new message.
  clock.advance(5 * 60_000);
  const later = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'order 1', MessageGroupId: 'g' }));
  expect(later.MessageId).not.toBe(first.MessageId);
  expect(await count()).toBe('3');
  sqs.destroy();
});

it('a recently deleted queue name stays refused after a restart, for 60 s of emulator time', async () => {
  let sqs = new SQSClient(config());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'short-lived' }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  sqs.destroy();

  await restart();
  sqs = new SQSClient(config());
  await expect(sqs.send(new CreateQueueCommand({ QueueName: 'short-lived' }))).rejects.toMatchObject({ name: 'QueueDeletedRecently' });
  clock.advance(60_000);
  expect((await sqs.send(new CreateQueueCommand({ QueueName: 'short-lived' }))).QueueUrl).toMatch(/short-lived$/);
  sqs.destroy();
});

it('a reset empties the kept credentials and deleted queue names', async () => {
  let sts = new STSClient(config());
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/deployer', RoleSessionName: 'reset' }));
  sts.destroy();
  let sqs = new SQSClient(config());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'gone' }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  sqs.destroy();
  await restart();
  sts = new STSClient(config(asKeys(out.Credentials!)));
  expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:sts::000000000000:assumed-role/deployer/reset');
  sts.destroy();
  sqs = new SQSClient(config());
  await expect(sqs.send(new CreateQueueCommand({ QueueName: 'gone' }))).rejects.toMatchObject({ name: 'QueueDeletedRecently' });
  sqs.destroy();
  await emu!.reset();

  await restart();
  sts = new STSClient(config(asKeys(out.Credentials!)));
  await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  sts.destroy();
  sqs = new SQSClient(config());
  expect((await sqs.send(new CreateQueueCommand({ QueueName: 'gone' }))).QueueUrl).toMatch(/gone$/);
  sqs.destroy();
});
