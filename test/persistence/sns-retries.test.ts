import * as fs from 'node:fs';
import * as os from 'node:os';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ConfirmSubscriptionCommand, CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import type { Hop } from '../../emulator/core/delivery';
import { DataDirStore } from '../../emulator/persistence/data-dir';
import { startEmulator, type RunningEmulator, type StartOptions } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig } from '../helpers/emulator';
import { ensureStopped, spawnCli, type CliProcess } from '../reliability/helpers';
import { startHttpEndpoint, type HttpEndpoint } from '../sns/http-endpoint';

/**
 * `dataDir`: SNS deliveries waiting for a retry come back after a restart and are attempted at their due time on
 * the emulator clock (then delivered, or sent to the DLQ once the schedule is used up); FIFO topics keep their
 * 5-minute deduplication windows and their sequence numbers; a harness reset forgets both. A delivery under way at
 * a kill -9 is made again after the restart (at least once, as SNS: the subscriber may see it twice).
 */

const T0 = Date.UTC(2026, 0, 1);
const ACCOUNT = '000000000000';
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;
/** SQS/Lambda retries one minute apart, so a test can stop the emulator between two attempts. */
const MINUTE_RETRIES = { noDelayRetries: 0, minDelayRetries: 3, backoffRetries: 0, maxDelayRetries: 0, minDelayMs: 60_000, maxDelayMs: 60_000, backoffFunction: 'linear' } as const;

let dir: string;
let clock: VirtualClock | undefined;
let emu: RunningEmulator | undefined;
let hops: Hop[];
let endpoint: HttpEndpoint | undefined;

/** Starts on `dir` with a fresh clock that carries on from the last one's time (as a restarted process would). */
async function start(extra: StartOptions = {}): Promise<void> {
  clock = new VirtualClock(clock?.now() ?? T0);
  emu = await startEmulator({ port: 0, dataDir: dir, clock, log: () => {}, ...extra });
  emu.providers.sns!.setManagedRetry(MINUTE_RETRIES);
  hops = [];
  emu.bus.onHop((h) => hops.push(h));
}
async function restart(): Promise<void> {
  await emu!.stop();
  await start();
}
const clients = () => ({ sns: new SNSClient(clientConfig(emu!)), sqs: new SQSClient(clientConfig(emu!)) });
const cliConfig = (endpoint: string) => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
const receive = async (sqs: SQSClient, QueueUrl: string) => (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages ?? [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-sns-retries-'));
  clock = undefined;
});
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
  await endpoint?.close();
  endpoint = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

it('an SQS delivery waiting for its retry is retried at its due time after a restart, once', async () => {
  await start({ faults: 'sns-fail:target-q=1' });
  let c = clients();
  const { QueueUrl } = await c.sqs.send(new CreateQueueCommand({ QueueName: 'target-q' }));
  const { TopicArn } = await c.sns.send(new CreateTopicCommand({ Name: 'retried' }));
  await c.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn('target-q'), Attributes: { RawMessageDelivery: 'true' } }));
  await c.sns.send(new PublishCommand({ TopicArn, Message: 'kept across the restart' }));
  // The first attempt failed: the second is scheduled a minute later.
  await waitFor(() => hops.some((h) => h.type === 'sns.deliver' && h.attempt === 2), { what: 'retry scheduled' });
  c.sqs.destroy();
  c.sns.destroy();

  await restart();
  c = clients();
  expect(await receive(c.sqs, QueueUrl!)).toEqual([]);
  clock!.advance(59_000);
  expect(await receive(c.sqs, QueueUrl!)).toEqual([]);
  clock!.advance(1_000);
  const got = await waitFor(async () => {
    const m = await receive(c.sqs, QueueUrl!);
    return m.length ? m : undefined;
  }, { what: 'retried delivery' });
  expect(got.map((m) => m.Body)).toEqual(['kept across the restart']);
  await c.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got[0]!.ReceiptHandle }));
  c.sqs.destroy();
  c.sns.destroy();

  // Delivered: nothing is owed any more, so the next start delivers nothing again.
  await restart();
  await emu!.bus.idle();
  c = clients();
  clock!.advance(5 * 60_000);
  await emu!.bus.idle();
  expect(await receive(c.sqs, QueueUrl!)).toEqual([]);
  c.sqs.destroy();
  c.sns.destroy();
});

it('an HTTP delivery answered 500 keeps its retry count across a restart and reaches the DLQ once it is used up', async () => {
  await start();
  endpoint = await startHttpEndpoint();
  endpoint.statuses.push(200, 500, 500, 500, 500);
  let c = clients();
  const dlq = await c.sqs.send(new CreateQueueCommand({ QueueName: 'http-dlq' }));
  const { TopicArn } = await c.sns.send(new CreateTopicCommand({ Name: 'to-http' }));
  await c.sns.send(
    new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: endpoint.url, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('http-dlq') }) } }),
  );
  const confirmation = await waitFor(() => endpoint!.requests[0], { what: 'subscription confirmation' });
  await c.sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: JSON.parse(confirmation.body).Token }));
  await c.sns.send(new PublishCommand({ TopicArn, Message: 'to the dlq' }));
  const notification = () => emu!.providers.sns!.outbox().find((e: { type: string }) => e.type === 'Notification');
  await waitFor(() => notification()?.attempts === 1, { what: 'first attempt failed' });
  c.sqs.destroy();
  c.sns.destroy();

  await restart();
  c = clients();
  // Three retries 20 s apart (the default policy): the first was due 20 s after the failed attempt.
  expect(notification()).toMatchObject({ status: 'pending', attempts: 1 });
  for (let posts = 3; posts <= 5; posts++) {
    clock!.advance(20_000);
    await waitFor(() => endpoint!.requests.length === posts && notification()?.attempts === posts - 1, { what: `attempt ${posts - 1}` });
  }
  const dead = await waitFor(async () => {
    const m = await receive(c.sqs, dlq.QueueUrl!);
    return m.length ? m : undefined;
  }, { what: 'DLQ message' });
  expect(dead).toHaveLength(1);
  expect(JSON.parse(dead[0]!.Body!)).toMatchObject({ Type: 'Notification', Message: 'to the dlq' });
  expect(notification()).toMatchObject({ status: 'failed', attempts: 4 });
  c.sqs.destroy();
  c.sns.destroy();

  // Sent to the DLQ: nothing is owed any more.
  await restart();
  expect(emu!.providers.sns!.outbox()).toEqual([]);
  expect(endpoint.requests).toHaveLength(5);
});

it('FIFO topics keep their deduplication windows and sequence numbers across a restart', async () => {
  await start();
  let sns = new SNSClient(clientConfig(emu!));
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'orders.fifo', Attributes: { FifoTopic: 'true' } }));
  const order = (id: string) => new PublishCommand({ TopicArn, Message: `order ${id}`, MessageGroupId: 'g', MessageDeduplicationId: id });
  const first = await sns.send(order('o-1'));
  sns.destroy();

  await restart();
  sns = new SNSClient(clientConfig(emu!));
  const again = await sns.send(order('o-1'));
  expect(again.MessageId).toBe(first.MessageId);
  expect(again.SequenceNumber).toBe(first.SequenceNumber);
  expect(hops.filter((h) => h.type === 'sns.publish.deduplicated')).toHaveLength(1);
  const second = await sns.send(order('o-2'));
  expect(BigInt(second.SequenceNumber!)).toBeGreaterThan(BigInt(first.SequenceNumber!));
  sns.destroy();

  // Five minutes after the first publish its window has closed, also after another restart.
  await restart();
  sns = new SNSClient(clientConfig(emu!));
  expect((await sns.send(order('o-2'))).MessageId).toBe(second.MessageId);
  clock!.advance(5 * 60_000);
  const later = await sns.send(order('o-1'));
  expect(later.MessageId).not.toBe(first.MessageId);
  expect(BigInt(later.SequenceNumber!)).toBeGreaterThan(BigInt(second.SequenceNumber!));
  sns.destroy();
});

it('POST /_harness/reset forgets owed deliveries and deduplication windows', async () => {
  await start({ faults: 'sns-fail:target-q=1' });
  const c = clients();
  await c.sqs.send(new CreateQueueCommand({ QueueName: 'target-q' }));
  const { TopicArn } = await c.sns.send(new CreateTopicCommand({ Name: 'retried' }));
  await c.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn('target-q') }));
  await c.sns.send(new PublishCommand({ TopicArn, Message: 'owed' }));
  const fifo = await c.sns.send(new CreateTopicCommand({ Name: 'reset.fifo', Attributes: { FifoTopic: 'true' } }));
  await c.sns.send(new PublishCommand({ TopicArn: fifo.TopicArn, Message: 'once', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));
  await waitFor(() => hops.some((h) => h.type === 'sns.deliver' && h.attempt === 2), { what: 'retry scheduled' });
  c.sqs.destroy();
  c.sns.destroy();

  expect((await fetch(`${emu!.endpoint}/_harness/reset`, { method: 'POST' })).status).toBe(200);
  await emu!.stop();
  emu = undefined;
  const saved = new DataDirStore(dir);
  const snsKeys = [...saved.load().keys()].filter((k) => k.startsWith('sns/'));
  saved.close();
  expect(snsKeys).toEqual(['sns/topology']);
});

it('a delivery under way at a kill -9 is made again after the restart (at least once)', async () => {
  // Answers the subscription confirmation, then holds every notification unanswered while `holding`.
  let holding = true;
  const notifications: string[] = [];
  const subscriber = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (req.headers['x-amz-sns-message-type'] === 'SubscriptionConfirmation') {
        notifications.push(body);
        return res.end();
      }
      notifications.push(String(req.headers['x-amz-sns-message-id']));
      if (!holding) res.end();
    });
  });
  await new Promise<void>((resolve) => subscriber.listen(0, '127.0.0.1', resolve));
  let server: CliProcess | undefined;
  try {
    server = spawnCli(['serve', '--port', '0', '--data-dir', dir]);
    let sns = new SNSClient(cliConfig(await server.ready()));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'held' }));
    const url = `http://127.0.0.1:${(subscriber.address() as AddressInfo).port}/sns`;
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: url }));
    const confirmation = await waitFor(() => notifications[0], { what: 'subscription confirmation' });
    await sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: JSON.parse(confirmation).Token }));
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn, Message: 'under way' }));
    await waitFor(() => notifications.length === 2, { what: 'notification under way' });
    sns.destroy();
    server.child.kill('SIGKILL');
    await server.exited;

    holding = false;
    server = spawnCli(['serve', '--port', '0', '--data-dir', dir]);
    sns = new SNSClient(cliConfig(await server.ready()));
    await waitFor(() => notifications.length === 3, { what: 'notification made again' });
    expect(notifications.slice(1)).toEqual([MessageId, MessageId]);
    sns.destroy();
  } finally {
    await ensureStopped(server);
    subscriber.closeAllConnections();
    await new Promise<void>((resolve) => subscriber.close(() => resolve()));
  }
});
