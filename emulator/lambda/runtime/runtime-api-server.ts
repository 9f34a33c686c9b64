import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Largest response or error document a function may post (Lambda's synchronous payload limit). */
export const MAX_RESULT_BYTES = 6_291_556;

/** One invocation as the runtime receives it from /invocation/next. */
export interface Delivery {
  requestId: string;
  payload: Buffer;
  deadlineMs: number;
  functionArn: string;
  traceId: string;
  /** JSON text of the client context, when the caller sent one. */
  clientContext?: string;
}

export type ApiReply = { status: 202 } | { status: 400 | 403; errorType: string; errorMessage: string };

/**
 * Where a streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`, chunked) goes, chunk by chunk
 * as the runtime sends them. `end` gets the HTTP trailers, which carry an error raised mid-stream.
 */
export interface ResponseSink {
  /** A promise: the taker is behind, so no more is read from the runtime until it settles (backpressure). */
  data(chunk: Buffer): void | Promise<void>;
  end(trailers: http.IncomingHttpHeaders): ApiReply;
}

/** What the server asks of the execution environment it serves. */
export interface RuntimeApiHooks {
  /** The runtime is ready for work; call `deliver` when there is some (possibly much later). */
  onNext(deliver: (d: Delivery) => void): void;
  onResult(kind: 'response' | 'error', requestId: string, body: Buffer, headers: http.IncomingHttpHeaders): ApiReply;
  onResultTooLarge(requestId: string): void;
  /** A streamed response starts: a sink for its body, or the refusal (unknown request id, already answered). */
  onStream(requestId: string, headers: http.IncomingHttpHeaders): ResponseSink | ApiReply;
  onInitError(body: Buffer, headers: http.IncomingHttpHeaders): ApiReply;
}

const NEXT = '/2018-06-01/runtime/invocation/next';
const RESULT = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;
const INIT_ERROR = '/2018-06-01/runtime/init/error';

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendReply(res: http.ServerResponse, reply: ApiReply): void {
  if (reply.status === 202) sendJson(res, 202, { status: 'OK' });
  else sendJson(res, reply.status, { errorMessage: reply.errorMessage, errorType: reply.errorType });
}

/** Reads a body up to `limit` bytes; undefined when it is larger (the rest is drained, not kept). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

/**
 * The Lambda Runtime API for one execution environment. AWS_LAMBDA_RUNTIME_API must be a bare host:port,
 * so each environment gets its own small server (own port): whoever connects to it is that environment.
 */
export class RuntimeApiServer {
  private constructor(
    private readonly server: http.Server,
    readonly address: string,
  ) {}

  static async listen(host: string, hooks: RuntimeApiHooks): Promise<RuntimeApiServer> {
    const server = http.createServer((req, res) => {
      RuntimeApiServer.route(req, res, hooks).catch((e: Error) =>
        sendJson(res, 500, { errorMessage: e.message, errorType: 'ServiceException' }),
      );
    });
    // /next blocks for as long as the environment stays idle: no request or socket timeouts.
    server.requestTimeout = 0;
    server.timeout = 0;
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    // The runtime's connection (a /next held open while idle) must not keep the emulator alive either.
    server.unref();
    server.on('connection', (socket) => socket.unref());
    const { port } = server.address() as AddressInfo;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    return new RuntimeApiServer(server, `${hostPart}:${port}`);
  }

  close(): void {
    this.server.close();
    this.server.closeAllConnections();
  }

  /** Hands each chunk on as it arrives (no buffering: the caller may be streaming it on); answers at the end. */
  private static stream(req: http.IncomingMessage, res: http.ServerResponse, sink: ResponseSink | ApiReply): void {
    if ('status' in sink) {
      req.resume();
      req.on('end', () => sendReply(res, sink));
      return;
    }
    req.on('data', (c: Buffer) => {
      const behind = sink.data(c);
      if (behind) {
        req.pause();
        void behind.then(() => req.resume());
      }
    });
    req.on('end', () => sendReply(res, sink.end(req.trailers)));
  }

  private static async route(req: http.IncomingMessage, res: http.ServerResponse, hooks: RuntimeApiHooks) {
    const url = (req.url ?? '').split('?')[0]!;
    if (url === NEXT && req.method === 'GET') {
      hooks.onNext((d) => {
        if (res.destroyed) return;
        const headers: http.OutgoingHttpHeaders = {
          'Content-Type': 'application/json',
          'Content-Length': d.payload.length,
          'Lambda-Runtime-Aws-Request-Id': d.requestId,
          'Lambda-Runtime-Deadline-Ms': String(d.deadlineMs),
          'Lambda-Runtime-Invoked-Function-Arn': d.functionArn,
          'Lambda-Runtime-Trace-Id': d.traceId,
        };
        if (d.clientContext !== undefined) headers['Lambda-Runtime-Client-Context'] = d.clientContext;
        res.writeHead(200, headers);
        res.end(d.payload);
      });
      return;
    }
    const result = RESULT.exec(url);
    if (result && req.method === 'POST') {
      const requestId = decodeURIComponent(result[1]!);
      if (result[2] === 'response' && String(req.headers['lambda-runtime-function-response-mode'] ?? '').toLowerCase() === 'streaming') {
        RuntimeApiServer.stream(req, res, hooks.onStream(requestId, req.headers));
        return;
      }
      const body = await readBody(req, MAX_RESULT_BYTES);
      if (body === undefined) {
        hooks.onResultTooLarge(requestId);
        sendJson(res, 413, {
          errorMessage: `Exceeded maximum allowed payload size (${MAX_RESULT_BYTES} bytes).`,
          errorType: 'RequestEntityTooLarge',
        });
        return;
      }
      sendReply(res, hooks.onResult(result[2] as 'response' | 'error', requestId, body, req.headers));
      return;
    }
    if (url === INIT_ERROR && req.method === 'POST') {
      const body = (await readBody(req, MAX_RESULT_BYTES)) ?? Buffer.from('{}');
      sendReply(res, hooks.onInitError(body, req.headers));
      return;
    }
    req.resume();
    sendJson(res, 404, { errorMessage: `Unknown Runtime API path: ${req.method} ${url}`, errorType: 'NotFound' });
  }
}
