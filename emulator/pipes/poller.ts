import { ScaledClock, type Timer } from '../core/clock';
import type { Origin } from '../core/delivery';
import { matchesPattern } from '../core/patterns';
import type { ServiceDeps } from '../core/service';
import { jsonOrText, type SqsEventRecord } from '../lambda/records';
import { batchItemFailures } from '../lambda/poller';
import type { PipeRecord } from './model';
import { parsedBody, renderPipeTemplate, type PipeVariables } from './templates';
import { callTarget, invokeSync, type TargetOutcome } from './targets';

/** Batches a pipe works on at once (AWS scales further; a handful keeps the emulator's order easy to follow). */
const MAX_CONCURRENT_BATCHES = 5;
/** SQS's limit on a message's visibility timeout. */
const MAX_VISIBILITY_SECONDS = 43_200;
/** Real seconds a batch may take (enrichment and target included) while its messages are held on a fast clock. */
const HOLD_REAL_SECONDS = 920;

interface DeleteResult {
  deleted: string[];
  failed: { receiptHandle: string; code: string; message: string }[];
}

interface VisibilityPlan {
  queueSeconds: number;
  holdSeconds?: number;
}

/**
 * The poller behind one running pipe with an SQS source. It works as Lambda's SQS event source mapping does, through
 * the same questions to SQS on the bus (`sqs.subscribeArrivals`, `sqs.receive`, `sqs.delete`,
 * `sqs.changeVisibility`): woken when messages become visible, it receives batches of up to BatchSize (gathering for
 * MaximumBatchingWindowInSeconds when set), drops (deletes) what the filters do not match, calls the enrichment and
 * then the target, and deletes what went through. What failed stays in the queue: it comes back after the visibility
 * timeout and follows the queue's redrive policy. FIFO order holds because SQS hands out no message of a group while
 * an earlier one of that group is in flight.
 */
export class SqsPipePoller {
  private active = 0;
  private pumping = false;
  private wake = false;
  private stopped = false;
  private unsubscribe?: () => void;
  private gather?: { records: SqsEventRecord[]; timer: Timer; plan: VisibilityPlan };

  constructor(
    private readonly deps: ServiceDeps,
    private readonly pipe: PipeRecord,
  ) {}

  private get queueArn(): string {
    return this.pipe.source;
  }
  private get batchSize(): number {
    return this.pipe.sourceParameters?.SqsQueueParameters?.BatchSize ?? 10;
  }
  private get windowSeconds(): number {
    return this.pipe.sourceParameters?.SqsQueueParameters?.MaximumBatchingWindowInSeconds ?? 0;
  }

  async start(): Promise<void> {
    try {
      const unsubscribe = await this.deps.bus.ask<{ queueArn: string; listener: () => void }, () => void>('sqs.subscribeArrivals', {
        queueArn: this.queueArn,
        listener: () => this.pump(),
      });
      if (this.stopped) unsubscribe();
      else this.unsubscribe = unsubscribe;
    } catch (e) {
      this.failed([], 'poll', e);
      return;
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    // Gathered messages stay in flight and come back after their visibility timeout, as on AWS.
    const g = this.gather;
    g?.timer.cancel();
    this.gather = undefined;
    if (g) void this.restore(g.records, g.plan);
  }

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
      while (!this.stopped && this.active < MAX_CONCURRENT_BATCHES) {
        let records: SqsEventRecord[];
        let plan: VisibilityPlan;
        try {
          plan = await this.visibilityPlan();
          records = await this.deps.bus.ask<unknown, SqsEventRecord[]>('sqs.receive', {
            queueArn: this.queueArn,
            max: this.batchSize - (this.gather?.records.length ?? 0),
            visibilityTimeoutSeconds: plan.holdSeconds,
          });
        } catch (e) {
          this.failed([], 'poll', e);
          return;
        }
        if (this.stopped) {
          void this.restore(records, plan);
          return;
        }
        if (records.length === 0) break;
        if (this.windowSeconds > 0) {
          if (!this.addToGather(records, plan)) break;
        } else this.launch(records, plan);
      }
    } while (this.wake && !this.stopped);
  }

  /** Adds to the batch being gathered; false while the window is still open and the batch not full. */
  private addToGather(records: SqsEventRecord[], plan: VisibilityPlan): boolean {
    if (!this.gather) {
      const timer = this.deps.clock.setTimer(this.windowSeconds * 1000, () => this.flushGather());
      this.gather = { records: [], timer, plan };
    }
    this.gather.records.push(...records);
    if (this.gather.records.length < this.batchSize) return false;
    this.flushGather();
    return true;
  }

  private flushGather(): void {
    const g = this.gather;
    if (!g) return;
    g.timer.cancel();
    this.gather = undefined;
    if (!this.stopped) this.launch(g.records, g.plan);
  }

  private launch(records: SqsEventRecord[], plan: VisibilityPlan): void {
    this.active++;
    const deleted = new Set<string>();
    void this.deps.bus
      .track(this.process(records, deleted))
      .catch((e) => this.failed(records, 'internal', e))
      .finally(async () => {
        await this.restore(records.filter((r) => !deleted.has(r.receiptHandle)), plan);
        this.active--;
        this.pump();
      });
  }

  /**
   * On AWS a batch's messages stay hidden while the pipe works on it. Enrichment and Lambda targets run in real
   * time while queue timers follow the emulator clock; when that clock is scaled (or virtual) a batch is received
   * with a visibility timeout long enough for the real run, and what is not deleted gets the queue's own timeout
   * back when the run is over (as Lambda's event source mappings do here).
   */
  private async visibilityPlan(): Promise<VisibilityPlan> {
    const { clock, options, bus } = this.deps;
    const info = await bus.ask<{ queueArn: string }, { visibilityTimeout?: number }>('sqs.queueInfo', { queueArn: this.queueArn });
    const queueSeconds = info?.visibilityTimeout ?? 30;
    const realTime = clock instanceof ScaledClock && clock.scale === 1;
    if (realTime || options.scaleFunctionTimeouts) return { queueSeconds };
    const scale = clock instanceof ScaledClock ? clock.scale : 0;
    const needed = scale > 0 ? Math.ceil(HOLD_REAL_SECONDS / scale) + this.windowSeconds : MAX_VISIBILITY_SECONDS;
    return { queueSeconds, holdSeconds: Math.min(MAX_VISIBILITY_SECONDS, Math.max(queueSeconds, needed)) };
  }

  private async restore(records: SqsEventRecord[], plan: VisibilityPlan): Promise<void> {
    if (plan.holdSeconds === undefined || !records.length) return;
    await this.deps.bus
      .ask('sqs.changeVisibility', { queueArn: this.queueArn, receiptHandles: records.map((r) => r.receiptHandle), visibilityTimeoutSeconds: plan.queueSeconds })
      .catch(() => undefined);
  }

  private async deleteMessages(records: SqsEventRecord[], deleted: Set<string>): Promise<void> {
    if (!records.length) return;
    const result = await this.deps.bus.ask<unknown, DeleteResult>('sqs.delete', { queueArn: this.queueArn, receiptHandles: records.map((r) => r.receiptHandle) });
    for (const h of result.deleted) deleted.add(h);
  }

  private vars(): PipeVariables {
    const p = this.pipe;
    return { pipeArn: p.arn, pipeName: p.name, sourceArn: p.source, enrichmentArn: p.enrichment, targetArn: p.target, ingestionTime: this.deps.clock.now() };
  }

  private origin(records: SqsEventRecord[]): Origin {
    const [, , , , account] = this.pipe.arn.split(':');
    return { principal: 'pipes.amazonaws.com', sourceArn: this.pipe.arn, sourceAccount: account ?? this.deps.options.accountId, correlation: { messageId: records[0]?.messageId ?? '' } };
  }

  private hop(type: string, records: SqsEventRecord[], extra: Record<string, unknown> = {}): void {
    this.deps.bus.record({ type, pipeName: this.pipe.name, pipeArn: this.pipe.arn, messageIds: records.map((r) => r.messageId), ...extra });
  }

  private failed(records: SqsEventRecord[], stage: string, error: unknown): void {
    this.hop('pipes.failed', records, { stage, error: String((error as Error)?.message ?? error) });
  }

  /** Keeps what the filters match (any of them, over the record with a JSON body parsed); deletes the rest. */
  private async applyFilters(records: SqsEventRecord[], deleted: Set<string>): Promise<SqsEventRecord[]> {
    const filters = (this.pipe.sourceParameters?.FilterCriteria?.Filters ?? []).map((f) => JSON.parse(f.Pattern ?? '{}') as object);
    if (!filters.length) return records;
    const kept: SqsEventRecord[] = [];
    const dropped: SqsEventRecord[] = [];
    for (const r of records) (filters.some((p) => matchesPattern(p, parsedBody(r) as object, { mode: 'eventbridge' })) ? kept : dropped).push(r);
    if (dropped.length) {
      this.hop('pipes.filtered', dropped);
      await this.deleteMessages(dropped, deleted);
    }
    return kept;
  }

  private async process(all: SqsEventRecord[], deleted: Set<string>): Promise<void> {
    this.hop('pipes.batch', all, { size: all.length });
    const records = await this.applyFilters(all, deleted);
    if (!records.length || this.stopped) return;
    const vars = this.vars();
    let events: unknown[] = records;
    const enrichment = this.pipe.enrichment;
    if (enrichment) {
      const template = this.pipe.enrichmentParameters?.InputTemplate;
      const input = records.map((r) => (template !== undefined ? jsonOrText(renderPipeTemplate(template, r, vars)) : r));
      try {
        events = enrichedEvents(await invokeSync(this.deps.bus, enrichment, JSON.stringify(input)));
      } catch (e) {
        // Partial failures are not read from an enrichment (AWS: not supported): the whole batch comes back.
        this.failed(records, 'enrichment', e);
        return;
      }
      this.hop('pipes.enrich', records, { enrichment, events: events.length });
      if (!events.length) {
        // An empty answer means "do not call the target": the batch is done.
        await this.deleteMessages(records, deleted);
        return;
      }
    }
    const outcome = await callTarget(this.deps.bus, this.pipe, events, vars, this.origin(records), this.deps.clock.now());
    const failedIds = this.failedIds(outcome, records, Boolean(enrichment));
    if (failedIds === 'all') {
      this.failed(records, 'target', 'error' in outcome ? outcome.error : 'invalid batchItemFailures response');
      return;
    }
    const done = records.filter((r) => !failedIds.has(r.messageId));
    if (failedIds.size) this.failed(records.filter((r) => failedIds.has(r.messageId)), 'target', 'error' in outcome ? outcome.error : 'reported in batchItemFailures');
    if (!done.length) return;
    this.hop('pipes.target', done, { target: this.pipe.target, events: events.length });
    await this.deleteMessages(done, deleted);
  }

  /** The source messages to leave in the queue after a target call ('all': every one of the batch). */
  private failedIds(outcome: TargetOutcome, records: SqsEventRecord[], enriched: boolean): Set<string> | 'all' {
    switch (outcome.kind) {
      case 'ok':
        return new Set();
      case 'all':
        return 'all';
      case 'response':
        // A Lambda target names the messages to retry by their message id (itemIdentifier), as Pipes documents.
        return batchItemFailures(outcome.response, records);
      case 'events':
        // Without an enrichment event i is message i; after one, a failed event cannot be traced to its message.
        return enriched ? 'all' : new Set(outcome.indexes.map((i) => records[i]!.messageId));
    }
  }
}

/** An enrichment's answer as events: an array is the events; "", {}, [] or null is none; any other value one event. */
export function enrichedEvents(text: string): unknown[] {
  const value = jsonOrText(text);
  if (Array.isArray(value)) return value;
  if (value === null || value === '' || value === undefined) return [];
  if (typeof value === 'object' && Object.keys(value).length === 0) return [];
  return [value];
}
