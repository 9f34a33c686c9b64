import { validateHeaderName, validateHeaderValue, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import type { StreamEvent, StreamedRun } from './response-stream';

/**
 * The HTTP side of a RESPONSE_STREAM function URL: the response leaves as the function writes it (chunked),
 * through the same event queue as InvokeWithResponseStream (so the same backpressure and 200 MB limit).
 *
 * - A stream made with `awslambda.HttpResponseStream.from` (content type HTTP_INTEGRATION) starts with a JSON
 *   prelude and 8 NUL bytes: statusCode, headers and cookies come from the prelude, which the client never sees.
 * - A prelude that is not a JSON object, names a status or header HTTP cannot send as a final response, or runs
 *   past MAX_PRELUDE without its delimiter: 502, as Lambda answers a response it cannot read.
 * - Any other stream: 200 with the stream's own content type (application/octet-stream unless set).
 * - A handler that is not streaming-enabled: what it returned is the body as it is (not read as statusCode/body).
 * - An error or timeout before anything was written: 502, as a buffered URL answers. After: the headers are
 *   gone, so the connection is cut without the closing chunk and the client sees a truncated response.
 * A client that goes away destroys the body, which abandons the queue: the function runs on to its end, unheld.
 */

export interface StreamedAnswer {
  run: StreamedRun;
  /** x-amzn-requestid and the CORS headers. */
  headers: Record<string, string>;
}

const HTTP_INTEGRATION = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = Buffer.alloc(8);
/**
 * A prelude is status, headers and cookies: past this without its delimiter it is not one (a function URL takes
 * 1 MB of request line and headers), so the answer is a 502 at once instead of the whole stream kept in memory.
 */
const MAX_PRELUDE = 1024 * 1024;
/** The body of Lambda's 502 to a function that failed or answered what HTTP cannot send (buffered or streamed). */
export const BAD_GATEWAY = 'Internal Server Error';
/** Content type of a buffered handler's result, as Lambda answers a plain synchronous invoke. */
const BUFFERED_TYPE = 'application/json';

/** Status and headers of a function's HTTP answer. */
export interface Head {
  status: number;
  headers: Record<string, string | string[]>;
}

/**
 * The status and headers a function asks for (a buffered result's `statusCode`/`headers`/`cookies`, or a stream's
 * prelude), with `contentType` unless it names its own; undefined if HTTP cannot send them as a final response.
 */
export function httpHead(doc: { statusCode?: unknown; headers?: unknown; cookies?: unknown }, contentType: string): Head | undefined {
  const status = doc.statusCode === undefined ? 200 : Number(doc.statusCode);
  // 1xx is no final status: sent as one, the client would wait on for a response that never comes (or switch protocols).
  if (!Number.isInteger(status) || status < 200 || status > 599) return undefined;
  const headers: Record<string, string | string[]> = { 'content-type': contentType };
  for (const [k, v] of Object.entries(doc.headers ?? {})) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
  if (Array.isArray(doc.cookies) && doc.cookies.length) headers['set-cookie'] = doc.cookies.map(String);
  return sendable(headers) ? { status, headers } : undefined;
}

/** Status and headers from HttpResponseStream's prelude; undefined if it is not a JSON object or not sendable. */
function preludeHead(text: string): Head | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  return httpHead(doc, 'application/octet-stream');
}

/** Whether Node can send these headers (writeHead throws on a bad name or a value with CR/LF, after nothing is sent). */
function sendable(headers: Record<string, string | string[]>): boolean {
  try {
    for (const [k, v] of Object.entries(headers)) {
      validateHeaderName(k);
      for (const one of Array.isArray(v) ? v : [v]) validateHeaderValue(k, one);
    }
    return true;
  } catch {
    return false;
  }
}

/** A chunk as a Buffer without copying it (Buffer.from(Uint8Array) copies every byte). */
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const isFailure = (e: StreamEvent) => 'InvokeComplete' in e && e.InvokeComplete.ErrorCode !== undefined;

/** What is read before the response can start: its head (once known), the bytes after it, how the stream stands. */
interface Start {
  head?: Head;
  /** Bytes read past the head (the prelude's remainder, or the first chunk), sent first. */
  pending: Buffer[];
  /** The stream is over (ended, failed, or unreadable as a response). */
  ended: boolean;
  /** Answer 502: the function failed before anything was sent, or its prelude cannot be read. */
  bad: boolean;
}

/** Reads until the head is known: the first chunk (and, behind a prelude, up to its delimiter) or the end. */
async function readStart(events: AsyncIterator<StreamEvent>, run: StreamedRun): Promise<Start> {
  const pending: Buffer[] = [];
  /** Behind a prelude: bytes read so far, and the last few of them. */
  let seenBytes = 0;
  let tail = Buffer.alloc(0);
  try {
    for (;;) {
      const next = await events.next();
      if (next.done) return { pending, ended: true, bad: unendedPrelude(run, pending) };
      const e = next.value;
      if (!('PayloadChunk' in e)) return { pending, ended: true, bad: isFailure(e) || unendedPrelude(run, pending) };
      const chunk = asBuffer(e.PayloadChunk.Payload);
      pending.push(chunk);
      const type = run.contentType();
      if (type !== HTTP_INTEGRATION) return { head: { status: 200, headers: { 'content-type': type ?? BUFFERED_TYPE } }, pending, ended: false, bad: false };
      // Only the new bytes, after the last 7 seen (a delimiter split across chunks), are searched: linear, not quadratic.
      const window = Buffer.concat([tail, chunk]);
      const found = window.indexOf(DELIMITER);
      const windowStart = seenBytes - tail.length;
      seenBytes += chunk.length;
      const at = found < 0 ? -1 : windowStart + found;
      if (at < 0 && seenBytes <= MAX_PRELUDE + DELIMITER.length) {
        tail = window.subarray(Math.max(0, window.length - (DELIMITER.length - 1)));
        continue;
      }
      const seen = at < 0 || at > MAX_PRELUDE ? undefined : Buffer.concat(pending);
      const head = seen && preludeHead(seen.subarray(0, at).toString('utf8'));
      if (!seen || !head) return { pending, ended: true, bad: true };
      const rest = at + DELIMITER.length < seen.length ? [seen.subarray(at + DELIMITER.length)] : [];
      return { head, pending: rest, ended: false, bad: false };
    }
  } catch {
    return { pending, ended: true, bad: true };
  }
}

/** The stream ended inside HttpResponseStream's prelude (its delimiter never came). */
const unendedPrelude = (run: StreamedRun, pending: Buffer[]) => run.contentType() === HTTP_INTEGRATION && pending.length > 0;

export async function sendStreamed(req: IncomingMessage, res: ServerResponse, run: StreamedRun, common: Record<string, string>): Promise<void> {
  const events = run.events[Symbol.asyncIterator]();
  const start = await readStart(events, run);
  let pending = start.pending;
  if (start.bad) {
    await events.return?.();
    res.writeHead(502, { 'content-type': 'application/json', ...common, 'content-length': String(BAD_GATEWAY.length) });
    res.end(req.method === 'HEAD' ? undefined : BAD_GATEWAY);
    return;
  }
  // Nothing written at all (an empty stream, or a handler that returned nothing): an empty 200.
  const head = start.head ?? { status: 200, headers: { 'content-type': run.contentType() ?? BUFFERED_TYPE } };
  res.writeHead(head.status, { ...head.headers, ...common });
  if (req.method === 'HEAD' || start.ended) {
    if (!start.ended) await events.return?.();
    res.end(req.method === 'HEAD' ? undefined : Buffer.concat(pending));
    return;
  }

  async function* body(): AsyncGenerator<Buffer> {
    try {
      for (const b of pending) if (b.length) yield b;
      pending = [];
      for (let next = await events.next(); !next.done; next = await events.next()) {
        const e = next.value;
        if ('PayloadChunk' in e) yield asBuffer(e.PayloadChunk.Payload);
        else if (isFailure(e)) throw new Error(`function failed mid-stream: ${e.InvokeComplete.ErrorCode}`);
      }
    } finally {
      // Done, failed, or the client went away: the queue lets the function go.
      await events.return?.();
    }
  }
  // A failure destroys the response: no closing chunk, the connection is cut.
  await new Promise<void>((resolve) => pipeline(Readable.from(body(), { objectMode: false }), res, () => resolve()));
}
