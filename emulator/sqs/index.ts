/**
 * SQS: standard and FIFO queues, delays, visibility timeouts, long polling, dead-letter queues and
 * redrive (move tasks), over the JSON and Query protocols (see provider.ts for the operations).
 * Quotas (options.ts): in-flight messages per queue (120,000; a standard queue refuses short polls with OverLimit),
 * and, only with sqsDelayRecentlyDeleted, AWS's 60-second wait before a deleted queue's name can be reused.
 *
 * In-process API for other services and the harness (methods on the provider, never over HTTP):
 *   subscribeArrivals(queueArn, listener: () => void): () => void       unsubscribe function
 *       listener runs (in a microtask) when messages become visible: send, delay end, visibility expiry.
 *   receiveForMapping(queueArn, max, visibilityTimeoutSeconds?): SqsEventRecord[]
 *       Lambda SQS event records (messageId, receiptHandle, body, attributes incl. ApproximateReceiveCount,
 *       SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp and FIFO ids, camelCase messageAttributes,
 *       md5OfBody, md5OfMessageAttributes, eventSource, eventSourceARN, awsRegion). Counts as a receive
 *       (receive count, redrive to the DLQ at maxReceiveCount). `max` is not capped at 10.
 *   deleteForMapping(queueArn, receiptHandles[]): { deleted: string[], failed: {receiptHandle, code, message}[] }
 *   changeVisibilityForMapping(queueArn, receiptHandles[], visibilityTimeoutSeconds): same result shape
 *   getQueueInfo(queueArn): { exists, queueArn, queueUrl?, fifo?, visibilityTimeout?, delaySeconds?,
 *                             receiveMessageWaitTimeSeconds?, redrivePolicy?: {deadLetterTargetArn, maxReceiveCount} }
 *   peek(queueUrlOrArnOrName): PeekedMessage[]    every message (visible, inflight, delayed), untouched
 *   digest(): string                              stable hash of all stored messages
 *
 * The same through the delivery bus (`bus.ask(name, args)`, always a Promise):
 *   'sqs.subscribeArrivals'  { queueArn, listener }                              → unsubscribe function
 *   'sqs.receive'            { queueArn, max, visibilityTimeoutSeconds? }        → SqsEventRecord[]
 *   'sqs.delete'             { queueArn, receiptHandles }                        → MappingDeleteResult
 *   'sqs.changeVisibility'   { queueArn, receiptHandles, visibilityTimeoutSeconds } → MappingDeleteResult
 *   'sqs.queueInfo'          { queueArn }                                        → QueueInfo
 *   'sqs.peek'               { queue } (URL, ARN or name) or the string itself   → PeekedMessage[]
 *   'sqs.digest'             {}                                                  → string
 * Unknown queues reject with AwsError QueueDoesNotExist (except queueInfo, which answers exists:false).
 *
 * Deliveries: registered on the bus as the receiver for `arn:aws:sqs:…` (`kind: 'sqs'` messages).
 * Trace hops: sqs.send, sqs.receive, sqs.delete, sqs.visibility-expired, sqs.redrive, sqs.expired,
 * sqs.purge, sqs.move, sqs.move-task.start/end, sqs.create-queue, sqs.delete-queue.
 */
import type { ServiceDeps } from '../core/service';
import { SqsService } from './in-process';

export { SqsService } from './in-process';
export type { QueueInfo, MappingDeleteResult } from './in-process';
export type { SqsEventRecord, PeekedMessage, LambdaMessageAttribute } from './render';

export function createSqsProvider(deps: ServiceDeps): SqsService {
  const sqs = new SqsService(deps);
  const { bus } = deps;
  bus.register('sqs', sqs.receiver);
  bus.answer('sqs.subscribeArrivals', async (a: { queueArn: string; listener: () => void }) => sqs.subscribeArrivals(a.queueArn, a.listener));
  bus.answer('sqs.receive', async (a: { queueArn: string; max: number; visibilityTimeoutSeconds?: number }) =>
    sqs.receiveForMapping(a.queueArn, a.max, a.visibilityTimeoutSeconds),
  );
  bus.answer('sqs.delete', async (a: { queueArn: string; receiptHandles: string[] }) => sqs.deleteForMapping(a.queueArn, a.receiptHandles));
  bus.answer('sqs.changeVisibility', async (a: { queueArn: string; receiptHandles: string[]; visibilityTimeoutSeconds: number }) =>
    sqs.changeVisibilityForMapping(a.queueArn, a.receiptHandles, a.visibilityTimeoutSeconds),
  );
  bus.answer('sqs.queueInfo', async (a: { queueArn: string }) => sqs.getQueueInfo(a.queueArn));
  bus.answer('sqs.peek', async (a: { queue: string } | string) => sqs.peek(typeof a === 'string' ? a : a.queue));
  bus.answer('sqs.digest', async () => sqs.digest());
  // Queue depth for CloudWatch's AWS/SQS gauges (sampled once a minute of emulated time).
  bus.answer('sqs.gauges', async () =>
    sqs.queues.all().map((q) => {
      const stats = q.stats();
      // The oldest message's age: a full look at the queue, but only once a minute of emulated time.
      const oldest = sqs.peek(q.arn).reduce((min, m) => Math.min(min, Number(m.attributes.SentTimestamp) || Infinity), Infinity);
      const oldestAgeSeconds = Number.isFinite(oldest) ? Math.max(0, Math.floor((deps.clock.now() - oldest) / 1000)) : 0;
      return { queueArn: q.arn, visible: stats.visible, notVisible: stats.inflight, delayed: stats.delayed, oldestAgeSeconds };
    }),
  );
  return sqs;
}
