import type { Readable } from 'node:stream';
import type { InvokeAsyncCommandInput, InvokeWithResponseStreamCommandInput } from '@aws-sdk/client-lambda';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { withMeta } from '../core/service';
import type { AsyncQueue } from './async-queue';
import type { Executor } from './execution';
import type { FunctionStore } from './functions';
import { ASYNC_PAYLOAD_LIMIT, enqueueEvent, eventText, incomingTraceOf, logTail, prepareSync, SYNC_PAYLOAD_LIMIT, tooLarge, type SyncRunOptions } from './invoke';
import type { InvokeResult } from './runtime';
import { checkClientContext } from './runtime/client-context';
import type { LambdaCore } from './state';
import type { Target } from './targets';

/**
 * InvokeWithResponseStream: the function's response as an event stream, one PayloadChunk per chunk the
 * function writes (a buffered function's whole response is one chunk), then InvokeComplete with the error,
 * if any, and the log tail. The protocol layer frames the events (protocols/event-stream.ts) and sends each
 * as soon as it is yielded, so the client reads the first chunks while the function still runs. runStreamed is
 * that streaming run, shared with RESPONSE_STREAM function URLs (url-stream.ts turns its events into HTTP).
 *
 * And the deprecated InvokeAsync: an Event invocation by another name (202, queued like Invoke Event).
 */

export type StreamEvent =
  | { PayloadChunk: { Payload: Uint8Array } }
  | { InvokeComplete: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string } };

export type InvokeWithResponseStreamInput = Omit<InvokeWithResponseStreamCommandInput, 'Payload'> & { Payload?: Uint8Array };

/** Bytes of chunks the client has not taken yet past which the function is held back (its writes wait). */
const QUEUE_HIGH_WATER = 1024 * 1024;

/**
 * Events as they come, read once by the response; an ended queue yields what is left, then stops. Backpressure:
 * push answers a promise while more than QUEUE_HIGH_WATER bytes wait, so the function's stream is paused until
 * the client catches up. A client that goes away (the response body destroyed) leaves the queue abandoned:
 * nothing more is kept, nothing waits, and the function runs on to its end as on Lambda.
 */
class EventQueue implements AsyncIterable<StreamEvent> {
  private readonly items: StreamEvent[] = [];
  private bytes = 0;
  private ended = false;
  private abandoned = false;
  private wake?: () => void;
  private drained?: { promise: Promise<void>; resolve: () => void };
  /** Resolves when the first event is in (or the queue ends without one). */
  readonly started: Promise<void>;
  private markStarted!: () => void;

  constructor() {
    this.started = new Promise((resolve) => (this.markStarted = resolve));
  }

  /** Queues an event; a promise means "hold the producer until it settles". */
  push(e: StreamEvent): Promise<void> | undefined {
    if (this.ended || this.abandoned) return undefined;
    this.items.push(e);
    this.bytes += sizeOf(e);
    this.markStarted();
    this.wake?.();
    if (this.bytes <= QUEUE_HIGH_WATER) return undefined;
    if (!this.drained) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.drained = { promise, resolve };
    }
    return this.drained.promise;
  }

  end(): void {
    this.ended = true;
    this.markStarted();
    this.wake?.();
  }

  private release(): void {
    this.drained?.resolve();
    this.drained = undefined;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    try {
      for (;;) {
        const next = this.items.shift();
        if (next) {
          this.bytes -= sizeOf(next);
          if (this.bytes <= QUEUE_HIGH_WATER / 2) this.release();
          yield next;
        } else if (this.ended) return;
        else await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      // Finished, or the response body was destroyed (client gone): drop the rest and let the producer go.
      this.abandoned = true;
      this.items.length = 0;
      this.bytes = 0;
      this.release();
    }
  }
}

const sizeOf = (e: StreamEvent): number => ('PayloadChunk' in e ? e.PayloadChunk.Payload.byteLength : 0);

/** InvokeComplete for a finished invocation: a timeout is Sandbox.Timedout, another error its errorType. */
function completeEvent(result: InvokeResult, tail: boolean): StreamEvent {
  const done: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string } = {};
  if (result.functionError) {
    let doc: { errorType?: unknown; errorMessage?: unknown } = {};
    try {
      doc = JSON.parse(result.payload.toString('utf8')) ?? {};
    } catch {
      // not JSON: the text is the detail
    }
    done.ErrorCode = result.timedOut ? 'Sandbox.Timedout' : typeof doc.errorType === 'string' ? doc.errorType : result.functionError;
    done.ErrorDetails = typeof doc.errorMessage === 'string' ? doc.errorMessage : result.payload.toString('utf8');
  }
  if (tail) done.LogResult = logTail(result.logTail);
  return { InvokeComplete: done };
}

export async function invokeWithResponseStream(core: LambdaCore, store: FunctionStore, executor: Executor, input: InvokeWithResponseStreamInput, ctx: RequestContext) {
  const target = store.resolve(input.FunctionName, ctx, input.Qualifier);
  const type = input.InvocationType ?? 'RequestResponse';
  if (type !== 'RequestResponse' && type !== 'DryRun') {
    throw new AwsError('ValidationException', `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]`, 400);
  }
  const size = input.Payload?.byteLength ?? 0;
  if (size > SYNC_PAYLOAD_LIMIT) throw tooLarge(SYNC_PAYLOAD_LIMIT, type, size);
  const payload = eventText(input.Payload);
  checkClientContext(input.ClientContext);
  if (type === 'DryRun') return withMeta({ StatusCode: 204 }, { status: 204 });

  const opts = { requestId: ctx.requestId, incomingTrace: incomingTraceOf(ctx), clientContext: input.ClientContext, source: 'sync' as const };
  const { events, version } = await runStreamed(core, executor, target, Buffer.from(payload), opts, input.LogType === 'Tail');
  return { StatusCode: 200, ExecutedVersion: version, EventStream: events };
}

/** A streamed invocation under way: its events as they come, and the stream's content type once known. */
export interface StreamedRun {
  events: AsyncIterable<StreamEvent>;
  /** The stream's content type (setContentType), known once its first chunk is in; undefined for a buffered handler. */
  contentType(): string | undefined;
  version: string;
}

/**
 * Runs a target in streaming mode (InvokeWithResponseStream, a RESPONSE_STREAM function URL): each chunk the
 * function writes is queued at once (backpressure past QUEUE_HIGH_WATER), then InvokeComplete. Resolves once the
 * first event is in, so an error before anything was sent (a throttle, a recursion stop) is thrown instead.
 */
export async function runStreamed(core: LambdaCore, executor: Executor, target: Target, payload: Buffer, opts: SyncRunOptions, withLogTail = false): Promise<StreamedRun> {
  const { run, traceHeader } = await prepareSync(core, target, opts);
  const events = new EventQueue();
  let streamType: string | undefined;
  const running = executor.run(run, payload, {
    ...opts,
    traceHeader,
    onChunk: (chunk, contentType) => {
      streamType ??= contentType;
      return events.push({ PayloadChunk: { Payload: chunk } });
    },
  });
  let answered = false;
  running.then(
    (result) => {
      // A buffered function (or a streaming one's error document, never streamed) arrives whole, as one chunk.
      if (streamType === undefined && !result.functionError && result.payload.length) events.push({ PayloadChunk: { Payload: result.payload } });
      events.push(completeEvent(result, withLogTail));
      events.end();
    },
    (err: unknown) => {
      // Before the response started (a throttle) the caller gets the error itself, below; after, it ends the stream.
      if (answered) events.push({ InvokeComplete: { ErrorCode: (err as AwsError).code ?? 'ServiceException', ErrorDetails: (err as Error).message } });
      events.end();
    },
  );
  // The headers leave with the first event: until then an error can still be the whole answer.
  await Promise.race([events.started, running]);
  answered = true;
  return { events, contentType: () => streamType, version: run.version };
}

/** The deprecated InvokeAsync: the event goes on the asynchronous queue, as Invoke with InvocationType Event. */
export async function invokeAsync(store: FunctionStore, queue: AsyncQueue, input: Omit<InvokeAsyncCommandInput, 'InvokeArgs'> & { InvokeArgs?: Readable | Uint8Array }, ctx: RequestContext) {
  const target = store.resolve(input.FunctionName, ctx);
  const args = await readLimited(input.InvokeArgs, ASYNC_PAYLOAD_LIMIT);
  enqueueEvent(queue, target, eventText(args), ctx);
  return { Status: 202 };
}

/** The request body (InvokeArgs is a streaming member), refused past `limit` bytes like an oversized Event. */
async function readLimited(body: Readable | Uint8Array | undefined, limit: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  if (body instanceof Uint8Array) {
    if (body.byteLength > limit) throw tooLarge(limit, 'Event', body.byteLength);
    return body;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += (c as Buffer).length;
    if (size > limit) {
      body.resume(); // drained by the server afterwards
      throw tooLarge(limit, 'Event', size);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
