import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EventBridgeClient,
  CreateApiDestinationCommand,
  CreateArchiveCommand,
  CreateConnectionCommand,
  DeauthorizeConnectionCommand,
  DescribeApiDestinationCommand,
  DescribeArchiveCommand,
  DescribeConnectionCommand,
  ListApiDestinationsCommand,
  ListConnectionsCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  UpdateArchiveCommand,
  UpdateConnectionCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

const emulator = useEmulator({ timeScale: 0.001 });
const events = () => new EventBridgeClient(clientConfig(emulator()));
const sqs = () => new SQSClient(clientConfig(emulator()));

/** A webhook receiver: records every request; answers each path with the statuses queued for it, then 200. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
const seen: Seen[] = [];
const answers = new Map<string, number[]>();
let tokenAnswer: { status: number; body: string } = { status: 200, body: JSON.stringify({ access_token: 'tok-1', expires_in: 3600 }) };
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(s);
      const path = req.url!.split('?')[0]!;
      if (path === '/token') {
        res.writeHead(tokenAnswer.status, { 'Content-Type': 'application/json' }).end(tokenAnswer.body);
        return;
      }
      const queued = answers.get(path);
      res.writeHead(queued?.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const at = (path: string) => seen.filter((s) => s.url.split('?')[0] === path);
const arrived = (path: string, count: number) =>
  waitFor(() => at(path).length >= count && at(path), { what: `${count} request(s) at ${path}`, describe: () => JSON.stringify(seen.map((s) => s.url)) });

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}
async function oneMessage(url: string) {
  return waitFor(
    async () => {
      const r = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'] }));
      const m = r.Messages?.[0];
      if (m) await sqs().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
      return m;
    },
    { what: `a message on ${url}` },
  );
}

let n = 0;
/** A connection, an API destination on `path`, and a rule sending `source`'s events to it. */
async function webhook(opts: { auth?: Partial<Parameters<typeof basicConnection>[0]>; path: string; method?: string; target?: Partial<Target> }) {
  const name = `hook-${++n}`;
  const conn = await events().send(new CreateConnectionCommand(basicConnection({ Name: `${name}-conn`, ...opts.auth })));
  const dest = await events().send(
    new CreateApiDestinationCommand({ Name: `${name}-dest`, ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${base}${opts.path}`, HttpMethod: (opts.method ?? 'POST') as never }),
  );
  const source = `app.${name}`;
  await events().send(new PutRuleCommand({ Name: `${name}-rule`, EventPattern: JSON.stringify({ source: [source] }) }));
  const put = await events().send(
    new PutTargetsCommand({ Rule: `${name}-rule`, Targets: [{ Id: 'web', Arn: dest.ApiDestinationArn!, RoleArn: 'arn:aws:iam::000000000000:role/eb', ...opts.target }] }),
  );
  expect(put.FailedEntryCount).toBe(0);
  const send = (detail: object) => events().send(new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'Order Placed', Detail: JSON.stringify(detail) }] }));
  return { conn, dest, send };
}
function basicConnection(input: { Name: string; AuthorizationType?: string; AuthParameters?: object }) {
  return {
    AuthorizationType: 'BASIC',
    AuthParameters: { BasicAuthParameters: { Username: 'alice', Password: 'pa55' } },
    ...input,
  } as never;
}

describe('EventBridge connections', () => {
  it('authorizes BASIC and API_KEY connections at once and never returns their secrets', async () => {
    const basic = await events().send(
      new CreateConnectionCommand(
        basicConnection({
          Name: 'c-basic',
          AuthParameters: {
            BasicAuthParameters: { Username: 'alice', Password: 'pa55' },
            InvocationHttpParameters: { HeaderParameters: [{ Key: 'X-Token', Value: 'hidden', IsValueSecret: true }, { Key: 'X-Plain', Value: 'shown', IsValueSecret: false }] },
          },
        }),
      ),
    );
    expect(basic.ConnectionState).toBe('AUTHORIZED');
    expect(basic.ConnectionArn).toMatch(/^arn:aws:events:us-east-1:000000000000:connection\/c-basic\/[-0-9a-f]{36}$/);
    const d = await events().send(new DescribeConnectionCommand({ Name: 'c-basic' }));
    expect(d.SecretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:events!connection\/c-basic\/[-0-9a-f]{36}-[A-Za-z0-9]{6}$/);
    expect(d.AuthParameters?.BasicAuthParameters).toEqual({ Username: 'alice' });
    expect(d.AuthParameters?.InvocationHttpParameters?.HeaderParameters).toEqual([{ Key: 'X-Token', IsValueSecret: true }, { Key: 'X-Plain', Value: 'shown', IsValueSecret: false }]);
    expect(JSON.stringify(d)).not.toMatch(/pa55|hidden/);

    await events().send(new CreateConnectionCommand({ Name: 'c-key', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 's3cret' } } }));
    const k = await events().send(new DescribeConnectionCommand({ Name: 'c-key' }));
    expect(k.ConnectionState).toBe('AUTHORIZED');
    expect(k.AuthParameters?.ApiKeyAuthParameters).toEqual({ ApiKeyName: 'x-api-key' });
    expect(JSON.stringify(k)).not.toContain('s3cret');
    const listed = await events().send(new ListConnectionsCommand({ NamePrefix: 'c-' }));
    expect(listed.Connections?.map((c) => c.Name)).toEqual(['c-basic', 'c-key']);
    expect(JSON.stringify(listed)).not.toMatch(/pa55|s3cret|hidden/);
  });

  it('refuses what AWS refuses, in its shape', async () => {
    const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: { name: string; message: string }) => e);
    expect(await fail(events().send(new DescribeConnectionCommand({ Name: 'nope' })))).toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Failed to describe the connection(s). Connection 'nope' does not exist.",
    });
    expect(await fail(events().send(new CreateConnectionCommand({ Name: 'bad name', AuthorizationType: 'BASIC', AuthParameters: { BasicAuthParameters: { Username: 'a', Password: 'b' } } })))).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/^1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern/),
    });
    expect(await fail(events().send(new CreateConnectionCommand({ Name: 'mixed', AuthorizationType: 'BASIC', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'a', ApiKeyValue: 'b' } } })))).toMatchObject({
      name: 'ValidationException',
    });
    const missingConn = 'arn:aws:events:us-east-1:000000000000:connection/ghost/00000000-0000-4000-8000-000000000000';
    expect(await fail(events().send(new CreateApiDestinationCommand({ Name: 'd-ghost', ConnectionArn: missingConn, InvocationEndpoint: `${base}/x`, HttpMethod: 'POST' })))).toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Failed to describe the connection(s). Connection 'ghost' does not exist.",
    });
    const { ConnectionArn } = await events().send(new CreateConnectionCommand(basicConnection({ Name: 'c-valid' })));
    expect(await fail(events().send(new CreateApiDestinationCommand({ Name: 'd-verb', ConnectionArn, InvocationEndpoint: `${base}/x`, HttpMethod: 'TRACE' as never })))).toMatchObject({
      name: 'ValidationException',
      message: "1 validation error detected: Value 'TRACE' at 'httpMethod' failed to satisfy constraint: Member must satisfy enum value set: [POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE]",
    });
    expect(await fail(events().send(new DescribeApiDestinationCommand({ Name: 'nope' })))).toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Failed to describe the api-destination(s). An api-destination 'nope' does not exist.",
    });
  });

  it('authorizes an OAuth connection through its token endpoint, and deauthorizes one whose endpoint fails', async () => {
    const oauth = (Name: string) =>
      new CreateConnectionCommand({
        Name,
        AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS',
        AuthParameters: { OAuthParameters: { AuthorizationEndpoint: `${base}/token`, HttpMethod: 'POST', ClientParameters: { ClientID: 'client-1', ClientSecret: 'shh' } } },
      });
    tokenAnswer = { status: 200, body: JSON.stringify({ access_token: 'tok-1', expires_in: 3600 }) };
    const created = await events().send(oauth('c-oauth'));
    expect(created.ConnectionState).toBe('AUTHORIZING');
    await waitFor(async () => (await events().send(new DescribeConnectionCommand({ Name: 'c-oauth' }))).ConnectionState === 'AUTHORIZED');
    const tokenCall = at('/token').at(-1)!;
    expect(tokenCall.headers.authorization).toBe(`Basic ${Buffer.from('client-1:shh').toString('base64')}`);
    expect(tokenCall.body).toContain('grant_type=client_credentials');
    const d = await events().send(new DescribeConnectionCommand({ Name: 'c-oauth' }));
    expect(d.AuthParameters?.OAuthParameters?.ClientParameters).toEqual({ ClientID: 'client-1' });
    expect(JSON.stringify(d)).not.toMatch(/shh|tok-1/);

    tokenAnswer = { status: 500, body: 'down' };
    await events().send(oauth('c-oauth-down'));
    const down = await waitFor(async () => {
      const c = await events().send(new DescribeConnectionCommand({ Name: 'c-oauth-down' }));
      return c.ConnectionState === 'DEAUTHORIZED' && c;
    });
    expect(down.StateReason).toMatch(/HTTP 500/);
    tokenAnswer = { status: 200, body: JSON.stringify({ access_token: 'tok-1', expires_in: 3600 }) };
  });
});

describe('API destinations as rule targets', () => {
  it('sends the event with the BASIC header and the headers EventBridge adds', async () => {
    const hook = await webhook({ path: '/basic' });
    await hook.send({ orderId: 'o-1' });
    const [req] = await arrived('/basic', 1);
    expect(req!.method).toBe('POST');
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from('alice:pa55').toString('base64')}`);
    expect(req!.headers['user-agent']).toBe('Amazon/EventBridge/ApiDestinations');
    expect(req!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req!.headers.range).toBe('bytes=0-1048575');
    expect(JSON.parse(req!.body)).toMatchObject({ 'detail-type': 'Order Placed', detail: { orderId: 'o-1' } });
    const view = await events().send(new DescribeApiDestinationCommand({ Name: `hook-${n}-dest` }));
    expect(view).toMatchObject({ ApiDestinationState: 'ACTIVE', HttpMethod: 'POST', InvocationRateLimitPerSecond: 300, ConnectionArn: hook.conn.ConnectionArn });
    const listed = await events().send(new ListApiDestinationsCommand({ ConnectionArn: hook.conn.ConnectionArn }));
    expect(listed.ApiDestinations?.map((a) => a.ApiDestinationArn)).toEqual([hook.dest.ApiDestinationArn]);
  });

  it('sends the API key header, the connection parameters over the target ones, and path/query/header values', async () => {
    const hook = await webhook({
      path: '/orders/*/items/*',
      method: 'PUT',
      auth: {
        AuthorizationType: 'API_KEY',
        AuthParameters: {
          ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k-123' },
          InvocationHttpParameters: { QueryStringParameters: [{ Key: 'tenant', Value: 'from-connection', IsValueSecret: true }], HeaderParameters: [{ Key: 'X-Env', Value: 'prod' }] },
        },
      },
      target: {
        HttpParameters: {
          PathParameterValues: ['$.detail.orderId', 'fixed item'],
          QueryStringParameters: { tenant: 'from-target', region: '$.region' },
          HeaderParameters: { 'X-Env': 'test', 'X-Order': '$.detail.orderId' },
        },
        InputTransformer: { InputPathsMap: { id: '$.detail.orderId' }, InputTemplate: '{"order": <id>, "note": "order <id> placed"}' },
      },
    });
    await hook.send({ orderId: 'o-7' });
    const [req] = await waitFor(() => seen.filter((s) => s.url.startsWith('/orders/')).length > 0 && seen.filter((s) => s.url.startsWith('/orders/')));
    expect(req!.method).toBe('PUT');
    const url = new URL(req!.url, base);
    expect(url.pathname).toBe('/orders/o-7/items/fixed%20item');
    expect(url.searchParams.get('tenant')).toBe('from-connection');
    expect(url.searchParams.get('region')).toBe('us-east-1');
    expect(req!.headers['x-api-key']).toBe('k-123');
    expect(req!.headers['x-env']).toBe('prod');
    expect(req!.headers['x-order']).toBe('o-7');
    expect(JSON.parse(req!.body)).toEqual({ order: 'o-7', note: 'order o-7 placed' });
  });

  it('sends the OAuth token as a Bearer header', async () => {
    const hook = await webhook({
      path: '/oauth',
      auth: {
        AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS',
        AuthParameters: { OAuthParameters: { AuthorizationEndpoint: `${base}/token`, HttpMethod: 'POST', ClientParameters: { ClientID: 'c', ClientSecret: 's' } } },
      },
    });
    await waitFor(async () => (await events().send(new DescribeConnectionCommand({ Name: `hook-${n}-conn` }))).ConnectionState === 'AUTHORIZED');
    await hook.send({ x: 1 });
    const [req] = await arrived('/oauth', 1);
    expect(req!.headers.authorization).toBe('Bearer tok-1');
  });

  it('retries a 500 and delivers on the next attempt', async () => {
    answers.set('/flaky', [500]);
    const hook = await webhook({ path: '/flaky', target: { RetryPolicy: { MaximumRetryAttempts: 3 } } });
    await hook.send({ n: 1 });
    const reqs = await arrived('/flaky', 2);
    expect(reqs[0]!.body).toBe(reqs[1]!.body);
  });

  it('does not retry a 400: the event goes to the DLQ after one attempt', async () => {
    const dlq = await queue('api-dest-dlq-400');
    answers.set('/bad', [400, 400, 400]);
    const hook = await webhook({ path: '/bad', target: { RetryPolicy: { MaximumRetryAttempts: 5 }, DeadLetterConfig: { Arn: dlq.arn } } });
    await hook.send({ n: 2 });
    const msg = await oneMessage(dlq.url);
    expect(at('/bad')).toHaveLength(1);
    expect(msg.MessageAttributes?.RETRY_ATTEMPTS?.StringValue).toBe('0');
    expect(msg.MessageAttributes?.ERROR_MESSAGE?.StringValue).toMatch(/HTTP 400/);
  });

  it('sends the event to the DLQ once the retries of a failing endpoint are exhausted', async () => {
    const dlq = await queue('api-dest-dlq-503');
    answers.set('/down', [503, 503, 503, 503]);
    const hook = await webhook({ path: '/down', target: { RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: dlq.arn } } });
    await hook.send({ n: 3 });
    const msg = await oneMessage(dlq.url);
    expect(at('/down')).toHaveLength(3);
    expect(JSON.parse(msg.Body!).detail).toEqual({ n: 3 });
    expect(msg.MessageAttributes?.RETRY_ATTEMPTS?.StringValue).toBe('2');
    expect(msg.MessageAttributes?.EXHAUSTED_RETRY_CONDITION?.StringValue).toBe('MaximumRetryAttempts');
    expect(msg.MessageAttributes?.TARGET_ARN?.StringValue).toBe(hook.dest.ApiDestinationArn);
  });

  it('turns INACTIVE when its connection is deauthorized, and ACTIVE again after UpdateConnection', async () => {
    const hook = await webhook({ path: '/deauth' });
    const name = `hook-${n}`;
    const deauth = await events().send(new DeauthorizeConnectionCommand({ Name: `${name}-conn` }));
    expect(deauth.ConnectionState).toBe('DEAUTHORIZING');
    await waitFor(async () => (await events().send(new DescribeApiDestinationCommand({ Name: `${name}-dest` }))).ApiDestinationState === 'INACTIVE');
    await events().send(new UpdateConnectionCommand({ Name: `${name}-conn`, AuthParameters: { BasicAuthParameters: { Username: 'bob', Password: 'new' } } }));
    expect((await events().send(new DescribeApiDestinationCommand({ Name: `${name}-dest` }))).ApiDestinationState).toBe('ACTIVE');
    await hook.send({ n: 4 });
    const [req] = await arrived('/deauth', 1);
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from('bob:new').toString('base64')}`);
  });
});

describe('UpdateArchive', () => {
  it('changes the description, pattern and retention', async () => {
    const busArn = 'arn:aws:events:us-east-1:000000000000:event-bus/default';
    await events().send(new CreateArchiveCommand({ ArchiveName: 'to-update', EventSourceArn: busArn, RetentionDays: 1 }));
    const pattern = JSON.stringify({ source: ['app.kept'] });
    const out = await events().send(new UpdateArchiveCommand({ ArchiveName: 'to-update', Description: 'kept', EventPattern: pattern, RetentionDays: 7 }));
    expect(out.State).toBe('ENABLED');
    expect(await events().send(new DescribeArchiveCommand({ ArchiveName: 'to-update' }))).toMatchObject({ Description: 'kept', EventPattern: pattern, RetentionDays: 7 });
  });
});
