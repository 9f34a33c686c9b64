import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cors } from '@aws-sdk/client-lambda';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import { verifySignature } from '../core/sigv4';
import { SIGNING_SECRETS, type SigningSecretsQuestion } from '../core/signing-secrets';
import type { Executor } from './execution';
import type { FunctionUrls } from './function-urls';
import { runSync, SYNC_PAYLOAD_LIMIT } from './invoke';
import { runStreamed } from './response-stream';
import { BAD_GATEWAY, httpHead, sendStreamed, type StreamedAnswer } from './url-stream';
import type { FunctionUrlSettings, LambdaCore, LambdaFunction } from './state';
import { LATEST, qualify } from './targets';

/**
 * Serving function URLs: an HTTP request becomes a payload format 2.0 event, runs synchronously through
 * the same path as Invoke (runSync → Executor: logs, trace hops, concurrency, versions), and the function's
 * answer becomes the HTTP response the way Lambda maps it. A RESPONSE_STREAM URL runs the function as
 * InvokeWithResponseStream does instead (runStreamed), and url-stream.ts sends the response as it is written.
 * Requests reach it by Host (`<url-id>.lambda-url.<region>.localhost[:port]`) or by path
 * (`/_harness/lambda-url/<url-id>/<path>`).
 */

const HOST = /^([a-z0-9]+)\.lambda-url\.([a-z0-9-]+)\.localhost(?::\d+)?$/i;
const PATH_FORM = /^\/_harness\/lambda-url\/([a-z0-9]{32})(\/[^?]*)?(?:\?.*)?$/i;
/** Bodies with these content types reach the function as text; anything else is base64 (`isBase64Encoded`). */
const TEXT_TYPES = /^text\/|[/+]json\b|[/+]xml\b|\/javascript\b|\/x-yaml\b|\/yaml\b/i;
/** Connection-level headers a function never sees. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

/** The url-id and the path (with query) a request names, if it is a function URL request at all. */
export function functionUrlRequest(host: string | undefined, target: string): { urlId: string; rawTarget: string } | undefined {
  const h = host ? HOST.exec(host) : null;
  if (h) {
    // Origin-form (`/path?q`) as it came, keeping its exact encoding; absolute-form reduced to it.
    let rawTarget = target;
    if (!target.startsWith('/')) {
      const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(target);
      rawTarget = m?.[1] || '/';
      if (!rawTarget.startsWith('/')) rawTarget = `/${rawTarget}`;
    }
    return { urlId: h[1]!.toLowerCase(), rawTarget };
  }
  const p = PATH_FORM.exec(target);
  if (p) {
    const q = target.indexOf('?');
    return { urlId: p[1]!.toLowerCase(), rawTarget: (p[2] || '/') + (q >= 0 ? target.slice(q) : '') };
  }
  return undefined;
}

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const jsonAnswer = (status: number, doc: unknown, extra: Record<string, string> = {}): HttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...extra },
  body: Buffer.from(JSON.stringify(doc)),
});

/** `12/Mar/2020:19:03:58 +0000`, the requestContext.time format. */
function clfTime(ms: number): string {
  const d = new Date(ms);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      if (!over) chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class FunctionUrlServer {
  constructor(
    private readonly core: LambdaCore,
    private readonly executor: Executor,
    private readonly urls: FunctionUrls,
  ) {}

  /** Answers one function URL request. */
  async serve(req: IncomingMessage, res: ServerResponse, urlId: string, rawTarget: string): Promise<void> {
    const answer = await this.answer(req, urlId, rawTarget).catch((e: unknown) => {
      const aws = e instanceof AwsError ? e : undefined;
      return jsonAnswer(aws?.status ?? 500, { Message: aws ? aws.message : 'Internal Server Error' });
    });
    if (!req.readableEnded) req.resume();
    if ('run' in answer) return sendStreamed(req, res, answer.run, answer.headers);
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  }

  private async answer(req: IncomingMessage, urlId: string, rawTarget: string): Promise<HttpAnswer | StreamedAnswer> {
    const found = this.urls.lookup(urlId);
    if (!found) return jsonAnswer(404, { Message: `No function URL with id ${urlId}` });
    const { fn, url } = found;
    const method = req.method ?? 'GET';
    const origin = header(req, 'origin');

    // A CORS preflight is answered from the configuration; the function never sees it.
    if (method === 'OPTIONS' && url.cors && origin && header(req, 'access-control-request-method')) {
      return { status: 200, headers: preflightHeaders(url.cors, origin), body: Buffer.alloc(0) };
    }
    const body = await readBody(req, SYNC_PAYLOAD_LIMIT);
    if (!body) return jsonAnswer(413, { Message: `Request must be smaller than ${SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction operation` });

    const q = rawTarget.indexOf('?');
    const rawPath = q >= 0 ? rawTarget.slice(0, q) : rawTarget;
    const rawQuery = q >= 0 ? rawTarget.slice(q + 1) : '';
    const auth = url.authType === 'AWS_IAM' ? await this.authorize(req, rawTarget, body, fn.region) : undefined;
    if (auth && 'status' in auth) return auth;

    const requestId = uuid();
    const event = this.event(req, fn, url, { urlId, rawPath, rawQuery, body, requestId, iam: auth });
    const target = qualify(fn, url.qualifier === LATEST ? undefined : url.qualifier);
    const payload = Buffer.from(JSON.stringify(event));
    const runOpts = { requestId, incomingTrace: header(req, 'x-amzn-trace-id'), source: 'url' as const };
    const common = { 'x-amzn-requestid': requestId, ...(url.cors && origin ? corsHeaders(url.cors, origin) : {}) };
    let out;
    try {
      // RESPONSE_STREAM: run as InvokeWithResponseStream does; the response goes out as the function writes it.
      if (url.invokeMode === 'RESPONSE_STREAM') return { run: await runStreamed(this.core, this.executor, target, payload, runOpts), headers: common };
      out = await runSync(this.core, this.executor, target, payload, runOpts);
    } catch (e) {
      if (e instanceof AwsError && e.code === 'TooManyRequestsException') return jsonAnswer(429, { Message: 'Rate Exceeded.' });
      throw e;
    }
    // Lambda answers an unhandled error (or a timeout), and a result it cannot map, with 502 and does not show the error document.
    const mapped = out.result.functionError ? undefined : mapResult(out.result.payload);
    if (!mapped) return { status: 502, headers: { 'content-type': 'application/json', ...common }, body: Buffer.from(BAD_GATEWAY) };
    return { ...mapped, headers: { ...mapped.headers, ...common } };
  }

  /** AWS_IAM: a SigV4-signed request only (the signature is checked when the emulator verifies signatures). */
  private async authorize(req: IncomingMessage, rawTarget: string, body: Buffer, fnRegion: string): Promise<HttpAnswer | { accessKey: string }> {
    const authorization = header(req, 'authorization') ?? '';
    const query = new URLSearchParams(rawTarget.includes('?') ? rawTarget.slice(rawTarget.indexOf('?') + 1) : '');
    const m = /Credential=([^/,\s]+)\//.exec(authorization) ?? /^([^/]+)\//.exec(query.get('X-Amz-Credential') ?? '');
    if (!authorization.startsWith('AWS4-HMAC-SHA256') && !query.get('X-Amz-Signature')) return jsonAnswer(403, { Message: 'Forbidden' }, { 'x-amzn-errortype': 'AccessDeniedException' });
    if (this.core.deps.options.verifySignatures) {
      try {
        const rawPath = (req.url ?? '/').split('?')[0]!;
        const full = new URL(req.url ?? '/', 'http://localhost');
        const accessKeyId = m?.[1] ?? '';
        const sessionToken = header(req, 'x-amz-security-token') ?? query.get('X-Amz-Security-Token') ?? undefined;
        const secrets = await this.core.deps.bus.ask<SigningSecretsQuestion, Record<string, string>>(SIGNING_SECRETS, {
          accessKeyId,
          sessionToken,
          use: { service: 'lambda', region: fnRegion },
        });
        await verifySignature({ method: req.method ?? 'GET', rawPath, query: full.searchParams, headers: req.headers, service: 'lambda', body }, secrets);
      } catch (e) {
        return jsonAnswer(403, { Message: (e as Error).message }, { 'x-amzn-errortype': 'AccessDeniedException' });
      }
    }
    return { accessKey: m?.[1] ?? 'anonymous' };
  }

  /** The payload format 2.0 event Lambda builds for a function URL request. */
  private event(
    req: IncomingMessage,
    fn: LambdaFunction,
    url: FunctionUrlSettings,
    r: { urlId: string; rawPath: string; rawQuery: string; body: Buffer; requestId: string; iam?: { accessKey: string } },
  ): Record<string, unknown> {
    const headers: Record<string, string> = {};
    let cookies: string[] | undefined;
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_HEADERS.has(name)) continue;
      const text = Array.isArray(value) ? value.join(',') : value;
      if (name === 'cookie') cookies = text.split(/;\s*/).filter(Boolean);
      else headers[name] = text;
    }
    const sourceIp = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    headers['x-forwarded-for'] ??= sourceIp;
    headers['x-forwarded-proto'] ??= 'http';
    headers['x-forwarded-port'] ??= String(req.socket.localPort ?? this.core.deps.options.port);
    let queryStringParameters: Record<string, string> | undefined;
    if (r.rawQuery) {
      queryStringParameters = {};
      // Repeated parameters arrive as one comma-separated value.
      for (const [k, v] of new URLSearchParams(r.rawQuery)) queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
    }
    const contentType = headers['content-type'] ?? '';
    const text = r.body.length === 0 || TEXT_TYPES.test(contentType);
    const now = this.core.deps.clock.now();
    const domainName = `${r.urlId}.lambda-url.${fn.region}.localhost`;
    return {
      version: '2.0',
      routeKey: '$default',
      rawPath: r.rawPath,
      rawQueryString: r.rawQuery,
      ...(cookies ? { cookies } : {}),
      headers,
      ...(queryStringParameters ? { queryStringParameters } : {}),
      requestContext: {
        accountId: url.authType === 'AWS_IAM' ? fn.accountId : 'anonymous',
        apiId: r.urlId,
        ...(r.iam
          ? {
              authorizer: {
                iam: {
                  accessKey: r.iam.accessKey,
                  accountId: fn.accountId,
                  callerId: r.iam.accessKey,
                  cognitoIdentity: null,
                  principalOrgId: null,
                  userArn: `arn:aws:iam::${fn.accountId}:root`,
                  userId: fn.accountId,
                },
              },
            }
          : {}),
        domainName,
        domainPrefix: r.urlId,
        http: {
          method: req.method ?? 'GET',
          path: r.rawPath,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp,
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: r.requestId,
        routeKey: '$default',
        stage: '$default',
        time: clfTime(now),
        timeEpoch: now,
      },
      ...(r.body.length ? { body: text ? r.body.toString('utf8') : r.body.toString('base64') } : {}),
      isBase64Encoded: !text,
    };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * What the function returned → the HTTP response, as Lambda infers it: an object with `statusCode` is a
 * response (headers, cookies, body, isBase64Encoded); a string is the body as it is; any other JSON value is
 * the body of a 200 application/json response. Not JSON at all, or a status or header HTTP cannot send: undefined (a 502).
 */
export function mapResult(payload: Buffer): HttpAnswer | undefined {
  const text = payload.toString('utf8');
  let doc: unknown;
  try {
    doc = text.trim() === '' ? null : JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc === 'string') return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(doc) };
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && 'statusCode' in doc) {
    const r = doc as { statusCode: unknown; headers?: unknown; cookies?: unknown; body?: unknown; isBase64Encoded?: boolean };
    const head = httpHead(r, 'application/json');
    if (!head) return undefined;
    const raw = r.body === undefined || r.body === null ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    const body = r.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw);
    return { ...head, body };
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(text) };
}

/** The origin as Lambda echoes it: `*` when any origin is allowed, the request's when it is listed. */
function allowedOrigin(cors: Cors, origin: string): string | undefined {
  const origins = cors.AllowOrigins ?? [];
  if (origins.includes('*')) return '*';
  return origins.some((o) => o.toLowerCase() === origin.toLowerCase()) ? origin : undefined;
}

function corsHeaders(cors: Cors, origin: string): Record<string, string> {
  const allow = allowedOrigin(cors, origin);
  if (!allow) return {};
  return {
    'access-control-allow-origin': allow,
    ...(cors.AllowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
    ...(cors.ExposeHeaders?.length ? { 'access-control-expose-headers': cors.ExposeHeaders.join(',') } : {}),
  };
}

function preflightHeaders(cors: Cors, origin: string): Record<string, string> {
  const base = corsHeaders(cors, origin);
  if (!base['access-control-allow-origin']) return {};
  return {
    ...base,
    ...(cors.AllowMethods?.length ? { 'access-control-allow-methods': cors.AllowMethods.join(',') } : {}),
    ...(cors.AllowHeaders?.length ? { 'access-control-allow-headers': cors.AllowHeaders.join(',') } : {}),
    ...(cors.MaxAge !== undefined ? { 'access-control-max-age': String(cors.MaxAge) } : {}),
  };
}
