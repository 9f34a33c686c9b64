import type { Origin } from '../core/delivery';
import { matchesPattern } from '../core/patterns';
import type { ServiceDeps } from '../core/service';
import { SqsBatches } from '../core/sqs-batches';
import { jsonOrText, type SqsEventRecord } from '../lambda/records';
import { batchItemFailures } from '../lambda/poller';
import type { PipeRecord } from './model';
import { parsedBody, renderPipeTemplate, type PipeVariables } from './templates';
import { callTarget, invokeSync, type TargetOutcome } from './targets';
import { parseArn } from '../core/ids';

/** Batches a pipe works on at once (AWS scales further; a handful keeps the emulator's order easy to follow). */
const MAX_CONCURRENT_BATCHES = 5;
/** Real seconds a batch may take (enrichment and target included) while its messages are held on a fast clock. */
const HOLD_REAL_SECONDS = 920;

/**
 * The poller behind one running pipe with an SQS source. It works as Lambda's SQS event source mapping does, through
 * the same SqsBatches (emulator/core/sqs-batches.ts): woken when messages become visible, it receives batches of up
 * to BatchSize (gathering for MaximumBatchingWindowInSeconds when set), drops (deletes) what the filters do not
 * match, calls the enrichment and then the target, and deletes what went through. What failed stays in the queue:
 * it comes back after the visibility timeout and follows the queue's redrive policy. FIFO order holds because SQS
 * hands out no message of a group while an earlier one of that group is in flight.
 */
export class SqsPipePoller extends SqsBatches<SqsEventRecord> {
  constructor(
    deps: ServiceDeps,
    private readonly pipe: PipeRecord,
  ) {
    super(deps);
  }

  protected get queueArn(): string {
    return this.pipe.source;
  }
  protected batchSize(): number {
    return this.pipe.sourceParameters?.SqsQueueParameters?.BatchSize ?? 10;
  }
  protected windowSeconds(): number {
    return this.pipe.sourceParameters?.SqsQueueParameters?.MaximumBatchingWindowInSeconds ?? 0;
  }
  protected concurrency(): number {
    return MAX_CONCURRENT_BATCHES;
  }
  protected holdRealSeconds(): number {
    return HOLD_REAL_SECONDS;
  }
  protected process(records: SqsEventRecord[], deleted: Set<string>): Promise<void> {
    return this.deps.bus.track(this.runBatch(records, deleted));
  }
  protected onPollError(e: Error): void {
    this.failed([], 'poll', e);
  }
  protected onBatchError(records: SqsEventRecord[], e: Error): void {
    this.failed(records, 'internal', e);
  }

  private vars(): PipeVariables {
    const p = this.pipe;
    return { pipeArn: p.arn, pipeName: p.name, sourceArn: p.source, enrichmentArn: p.enrichment, targetArn: p.target, ingestionTime: this.deps.clock.now() };
  }

  private origin(records: SqsEventRecord[]): Origin {
    const account = parseArn(this.pipe.arn)?.accountId;
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
      await this.delete(dropped, deleted);
    }
    return kept;
  }

  private async runBatch(all: SqsEventRecord[], deleted: Set<string>): Promise<void> {
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
        await this.delete(records, deleted);
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
    await this.delete(done, deleted);
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
