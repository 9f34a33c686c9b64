import * as http from 'node:http';
import * as https from 'node:https';
import { readPath } from './json-path';
import { TargetFailure, type Target } from './targets';
import type { ApiDestination } from './api-destinations';
import type { Connection, ConnectionHttpParameters, HttpParameter } from './connections';

/**
 * One HTTP call to an API destination, as EventBridge makes it: the documented fixed headers, the target's
 * HttpParameters merged under the connection's InvocationHttpParameters (the connection's win), the connection's
 * authorization, a 5-second limit. Real time, not the emulator clock: the endpoint is a real server.
 */

/** AWS: "EventBridge requests to an API destination endpoint must have a maximum client execution timeout of 5 seconds." */
export const INVOCATION_TIMEOUT_MS = 5_000;
/** Headers EventBridge puts on every call (user guide, "Headers included in requests to API destinations"). */
const FIXED_HEADERS: Record<string, string> = {
  'User-Agent': 'Amazon/EventBridge/ApiDestinations',
  Range: 'bytes=0-1048575',
  'Accept-Encoding': 'gzip,deflate',
  Connection: 'close',
};
const DEFAULT_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}
interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A target parameter value: literal, or a `$.` path into the event (the API's value pattern allows both). */
function resolveValue(value: string, event: Record<string, unknown>): string {
  if (!value.startsWith('$.') && value !== '$') return value;
  let found: unknown;
  try {
    found = readPath(event, value);
  } catch {
    return value;
  }
  return found === undefined ? '' : typeof found === 'string' ? found : JSON.stringify(found);
}

const setHeader = (headers: Record<string, string>, key: string, value: string) => {
  for (const k of Object.keys(headers)) if (k.toLowerCase() === key.toLowerCase()) delete headers[k];
  headers[key] = value;
};

/** The request for one event; `auth` holds the connection's Authorization (or API key) header. */
function buildRequest(
  destination: ApiDestination,
  connection: Connection,
  target: Target,
  input: string,
  event: Record<string, unknown>,
  auth: Record<string, string>,
): HttpRequest {
  const params = target.HttpParameters ?? {};
  const invocation: ConnectionHttpParameters = connection.AuthParameters.InvocationHttpParameters ?? {};
  const pathValues = [...(params.PathParameterValues ?? [])];
  const endpoint = destination.InvocationEndpoint.replace(/\*/g, () => encodeURIComponent(resolveValue(pathValues.shift() ?? '', event)));
  const url = new URL(endpoint);
  for (const [k, v] of Object.entries(params.QueryStringParameters ?? {})) url.searchParams.set(k, resolveValue(v, event));
  for (const p of invocation.QueryStringParameters ?? []) url.searchParams.set(p.Key, p.Value ?? '');

  const headers: Record<string, string> = { 'Content-Type': DEFAULT_CONTENT_TYPE };
  for (const [k, v] of Object.entries(params.HeaderParameters ?? {})) setHeader(headers, k, resolveValue(v, event));
  for (const p of invocation.HeaderParameters ?? []) setHeader(headers, p.Key, p.Value ?? '');
  for (const [k, v] of Object.entries(auth)) setHeader(headers, k, v);
  // User-Agent and Range are EventBridge's own; a parameter cannot replace them (Content-Type it can).
  for (const [k, v] of Object.entries(FIXED_HEADERS)) setHeader(headers, k, v);

  const method = destination.HttpMethod;
  if (method === 'GET' || method === 'HEAD') return { method, url: url.toString(), headers };
  return { method, url: url.toString(), headers, body: withBodyParameters(input, invocation.BodyParameters) };
}

/**
 * buildRequest, with a request no HTTP client can send (a header value from the event holding a line break, a
 * URL that does not parse) turned into a failure retrying cannot cure: the event goes to the DLQ at once instead of
 * being retried for a day.
 */
export function buildSendableRequest(...args: Parameters<typeof buildRequest>): HttpRequest {
  try {
    const req = buildRequest(...args);
    for (const [k, v] of Object.entries(req.headers)) {
      http.validateHeaderName(k);
      http.validateHeaderValue(k, v);
    }
    return req;
  } catch (err) {
    throw new TargetFailure('SDK_CLIENT_ERROR', `Unable to invoke ApiDestination endpoint: the request cannot be built (${(err as Error).message}).`, false);
  }
}

/** Framing headers belong to the HTTP client: a parameter setting them would desynchronize the request (a GET with a Content-Length waits for a body that never comes). */
const CLIENT_OWNED = new Set(['content-length', 'transfer-encoding', 'host']);

/** The connection's body parameters join a JSON object body (theirs win); any other body is sent as it is. */
function withBodyParameters(body: string, params: HttpParameter[] | undefined): string {
  if (!params?.length) return body;
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return body;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return body;
  for (const p of params) (doc as Record<string, unknown>)[p.Key] = p.Value ?? '';
  return JSON.stringify(doc);
}

/** Sends a request; a slow endpoint is cut off after `timeoutMs`, a refused connection fails at once. */
export function sendHttp(req: HttpRequest, timeoutMs: number, signal?: AbortSignal): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const own = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !CLIENT_OWNED.has(k.toLowerCase())));
    const headers = { ...own, Host: url.host, ...(body ? { 'Content-Length': String(body.length) } : {}) };
    const client = url.protocol === 'https:' ? https : http;
    // The signal ends the call when the emulator stops or resets: no socket outlives it. Local HTTPS endpoints
    // use self-signed certificates: not verified, as SNS's HTTP(S) subscriptions do (sns/http-post.ts).
    const tls = url.protocol === 'https:' ? { rejectUnauthorized: false } : {};
    const outgoing = client.request(url, { method: req.method, headers, agent: false, signal, ...tls }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < 1_048_576) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', fail);
    });
    function fail(err: Error) {
      clearTimeout(timer);
      reject(err);
    }
    const timer = setTimeout(() => outgoing.destroy(new TimeoutError()), timeoutMs);
    timer.unref?.();
    outgoing.on('error', fail);
    outgoing.end(body);
  });
}

class TimeoutError extends Error {}

/** Retry-After in milliseconds (seconds or an HTTP date); negative means "stop retrying". */
function retryAfterMs(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^-?\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * One attempt: resolves on 2xx; otherwise a TargetFailure, retryable for 429 and 5xx (and timeouts and refused
 * connections) and not for other statuses, as the user guide's "API destination error codes" lists them.
 */
export async function invokeOnce(req: HttpRequest, now: number, signal?: AbortSignal): Promise<HttpAnswer> {
  let answer: HttpAnswer;
  try {
    answer = await sendHttp(req, INVOCATION_TIMEOUT_MS, signal);
  } catch (err) {
    if (err instanceof TimeoutError) {
      throw new TargetFailure('UNKNOWN', 'Unable to invoke ApiDestination endpoint: Timeout calling endpoint for API Destination.', true);
    }
    throw new TargetFailure('SDK_CLIENT_ERROR', 'Unable to invoke ApiDestination endpoint: API destination endpoint cannot be reached.', true);
  }
  const { status } = answer;
  if (status >= 200 && status < 300) return answer;
  const retryable = status === 429 || status >= 500;
  const wait = retryable ? retryAfterMs(answer.headers['retry-after'], now) : undefined;
  // A negative Retry-After stops the retries for this event.
  const stop = wait !== undefined && wait < 0;
  throw new TargetFailure(
    'SDK_CLIENT_ERROR',
    `Unable to invoke ApiDestination endpoint: The endpoint responded with HTTP ${status}.`,
    retryable && !stop,
    stop ? undefined : wait,
    status,
  );
}
