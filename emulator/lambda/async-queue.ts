import type { AwsError } from '../core/errors';
import { sendToDeadLetter, sendToDestination } from './destinations';
import { errorSummary, isThrottle, type Executor } from './execution';
import { nextTrace } from './lineage';
import { invocationRecord, type DestinationCondition } from './records';
import type { LambdaCore, LambdaFunction } from './state';
import { invokeConfigHolder, pickVersion, qualify, type Target } from './targets';

/**
 * Lambda's internal queue for asynchronous invocations (Invoke Event, S3, SNS, EventBridge, destinations).
 *
 * - An event runs when the function has room (its reserved concurrency, if any; the pool enforces the account limit).
 * - A function error is retried after ~1 minute, then ~2 minutes (emulated time), up to MaximumRetryAttempts (default 2).
 * - Throttles and system errors go back on the queue with a growing backoff (1 s doubling to 5 min), without
 *   using up retries, until the event is older than MaximumEventAgeInSeconds (default 6 h).
 * - Reserved concurrency 0 sends events straight to the DLQ / on-failure destination.
 * - Then: DeadLetterConfig target (original event + RequestID/ErrorCode/ErrorMessage) and the OnFailure
 *   destination (invocation record); the OnSuccess destination gets a record of every success.
 */

const DEFAULT_RETRIES = 2;
const DEFAULT_MAX_AGE_SECONDS = 21_600;
const RETRY_DELAYS_MS = [60_000, 120_000];
const THROTTLE_BACKOFF_START_MS = 1_000;
const THROTTLE_BACKOFF_MAX_MS = 300_000;

export interface AsyncEvent {
  requestId: string;
  /** The unqualified function ARN (events of all its versions and aliases share the function's concurrency). */
  functionArn: string;
  /** The version or alias the event was sent to; undefined = unqualified ($LATEST). */
  qualifier?: string;
  /** The event, as JSON text. */
  payload: string;
  enqueuedAt: number;
  /** Attempts that ran the function. */
  invokeCount: number;
  throttles: number;
  /** The trace header the event arrived with (its lineage). */
  incomingTrace?: string;
  /** The trace header of the latest attempt, passed on to destinations. */
  lastTrace?: string;
  lastError?: { statusCode: number; message: string; functionError?: string; responsePayload?: string };
  /** When the next attempt is due (emulator time), while the event waits out a retry delay or backoff. */
  dueAt?: number;
  generation: number;
}

/** An event as kept across restarts. */
export type SavedAsyncEvent = Omit<AsyncEvent, 'generation'>;

/**
 * Where accepted events are kept across restarts (`--data-dir` only; without one the queue does no more work).
 * An event is saved before it is acknowledged and whenever it waits for a retry, and forgotten once it is done,
 * so one killed mid-attempt runs again after the restart (at least once, as Lambda's asynchronous invocation).
 */
export interface AsyncEventJournal {
  saved(ev: AsyncEvent): void;
  /** Succeeded, handed to its DLQ / on-failure destination, or dropped. */
  done(ev: AsyncEvent): void;
  cleared(): void;
}

export class AsyncQueue {
  private readonly waiting = new Map<string, AsyncEvent[]>();
  private readonly running = new Map<string, number>();
  /** Bumped by reset(): attempts and timers of an earlier generation are forgotten. */
  private generation = 0;
  /** Set only with `--data-dir` (async-persistence.ts). */
  journal?: AsyncEventJournal;

  constructor(
    private readonly core: LambdaCore,
    private readonly executor: Executor,
  ) {}

  enqueue(e: Omit<AsyncEvent, 'enqueuedAt' | 'invokeCount' | 'throttles' | 'generation'>): void {
    const ev: AsyncEvent = { ...e, enqueuedAt: this.core.deps.clock.now(), invokeCount: 0, throttles: 0, generation: this.generation };
    this.core.deps.bus.record({ type: 'lambda.async.enqueue', functionName: nameOf(ev.functionArn), requestId: ev.requestId });
    this.journal?.saved(ev);
    this.push(ev);
  }

  /** An event saved before a restart: its next attempt is due when it was (at once if it was waiting or running). */
  restore(saved: SavedAsyncEvent): AsyncEvent {
    const ev: AsyncEvent = { ...saved, generation: this.generation };
    this.core.timers.set(Math.max(0, (ev.dueAt ?? 0) - this.core.deps.clock.now()), () => this.push(ev));
    return ev;
  }

  /** Events waiting or running (for the harness's idle checks). */
  get pending(): number {
    let n = 0;
    for (const q of this.waiting.values()) n += q.length;
    for (const r of this.running.values()) n += r;
    return n;
  }

  reset(): void {
    this.generation++;
    this.waiting.clear();
    this.running.clear();
    this.journal?.cleared();
  }

  private push(ev: AsyncEvent): void {
    if (ev.generation !== this.generation) return;
    if (ev.dueAt !== undefined) ev.dueAt = undefined;
    let q = this.waiting.get(ev.functionArn);
    if (!q) this.waiting.set(ev.functionArn, (q = []));
    q.push(ev);
    this.drain(ev.functionArn);
  }

  /** Starts as many waiting events as the function has room for. */
  private drain(functionArn: string): void {
    const q = this.waiting.get(functionArn);
    if (!q?.length) return;
    const fn = this.core.functions.get(functionArn);
    if (!fn) {
      // The function was deleted while events waited: Lambda drops them.
      for (const ev of q.splice(0)) {
        this.core.deps.bus.record({ type: 'lambda.async.dropped', functionName: nameOf(functionArn), requestId: ev.requestId, error: 'function deleted' });
        this.journal?.done(ev);
      }
      return;
    }
    if (fn.reservedConcurrency === 0) {
      for (const ev of q.splice(0)) {
        ev.lastError ??= { statusCode: 429, message: 'Rate Exceeded. (reserved concurrency is 0)' };
        this.core.deps.bus.record({ type: 'lambda.throttle', functionName: fn.name, functionArn: fn.arn, requestId: ev.requestId, attempt: ev.invokeCount + 1, error: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
        const failing = this.failUnresolved(fn, ev);
        // Only a journal needs to hear the end (no extra promise per throttled event without --data-dir).
        if (this.journal) void Promise.resolve(failing).finally(() => this.finished(ev));
      }
      return;
    }
    const limit = fn.reservedConcurrency ?? Number.POSITIVE_INFINITY;
    while (q.length && (this.running.get(functionArn) ?? 0) < limit) {
      const ev = q.shift()!;
      this.running.set(functionArn, (this.running.get(functionArn) ?? 0) + 1);
      void this.attempt(fn, ev).finally(() => {
        if (ev.generation !== this.generation) return;
        this.finished(ev);
        const left = (this.running.get(functionArn) ?? 1) - 1;
        if (left > 0) this.running.set(functionArn, left);
        else this.running.delete(functionArn);
        this.drain(functionArn);
      });
    }
  }

  private later(ev: AsyncEvent, delayMs: number, maxAgeMs: number): void {
    // Never wait past the event's age limit: the event is discarded then, not after a long backoff.
    const now = this.core.deps.clock.now();
    const untilExpiry = Math.max(0, ev.enqueuedAt + maxAgeMs - now) + 1;
    const delay = Math.min(delayMs, untilExpiry);
    ev.dueAt = now + delay;
    this.journal?.saved(ev);
    this.core.timers.set(delay, () => this.push(ev));
  }

  /** An attempt (or a straight failure) ended: unless it set a retry, the event is done. */
  private finished(ev: AsyncEvent): void {
    if (ev.generation === this.generation && ev.dueAt === undefined) this.journal?.done(ev);
  }

  /** The version or alias the event names, or undefined (recorded as dropped) when it was deleted meanwhile. */
  private target(fn: LambdaFunction, ev: AsyncEvent): Target | undefined {
    try {
      return qualify(fn, ev.qualifier);
    } catch (e) {
      this.core.deps.bus.record({ type: 'lambda.async.dropped', functionName: fn.name, requestId: ev.requestId, error: (e as Error).message });
      return undefined;
    }
  }

  private failUnresolved(fn: LambdaFunction, ev: AsyncEvent): Promise<void> | undefined {
    const t = this.target(fn, ev);
    return t && this.fail(t, ev, 'RetriesExhausted');
  }

  private async attempt(fn: LambdaFunction, ev: AsyncEvent): Promise<void> {
    const { deps } = this.core;
    await fn.settled;
    if (fn.deleted || ev.generation !== this.generation) return;
    const t = this.target(fn, ev);
    if (!t) return;
    const cfg = invokeConfigHolder(t).eventInvokeConfig;
    const maxAgeMs = (cfg?.maximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
    const maxRetries = cfg?.maximumRetryAttempts ?? DEFAULT_RETRIES;
    const now = deps.clock.now();
    if (now - ev.enqueuedAt > maxAgeMs) {
      ev.lastError ??= { statusCode: 429, message: 'Event age exceeded before the function could run.' };
      return this.fail(t, ev, 'EventAgeExceeded');
    }

    const trace = nextTrace(fn.arn, ev.incomingTrace, now);
    ev.lastTrace = trace.header;
    if (trace.recursive && fn.recursiveLoop === 'Terminate') {
      deps.bus.record({ type: 'lambda.recursion', functionName: fn.name, requestId: ev.requestId, count: trace.count });
      ev.lastError = { statusCode: 400, message: 'RecursiveInvocationException: Lambda detected a recursive loop and stopped this invocation.' };
      return this.fail(t, ev, 'RetriesExhausted');
    }

    let result;
    // An alias with routing picks its version per attempt, as Lambda does.
    const run = pickVersion(t);
    try {
      result = await this.executor.run(run, Buffer.from(ev.payload), {
        requestId: ev.requestId,
        traceHeader: trace.header,
        source: 'async',
        attempt: ev.invokeCount + 1,
      });
    } catch (e) {
      if (ev.generation !== this.generation) return;
      // Throttle (429) or system error (5xx): back on the queue, retries are not used up.
      ev.throttles++;
      const delay = Math.min(THROTTLE_BACKOFF_START_MS * 2 ** (ev.throttles - 1), THROTTLE_BACKOFF_MAX_MS);
      ev.lastError = { statusCode: isThrottle(e) ? 429 : ((e as AwsError).status ?? 500), message: (e as Error).message };
      deps.bus.record({ type: 'lambda.retry', functionName: fn.name, requestId: ev.requestId, attempt: ev.invokeCount + 1, reason: isThrottle(e) ? 'throttle' : 'system-error', delayMs: delay, error: (e as Error).message });
      this.later(ev, delay, maxAgeMs);
      return;
    }
    if (ev.generation !== this.generation) return;
    ev.invokeCount++;
    const responseText = result.payload.toString('utf8');
    if (result.functionError) {
      ev.lastError = { statusCode: 200, message: errorSummary(result.payload), functionError: result.functionError, responsePayload: responseText };
      if (ev.invokeCount > maxRetries) return this.fail(t, ev, 'RetriesExhausted', run.version);
      const delay = RETRY_DELAYS_MS[Math.min(ev.invokeCount - 1, RETRY_DELAYS_MS.length - 1)]!;
      deps.bus.record({ type: 'lambda.retry', functionName: fn.name, requestId: ev.requestId, attempt: ev.invokeCount + 1, reason: 'function-error', delayMs: delay, error: ev.lastError.message });
      this.later(ev, delay, maxAgeMs);
      return;
    }
    const onSuccess = cfg?.destinationConfig?.OnSuccess?.Destination;
    if (onSuccess) {
      const record = invocationRecord({
        nowMs: deps.clock.now(),
        requestId: ev.requestId,
        functionArn: fn.arn,
        qualifier: t.qualifier,
        executedVersion: run.version,
        condition: 'Success',
        approximateInvokeCount: ev.invokeCount,
        requestPayload: ev.payload,
        statusCode: 200,
        responsePayload: responseText,
      });
      await sendToDestination(deps, fn, onSuccess, record, { requestId: ev.requestId, traceHeader: ev.lastTrace, qualifier: t.qualifier }, true);
    }
  }

  /** The event is given up: DLQ and on-failure destination (both, when both are configured). */
  private async fail(t: Target, ev: AsyncEvent, condition: Exclude<DestinationCondition, 'Success'>, executedVersion = t.version): Promise<void> {
    const { deps } = this.core;
    const fn = t.fn;
    const err = ev.lastError ?? { statusCode: 500, message: 'Unknown error' };
    deps.bus.record({ type: 'lambda.async.failed', functionName: fn.name, requestId: ev.requestId, attempt: ev.invokeCount, condition, error: err.message });
    const dlq = await sendToDeadLetter(deps, fn, t.config.deadLetterTargetArn, { requestId: ev.requestId, payload: ev.payload, traceHeader: ev.lastTrace }, err.statusCode, err.message);
    const onFailure = invokeConfigHolder(t).eventInvokeConfig?.destinationConfig?.OnFailure?.Destination;
    if (onFailure) {
      const record = invocationRecord({
        nowMs: deps.clock.now(),
        requestId: ev.requestId,
        functionArn: fn.arn,
        qualifier: t.qualifier,
        executedVersion,
        condition,
        approximateInvokeCount: ev.invokeCount,
        requestPayload: ev.payload,
        statusCode: err.statusCode,
        functionError: err.functionError,
        responsePayload: err.responsePayload,
      });
      await sendToDestination(deps, fn, onFailure, record, { requestId: ev.requestId, traceHeader: ev.lastTrace, qualifier: t.qualifier }, false);
    }
    if (!dlq && !onFailure) deps.bus.record({ type: 'lambda.async.dropped', functionName: fn.name, requestId: ev.requestId, condition, error: err.message });
  }
}

const nameOf = (functionArn: string): string => functionArn.split(':')[6] ?? functionArn;
