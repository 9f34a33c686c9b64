import { createHash } from 'node:crypto';
import type { DeliveryMessage, DeliveryReceiver, Origin } from '../core/delivery';
import { AwsError } from '../core/errors';
import { isAllowed, ROLE_BASED_PRINCIPALS } from '../core/resource-policy';
import type { ServiceDeps } from '../core/service';
import { SqsProvider } from './provider';
import type { Queue } from './queue';
import { QueueRegistry } from './registry';
import { toEventRecord, toPeeked, type PeekedMessage, type SqsEventRecord } from './render';
import type { RedrivePolicy } from './validation';

/** What the Lambda event source mapping needs to know about a queue. */
export interface QueueInfo {
  exists: boolean;
  queueArn: string;
  queueUrl?: string;
  fifo?: boolean;
  visibilityTimeout?: number;
  delaySeconds?: number;
  receiveMessageWaitTimeSeconds?: number;
  redrivePolicy?: RedrivePolicy;
}

export interface MappingDeleteResult {
  deleted: string[];
  failed: { receiptHandle: string; code: string; message: string }[];
}

/**
 * Principals whose deliveries AWS authorises with the queue policy (resource-based). Services acting with a role
 * (Lambda's DLQs and destinations, Scheduler, Pipes) and SQS itself do not need it, so strict mode does not ask.
 */
const POLICY_CHECKED_PRINCIPALS = /\.amazonaws\.com(\.cn)?$/;
const IDENTITY_BASED_PRINCIPALS = new Set([...ROLE_BASED_PRINCIPALS, 'sqs.amazonaws.com']);

/** A stable SenderId for a service principal, in the shape of an IAM unique id. */
function senderIdFor(principal: string): string {
  return `AIDA${createHash('sha1').update(principal).digest('hex').slice(0, 17).toUpperCase()}`;
}

/**
 * The SQS provider plus what other services and the harness use in-process (never over HTTP):
 * deliveries through the bus, the event source mapping's receive/delete/visibility calls, peek and digest.
 */
export class SqsService extends SqsProvider {
  constructor(deps: ServiceDeps) {
    super(deps);
  }

  private requireArn(queueArn: string): Queue {
    const q = this.queues.get(queueArn);
    if (!q) throw QueueRegistry.notFound();
    return q;
  }

  /** Calls `listener` whenever messages become visible in the queue (send, delay end, visibility expiry). */
  subscribeArrivals(queueArn: string, listener: () => void): () => void {
    let set = this.arrivalListeners.get(queueArn);
    if (!set) this.arrivalListeners.set(queueArn, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0 && this.arrivalListeners.get(queueArn) === set) this.arrivalListeners.delete(queueArn);
    };
  }

  /** Receives up to `max` messages (no upper bound of 10: Lambda batches go to 10,000) as Lambda SQS records. */
  receiveForMapping(queueArn: string, max: number, visibilityTimeoutSeconds?: number): SqsEventRecord[] {
    const q = this.requireArn(queueArn);
    return this.receiveFrom(q, max, visibilityTimeoutSeconds).map(({ message, receiptHandle }) =>
      toEventRecord(message, receiptHandle, q.arn, q.region),
    );
  }

  deleteForMapping(queueArn: string, receiptHandles: string[]): MappingDeleteResult {
    const q = this.requireArn(queueArn);
    const result: MappingDeleteResult = { deleted: [], failed: [] };
    for (const h of receiptHandles) {
      try {
        this.deleteAcknowledged(q, h);
        result.deleted.push(h);
      } catch (err) {
        result.failed.push({ receiptHandle: h, code: (err as AwsError).code ?? 'InternalError', message: (err as Error).message });
      }
    }
    return result;
  }

  changeVisibilityForMapping(queueArn: string, receiptHandles: string[], visibilityTimeoutSeconds: number): MappingDeleteResult {
    const q = this.requireArn(queueArn);
    const result: MappingDeleteResult = { deleted: [], failed: [] };
    for (const h of receiptHandles) {
      try {
        q.changeVisibility(h, visibilityTimeoutSeconds);
        result.deleted.push(h);
      } catch (err) {
        result.failed.push({ receiptHandle: h, code: (err as AwsError).code ?? 'InternalError', message: (err as Error).message });
      }
    }
    return result;
  }

  getQueueInfo(queueArn: string): QueueInfo {
    const q = this.queues.get(queueArn);
    if (!q) return { exists: false, queueArn };
    return {
      exists: true,
      queueArn,
      queueUrl: this.queues.urlOf(q),
      fifo: q.fifo,
      visibilityTimeout: q.visibilityTimeoutSeconds,
      delaySeconds: q.delaySeconds,
      receiveMessageWaitTimeSeconds: q.waitTimeSeconds,
      redrivePolicy: q.redrivePolicy,
    };
  }

  /** Every message (visible, in flight, delayed) without changing visibility or receive counts. */
  peek(queueUrlOrArnOrName: string): PeekedMessage[] {
    const q = this.queues.find(queueUrlOrArnOrName);
    if (!q) throw QueueRegistry.notFound();
    return q.snapshot().map(toPeeked);
  }

  /** A stable hash of every stored message in every queue (for fuzz and replay tests). */
  digest(): string {
    const h = createHash('sha256');
    for (const q of this.queues.all().sort((a, b) => (a.arn < b.arn ? -1 : 1))) {
      h.update(`queue\u0000${q.arn}\u0000`);
      for (const m of q.snapshot()) {
        h.update(
          JSON.stringify([m.id, m.body, m.md5OfMessageAttributes ?? '', m.groupId ?? '', m.dedupId ?? '', m.sequenceNumber ?? '', m.state, m.receiveCount]),
        );
      }
    }
    return h.digest('hex');
  }

  // ---- delivery from other services ------------------------------------------------------------

  readonly receiver: DeliveryReceiver = {
    check: (destinationArn: string, origin: Origin) => {
      const q = this.queues.get(destinationArn);
      if (!q) throw new AwsError('InvalidArgument', `Queue ${destinationArn} does not exist`, 400);
      if (this.deps.options.strict && !this.policyAllows(q, origin)) {
        throw new AwsError(
          'InvalidArgument',
          `Queue ${destinationArn} does not allow ${origin.principal} to call SQS:SendMessage for source ${origin.sourceArn}`,
          400,
        );
      }
    },
    receive: async (destinationArn: string, message: DeliveryMessage, origin: Origin) => {
      if (message.kind !== 'sqs') throw new AwsError('InvalidArgument', `SQS cannot accept a ${message.kind} delivery`, 400);
      const q = this.queues.get(destinationArn);
      if (!q) throw new AwsError('QueueDoesNotExist', 'The specified queue does not exist.', 400);
      if (this.deps.options.strict && !this.policyAllows(q, origin)) {
        throw new AwsError('AccessDenied', `Access to the resource ${destinationArn} is denied.`, 403);
      }
      const prepared = this.prepare(
        q,
        {
          MessageBody: message.body,
          MessageAttributes: message.messageAttributes as never,
          MessageGroupId: message.messageGroupId,
          MessageDeduplicationId: message.messageDeduplicationId,
          DelaySeconds: q.fifo ? undefined : message.delaySeconds,
        },
        senderIdFor(origin.principal),
      );
      for (const [k, v] of Object.entries(message.systemAttributes ?? {})) prepared.systemAttributes![k] = v;
      this.enqueue(q, prepared, { sourceArn: origin.sourceArn, principal: origin.principal, ...origin.correlation });
    },
  };

  private policyAllows(q: Queue, origin: Origin): boolean {
    if (!POLICY_CHECKED_PRINCIPALS.test(origin.principal) || IDENTITY_BASED_PRINCIPALS.has(origin.principal)) return true;
    return isAllowed(q.attributes.Policy, {
      principal: origin.principal,
      action: 'sqs:SendMessage',
      resource: q.arn,
      context: { 'aws:SourceArn': origin.sourceArn, 'aws:SourceAccount': origin.sourceAccount },
    });
  }
}
