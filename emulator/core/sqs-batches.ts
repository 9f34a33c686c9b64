import { ScaledClock, type Timer } from './clock';
import type { ServiceDeps } from './service';

/** SQS's limit on a message's visibility timeout. */
const MAX_VISIBILITY_SECONDS = 43_200;

/** What `sqs.delete` and `sqs.changeVisibility` answer. */
export interface SqsBatchResult {
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
 * Receives batches from one SQS queue through the bus (`sqs.subscribeArrivals`, `sqs.receive`, `sqs.queueInfo`,
 * `sqs.changeVisibility`, `sqs.delete`): it sleeps until the queue says messages became visible, then receives
 * batches while fewer than `concurrency()` run, gathering for the batching window (emulated time) or until the
 * batch is full, and hands each to `process`. What `process` did not delete stays in flight and comes back after
 * its visibility timeout. On a scaled or virtual clock a running batch is kept in flight while its (real-time)
 * work runs: see visibilityPlan.
 */
export abstract class SqsBatches<R extends { receiptHandle: string }> {
  private active = 0;
  private pumping = false;
  private wake = false;
  private halted = false;
  private unsubscribe?: () => void;
  private gather?: { records: R[]; bytes: number; timer: Timer; plan: VisibilityPlan };
  private busySince?: number;

  constructor(protected readonly deps: ServiceDeps) {}

  // What differs between the consumers (Lambda's event source mappings, Pipes):
  protected abstract get queueArn(): string;
  protected abstract batchSize(): number;
  /** MaximumBatchingWindowInSeconds (0: no gathering). */
  protected abstract windowSeconds(): number;
  /** Batches that may run at once; `busySince` is when the queue last stopped being empty (emulated ms). */
  protected abstract concurrency(busySince: number | undefined): number;
  /** Real seconds a batch may take, for holding its messages on a scaled or virtual clock. */
  protected abstract holdRealSeconds(): number;
  /** Works on one batch; what went through it deletes with `delete`, which adds the receipt handles to `deleted`. */
  protected abstract process(records: R[], deleted: Set<string>): Promise<void>;
  protected abstract onPollError(error: Error): void;
  protected abstract onBatchError(records: R[], error: Error): void;
  /** A batch's serialized size is capped at this many bytes (what does not fit goes back to the queue). */
  protected maxBatchBytes(): number | undefined {
    return undefined;
  }
  protected setTimer(delayMs: number, fn: () => void): Timer {
    return this.deps.clock.setTimer(delayMs, fn);
  }
  protected onDeleteFailed(_failed: SqsBatchResult['failed']): void {}
  protected onRestoreFailed(_queueSeconds: number, _message: string): void {}

  async start(): Promise<void> {
    try {
      const unsubscribe = await this.deps.bus.ask<{ queueArn: string; listener: () => void }, () => void>('sqs.subscribeArrivals', {
        queueArn: this.queueArn,
        listener: () => this.pump(),
      });
      if (this.halted) unsubscribe();
      else this.unsubscribe = unsubscribe;
    } catch (e) {
      this.onPollError(e as Error);
      return;
    }
    this.pump();
  }

  stop(): void {
    this.halted = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    // Gathered messages are left in flight: they come back after their visibility timeout, as on AWS.
    const g = this.gather;
    g?.timer.cancel();
    this.gather = undefined;
    if (g) void this.restore(g.records, g.plan);
  }

  protected get stopped(): boolean {
    return this.halted;
  }

  /** Batches in flight. */
  get inFlight(): number {
    return this.active;
  }

  /** Receives and starts batches while there is room; re-runs when woken during a run. */
  pump(): void {
    if (this.halted) return;
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
      while (!this.halted && this.active < this.concurrency(this.busySince)) {
        let records: R[];
        let plan: VisibilityPlan;
        try {
          plan = await this.visibilityPlan();
          records = await this.deps.bus.ask<unknown, R[]>('sqs.receive', {
            queueArn: this.queueArn,
            max: this.batchSize() - (this.gather?.records.length ?? 0),
            visibilityTimeoutSeconds: plan.holdSeconds,
          });
        } catch (e) {
          this.onPollError(e as Error);
          return;
        }
        if (this.halted) {
          void this.restore(records, plan);
          return;
        }
        if (records.length === 0) {
          if (this.active === 0 && !this.gather) this.busySince = undefined;
          break;
        }
        this.busySince ??= this.deps.clock.now();
        if (this.windowSeconds() > 0) {
          if (!this.addToGather(records, plan)) break;
        } else if (this.maxBatchBytes() === undefined) this.launch(records, plan);
        else {
          const [batch, rest] = this.fit(records);
          await this.release(rest);
          this.launch(batch, plan);
        }
      }
    } while (this.wake && !this.halted);
  }

  /** Splits off what would push the batch past maxBatchBytes (given `startBytes` already in it). */
  private fit(records: R[], startBytes = 0): [R[], R[]] {
    const max = this.maxBatchBytes();
    if (max === undefined) return [records, []];
    let bytes = startBytes;
    for (let i = 0; i < records.length; i++) {
      bytes += recordBytes(records[i]!);
      if (bytes > max - 32 && i > 0) return [records.slice(0, i), records.slice(i)];
    }
    return [records, []];
  }

  /** Makes messages that did not fit visible again. */
  private async release(records: R[]): Promise<void> {
    if (!records.length) return;
    await this.deps.bus
      .ask('sqs.changeVisibility', { queueArn: this.queueArn, receiptHandles: records.map((r) => r.receiptHandle), visibilityTimeoutSeconds: 0 })
      .catch(() => undefined);
  }

  /** Adds to the batch being gathered; returns false when the loop should wait (window still open). */
  private addToGather(records: R[], plan: VisibilityPlan): boolean {
    if (!this.gather) {
      const timer = this.setTimer(this.windowSeconds() * 1000, () => this.flushGather());
      this.gather = { records: [], bytes: 0, timer, plan };
    }
    const g = this.gather;
    const [fits, rest] = this.fit(records, g.bytes);
    g.records.push(...fits);
    if (this.maxBatchBytes() !== undefined) for (const r of fits) g.bytes += recordBytes(r);
    if (rest.length || g.records.length >= this.batchSize()) {
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
    if (!this.halted) this.launch(g.records, g.plan);
  }

  private launch(records: R[], plan: VisibilityPlan): void {
    this.active++;
    const deleted = new Set<string>();
    void this.run(records, plan, deleted).finally(() => {
      this.active--;
      this.pump();
    });
  }

  private async run(records: R[], plan: VisibilityPlan, deleted: Set<string>): Promise<void> {
    try {
      await this.process(records, deleted);
    } catch (e) {
      this.onBatchError(records, e as Error);
    } finally {
      await this.restore(records.filter((r) => !deleted.has(r.receiptHandle)), plan);
    }
  }

  /** Deletes records from the queue, adding the receipt handles SQS deleted to `deleted`. */
  protected async delete(records: R[], deleted: Set<string>): Promise<void> {
    if (!records.length) return;
    const result = await this.deps.bus.ask<unknown, SqsBatchResult>('sqs.delete', {
      queueArn: this.queueArn,
      receiptHandles: records.map((r) => r.receiptHandle),
    });
    for (const h of result.deleted) deleted.add(h);
    if (result.failed.length) this.onDeleteFailed(result.failed);
  }

  /**
   * On AWS a message is not handed out again while its batch still runs (Lambda insists on a visibility timeout
   * at least as long as the function timeout). Here function code, enrichments and targets run in real time while
   * the queue's timers run on the emulator clock; when that clock is scaled (or virtual) a batch that takes 200 ms
   * real would outlive a "30 s" visibility timeout. So, only then, batches are received with a visibility timeout
   * long enough for the real run (and the batching window), and what is not deleted gets the queue's ordinary
   * visibility timeout when the run is over: a failed message comes back one visibility timeout later, as if the
   * run had taken no time. Receiving with it (rather than changing it afterwards) leaves no moment, however loaded
   * the machine, in which the short timeout could run out. On real time (scale 1) nothing changes, as on AWS.
   */
  private async visibilityPlan(): Promise<VisibilityPlan> {
    const { clock, options, bus } = this.deps;
    const info = await bus.ask<{ queueArn: string }, { visibilityTimeout?: number }>('sqs.queueInfo', { queueArn: this.queueArn });
    const queueSeconds = info?.visibilityTimeout ?? 30;
    const realTime = clock instanceof ScaledClock && clock.scale === 1;
    if (realTime || options.scaleFunctionTimeouts) return { queueSeconds };
    const scale = clock instanceof ScaledClock ? clock.scale : 0;
    // The real seconds as emulated seconds; SQS's cap is 12 h.
    const needed = scale > 0 ? Math.ceil(this.holdRealSeconds() / scale) + this.windowSeconds() : MAX_VISIBILITY_SECONDS;
    return { queueSeconds, holdSeconds: Math.min(MAX_VISIBILITY_SECONDS, Math.max(queueSeconds, needed)) };
  }

  /** After a held run: what is still in flight gets the queue's own visibility timeout. */
  private async restore(records: R[], plan: VisibilityPlan): Promise<void> {
    if (plan.holdSeconds === undefined || !records.length) return;
    const result = await this.deps.bus
      .ask<unknown, SqsBatchResult>('sqs.changeVisibility', {
        queueArn: this.queueArn,
        receiptHandles: records.map((r) => r.receiptHandle),
        visibilityTimeoutSeconds: plan.queueSeconds,
      })
      .catch((e: Error) => ({ deleted: [], failed: [{ receiptHandle: '', code: 'Error', message: e.message }] }));
    if (result.failed.length) this.onRestoreFailed(plan.queueSeconds, result.failed[0]!.message);
  }
}

/** A record's share of a batch's serialized size. */
function recordBytes(record: unknown): number {
  return Buffer.byteLength(JSON.stringify(record)) + 1;
}
