import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EventBridgeClient,
  CreateApiDestinationCommand,
  CreateConnectionCommand,
  ListApiDestinationsCommand,
  ListConnectionsCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  UpdateApiDestinationCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { VirtualClock } from '../../emulator/core/clock';
import type { Hop } from '../../emulator/core/delivery';
import { waitFor } from '../../harness/wait';
import { clientConfig } from '../helpers/emulator';

/**
 * Edge cases of API destinations: what is refused at creation, requests that cannot be sent, and deliveries
 * pending when the emulator resets or stops. Virtual time: retries and rate-limit waits move only when told to.
 */

interface Seen {
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Set when the request's socket closed before it was answered. */
  abandoned?: boolean;
}
const seen: Seen[] = [];
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const s: Seen = { url: req.url!, headers: req.headers };
    seen.push(s);
    res.on('close', () => {
      if (!res.writableEnded) s.abandoned = true;
    });
    if (req.url!.startsWith('/hang')) return; // never answers
    req.resume();
    req.on('end', () => res.writeHead(req.url!.startsWith('/fail') ? 500 : 200).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const at = (path: string) => seen.filter((s) => s.url.split('?')[0] === path);
const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: { name: string; message: string }) => ({ name: e.name, message: e.message }));

let emu: RunningEmulator;
let clock: VirtualClock;
const hops: Hop[] = [];
const events = () => new EventBridgeClient(clientConfig(emu));
const sqs = () => new SQSClient(clientConfig(emu));

async function start(): Promise<void> {
  clock = new VirtualClock(Date.now());
  emu = await startEmulator({ port: 0, clock, log: () => {} });
  emu.bus.onHop((h) => hops.push(h), ['events.target.failed', 'events.target.delivered']);
}
beforeAll(start);
afterAll(async () => {
  await emu.stop();
});

let n = 0;
/** A BASIC connection, an API destination on `path` and a rule sending its source's events there. */
async function webhook(opts: { path: string; method?: string; rate?: number; target?: Partial<Target> }) {
  const name = `rv-${++n}`;
  const conn = await events().send(
    new CreateConnectionCommand({ Name: `${name}-conn`, AuthorizationType: 'BASIC', AuthParameters: { BasicAuthParameters: { Username: 'u', Password: 'p' } } }),
  );
  const dest = await events().send(
    new CreateApiDestinationCommand({
      Name: `${name}-dest`,
      ConnectionArn: conn.ConnectionArn,
      InvocationEndpoint: `${base}${opts.path}`,
      HttpMethod: (opts.method ?? 'POST') as never,
      InvocationRateLimitPerSecond: opts.rate,
    }),
  );
  await events().send(new PutRuleCommand({ Name: `${name}-rule`, EventPattern: JSON.stringify({ source: [name] }) }));
  const put = await events().send(new PutTargetsCommand({ Rule: `${name}-rule`, Targets: [{ Id: 'web', Arn: dest.ApiDestinationArn!, ...opts.target }] }));
  expect(put.FailedEntryCount).toBe(0);
  const send = (detail: object) => events().send(new PutEventsCommand({ Entries: [{ Source: name, DetailType: 'd', Detail: JSON.stringify(detail) }] }));
  return { conn, dest, send };
}
const hopsFor = (arn: string, type: string) => hops.filter((h) => h.type === type && (h as { targetArn?: string }).targetArn === arn);

describe('what CreateConnection, CreateApiDestination, PutTargets and List* refuse', () => {
  it('refuses a Limit outside 1–100 instead of answering an empty page that points at itself', async () => {
    for (const Limit of [0, 101]) {
      expect(await fail(events().send(new ListConnectionsCommand({ Limit })))).toMatchObject({ name: 'ValidationException', message: expect.stringContaining(`Value '${Limit}' at 'limit'`) });
      expect(await fail(events().send(new ListApiDestinationsCommand({ Limit })))).toMatchObject({ name: 'ValidationException' });
    }
  });

  it('refuses an InvocationEndpoint that names no host', async () => {
    const { conn } = await webhook({ path: '/ok' });
    const error = await fail(events().send(new CreateApiDestinationCommand({ Name: 'no-host', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: 'http://', HttpMethod: 'POST' })));
    expect(error).toMatchObject({ name: 'ValidationException' });
    expect(await fail(events().send(new UpdateApiDestinationCommand({ Name: `rv-${n}-dest`, InvocationEndpoint: 'https://' })))).toMatchObject({ name: 'ValidationException' });
  });

  it("refuses header parameters outside the API's patterns, without echoing a secret value", async () => {
    const withHeader = (Key: string, Value: string) =>
      new CreateConnectionCommand({
        Name: 'bad-header',
        AuthorizationType: 'API_KEY',
        AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'k', ApiKeyValue: 'v' }, InvocationHttpParameters: { HeaderParameters: [{ Key, Value, IsValueSecret: true }] } },
      });
    expect(await fail(events().send(withHeader('X Bad', 'v')))).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'authParameters.invocationHttpParameters.headerParameters.1.member.key'"),
    });
    const secret = await fail(events().send(withHeader('X-Ok', 'top\nsecret')));
    expect(secret).toMatchObject({ name: 'ValidationException' });
    expect(secret!.message).not.toContain('secret');

    const { dest } = await webhook({ path: '/ok' });
    const put = (HttpParameters: Target['HttpParameters']) =>
      fail(events().send(new PutTargetsCommand({ Rule: `rv-${n}-rule`, Targets: [{ Id: 'web', Arn: dest.ApiDestinationArn!, HttpParameters }] })));
    expect(await put({ HeaderParameters: { 'Bad Header': 'x' } })).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('headerParameters') });
    expect(await put({ PathParameterValues: ['  '] })).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('pathParameterValues') });
  });
});

describe('requests that cannot be sent as they are', () => {
  it('does not let a Content-Length header parameter hold a GET open until the 5-second timeout', async () => {
    const hook = await webhook({ path: '/get-cl', method: 'GET', target: { HttpParameters: { HeaderParameters: { 'Content-Length': '10' } } } });
    await hook.send({ a: 1 });
    // Well under the 5 s timeout: the endpoint answers as soon as the (empty) request is complete.
    await waitFor(() => hopsFor(hook.dest.ApiDestinationArn!, 'events.target.delivered').length === 1, {
      timeoutMs: 3_000,
      describe: () => JSON.stringify(hopsFor(hook.dest.ApiDestinationArn!, 'events.target.failed')),
    });
    expect(at('/get-cl')[0]!.headers['content-length']).toBeUndefined();
  });

  it('sends an event whose header value cannot be sent to the DLQ at once instead of retrying it', async () => {
    const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: 'rv-dlq' }));
    const { Attributes } = await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const hook = await webhook({
      path: '/newline',
      target: { HttpParameters: { HeaderParameters: { 'X-Note': '$.detail.note' } }, RetryPolicy: { MaximumRetryAttempts: 5 }, DeadLetterConfig: { Arn: Attributes!.QueueArn } },
    });
    await hook.send({ note: 'line one\nline two' });
    const msg = await waitFor(async () => (await sqs().send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'] }))).Messages?.[0], {
      timeoutMs: 3_000,
      what: 'the event on the DLQ without waiting for retries',
    });
    expect(msg.MessageAttributes?.RETRY_ATTEMPTS?.StringValue).toBe('0');
    expect(msg.MessageAttributes?.ERROR_MESSAGE?.StringValue).toMatch(/cannot be built/);
    expect(at('/newline')).toHaveLength(0);
  });
});

describe('deliveries pending at reset() and stop()', () => {
  it('keeps a burst in order under the rate limit, one call per slot', async () => {
    const hook = await webhook({ path: '/rated', rate: 1 });
    for (let i = 0; i < 3; i++) await hook.send({ i });
    await waitFor(() => at('/rated').length === 1);
    for (let i = 2; i <= 3; i++) {
      clock.advance(1_000);
      await waitFor(() => at('/rated').length === i, { what: `call ${i} after its slot` });
    }
    expect(hopsFor(hook.dest.ApiDestinationArn!, 'events.target.delivered')).toHaveLength(3);
  });

  it('reset() cancels the calls waiting for a rate-limit slot', async () => {
    const hook = await webhook({ path: '/rated-reset', rate: 1 });
    // Other services keep timers of their own: count ours as the difference.
    const before = clock.pendingCount;
    for (let i = 0; i < 3; i++) await hook.send({ i });
    await waitFor(() => clock.pendingCount === before + 2, { describe: () => `pending timers: ${clock.pendingCount}, ${before} before` });
    await emu.reset();
    expect(clock.pendingCount).toBeLessThanOrEqual(before);
  });

  it('stop() cancels retry timers and ends a call in flight', async () => {
    const failing = await webhook({ path: '/fail', target: { RetryPolicy: { MaximumRetryAttempts: 5 } } });
    const hanging = await webhook({ path: '/hang' });
    const before = clock.pendingCount;
    await failing.send({ x: 1 });
    await waitFor(() => hopsFor(failing.dest.ApiDestinationArn!, 'events.target.failed').length === 1);
    await hanging.send({ x: 2 });
    await waitFor(() => at('/hang').length === 1);
    expect(clock.pendingCount).toBe(before + 1); // the retry

    await emu.stop();
    expect(clock.pendingCount).toBeLessThanOrEqual(before);
    // Ended by the stop, not by the 5-second invocation timeout.
    await waitFor(() => at('/hang')[0]!.abandoned, { timeoutMs: 3_000, what: 'the hanging call to be ended' });
  });
});
