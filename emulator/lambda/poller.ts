import { ScaledClock, type Timer } from '../core/clock';
import { uuid } from '../core/ids';
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
/** SQS's limit on a message's visibility timeout. */
const MAX_VISIBILITY_SECONDS = 43_200;

interface MappingDeleteResult {
  deleted: string[];
  failed: { receiptHandle: string; code: string; message: string }[];
}

/** How a batch is received: with the queue's visibility timeout, or held longer (see visibilityPlan). */
interface VisibilityPlan {
  /** The queue's visibility timeout (what failed messages get again after a held run). */
  queueSeconds: number;
  /** The visibility timeout to receive with, when it differs from the queue's. */
  holdSeconds?: number;
}

/**
 * The poller behind one SQS event source mapping. It sleeps until the queue says messages became visible
 * (`sqs.subscribeArrivals`), then receives batches (`sqs.receive`) and invokes the function synchronously:
 * no polling interval. With a batching window it gathers messages for up to that long (emulated time) or
 * until the batch is full. Success deletes the batch; ReportBatchItemFailures deletes all but the reported
 * failures; an error, timeout or throttle leaves the messages to come back after their visibility timeout
 * (the queue's RedrivePolicy then moves them to its DLQ). FIFO order holds because SQS hands out no message
 * of a group while an earlier one of that group is in flight. On a scaled or virtual clock a running batch is
 * kept in flight while its (real-time) function runs: see visibilityPlan.
 */
export class SqsPoller {
  private active = 0;
  private pumping = false;
  private wake = false;
  private stopped = false;
  private unsubscribe?: () => void;
  private gather?: { records: SqsEventRecord[]; bytes: number; timer: Timer; plan: VisibilityPlan };
  private busySince?: number;

  constructor(
    private readonly core: LambdaCore,
    private readonly executor: Executor,
    private readonly mapping: EventSourceMapping,
  ) {}

  async start(): Promise<void> {
    const { bus } = this.core.deps;
    try {
      const unsubscribe = await bus.ask<{ queueArn: string; listener: () => void }, () => void>('sqs.subscribeArrivals', {
        queueArn: this.mapping.eventSourceArn,
        listener: () => this.pump(),
      });
      if (this.stopped) unsubscribe();
      else this.unsubscribe = unsubscribe;
    } catch (e) {
      this.note(`PollerError: ${(e as Error).message}`);
      return;
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    // Gathered messages are left in flight: they come back after their visibility timeout, as on AWS.
    const g = this.gather;
    g?.timer.cancel();
    this.gather = undefined;
    if (g) void this.restore(g.records, g.plan);
  }

  /** Invocations in flight for this mapping. */
  get inFlight(): number {
    return this.active;
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

  private cap(): number {
    const fn = this.fn;
    const now = this.core.deps.clock.now();
    let cap: number;
    if (this.mapping.scalingConfig?.MaximumConcurrency !== undefined) cap = this.mapping.scalingConfig.MaximumConcurrency;
    else {
      const minutes = this.busySince === undefined ? 0 : Math.floor((now - this.busySince) / 60_000);
      cap = Math.min(MAX_CONCURRENCY, INITIAL_CONCURRENCY + RAMP_PER_MINUTE * minutes);
    }
    if (fn?.reservedConcurrency !== undefined) cap = Math.min(cap, fn.reservedConcurrency);
    return cap;
  }

  /** Receives and starts batches while there is room; re-runs when woken during a run. */
  pump(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.wake = true;
      return;
    }
    this.pumping = true;
    void this.pumpLoop().finally(() => {
      this.pumping = false;
    });
  }

  private async pumpLoop(): Promise<void> {
    do {
      this.wake = false;
      // An open gather counts as the batch it will become: it is only filled while a slot is free for it.
      while (!this.stopped && this.active < this.cap()) {
        const want = this.mapping.batchSize - (this.gather?.records.length ?? 0);
        let records: SqsEventRecord[];
        let plan: VisibilityPlan;
        try {
          plan = await this.visibilityPlan();
          records = await this.core.deps.bus.ask<unknown, SqsEventRecord[]>('sqs.receive', {
            queueArn: this.mapping.eventSourceArn,
            max: want,
            visibilityTimeoutSeconds: plan.holdSeconds,
          });
        } catch (e) {
          this.note(`PollerError: ${(e as Error).message}`);
          return;
        }
        if (this.stopped) {
          void this.restore(records, plan);
          return;
        }
        if (records.length === 0) {
          if (this.active === 0 && !this.gather) this.busySince = undefined;
          break;
        }
        this.busySince ??= this.core.deps.clock.now();
        const window = this.mapping.maximumBatchingWindowInSeconds;
        if (window > 0) {
          if (!this.addToGather(records, window, plan)) break;
        } else {
          const [batch, rest] = this.fitPayload(records);
          await this.release(rest);
          this.launch(batch, plan);
        }
      }
    } while (this.wake && !this.stopped);
  }

  /** Splits off what would push the batch past 6 MB. */
  private fitPayload(records: SqsEventRecord[], startBytes = 0): [SqsEventRecord[], SqsEventRecord[]] {
    let bytes = startBytes;
    for (let i = 0; i < records.length; i++) {
      bytes += Buffer.byteLength(JSON.stringify(records[i])) + 1;
      if (bytes > MAX_BATCH_BYTES - 32 && i > 0) return [records.slice(0, i), records.slice(i)];
    }
    return [records, []];
  }

  /** Makes messages that did not fit visible again. */
  private async release(records: SqsEventRecord[]): Promise<void> {
    if (!records.length) return;
    await this.core.deps.bus
      .ask('sqs.changeVisibility', { queueArn: this.mapping.eventSourceArn, receiptHandles: records.map((r) => r.receiptHandle), visibilityTimeoutSeconds: 0 })
      .catch(() => undefined);
  }

  /** Adds to the batch being gathered; returns false when the loop should wait (window still open). */
  private addToGather(records: SqsEventRecord[], windowSeconds: number, plan: VisibilityPlan): boolean {
    if (!this.gather) {
      const timer = this.core.timers.set(windowSeconds * 1000, () => this.flushGather());
      this.gather = { records: [], bytes: 0, timer, plan };
    }
    const g = this.gather;
    const [fits, rest] = this.fitPayload(records, g.bytes);
    for (const r of fits) {
      g.records.push(r);
      g.bytes += Buffer.byteLength(JSON.stringify(r)) + 1;
    }
    if (rest.length || g.records.length >= this.mapping.batchSize) {
      void this.release(rest);
      this.flushGather();
      return true;
    }
    // Partial batch: wait for more arrivals or the window's end.
    return false;
  }

  private flushGather(): void {
    const g = this.gather;
    if (!g) return;
    g.timer.cancel();
    this.gather = undefined;
    if (this.stopped) return;
    this.launch(g.records, g.plan);
  }

  private launch(records: SqsEventRecord[], plan: VisibilityPlan): void {
    this.active++;
    void this.process(records, plan)
      .catch((e) => this.note(`PollerError: ${(e as Error).message}`))
      .finally(() => {
        this.active--;
        this.pump();
      });
  }

  private async deleteMessages(records: SqsEventRecord[], deleted: Set<string>): Promise<void> {
    if (!records.length) return;
    const result = await this.core.deps.bus.ask<unknown, MappingDeleteResult>('sqs.delete', {
      queueArn: this.mapping.eventSourceArn,
      receiptHandles: records.map((r) => r.receiptHandle),
    });
    for (const h of result.deleted) deleted.add(h);
    if (result.failed.length) this.note(`PollerError: ${result.failed.length} message(s) could not be deleted (${result.failed[0]!.code})`);
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
      await this.deleteMessages(dropped, deleted);
    }
    return kept;
  }

  /**
   * On AWS a message is not handed out again while its batch still runs: CreateEventSourceMapping insists on a
   * visibility timeout at least as long as the function timeout. Here function code runs in real time while
   * the queue's timers run on the emulator clock; when that clock is scaled (or virtual) a function that takes
   * 200 ms real would outlive a "30 s" visibility timeout. So, only then, batches are received with a visibility
   * timeout long enough for the function's real run (and the batching window), and what is not deleted gets the
   * queue's ordinary visibility timeout when the run is over: a failed message comes back one visibility timeout
   * later, as if the function had taken no time. Receiving with it (rather than changing it afterwards) leaves
   * no moment, however loaded the machine, in which the short timeout could run out. On real time (scale 1)
   * nothing changes, as on AWS.
   */
  private async visibilityPlan(): Promise<VisibilityPlan> {
    const { clock, options, bus } = this.core.deps;
    const info = await bus.ask<{ queueArn: string }, { visibilityTimeout?: number }>('sqs.queueInfo', { queueArn: this.mapping.eventSourceArn });
    const queueSeconds = info?.visibilityTimeout ?? 30;
    const realTime = clock instanceof ScaledClock && clock.scale === 1;
    if (realTime || options.scaleFunctionTimeouts) return { queueSeconds };
    const timeout = this.longestTimeout() ?? 900;
    const scale = clock instanceof ScaledClock ? clock.scale : 0;
    // The function's timeout plus init and log drain, in real seconds, as emulated seconds; SQS's cap is 12 h.
    const needed = scale > 0 ? Math.ceil((timeout + 20) / scale) + this.mapping.maximumBatchingWindowInSeconds : MAX_VISIBILITY_SECONDS;
    return { queueSeconds, holdSeconds: Math.min(MAX_VISIBILITY_SECONDS, Math.max(queueSeconds, needed)) };
  }

  /** After a held run: what is still in flight gets the queue's own visibility timeout. */
  private async restore(records: SqsEventRecord[], plan: VisibilityPlan): Promise<void> {
    if (plan.holdSeconds === undefined || !records.length) return;
    const { bus } = this.core.deps;
    const result = await bus
      .ask<unknown, MappingDeleteResult>('sqs.changeVisibility', {
        queueArn: this.mapping.eventSourceArn,
        receiptHandles: records.map((r) => r.receiptHandle),
        visibilityTimeoutSeconds: plan.queueSeconds,
      })
      .catch((e: Error) => ({ deleted: [], failed: [{ receiptHandle: '', code: 'Error', message: e.message }] }));
    if (result.failed.length) {
      bus.record({ type: 'lambda.esm.visibility', uuid: this.mapping.uuid, visibilityTimeoutSeconds: plan.queueSeconds, error: result.failed[0]!.message });
    }
  }

  private async process(all: SqsEventRecord[], plan: VisibilityPlan): Promise<void> {
    const deleted = new Set<string>();
    try {
      await this.processHeld(all, deleted);
    } finally {
      await this.restore(all.filter((r) => !deleted.has(r.receiptHandle)), plan);
    }
  }

  private async processHeld(all: SqsEventRecord[], deleted: Set<string>): Promise<void> {
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
    await this.deleteMessages(records.filter((r) => !failed.has(r.messageId)), deleted);
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
