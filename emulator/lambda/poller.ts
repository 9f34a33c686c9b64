import type { Timer } from '../core/clock';
import { uuid } from '../core/ids';
import { SqsBatches } from '../core/sqs-batches';
import { matchesPattern } from '../core/patterns';
import { isThrottle, type Executor } from './execution';
import { maxLineage, nextTrace } from './lineage';
import { filterSubject, type SqsEventRecord } from './records';
import { unqualifiedArn } from './names';
import type { EventSourceMapping, LambdaCore } from './state';
import { pickVersion, qualifierOf, qualify, type Target } from './targets';

/** A batch is also capped by the synchronous payload limit (6 MB). */
const MAX_BATCH_BYTES = 6_291_456;
/** Standard queues: Lambda starts with 5 concurrent batches and adds up to 300 a minute while there is a backlog. */
const INITIAL_CONCURRENCY = 5;
const RAMP_PER_MINUTE = 300;
const MAX_CONCURRENCY = 1000;

/**
 * The poller behind one SQS event source mapping. It sleeps until the queue says messages became visible
 * (`sqs.subscribeArrivals`), then receives batches (`sqs.receive`) and invokes the function synchronously:
 * no polling interval. With a batching window it gathers messages for up to that long (emulated time) or
 * until the batch is full. Success deletes the batch; ReportBatchItemFailures deletes all but the reported
 * failures; an error, timeout or throttle leaves the messages to come back after their visibility timeout
 * (the queue's RedrivePolicy then moves them to its DLQ). FIFO order holds because SQS hands out no message
 * of a group while an earlier one of that group is in flight. Receiving, gathering and holding batches in
 * flight on a scaled or virtual clock is SqsBatches' work (emulator/core/sqs-batches.ts).
 */
export class SqsPoller extends SqsBatches<SqsEventRecord> {
  constructor(
    private readonly core: LambdaCore,
    private readonly executor: Executor,
    private readonly mapping: EventSourceMapping,
  ) {
    super(core.deps);
  }

  protected get queueArn(): string {
    return this.mapping.eventSourceArn;
  }
  protected batchSize(): number {
    return this.mapping.batchSize;
  }
  protected windowSeconds(): number {
    return this.mapping.maximumBatchingWindowInSeconds;
  }
  /** The function's timeout plus init and log drain. */
  protected holdRealSeconds(): number {
    return (this.longestTimeout() ?? 900) + 20;
  }
  protected override maxBatchBytes(): number {
    return MAX_BATCH_BYTES;
  }
  protected override setTimer(delayMs: number, fn: () => void): Timer {
    return this.core.timers.set(delayMs, fn);
  }
  protected onPollError(e: Error): void {
    this.note(`PollerError: ${e.message}`);
  }
  protected onBatchError(_records: SqsEventRecord[], e: Error): void {
    this.note(`PollerError: ${e.message}`);
  }
  protected override onDeleteFailed(failed: { code: string }[]): void {
    this.note(`PollerError: ${failed.length} message(s) could not be deleted (${failed[0]!.code})`);
  }
  protected override onRestoreFailed(visibilityTimeoutSeconds: number, error: string): void {
    this.core.deps.bus.record({ type: 'lambda.esm.visibility', uuid: this.mapping.uuid, visibilityTimeoutSeconds, error });
  }

  private note(result: string): void {
    this.mapping.lastProcessingResult = result;
  }

  /** The mapping's function (its FunctionArn may name a version or alias). */
  private get fn() {
    return this.core.functions.get(unqualifiedArn(this.mapping.functionArn));
  }

  /** The version or alias the mapping invokes; undefined when it (or the function) was deleted. */
  private target(): Target | undefined {
    const fn = this.fn;
    if (!fn || fn.deleted) return undefined;
    try {
      return qualify(fn, qualifierOf(this.mapping.functionArn));
    } catch {
      return undefined;
    }
  }

  /** The longest timeout a batch may run for: that of the version invoked (either one of an alias with routing). */
  private longestTimeout(): number | undefined {
    const t = this.target();
    if (!t) return undefined;
    const routed = Object.keys(t.alias?.weights ?? {}).map((v) => t.fn.versions.get(v)?.timeout ?? 0);
    return Math.max(t.config.timeout, ...routed);
  }

  protected concurrency(busySince: number | undefined): number {
    const fn = this.fn;
    const now = this.core.deps.clock.now();
    let cap: number;
    if (this.mapping.scalingConfig?.MaximumConcurrency !== undefined) cap = this.mapping.scalingConfig.MaximumConcurrency;
    else {
      const minutes = busySince === undefined ? 0 : Math.floor((now - busySince) / 60_000);
      cap = Math.min(MAX_CONCURRENCY, INITIAL_CONCURRENCY + RAMP_PER_MINUTE * minutes);
    }
    if (fn?.reservedConcurrency !== undefined) cap = Math.min(cap, fn.reservedConcurrency);
    return cap;
  }

  /** Keeps the records the mapping's filters match; drops (deletes) the rest, as Lambda does. */
  private async applyFilters(records: SqsEventRecord[], deleted: Set<string>): Promise<SqsEventRecord[]> {
    const filters = (this.mapping.filterCriteria?.Filters ?? []).map((f) => JSON.parse(f.Pattern ?? '{}') as object);
    if (!filters.length) return records;
    const kept: SqsEventRecord[] = [];
    const dropped: SqsEventRecord[] = [];
    for (const r of records) (filters.some((p) => matchesPattern(p, filterSubject(r))) ? kept : dropped).push(r);
    if (dropped.length) {
      this.core.deps.bus.record({ type: 'lambda.esm.filtered', uuid: this.mapping.uuid, messageIds: dropped.map((r) => r.messageId) });
      await this.delete(dropped, deleted);
    }
    return kept;
  }

  protected async process(all: SqsEventRecord[], deleted: Set<string>): Promise<void> {
    const { bus, clock } = this.core.deps;
    const records = await this.applyFilters(all, deleted);
    if (!records.length || this.stopped) return;
    const target = this.target();
    const fn = target?.fn;
    if (!fn || !target) {
      this.note('PROBLEM: Function not found.');
      return;
    }
    await fn.settled;
    const requestId = uuid();
    const trace = nextTrace(fn.arn, undefined, clock.now(), maxLineage(records.map((r) => r.attributes.AWSTraceHeader)));
    const hop = { functionName: fn.name, requestId, uuid: this.mapping.uuid, messageIds: records.map((r) => r.messageId) };
    if (trace.recursive && fn.recursiveLoop === 'Terminate') {
      // Dropped: the messages follow the queue's own redrive policy.
      bus.record({ type: 'lambda.recursion', ...hop, count: trace.count });
      this.note('PROBLEM: Recursive invocation detected.');
      return;
    }
    bus.record({ type: 'lambda.esm.batch', ...hop, size: records.length });
    let result;
    try {
      result = await this.executor.run(pickVersion(target), Buffer.from(JSON.stringify({ Records: records })), { requestId, traceHeader: trace.header, source: 'sqs' });
    } catch (e) {
      // Throttled (or the runtime could not start): the messages return after their visibility timeout.
      this.note(isThrottle(e) ? 'PROBLEM: Function call failed due to throttling.' : `PROBLEM: ${(e as Error).message}`);
      return;
    }
    if (result.functionError) {
      this.note('PROBLEM: Function call failed');
      return;
    }
    this.note('OK');
    const failed = this.mapping.functionResponseTypes?.includes('ReportBatchItemFailures')
      ? batchItemFailures(result.payload.toString('utf8'), records)
      : new Set<string>();
    if (failed === 'all') {
      bus.record({ type: 'lambda.esm.partial-failure', ...hop, failed: hop.messageIds, error: 'invalid batchItemFailures response' });
      return;
    }
    if (failed.size) bus.record({ type: 'lambda.esm.partial-failure', ...hop, failed: [...failed] });
    await this.delete(records.filter((r) => !failed.has(r.messageId)), deleted);
  }
}

/**
 * Reads a ReportBatchItemFailures response: the message ids to keep, or 'all' when the response makes the
 * whole batch fail (invalid JSON; an itemIdentifier that is missing, empty, not a string, or not in the batch).
 * An empty or null response, or an empty/null list, is complete success.
 */
export function batchItemFailures(text: string, records: SqsEventRecord[]): Set<string> | 'all' {
  if (text.trim() === '') return new Set();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'all';
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return new Set();
  const list = (doc as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return 'all';
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !ids.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}
