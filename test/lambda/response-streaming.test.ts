import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CreateAliasCommand,
  InvokeAsyncCommand,
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  PublishVersionCommand,
  type InvokeWithResponseStreamResponseEvent,
} from '@aws-sdk/client-lambda';
import { waitFor } from '../../harness/wait';
import { useEmulator } from '../helpers/emulator';
import { deployNode, json, lambdaClient, payload, recordHops, rejection, scratchDir, uniqueName } from './helpers';

/** InvokeWithResponseStream (event stream of PayloadChunk + InvokeComplete), awslambda.streamifyResponse, InvokeAsync. */

const emulator = useEmulator({ timeScale: 0.001 });
let client: ReturnType<typeof lambdaClient> | undefined;
const lambda = () => (client ??= lambdaClient(emulator()));
let scratch: string | undefined;
const dir = () => (scratch ??= scratchDir());
afterAll(() => {
  client?.destroy();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

type Complete = NonNullable<InvokeWithResponseStreamResponseEvent['InvokeComplete']>;

/** Reads the whole event stream: the chunks' text in order, and the InvokeComplete event. */
async function drain(stream: AsyncIterable<InvokeWithResponseStreamResponseEvent> | undefined): Promise<{ chunks: string[]; complete?: Complete }> {
  const chunks: string[] = [];
  let complete: Complete | undefined;
  for await (const e of stream ?? []) {
    if (e.PayloadChunk?.Payload) chunks.push(Buffer.from(e.PayloadChunk.Payload).toString('utf8'));
    if (e.InvokeComplete) complete = e.InvokeComplete;
  }
  return { chunks, complete };
}

const STREAMING_ECHO = `
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.setContentType('text/plain');
  responseStream.write('one,');
  responseStream.write(Buffer.from('two,'));
  responseStream.end('three:' + event.tag);
});`;

describe('InvokeWithResponseStream', () => {
  it('streams a streaming handler chunk by chunk, before the handler has finished', async () => {
    const name = uniqueName('stream-live');
    const gate = path.join(dir(), `${name}-go`);
    await deployNode(
      lambda(),
      name,
      `const fs = require('fs');
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write('first chunk');
  // Holds until the test, having read the first chunk, creates the gate file (inotify, no polling).
  await new Promise((resolve) => {
    const check = () => fs.existsSync(event.gate) && (watcher.close(), resolve());
    const watcher = fs.watch(require('path').dirname(event.gate), check);
    check();
  });
  responseStream.write('second chunk');
  responseStream.end();
});`,
    );
    const out = await lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: payload({ gate }) }));
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(out.ResponseStreamContentType).toBe('application/vnd.amazon.eventstream');
    const events = out.EventStream![Symbol.asyncIterator]();
    const first = await events.next();
    expect(Buffer.from(first.value.PayloadChunk.Payload).toString()).toBe('first chunk');
    // The handler is still waiting: nothing more has arrived, and the gate does not exist yet.
    expect(fs.existsSync(gate)).toBe(false);
    fs.writeFileSync(gate, '');
    const rest = await drain({ [Symbol.asyncIterator]: () => events });
    expect(rest.chunks.join('')).toBe('second chunk');
    expect(rest.complete).toEqual({});
  });

  it('sends the chunks in order and ends with InvokeComplete carrying the log tail', async () => {
    const name = uniqueName('stream-echo');
    await deployNode(lambda(), name, STREAMING_ECHO);
    const out = await lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: payload({ tag: 'x' }), LogType: 'Tail' }));
    const { chunks, complete } = await drain(out.EventStream);
    expect(chunks.join('')).toBe('one,two,three:x');
    expect(complete?.ErrorCode).toBeUndefined();
    const log = Buffer.from(complete!.LogResult!, 'base64').toString('utf8');
    expect(log).toContain(`START RequestId: ${out.$metadata.requestId}`);
    expect(log).toMatch(/REPORT RequestId: \S+\s+Duration/);
  });

  it('returns a buffered handler’s whole response as one chunk', async () => {
    const name = uniqueName('stream-buffered');
    await deployNode(lambda(), name, `exports.handler = async (event) => ({ echo: event.v });`);
    const { chunks, complete } = await drain((await lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: payload({ v: 7 }) }))).EventStream);
    expect(chunks).toEqual(['{"echo":7}']);
    expect(complete).toEqual({});
  });

  it('reports an error thrown mid-stream in InvokeComplete, after the chunks already sent', async () => {
    const name = uniqueName('stream-error');
    await deployNode(
      lambda(),
      name,
      `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write('partial');
  await new Promise((r) => setImmediate(r));
  throw new TypeError('broke halfway');
});`,
    );
    const hops = recordHops(emulator());
    try {
      const out = await lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name, LogType: 'Tail' }));
      const { chunks, complete } = await drain(out.EventStream);
      expect(chunks.join('')).toBe('partial');
      expect(complete?.ErrorCode).toBe('TypeError');
      expect(complete?.ErrorDetails).toBe('broke halfway');
      expect(Buffer.from(complete!.LogResult!, 'base64').toString()).toContain('Invoke Error');
      expect(hops.of('lambda.invoke.error', name)).toHaveLength(1);
    } finally {
      hops.stop();
    }
    // The environment is still usable afterwards.
    const again = await lambda().send(new InvokeCommand({ FunctionName: name }));
    expect(again.FunctionError).toBe('Unhandled');
    expect(json(again.Payload).errorType).toBe('TypeError');
  });

  it('ends a stream that runs past the timeout with Sandbox.Timedout', async () => {
    const name = uniqueName('stream-timeout');
    await deployNode(
      lambda(),
      name,
      `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write('started');
  await new Promise(() => setInterval(() => {}, 1000));
});`,
      { Timeout: 1 },
    );
    const { chunks, complete } = await drain((await lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name }))).EventStream);
    expect(chunks.join('')).toBe('started');
    expect(complete?.ErrorCode).toBe('Sandbox.Timedout');
    expect(complete?.ErrorDetails).toMatch(/Task timed out after 1\.00 seconds/);
  });

  it('runs the version an alias names, and says so in X-Amz-Executed-Version', async () => {
    const name = uniqueName('stream-alias');
    await deployNode(lambda(), name, STREAMING_ECHO);
    const v = await lambda().send(new PublishVersionCommand({ FunctionName: name }));
    await lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: v.Version }));
    const out = await lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name, Qualifier: 'live', Payload: payload({ tag: 'a' }) }));
    expect(out.ExecutedVersion).toBe(v.Version);
    expect((await drain(out.EventStream)).chunks.join('')).toBe('one,two,three:a');
  });

  it('answers DryRun with 204 and refuses other invocation types and bad payloads', async () => {
    const name = uniqueName('stream-dry');
    await deployNode(lambda(), name, STREAMING_ECHO);
    const dry = await lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name, InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
    const event = await rejection(lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name, InvocationType: 'Event' as never })));
    expect(event.name).toBe('ValidationException');
    const bad = await rejection(lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: Buffer.from('{not json') })));
    expect(bad.name).toBe('InvalidRequestContentException');
    const missing = await rejection(lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: `${name}-nope` })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });
});

describe('streaming handlers through plain Invoke', () => {
  it('returns the streamed body whole', async () => {
    const name = uniqueName('stream-invoke');
    await deployNode(lambda(), name, STREAMING_ECHO);
    const out = await lambda().send(new InvokeCommand({ FunctionName: name, Payload: payload({ tag: 'b' }) }));
    expect(out.FunctionError).toBeUndefined();
    expect(Buffer.from(out.Payload!).toString()).toBe('one,two,three:b');
  });

  it('keeps HttpResponseStream’s prelude in the body', async () => {
    const name = uniqueName('stream-http');
    await deployNode(
      lambda(),
      name,
      `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream = awslambda.HttpResponseStream.from(responseStream, { statusCode: 201, headers: { 'x-a': 'b' } });
  responseStream.write('body');
  responseStream.end();
});`,
    );
    const body = Buffer.from((await lambda().send(new InvokeCommand({ FunctionName: name }))).Payload!);
    const nul = body.indexOf(Buffer.alloc(8));
    expect(JSON.parse(body.subarray(0, nul).toString())).toEqual({ statusCode: 201, headers: { 'x-a': 'b' } });
    expect(body.subarray(nul + 8).toString()).toBe('body');
  });
});

describe('InvokeAsync (deprecated)', () => {
  it('queues the event like Invoke Event and answers 202', async () => {
    const name = uniqueName('invoke-async');
    const marker = path.join(dir(), `${name}.json`);
    await deployNode(lambda(), name, `exports.handler = async (event) => { require('fs').writeFileSync(event.out, JSON.stringify(event)); };`);
    const out = await lambda().send(new InvokeAsyncCommand({ FunctionName: name, InvokeArgs: JSON.stringify({ out: marker, n: 5 }) }));
    expect(out.Status).toBe(202);
    const event = await waitFor(() => {
      try {
        return JSON.parse(fs.readFileSync(marker, 'utf8'));
      } catch {
        return undefined;
      }
    });
    expect(event.n).toBe(5);
  });

  it('refuses a body that is not JSON, and an unknown function', async () => {
    const name = uniqueName('invoke-async-bad');
    await deployNode(lambda(), name, `exports.handler = async () => 1;`);
    const bad = await rejection(lambda().send(new InvokeAsyncCommand({ FunctionName: name, InvokeArgs: '{oops' })));
    expect(bad.name).toBe('InvalidRequestContentException');
    const missing = await rejection(lambda().send(new InvokeAsyncCommand({ FunctionName: `${name}-nope`, InvokeArgs: '{}' })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });
});
