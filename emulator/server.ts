import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import { AwsError } from './core/errors';
import { DEFAULT_ACCOUNT_ID, type RequestContext } from './core/context';
import { s3HostId, s3RequestId, uuid } from './core/ids';
import type { EmulatorOptions } from './core/service';
import { internalError, notImplemented } from './protocols/errors';
import type { Codec, WireRequest, WireResponse } from './protocols/types';
import { routeRequest, virtualHostBucket } from './router';
import { checkPresignedUrl, verifySignature } from './core/sigv4';
import { checkS3HeaderSection } from './s3/header-section';
import { ScaledClock, type Clock } from './core/clock';
import { bodyLimitFor, type BodyLimit } from './body-limits';
import { signingSecretsLookup } from './core/signing-secrets';

/** A service as the server sees it: how to pick its codec for a request, and its provider. */
export interface MountedService {
  name: string;
  codecFor(req: WireRequest): Codec;
  provider: Record<string, any>;
  /** Query-protocol actions this service answers (to route unsigned form posts). */
  actions?: Set<string>;
}

export type InternalHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface ServerLog {
  error(message: string, cause?: unknown): void;
}

/** One HTTP listener for every service: route → decode → provider method → encode. */
/** What the HTTP server reads of a request's header section before giving up on it (Node's default is 16 KB). */
const MAX_HEADER_SECTION_BYTES = 1024 * 1024;

export function createServer(
  services: Map<string, MountedService>,
  options: EmulatorOptions,
  internal: InternalHandler,
  log: ServerLog,
  /** Marks a request as activity (virtual time waits for it). */
  track: <T>(work: Promise<T>) => Promise<T> = (w) => w,
  /** `--data-dir`: told what each successful operation did, and flushed before any response goes out. */
  persistence?: { touched(service: string, operation: string, input: unknown, output: unknown): void; flush(): void },
  /** The emulator's clock: presigned URLs expire by it. */
  clock: Clock = new ScaledClock(),
): http.Server {
  const actionOwner = (action: string): string | undefined => {
    for (const s of services.values()) if (s.actions?.has(action)) return s.name;
    return undefined;
  };

  const signingSecrets = signingSecretsLookup(options.credentials, [...services.values()].map((s) => s.provider));

  // Header sections well past any AWS limit are still read, so that the service answers its own error (S3:
  // RequestHeaderSectionTooLarge over 8 KB) instead of Node resetting the connection at its 16 KB default.
  return http.createServer({ maxHeaderSize: MAX_HEADER_SECTION_BYTES }, (req, res) => {
    track(handle(req, res)).catch((err) => {
      log.error('request failed outside any service', err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseRequestUrl(req.url ?? '/');
    if (!url) {
      res.writeHead(400, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidURI</Code><Message>Couldn\'t parse the specified URI.</Message></Error>');
      return;
    }
    // Function URLs (Host `<url-id>.lambda-url.<region>.localhost`, or `/_harness/lambda-url/<url-id>/…`) are
    // HTTP endpoints, not AWS APIs: before the harness's paths and before `*.localhost` is taken for an S3 bucket.
    const functionUrl: false | Promise<true> | undefined = services.get('lambda')?.provider.serveFunctionUrl?.(req, res);
    if (functionUrl) {
      await functionUrl;
      return;
    }
    if (url.pathname.startsWith('/_harness/') && (await internal(req, res, url))) return;

    // Until the request is routed, a body is held to the limit of the services other than S3 and Lambda. The
    // limit is worked out only when a body is read whole (never for S3, whose uploads stream).
    let routedService: string | undefined;
    const wire = wireRequest(req, url, () => bodyLimitFor(routedService, wire, options));
    let formAction: string | undefined;
    let bodyError: unknown;
    const isForm = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    if (isForm && req.method === 'POST' && !req.headers.authorization) {
      try {
        formAction = new URLSearchParams((await wire.body()).toString('utf8')).get('Action') ?? undefined;
      } catch (e) {
        bodyError = e; // answered below, in the protocol of the service the request is routed to
      }
    }
    const routed = routeRequest(req.headers, url.pathname, url.searchParams, actionOwner, formAction);
    const service = services.get(routed.service) ?? services.get('s3')!;
    routedService = service.name;
    const ctx: RequestContext = {
      region: routed.region ?? options.region,
      accountId: options.accountId ?? DEFAULT_ACCOUNT_ID,
      requestId: service.name === 's3' ? s3RequestId() : uuid(),
      hostId: service.name === 's3' ? s3HostId() : '',
      endpoint: `http://${req.headers.host ?? `${options.host}:${options.port}`}`,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      accessKeyId: routed.accessKeyId ?? 'anonymous',
      headers: req.headers,
      operation: '',
    };
    if (service.name === 's3') wire.virtualBucket = virtualHostBucket(req.headers.host);

    let codec: Codec | undefined;
    let response: WireResponse;
    try {
      if (bodyError) throw bodyError;
      // S3 checks a presigned URL's parameters and expiry even where signatures are not verified.
      if (service.name === 's3') {
        checkS3HeaderSection(req.rawHeaders);
        checkPresignedUrl(wire.query, clock.now());
      }
      if (options.verifySignatures) {
        const body = service.name === 's3' ? undefined : await wire.body();
        await verifySignature({ ...wire, service: service.name, body }, signingSecrets(ctx.accessKeyId, req.headers['x-amz-security-token'] ?? wire.query.get('X-Amz-Security-Token'), { service: service.name, region: ctx.region }));
      }
      codec = service.codecFor(wire);
      const { operation, input, invalid } = await codec.decode(wire);
      ctx.operation = operation;
      const method = service.provider[operation];
      if (typeof method !== 'function') throw notImplemented(operation, service.name);
      if (invalid) throw invalid;
      const output = await method.call(service.provider, input, ctx);
      persistence?.touched(service.name, operation, input, output);
      response = await codec.encode(operation, output ?? {}, ctx);
    } catch (err) {
      let aws: AwsError;
      if (err instanceof AwsError) aws = err;
      else {
        log.error(`${service.name}.${ctx.operation || '?'} failed`, err);
        aws = internalError();
      }
      response = (codec ?? service.codecFor(wire)).encodeError(aws, ctx, wire);
    }
    if (service.name === 's3') {
      response.headers['x-amz-request-id'] ??= ctx.requestId;
      response.headers['x-amz-id-2'] ??= ctx.hostId;
    }
    // Drain what the codec did not read, so keep-alive connections stay usable.
    if (!req.readableEnded) req.resume();
    try {
      persistence?.flush();
    } catch (err) {
      // Not written means not acknowledged: the client sees a 500 and retries.
      log.error('writing state to the data directory failed', err);
      response = (codec ?? service.codecFor(wire)).encodeError(internalError(), ctx, wire);
    }
    send(res, response, req.method === 'HEAD');
  }
}

/** The request target: origin-form (`/path?q`, including `//double/slash`) or absolute-form (`http://h/p`). */
function parseRequestUrl(target: string): URL | undefined {
  try {
    return target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target);
  } catch {
    return undefined;
  }
}

function wireRequest(req: IncomingMessage, url: URL, limit: () => BodyLimit | undefined): WireRequest {
  let cached: Promise<Buffer> | undefined;
  const rawPath = (req.url ?? '/').split('?')[0]!;
  return {
    method: req.method ?? 'GET',
    rawPath,
    query: url.searchParams,
    headers: req.headers,
    stream: req,
    body() {
      cached ??= readWholeBody(req, limit());
      return cached;
    },
  };
}

/**
 * A whole body, held to `limit`: a Content-Length over it is refused before anything is read, and a body that
 * grows past it (chunked, or longer than announced) as soon as it does. What follows is never kept: the server
 * reads it and drops it (`req.resume()` in `handle`), so the connection stays usable for the client's next request.
 */
function readWholeBody(req: IncomingMessage, limit: BodyLimit | undefined): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const announced = Number(req.headers['content-length']);
    if (limit && announced > limit.bytes) {
      reject(limit.refuse(announced));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      if (refused) return;
      size += c.length;
      if (limit && size > limit.bytes) {
        refused = true;
        chunks.length = 0;
        reject(limit.refuse(Math.max(size, announced || 0)));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: WireResponse, head: boolean): void {
  const headers: Record<string, string> = { ...response.headers };
  const body = response.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    headers['content-length'] ??= String(Buffer.byteLength(body));
    res.writeHead(response.status, headers);
    res.end(head ? undefined : body);
  } else if (body instanceof Readable) {
    res.writeHead(response.status, headers);
    if (head) {
      body.destroy();
      res.end();
    } else {
      // pipeline, not pipe: a client that goes away destroys the body, which tells its producer (a streamed
      // Lambda response stops holding its function back); a body that fails ends the response.
      pipeline(body, res, () => {});
    }
  } else {
    if (response.status !== 204 && response.status !== 304 && !head) headers['content-length'] ??= '0';
    res.writeHead(response.status, headers);
    res.end();
  }
}

export function listen(server: http.Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
