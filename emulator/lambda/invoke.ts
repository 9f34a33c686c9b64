import type { InvokeCommandInput, InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { withMeta } from '../core/service';
import type { AsyncQueue } from './async-queue';
import type { Executor, InvocationSource } from './execution';
import type { InvokeResult } from './runtime';
import type { FunctionStore } from './functions';
import { nextTrace } from './lineage';
import { checkClientContext } from './runtime/client-context';
import type { LambdaCore, Out } from './state';
import { notFound, pickVersion, qualify, type RunTarget, type Target } from './targets';

/** Lambda's payload limits: 6 MB synchronous; asynchronous 1 MB since 2025 (256 KB before). */
export const SYNC_PAYLOAD_LIMIT = 6_291_456;
export const ASYNC_PAYLOAD_LIMIT = 1_048_576;
/** LogType Tail returns the last 4 KB of the invocation's log. */
const TAIL_BYTES = 4096;

/** AWS's answer to an oversized payload: RequestEntityTooLargeException (413), worded per invocation type. */
export function tooLarge(limit: number, type: string, size: number): AwsError {
  const message =
    type === 'Event'
      ? `${size} byte payload is too large for the Event invocation type (limit ${limit} bytes)`
      : `Request must be smaller than ${limit} bytes for the InvokeFunction operation`;
  return new AwsError('RequestEntityTooLargeException', message, 413, { Type: 'User' });
}

/** The event text, checked to be JSON as Lambda checks it (an empty payload is `{}`). */
export function eventText(payload: Uint8Array | undefined): string {
  const text = payload && payload.byteLength ? Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8') : '';
  if (text.trim() === '') return '{}';
  try {
    JSON.parse(text);
  } catch (e) {
    throw new AwsError('InvalidRequestContentException', `Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`, 400, { Type: 'User' });
  }
  return text;
}

/** The last `n` bytes of the log, base64 (the X-Amz-Log-Result header). */
export function logTail(log: string, n = TAIL_BYTES): string {
  const buf = Buffer.from(log, 'utf8');
  return buf.subarray(Math.max(0, buf.length - n)).toString('base64');
}

export function recursionError(functionName: string): AwsError {
  return new AwsError(
    'RecursiveInvocationException',
    `Lambda detected a recursive loop and stopped the invocation of ${functionName}. To allow it, set RecursiveLoop to Allow with PutFunctionRecursionConfig.`,
    400,
    { Type: 'User', Message: 'Recursive invocation detected.' },
  );
}

/** The SDK's input as the protocol layer hands it over: the payload is the raw request body. */
export type InvokeInput = Omit<InvokeCommandInput, 'Payload'> & { Payload?: Uint8Array };
/** The SDK's output with the payload as plain bytes (the SDK wraps them in a blob adapter client-side). */
export type InvokeOutput = Omit<Out<InvokeCommandOutput>, 'Payload'> & { Payload?: Uint8Array };

/** Invoke: RequestResponse (run and answer), Event (queue, 202) or DryRun (204). */
export async function invoke(
  core: LambdaCore,
  store: FunctionStore,
  executor: Executor,
  queue: AsyncQueue,
  input: InvokeInput,
  ctx: RequestContext,
): Promise<InvokeOutput> {
  const target = store.resolve(input.FunctionName, ctx, input.Qualifier);
  const type = input.InvocationType ?? 'RequestResponse';
  const size = input.Payload?.byteLength ?? 0;
  const incoming = incomingTraceOf(ctx);
  checkClientContext(input.ClientContext);

  if (type === 'DryRun') {
    eventText(input.Payload);
    return withMeta({ StatusCode: 204 }, { status: 204 });
  }
  if (type === 'Event') {
    if (size > ASYNC_PAYLOAD_LIMIT) throw tooLarge(ASYNC_PAYLOAD_LIMIT, type, size);
    enqueueEvent(queue, target, eventText(input.Payload), ctx);
    return { StatusCode: 202 };
  }
  if (type !== 'RequestResponse') {
    throw new AwsError('ValidationException', `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`, 400);
  }
  if (size > SYNC_PAYLOAD_LIMIT) throw tooLarge(SYNC_PAYLOAD_LIMIT, type, size);
  const payload = eventText(input.Payload);
  const { result, version } = await runSync(core, executor, target, Buffer.from(payload), {
    requestId: ctx.requestId,
    incomingTrace: incoming,
    clientContext: input.ClientContext,
    source: 'sync',
  });
  return {
    StatusCode: 200,
    Payload: result.payload,
    ExecutedVersion: version,
    ...(result.functionError ? { FunctionError: result.functionError } : {}),
    ...(input.LogType === 'Tail' ? { LogResult: logTail(result.logTail) } : {}),
  };
}

/** A function's SDK call back into Lambda carries its trace header (and lineage) in X-Amzn-Trace-Id. */
export function incomingTraceOf(ctx: RequestContext): string | undefined {
  const raw = ctx.headers['x-amzn-trace-id'];
  return Array.isArray(raw) ? raw[0] : raw;
}

/** An asynchronous invocation (Invoke with InvocationType Event, InvokeAsync) goes on the queue. */
export function enqueueEvent(queue: AsyncQueue, target: Target, payload: string, ctx: RequestContext): void {
  queue.enqueue({ requestId: ctx.requestId, functionArn: target.fn.arn, qualifier: target.qualifier, payload, incomingTrace: incomingTraceOf(ctx) });
}

export interface SyncRunOptions {
  requestId: string;
  /** The caller's X-Amzn-Trace-Id, if any (carries the recursion lineage). */
  incomingTrace?: string;
  clientContext?: string;
  source: InvocationSource;
}

/**
 * One synchronous invocation of a target (Invoke RequestResponse, a function URL request): waits out a
 * create/update transition, stops recursive loops, lets an alias with routing pick its version, then runs.
 */
export async function runSync(
  core: LambdaCore,
  executor: Executor,
  target: Target,
  payload: Buffer,
  opts: SyncRunOptions,
): Promise<{ result: InvokeResult; version: string }> {
  const { run, traceHeader } = await prepareSync(core, target, opts);
  const result = await executor.run(run, payload, {
    requestId: opts.requestId,
    traceHeader,
    clientContext: opts.clientContext,
    source: opts.source,
  });
  return { result, version: run.version };
}

/** What runSync does before running: the version that will run and the trace header it runs with. */
export async function prepareSync(core: LambdaCore, target: Target, opts: SyncRunOptions): Promise<{ run: RunTarget; traceHeader: string }> {
  const fn = target.fn;
  await fn.settled;
  if (fn.deleted) throw notFound(fn.arn);

  const trace = nextTrace(fn.arn, opts.incomingTrace, core.deps.clock.now());
  if (trace.recursive && fn.recursiveLoop === 'Terminate') {
    core.deps.bus.record({ type: 'lambda.recursion', functionName: fn.name, requestId: opts.requestId, count: trace.count });
    throw recursionError(fn.name);
  }
  // Looked up again after the wait, which an alias may have moved or a version been deleted in (404 then);
  // an alias with routing then picks its version for this invocation.
  return { run: pickVersion(qualify(fn, target.qualifier)), traceHeader: trace.header };
}
