import type { SqsBatchResponse, SqsRecord } from './event-types';

/**
 * Runs a handler over an SQS batch with the semantics of an event source mapping:
 * - returns `{batchItemFailures}` naming the failed messages (Lambda uses it when ReportBatchItemFailures
 *   is on and retries only those);
 * - with `partial: false` (ReportBatchItemFailures off: Lambda ignores the response) it throws instead,
 *   so the whole batch goes back to the queue;
 * - on a FIFO queue it stops at the first failure and reports that message and every later one, so no
 *   message is processed ahead of one that failed before it.
 * Records run one after another: order matters on FIFO queues and batches are small.
 */
export interface BatchOptions {
  partial: boolean;
  log?: (entry: Record<string, unknown>) => void;
}

export class BatchFailedError extends Error {
  override name = 'BatchFailedError';
}

export async function runSqsBatch(
  records: SqsRecord[],
  processOne: (record: SqsRecord) => Promise<void>,
  options: BatchOptions,
): Promise<SqsBatchResponse> {
  const fifo = records.some((r) => isFifoArn(r.eventSourceARN));
  const failures: { messageId: string; error: string }[] = [];
  for (const [i, record] of records.entries()) {
    try {
      await processOne(record);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      options.log?.({ level: 'error', messageId: record.messageId, error });
      failures.push({ messageId: record.messageId, error });
      if (fifo) {
        for (const later of records.slice(i + 1)) failures.push({ messageId: later.messageId, error: 'not processed: an earlier message in this FIFO batch failed' });
        break;
      }
    }
  }
  if (failures.length > 0 && !options.partial) {
    const first = failures[0];
    throw new BatchFailedError(
      failures.length === 1
        ? first.error
        : `${failures.length} of ${records.length} messages failed; first (${first.messageId}): ${first.error}`,
    );
  }
  return { batchItemFailures: failures.map((f) => ({ itemIdentifier: f.messageId })) };
}

export function isFifoArn(arn: string | undefined): boolean {
  return typeof arn === 'string' && arn.endsWith('.fifo');
}

/** PARTIAL_BATCH='false' means the mapping has ReportBatchItemFailures off. */
export function partialBatchEnabled(env: Record<string, string | undefined>): boolean {
  return env.PARTIAL_BATCH?.trim().toLowerCase() !== 'false';
}

export function receiveCountOf(record: SqsRecord): number | undefined {
  const n = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
