import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvokeCommand, InvokeWithResponseStreamCommand, type InvokeWithResponseStreamResponseEvent } from '@aws-sdk/client-lambda';
import { waitFor } from '../../harness/wait';
import { useEmulator } from '../helpers/emulator';
import { deployNode, json, lambdaClient, payload, recordHops, scratchDir, uniqueName } from './helpers';

/**
 * Response streaming under stress: a handler failing after end(), a stream past the size limit whose function
 * keeps running, a client that stops reading (backpressure) or goes away. Real time: timeouts here must be long
 * enough for megabytes to move.
 */

const emulator = useEmulator({ timeScale: 1 });
let client: ReturnType<typeof lambdaClient> | undefined;
const lambda = () => (client ??= lambdaClient(emulator()));
let scratch: string | undefined;
const dir = () => (scratch ??= scratchDir());
afterAll(() => {
  client?.destroy();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

type Event = InvokeWithResponseStreamResponseEvent;

async function drain(events: AsyncIterator<Event>): Promise<{ bytes: number; text: string; complete?: Event['InvokeComplete'] }> {
  let bytes = 0;
  let text = '';
  let complete: Event['InvokeComplete'];
  for (let e = await events.next(); !e.done; e = await events.next()) {
    if (e.value.PayloadChunk?.Payload) {
      bytes += e.value.PayloadChunk.Payload.byteLength;
      if (text.length < 1000) text += Buffer.from(e.value.PayloadChunk.Payload).toString('utf8');
    }
    if (e.value.InvokeComplete) complete = e.value.InvokeComplete;
  }
  return { bytes, text, complete };
}

/** Writes `event.mb` 1 MiB chunks as fast as backpressure lets it, noting each in `event.progress`; then `event.done`. */
const FAST_WRITER = `
const fs = require('fs');
exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  const mib = Buffer.alloc(1024 * 1024, 120);
  for (let i = 1; i <= event.mb; i++) {
    if (!stream.write(mib)) await new Promise((r) => stream.once('drain', r));
    fs.writeFileSync(event.progress, String(i));
  }
  stream.end();
  await new Promise((r) => stream.once('finish', r));
  fs.writeFileSync(event.done, '');
});`;

describe('response streaming review', () => {
  it('keeps the response and the connection intact when the handler throws right after end()', async () => {
    const name = uniqueName('rs-throw-after-end');
    await deployNode(
      lambda(),
      name,
      `exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  stream.write('a');
  stream.end('b');
  throw new Error('too late to matter');
});`,
    );
    for (let i = 0; i < 3; i++) {
      const out = await lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name }));
      const { text, complete } = await drain(out.EventStream![Symbol.asyncIterator]());
      expect(text).toBe('ab');
      // The response was complete before the error: like Lambda's runtime client, it is not reported.
      expect(complete?.ErrorCode).toBeUndefined();
    }
  });

  it('does not hand a new invocation to an environment whose oversized stream is still being written', async () => {
    const name = uniqueName('rs-too-large');
    await deployNode(
      lambda(),
      name,
      `exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  if (event.small) return stream.end('small');
  const mib = Buffer.alloc(1024 * 1024, 120);
  for (let i = 0; i < 7; i++) if (!stream.write(mib)) await new Promise((r) => stream.once('drain', r));
  await new Promise(() => setInterval(() => {}, 1000)); // never ends the stream
});`,
      { Timeout: 2 },
    );
    // Plain Invoke collects a streamed response up to the 6 MB buffered limit.
    const big = await lambda().send(new InvokeCommand({ FunctionName: name }));
    expect(big.FunctionError).toBe('Unhandled');
    expect(json(big.Payload).errorType).toBe('Function.ResponseSizeTooLarge');
    const small = await lambda().send(new InvokeCommand({ FunctionName: name, Payload: payload({ small: true }) }));
    expect(small.FunctionError).toBeUndefined();
    expect(Buffer.from(small.Payload!).toString()).toBe('small');
  });

  it('holds a fast writer back while the client is not reading (nothing piles up in the emulator)', async () => {
    const name = uniqueName('rs-backpressure');
    await deployNode(lambda(), name, FAST_WRITER, { Timeout: 3 });
    const progress = path.join(dir(), `${name}.progress`);
    const done = path.join(dir(), `${name}.done`);
    const hops = recordHops(emulator());
    try {
      const out = await lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: payload({ mb: 64, progress, done }) }));
      const events = out.EventStream![Symbol.asyncIterator]();
      expect((await events.next()).value.PayloadChunk).toBeDefined();
      // The client reads nothing more until the invocation is over, however it ends.
      await waitFor(() => hops.hops.some((h) => (h.type === 'lambda.invoke.end' || h.type === 'lambda.invoke.error') && h.functionName === name), { timeoutMs: 30_000 });
      const written = Number(fs.readFileSync(progress, 'utf8'));
      expect(written).toBeLessThan(40);
      const { bytes, complete } = await drain(events);
      expect(complete?.ErrorCode).toBe('Sandbox.Timedout');
      // What reached the emulator before the function was stopped still arrives (what was in the killed
      // process's pipe does not, as on Lambda).
      expect(bytes).toBeGreaterThan(1024 * 1024);
      expect(bytes).toBeLessThanOrEqual(written * 1024 * 1024);
    } finally {
      hops.stop();
    }
  });

  it('lets the function finish when the client goes away mid-stream, and reuses its environment', async () => {
    const name = uniqueName('rs-disconnect');
    await deployNode(lambda(), name, FAST_WRITER, { Timeout: 30 });
    const progress = path.join(dir(), `${name}.progress`);
    const done = path.join(dir(), `${name}.done`);
    const hops = recordHops(emulator());
    try {
      const abort = new AbortController();
      const out = await lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: payload({ mb: 64, progress, done }) }), { abortSignal: abort.signal });
      const events = out.EventStream![Symbol.asyncIterator]();
      expect((await events.next()).value.PayloadChunk).toBeDefined();
      abort.abort();
      // Like Lambda, the function runs on to its end (it is billed for it) rather than hanging until its timeout.
      await waitFor(() => fs.existsSync(done), { timeoutMs: 20_000 });
      await waitFor(() => hops.of('lambda.invoke.end', name).length === 1, { timeoutMs: 20_000 });
      expect(Number(fs.readFileSync(progress, 'utf8'))).toBe(64);
      // The environment is free again: the next invocation runs (warm) and streams in full.
      const again = await lambda().send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: payload({ mb: 2, progress, done }) }));
      expect((await drain(again.EventStream![Symbol.asyncIterator]())).bytes).toBe(2 * 1024 * 1024);
    } finally {
      hops.stop();
    }
  });
});
