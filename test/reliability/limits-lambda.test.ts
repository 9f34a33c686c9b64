import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { clientConfig } from '../helpers/emulator';
import { deployNode } from '../lambda/helpers';
import { errorOf, statusOf, uniqueName } from './helpers';

/**
 * Lambda's payload limits through the official client (REST-JSON): 6 MB (6,291,456 bytes) per synchronous
 * request and response, 1 MB for asynchronous invocations since 2025 (256 KB before; "More room to build:
 * serverless services now support payloads up to 1 MB"). AWS answers an oversized request with the error code
 * RequestEntityTooLargeException (HTTP 413), and so does the emulator:
 *   sync:  "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
 *          (pelmers/streetwarp-web#14; awslabs/aws-athena-query-federation#793 shows "Status Code: 413;
 *          Error Code: RequestEntityTooLargeException")
 *   async: "<n> byte payload is too large for the Event invocation type (limit <limit> bytes)"
 *          (ASFHyP3/hyp3#2241, faultline/faultline#12)
 */

const SYNC_LIMIT = 6_291_456;
const ASYNC_LIMIT = 1_048_576;
let emu: RunningEmulator;
let lambda: LambdaClient;
let fn: string;

/** A JSON string payload of exactly `bytes` bytes. */
const payloadOf = (bytes: number): Uint8Array => Buffer.from(JSON.stringify('x'.repeat(bytes - 2)));

beforeAll(async () => {
  emu = await startEmulator({ port: 0, log: () => {} });
  lambda = new LambdaClient({ ...clientConfig(emu), maxAttempts: 1 });
  fn = uniqueName('limits');
  const source = `exports.handler = async (event) => {
    if (event && event.respondWith) return 'y'.repeat(event.respondWith);
    return { length: typeof event === 'string' ? event.length : JSON.stringify(event).length };
  };`;
  // Timeout well above AWS's 3 s default: a cold start with a 5 MB event on a busy CI machine is not what this tests.
  await deployNode(lambda, fn, source, { MemorySize: 512, Timeout: 60 });
});
afterAll(async () => {
  lambda.destroy();
  await emu.stop();
});

const json = (bytes: Uint8Array | undefined) => JSON.parse(Buffer.from(bytes ?? []).toString('utf8'));

describe('synchronous invocation (6 MB)', () => {
  it('runs a 5 MB event', async () => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: payloadOf(5 * 1024 * 1024) }));
    // Both at once, so a failure shows the function's error payload.
    expect([out.FunctionError, json(out.Payload)]).toEqual([undefined, { length: 5 * 1024 * 1024 - 2 }]);
  });

  it('refuses a request over 6,291,456 bytes with HTTP 413, naming the limit, without running the function', async () => {
    const starts: unknown[] = [];
    const stop = emu.bus.onHop((h) => {
      if (h.type === 'lambda.invoke.start') starts.push(h);
    });
    try {
      const err = await errorOf(() => lambda.send(new InvokeCommand({ FunctionName: fn, Payload: payloadOf(SYNC_LIMIT + 1) })));
      expect(statusOf(err)).toBe(413);
      expect(err.message).toContain(`${SYNC_LIMIT} bytes`);
      expect(starts).toEqual([]);
    } finally {
      stop();
    }
  });

  it('answers RequestEntityTooLargeException "… for the InvokeFunction operation", as AWS does', async () => {
    const err = await errorOf(() => lambda.send(new InvokeCommand({ FunctionName: fn, Payload: payloadOf(SYNC_LIMIT + 1) })));
    expect(err.name).toBe('RequestEntityTooLargeException');
    expect(err.message).toBe(`Request must be smaller than ${SYNC_LIMIT} bytes for the InvokeFunction operation`);
  });

  it('turns a response over the limit into a function error (Function.ResponseSizeTooLarge)', async () => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify({ respondWith: SYNC_LIMIT + 200 })) }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(json(out.Payload)).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
  });
});

describe('asynchronous invocation (1 MB)', () => {
  it('queues an event of up to 1 MB (202)', async () => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: fn, InvocationType: 'Event', Payload: payloadOf(ASYNC_LIMIT) }));
    expect(out.StatusCode).toBe(202);
  });

  it('refuses a larger event with HTTP 413, naming the limit', async () => {
    const err = await errorOf(() => lambda.send(new InvokeCommand({ FunctionName: fn, InvocationType: 'Event', Payload: payloadOf(ASYNC_LIMIT + 1) })));
    expect(statusOf(err)).toBe(413);
    expect(err.message).toContain(String(ASYNC_LIMIT));
  });

  it('answers RequestEntityTooLargeException "<n> byte payload is too large for the Event invocation type (limit <limit> bytes)", as AWS does', async () => {
    const err = await errorOf(() => lambda.send(new InvokeCommand({ FunctionName: fn, InvocationType: 'Event', Payload: payloadOf(ASYNC_LIMIT + 1) })));
    expect(err.name).toBe('RequestEntityTooLargeException');
    expect(err.message).toBe(`${ASYNC_LIMIT + 1} byte payload is too large for the Event invocation type (limit ${ASYNC_LIMIT} bytes)`);
  });
});
