import * as http from 'node:http';
import { once } from 'node:events';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ListQueuesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { DEFAULT_REQUEST_LIMIT, LAMBDA_REQUEST_LIMIT } from '../../emulator/body-limits';
import { waitFor } from '../../harness/wait';
import { clientConfig, sigv4 } from '../helpers/emulator';
import { errorOf, statusOf, uniqueName } from './helpers';

/**
 * Bodies the JSON, Query and REST-JSON services read whole are capped (emulator/body-limits.ts): above every
 * AWS limit, so the services' own checks still answer for anything AWS would take, and refused in the service's
 * protocol without being read into memory: an announced Content-Length over the cap before any byte is read, a
 * chunked body as soon as it passes it. The rest is read and dropped, so the connection serves the next request.
 *
 * AWS's wording: Lambda answers RequestEntityTooLargeException (413) "Request must be smaller than 70167211 bytes
 * for the CreateFunction operation" (also UpdateFunctionCode; quoted in many deploy scripts and issues); AWS's
 * front end for the Query/JSON services answers 413 "HTTP content length exceeded <n> bytes." (aws/aws-sdk-js#479).
 */

const MiB = 1_048_576;
const logged: string[] = [];
let emu: RunningEmulator;
let agent: http.Agent;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, log: (m) => logged.push(m) });
  agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
});
afterAll(async () => {
  agent.destroy();
  await emu.stop();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Opens a raw request; `answer` settles when the whole response has arrived (whatever the request is still doing). */
function open(method: string, path: string, headers: Record<string, string>): { req: http.ClientRequest; answer: Promise<Answer>; answered: () => boolean } {
  const url = new URL(`${emu.endpoint}${path}`);
  let done = false;
  const req = http.request({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, headers, agent });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => {
        done = true;
        resolve({ status: res.statusCode!, headers: res.headers, body });
      });
    });
    req.on('error', reject);
  });
  return { req, answer, answered: () => done };
}

/**
 * Writes `total` bytes of `fill` in 1 MiB pieces, waiting whenever the socket asks to, until `answer` arrives
 * (Node's client emits no 'drain' once the response is complete, so a write loop must not wait past it).
 */
async function send(req: http.ClientRequest, total: number, answer?: Promise<unknown>): Promise<number> {
  const piece = Buffer.alloc(MiB, 'x');
  let answered = false;
  void answer?.then(() => (answered = true), () => (answered = true));
  let sent = 0;
  while (sent < total && !answered) {
    const chunk = total - sent >= MiB ? piece : piece.subarray(0, total - sent);
    sent += chunk.length;
    if (!req.write(chunk)) await Promise.race([once(req, 'drain'), answer ?? new Promise(() => undefined)]);
  }
  return sent;
}

/** Sends what is left of a refused body and ends it (the server reads and drops it). */
async function finish(req: http.ClientRequest, rest: number): Promise<void> {
  req.end(Buffer.alloc(rest, 'x'));
  await once(req, 'finish');
}

/** Headers of an SQS JSON request (the SDK's current protocol). */
const sqsJson = (action: string) => ({
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': `AmazonSQS.${action}`,
  authorization: sigv4('sqs'),
});

/** After each refusal: the next request over the same keep-alive socket is served. */
async function nextRequestIsServed(): Promise<void> {
  const { req, answer } = open('POST', '/', sqsJson('ListQueues'));
  req.end('{}');
  const r = await answer;
  expect(r.status).toBe(200);
  expect(req.reusedSocket).toBe(true);
}

describe('SQS, SNS and the other Query/JSON services: 16 MiB', () => {
  it('is above what those services accept, so a body under it reaches the service and its own check answers', async () => {
    const sqs = new SQSClient({ ...clientConfig(emu), maxAttempts: 1 });
    const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('body-limit') }))).QueueUrl!;
    sqs.destroy();
    const prefix = `{"QueueUrl":${JSON.stringify(QueueUrl)},"MessageBody":"`;
    const fill = DEFAULT_REQUEST_LIMIT - prefix.length - 2;
    const { req, answer } = open('POST', '/', { ...sqsJson('SendMessage'), 'content-length': String(DEFAULT_REQUEST_LIMIT) });
    req.write(prefix);
    await send(req, fill);
    req.end('"}');
    const r = await answer;
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toBe(`One or more parameters are invalid. Reason: Message must be shorter than ${MiB} bytes.`);
  });

  it('refuses an announced Content-Length over it before reading the body: 413 RequestEntityTooLarge, in the protocol of the service', async () => {
    const announced = DEFAULT_REQUEST_LIMIT + 1;
    const { req, answer } = open('POST', '/', { ...sqsJson('SendMessage'), 'content-length': String(announced) });
    req.write('{"QueueUrl":"');
    const r = await answer; // answered with 13 of 16 MiB + 1 bytes sent
    expect(r.status).toBe(413);
    expect(r.headers['x-amzn-query-error']).toBe('RequestEntityTooLarge;Sender');
    expect(JSON.parse(r.body)).toEqual({ __type: 'com.amazonaws.sqs#RequestEntityTooLarge', message: `HTTP content length exceeded ${DEFAULT_REQUEST_LIMIT} bytes.` });
    // The client finishes its body; the server drops it and the socket serves the next request.
    await finish(req, announced - 13);
    await nextRequestIsServed();
  });

  it('refuses a chunked body as soon as it passes the limit, before the body ends', async () => {
    const { req, answer, answered } = open('POST', '/', { ...sqsJson('SendMessage'), 'transfer-encoding': 'chunked' });
    // Up to 8 MiB past the limit, then wait with the body still open: a server that needed all of it would never answer.
    const sent = await send(req, DEFAULT_REQUEST_LIMIT + 8 * MiB, answer);
    await waitFor(answered, { what: 'the 413 while the body is still open' });
    expect(sent).toBeGreaterThan(DEFAULT_REQUEST_LIMIT);
    const r = await answer;
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).__type).toBe('com.amazonaws.sqs#RequestEntityTooLarge');
    await finish(req, 0);
    await nextRequestIsServed();
  });

  it('answers a Query service (SNS) with its XML error', async () => {
    const { req, answer } = open('POST', '/', {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: sigv4('sns'),
      'content-length': String(DEFAULT_REQUEST_LIMIT + 1),
    });
    req.write('Action=Publish&Message=');
    const r = await answer;
    expect(r.status).toBe(413);
    expect(r.body).toContain('<Type>Sender</Type><Code>RequestEntityTooLarge</Code>');
    expect(r.body).toContain(`<Message>HTTP content length exceeded ${DEFAULT_REQUEST_LIMIT} bytes.</Message>`);
    req.destroy();
  });

  it('refuses an unsigned form post over it before its Action is read (413), not as a server failure', async () => {
    const { req, answer } = open('POST', '/', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(DEFAULT_REQUEST_LIMIT + 1) });
    req.write('Action=SendMessage&MessageBody=');
    const r = await answer;
    expect(r.status).toBe(413);
    expect(r.body).toContain('<Code>RequestEntityTooLarge</Code>');
    req.destroy();
  });
});

describe('Lambda: 70,167,211 bytes, refused with AWS\'s wording for the operation', () => {
  const lambdaHeaders = (announced: number, extra: Record<string, string> = {}) => ({
    'content-type': 'application/json',
    authorization: sigv4('lambda'),
    'content-length': String(announced),
    ...extra,
  });

  it.each([
    ['POST', '/2015-03-31/functions', 'CreateFunction'],
    ['PUT', '/2015-03-31/functions/some-fn/code', 'UpdateFunctionCode'],
  ])('%s %s: RequestEntityTooLargeException "… for the %s operation"', async (method, path, operation) => {
    const { req, answer } = open(method, path, lambdaHeaders(LAMBDA_REQUEST_LIMIT + 1));
    req.write('{"ZipFile":"');
    const r = await answer;
    expect(r.status).toBe(413);
    expect(r.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
    expect(JSON.parse(r.body).message).toBe(`Request must be smaller than 70167211 bytes for the ${operation} operation`);
    req.destroy();
  });

  it('an invocation over it gets the payload wording of its invocation type', async () => {
    const sync = open('POST', '/2015-03-31/functions/some-fn/invocations', lambdaHeaders(80_000_000));
    sync.req.write('"');
    const r = await sync.answer;
    expect(r.status).toBe(413);
    expect(r.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
    expect(JSON.parse(r.body).message).toBe('Request must be smaller than 6291456 bytes for the InvokeFunction operation');
    sync.req.destroy();

    const event = open('POST', '/2015-03-31/functions/some-fn/invocations', lambdaHeaders(80_000_000, { 'x-amz-invocation-type': 'Event' }));
    event.req.write('"');
    const e = await event.answer;
    expect(e.status).toBe(413);
    expect(JSON.parse(e.body).message).toBe('80000000 byte payload is too large for the Event invocation type (limit 1048576 bytes)');
    event.req.destroy();
  });

  it('through the SDK: CreateFunction with a 53 MB zip (70.7 MB as base64 in JSON) fails as on AWS', async () => {
    const lambda = new LambdaClient({ ...clientConfig(emu), maxAttempts: 1 });
    try {
      const err = await errorOf(() =>
        lambda.send(
          new CreateFunctionCommand({
            FunctionName: uniqueName('too-big'),
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Role: 'arn:aws:iam::000000000000:role/lambda-role',
            Code: { ZipFile: new Uint8Array(53_000_000) },
          }),
        ),
      );
      expect(err.name).toBe('RequestEntityTooLargeException');
      expect(statusOf(err)).toBe(413);
      expect(err.message).toBe('Request must be smaller than 70167211 bytes for the CreateFunction operation');
    } finally {
      lambda.destroy();
    }
  });
});

describe('after all of the above', () => {
  it('the server is healthy: it serves SDK requests and has logged no failure', async () => {
    const sqs = new SQSClient({ ...clientConfig(emu), maxAttempts: 1 });
    try {
      const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('after') }))).QueueUrl!;
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'still here' }));
      expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls).toContain(QueueUrl);
    } finally {
      sqs.destroy();
    }
    expect(logged).toEqual([]);
  });
});
