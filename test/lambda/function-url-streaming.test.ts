import * as fs from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import * as path from 'node:path';
import { CreateFunctionUrlConfigCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { waitFor } from '../../harness/wait';
import { useEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient, recordHops, scratchDir, uniqueName } from './helpers';

/**
 * Function URLs with InvokeMode RESPONSE_STREAM: the response leaves as the function writes it, HttpResponseStream's
 * prelude sets status/headers/cookies, and errors, a slow client or one that goes away leave the emulator and the
 * environment usable. Real time: megabytes must move within the functions' timeouts.
 */

const emulator = useEmulator({ timeScale: 1 });
let client: LambdaClient | undefined;
const lambda = () => (client ??= lambdaClient(emulator()));
let scratch: string | undefined;
const dir = () => (scratch ??= scratchDir());
afterAll(() => {
  client?.destroy();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

/** Deploys `source` behind a function URL with the given invoke mode; answers its path-form address. */
async function streamingUrl(source: string, opts: { mode?: 'RESPONSE_STREAM' | 'BUFFERED'; timeout?: number } = {}): Promise<{ name: string; path: string }> {
  const name = uniqueName('url-stream');
  await deployNode(lambda(), name, source, opts.timeout ? { Timeout: opts.timeout } : {});
  const out = await lambda().send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE', InvokeMode: opts.mode ?? 'RESPONSE_STREAM' }));
  const urlId = new URL(out.FunctionUrl!).hostname.split('.')[0]!;
  return { name, path: `/_harness/lambda-url/${urlId}/` };
}

/** Sends a request and answers the response as soon as its head is in (the body is read by the caller). */
function open(urlPath: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  const endpoint = new URL(emulator().endpoint);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: endpoint.hostname, port: endpoint.port, path: urlPath, headers, agent: false }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/** Reads the rest of a body; `complete` is false when the connection was cut before the closing chunk. */
async function rest(res: IncomingMessage, first: Buffer[] = []): Promise<{ text: string; bytes: number; complete: boolean }> {
  const chunks = [...first];
  try {
    for await (const c of res) chunks.push(c as Buffer);
  } catch {
    // aborted: what arrived is kept, `complete` tells
  }
  const body = Buffer.concat(chunks);
  return { text: body.toString('utf8'), bytes: body.length, complete: res.complete };
}

/** Reads until the body so far satisfies `done`; the chunks read. */
function readUntil(res: IncomingMessage, done: (text: string) => boolean): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => {
      chunks.push(c);
      if (done(Buffer.concat(chunks).toString('utf8'))) {
        res.off('data', onData);
        res.pause();
        resolve(chunks);
      }
    };
    res.on('data', onData);
    res.once('end', () => reject(new Error(`ended before the expected text: ${Buffer.concat(chunks).toString('utf8')}`)));
  });
}

/** Waits until the file named in the x-gate header exists (fs.watch, no polling). */
const WAIT_FOR_GATE = `
const fs = require('fs');
const gateOpen = (gate) => new Promise((resolve) => {
  const check = () => fs.existsSync(gate) && (watcher.close(), resolve());
  const watcher = fs.watch(require('path').dirname(gate), check);
  check();
});`;

/** Writes x-mb 1 MiB chunks as fast as backpressure lets it, noting each in x-progress; then creates x-done. */
const FAST_WRITER = `
const fs = require('fs');
exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  const h = event.headers;
  const mib = Buffer.alloc(1024 * 1024, 120);
  for (let i = 1; i <= Number(h['x-mb']); i++) {
    if (!stream.write(mib)) await new Promise((r) => stream.once('drain', r));
    fs.writeFileSync(h['x-progress'], String(i));
  }
  stream.end();
  await new Promise((r) => stream.once('finish', r));
  fs.writeFileSync(h['x-done'], '');
});`;

describe('function URLs with InvokeMode RESPONSE_STREAM', () => {
  it('sends the first chunk while the function still runs, with the prelude’s status, headers and cookies', async () => {
    const { path: urlPath } = await streamingUrl(`${WAIT_FOR_GATE}
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 201,
    headers: { 'Content-Type': 'text/html', 'X-Custom': 'yes' },
    cookies: ['a=1; Path=/', 'b=2'],
  });
  stream.write('<p>first</p>');
  await gateOpen(event.headers['x-gate']);
  stream.write('<p>second</p>');
  stream.end('<p>third</p>');
});`);
    const gate = path.join(dir(), `${uniqueName('gate')}`);
    const res = await open(urlPath, { 'x-gate': gate });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.headers['x-custom']).toBe('yes');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2']);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['x-amzn-requestid']).toEqual(expect.any(String));
    const first = await readUntil(res, (t) => t.includes('first'));
    // The function is still waiting for the gate, which only the test creates, after reading the first chunk.
    expect(fs.existsSync(gate)).toBe(false);
    fs.writeFileSync(gate, '');
    const body = await rest(res, first);
    // The prelude and its 8 NUL bytes never reach the client.
    expect(body).toEqual({ text: '<p>first</p><p>second</p><p>third</p>', bytes: 37, complete: true });
  });

  it('answers 200 with the stream’s content type when there is no prelude (application/octet-stream unless set)', async () => {
    const { path: plain } = await streamingUrl(`exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  stream.write('a');
  stream.end(Buffer.from('b'));
});`);
    const res = await open(plain);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(await rest(res)).toEqual({ text: 'ab', bytes: 2, complete: true });

    const { path: typed } = await streamingUrl(`exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  stream.setContentType('text/plain');
  stream.end('hello ' + event.rawPath);
});`);
    const res2 = await open(`${typed}x/y`);
    expect(res2.statusCode).toBe(200);
    expect(res2.headers['content-type']).toBe('text/plain');
    expect((await rest(res2)).text).toBe('hello /x/y');
  });

  it('sends what a handler that is not streaming-enabled returned as the body, as it is', async () => {
    const source = `exports.handler = async () => ({ statusCode: 404, headers: { 'x-from': 'fn' }, body: 'nope' });`;
    const { path: streamed } = await streamingUrl(source);
    const res = await open(streamed);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-from']).toBeUndefined();
    expect(JSON.parse((await rest(res)).text)).toEqual({ statusCode: 404, headers: { 'x-from': 'fn' }, body: 'nope' });

    // The same function behind a BUFFERED URL: read as an HTTP response, as before.
    const { path: buffered } = await streamingUrl(source, { mode: 'BUFFERED' });
    const res2 = await open(buffered);
    expect(res2.statusCode).toBe(404);
    expect(res2.headers['x-from']).toBe('fn');
    expect(res2.headers['content-length']).toBe('4');
    expect((await rest(res2)).text).toBe('nope');
  });

  it('cuts the connection when the function throws mid-stream, and the environment serves the next request', async () => {
    const { path: urlPath } = await streamingUrl(`let n = 0;
exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  n += 1;
  stream.write('partial ' + n + ';');
  if (event.headers['x-fail'] === 'before') throw new Error('failed before writing');
  if (event.headers['x-fail'] === 'after') throw new Error('failed mid-stream');
  stream.end('whole');
});`);
    const failed = await open(urlPath, { 'x-fail': 'after' });
    expect(failed.statusCode).toBe(200);
    const body = await rest(failed);
    expect(body.text).toBe('partial 1;');
    expect(body.complete).toBe(false);

    // The same (warm) environment answers the next request in full.
    const ok = await open(urlPath);
    expect(await rest(ok)).toEqual({ text: 'partial 2;whole', bytes: 15, complete: true });
  });

  it('answers 502 when the function fails before writing anything, as a BUFFERED URL does', async () => {
    const { path: urlPath } = await streamingUrl(`exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  if (event.headers['x-fail']) throw new Error('nothing written');
  stream.end('fine');
});`);
    const res = await open(urlPath, { 'x-fail': '1' });
    expect(res.statusCode).toBe(502);
    expect(await rest(res)).toEqual({ text: 'Internal Server Error', bytes: 21, complete: true });
    expect((await rest(await open(urlPath))).text).toBe('fine');
  });

  it('cuts a stream that runs past the timeout; the next request runs', async () => {
    const { path: urlPath } = await streamingUrl(
      `exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  stream.write('started;');
  if (event.headers['x-hang']) await new Promise(() => setInterval(() => {}, 1000));
  stream.end('done');
});`,
      { timeout: 1 },
    );
    const res = await open(urlPath, { 'x-hang': '1' });
    expect(res.statusCode).toBe(200);
    const body = await rest(res);
    expect(body.text).toBe('started;');
    expect(body.complete).toBe(false);
    expect((await rest(await open(urlPath))).text).toBe('started;done');
  });

  it('holds a fast writer back while the client is not reading', async () => {
    const { name, path: urlPath } = await streamingUrl(FAST_WRITER, { timeout: 3 });
    const progress = path.join(dir(), `${name}.progress`);
    const done = path.join(dir(), `${name}.done`);
    const hops = recordHops(emulator());
    try {
      const res = await open(urlPath, { 'x-mb': '64', 'x-progress': progress, 'x-done': done });
      const first = await readUntil(res, (t) => t.length > 0);
      // The client reads nothing more until the invocation is over (its timeout).
      await waitFor(() => hops.hops.some((h) => (h.type === 'lambda.invoke.end' || h.type === 'lambda.invoke.error') && h.functionName === name), { timeoutMs: 30_000 });
      const written = Number(fs.readFileSync(progress, 'utf8'));
      expect(written).toBeLessThan(40);
      const body = await rest(res, first);
      expect(body.complete).toBe(false);
      expect(body.bytes).toBeLessThanOrEqual(written * 1024 * 1024);
    } finally {
      hops.stop();
    }
  });

  it('lets the function finish when the client goes away mid-stream, and reuses its environment', async () => {
    const { name, path: urlPath } = await streamingUrl(FAST_WRITER, { timeout: 30 });
    const progress = path.join(dir(), `${name}.progress`);
    const done = path.join(dir(), `${name}.done`);
    const hops = recordHops(emulator());
    try {
      const res = await open(urlPath, { 'x-mb': '64', 'x-progress': progress, 'x-done': done });
      await readUntil(res, (t) => t.length > 0);
      res.destroy();
      await waitFor(() => fs.existsSync(done), { timeoutMs: 20_000 });
      await waitFor(() => hops.of('lambda.invoke.end', name).length === 1, { timeoutMs: 20_000 });
      expect(Number(fs.readFileSync(progress, 'utf8'))).toBe(64);
      const again = await open(urlPath, { 'x-mb': '2', 'x-progress': progress, 'x-done': done });
      expect(await rest(again)).toMatchObject({ bytes: 2 * 1024 * 1024, complete: true });
    } finally {
      hops.stop();
    }
  });
});
