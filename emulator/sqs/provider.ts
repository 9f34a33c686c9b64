import type * as Sqs from '@aws-sdk/client-sqs';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { parseArn } from '../core/ids';
import { carriedCorrelation } from '../core/delivery';
import { offsetPage } from '../core/paging';
import type { ServiceDeps, ServiceProvider } from '../core/service';
import { md5OfBody, md5OfMessageAttributes, md5OfMessageSystemAttributes, validateMessageAttributes, validateMessageBody } from './md5';
import { IdPool } from './ids';
import { MoveTasks } from './move-tasks';
import { Queue, type NewMessage, type StoredMessage } from './queue';
import { QueueRegistry } from './registry';
import { sqsPersistence, type SqsPersistence } from './persistence';
import { sqsSettings, type SqsSettings } from './options';
import { toApiMessage } from './render';
import {
  ALL_ATTRIBUTE_NAMES,
  FIFO_ONLY_ATTRIBUTES,
  checkRange,
  invalidParameter,
  invalidParameterValue,
  missingParameter,
  unknownAttribute,
  validateBatchEntries,
  validateQueueAttributes,
  validateQueueName,
  type RedrivePolicy,
} from './validation';

/** An operation's output without the SDK's `$metadata` (the protocol layer adds what the wire needs). */
type Out<T> = Omit<T, '$metadata'>;

const MAX_WAIT_S = 20;
/** After DeleteQueue, the name stays unusable this long (when sqsDelayRecentlyDeleted is on). */
const RECREATE_DELAY_MS = 60_000;
const ACTIONS = new Set([
  '*',
  'SendMessage',
  'ReceiveMessage',
  'DeleteMessage',
  'ChangeMessageVisibility',
  'GetQueueAttributes',
  'GetQueueUrl',
  'ListDeadLetterSourceQueues',
  'PurgeQueue',
  'ListQueueTags',
  'ListMessageMoveTasks',
  'StartMessageMoveTask',
  'CancelMessageMoveTask',
  'SendMessageBatch',
  'DeleteMessageBatch',
  'ChangeMessageVisibilityBatch',
]);

/** Size SQS counts against MaximumMessageSize: body plus each attribute's name, type and value. */
export function messageSize(body: string, attrs?: Record<string, Sqs.MessageAttributeValue>): number {
  let n = Buffer.byteLength(body ?? '', 'utf8');
  for (const [k, v] of Object.entries(attrs ?? {})) {
    n += Buffer.byteLength(k) + Buffer.byteLength(v.DataType ?? '');
    if (v.StringValue !== undefined) n += Buffer.byteLength(v.StringValue);
    if (v.BinaryValue !== undefined) n += v.BinaryValue.byteLength;
  }
  return n;
}

/** ListQueues / ListDeadLetterSourceQueues tokens (core/paging.ts). */
const invalidToken = () => invalidParameter('Invalid NextToken value.');

/**
 * The SQS API: one method per operation, typed by the SDK's own input/output shapes.
 * Queue mechanics live in queue.ts; this file validates requests and speaks the API's shapes.
 */
export class SqsProvider implements ServiceProvider {
  readonly queues: QueueRegistry;
  readonly moveTasks: MoveTasks;
  /** Arrival listeners by queue ARN (kept across DeleteQueue/CreateQueue of the same name). */
  readonly arrivalListeners = new Map<string, Set<() => void>>();
  private readonly ids = new IdPool();
  /** Set with `--data-dir`. */
  readonly persistence?: SqsPersistence;
  readonly settings: SqsSettings;
  /** Queue ARN → when DeleteQueue ran, oldest first (kept only while sqsDelayRecentlyDeleted is on). */
  private readonly recentlyDeleted = new Map<string, number>();

  constructor(readonly deps: ServiceDeps) {
    const o = deps.options;
    this.settings = sqsSettings(o);
    this.queues = new QueueRegistry({ region: o.region, accountId: o.accountId, baseUrl: () => `http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${o.port}` });
    this.moveTasks = new MoveTasks(deps.clock, { queueByArn: (arn) => this.queues.get(arn), record: (hop) => deps.bus.record(hop) });
    if (o.dataDir) this.persistence = sqsPersistence(this.queues, (...args) => this.newQueue(...args), this.recentlyDeleted);
  }

  // ---- queues ----------------------------------------------------------------------------------

  newQueue(name: string, region: string, accountId: string, fifo: boolean, attributes: Record<string, string>, tags?: Record<string, string>): Queue {
    return new Queue(
      this.deps.clock,
      {
        name,
        region,
        accountId,
        fifo,
        attributes,
        tags,
        defaultMaxMessageSize: this.deps.options.sqsMaxMessageSize,
        maxInflight: fifo ? this.settings.maxInflightFifo : this.settings.maxInflightStandard,
      },
      {
        redrive: (from, m, policy) => this.redrive(from, m, policy),
        arrived: (q) => this.announce(q),
        record: (hop) => this.deps.bus.record(hop),
        newId: () => this.ids.uuid(),
        changed: this.persistence ? (q, m) => this.persistence!.messageChanged(q, m) : undefined,
        dedupWindowOpened: this.persistence ? (q, entry) => this.persistence!.dedupWindowOpened(q, entry) : undefined,
        attemptRecorded: this.persistence ? (q, attempt) => this.persistence!.attemptRecorded(q, attempt) : undefined,
      },
    );
  }

  async CreateQueue(input: Sqs.CreateQueueCommandInput, ctx: RequestContext): Promise<Out<Sqs.CreateQueueCommandOutput>> {
    const name = input.QueueName;
    if (name !== undefined && typeof name !== 'string') throw invalidParameterValue(name, 'QueueName', 'Must be a string.');
    const given = input.Attributes ?? {};
    const fifo = String(given.FifoQueue ?? '').toLowerCase() === 'true';
    if (name?.endsWith('.fifo') && !fifo) {
      throw invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    validateQueueName(name, fifo);
    const attrs = validateQueueAttributes(given as Record<string, string>, { fifo, maxMessageSize: this.deps.options.sqsMaxMessageSize, creating: true });
    const arn = QueueRegistry.arnOf(ctx.region, ctx.accountId, name!);
    const existing = this.queues.get(arn);
    if (existing) {
      for (const [k, v] of Object.entries(attrs)) {
        if ((existing.attributes[k] ?? '') !== v) {
          throw new AwsError('QueueNameExists', `A queue already exists with the same name and a different value for attribute ${k}`, 400);
        }
      }
      return { QueueUrl: this.queues.urlOf(existing, ctx) };
    }
    this.checkNotDeletedRecently(arn);
    if (attrs.RedrivePolicy) this.checkRedriveTarget(attrs.RedrivePolicy, fifo, arn);
    const q = this.newQueue(name!, ctx.region, ctx.accountId, fifo, attrs, input.tags);
    this.queues.add(q);
    this.deps.bus.record({ type: 'sqs.create-queue', queueArn: q.arn });
    return { QueueUrl: this.queues.urlOf(q, ctx) };
  }

  /** AWS refuses a queue's name for 60 s after DeleteQueue; here only with sqsDelayRecentlyDeleted. */
  private checkNotDeletedRecently(arn: string): void {
    if (!this.settings.delayRecentlyDeleted) return;
    const now = this.deps.clock.now();
    for (const [key, at] of this.recentlyDeleted) {
      if (at + RECREATE_DELAY_MS > now) break;
      this.recentlyDeleted.delete(key);
    }
    if (this.recentlyDeleted.has(arn)) {
      throw new AwsError('QueueDeletedRecently', 'You must wait 60 seconds after deleting a queue before you can create another with the same name.', 400);
    }
  }

  /** The dead-letter queue must exist in the source's Region, be of the same type, and accept this source. */
  private checkRedriveTarget(policyText: string, fifo: boolean, sourceArn: string): void {
    const policy = JSON.parse(policyText) as RedrivePolicy;
    const dlq = this.queues.get(policy.deadLetterTargetArn);
    // AWS requires the same Region; SQS looks the target up there, so another Region's queue is not found.
    if (!dlq || dlq.region !== parseArn(sourceArn)?.region) throw invalidParameterValue(policyText, 'RedrivePolicy', 'Dead letter target does not exist.');
    if (dlq.fifo !== fifo) throw invalidParameterValue(policyText, 'RedrivePolicy', 'Dead-letter queue must be same type of queue as the source..');
    if (dlq.arn === sourceArn) throw invalidParameterValue(policyText, 'RedrivePolicy', 'Dead letter target cannot be the source queue.');
    if (!dlq.allowsRedriveFrom(sourceArn)) {
      throw invalidParameterValue(policyText, 'RedrivePolicy', 'Dead-letter queue RedriveAllowPolicy does not allow this source queue.');
    }
  }

  async GetQueueUrl(input: Sqs.GetQueueUrlCommandInput, ctx: RequestContext): Promise<Out<Sqs.GetQueueUrlCommandOutput>> {
    if (!input.QueueName) throw missingParameter('QueueName');
    const q = this.queues.get(QueueRegistry.arnOf(ctx.region, input.QueueOwnerAWSAccountId ?? ctx.accountId, input.QueueName));
    if (!q) throw QueueRegistry.notFound(ctx);
    return { QueueUrl: this.queues.urlOf(q, ctx) };
  }

  async ListQueues(input: Sqs.ListQueuesCommandInput, ctx: RequestContext): Promise<Out<Sqs.ListQueuesCommandOutput>> {
    checkRange(input.MaxResults, 'MaxResults', 1, 1000);
    const prefix = input.QueueNamePrefix ?? '';
    const names = this.queues
      .all()
      .filter((q) => q.region === ctx.region && q.accountId === ctx.accountId && q.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (input.MaxResults === undefined) {
      const urls = names.slice(0, 1000).map((q) => this.queues.urlOf(q, ctx));
      return urls.length ? { QueueUrls: urls } : {};
    }
    const { items: page, next } = offsetPage(names, input.NextToken, input.MaxResults, 'sqs-page', invalidToken);
    return { ...(page.length ? { QueueUrls: page.map((q) => this.queues.urlOf(q, ctx)) } : {}), ...(next ? { NextToken: next } : {}) };
  }

  async GetQueueAttributes(input: Sqs.GetQueueAttributesCommandInput, ctx: RequestContext): Promise<Out<Sqs.GetQueueAttributesCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    const names = (input.AttributeNames ?? []) as string[];
    for (const n of names) if (n !== 'All' && !ALL_ATTRIBUTE_NAMES.has(n)) throw unknownAttribute(n);
    const all = this.attributesOf(q);
    const wanted = names.includes('All') ? Object.keys(all) : names;
    const out: Record<string, string> = {};
    for (const n of wanted) if (all[n] !== undefined) out[n] = all[n]!;
    return Object.keys(out).length ? { Attributes: out } : {};
  }

  /** Every attribute AWS reports for this queue, in AWS's order. */
  attributesOf(q: Queue): Record<string, string> {
    const stats = q.stats();
    const a = q.attributes;
    const out: Record<string, string> = {
      QueueArn: q.arn,
      ApproximateNumberOfMessages: String(stats.visible),
      ApproximateNumberOfMessagesNotVisible: String(stats.inflight),
      ApproximateNumberOfMessagesDelayed: String(stats.delayed),
      CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.lastModifiedAt / 1000)),
      VisibilityTimeout: a.VisibilityTimeout!,
      MaximumMessageSize: a.MaximumMessageSize!,
      MessageRetentionPeriod: a.MessageRetentionPeriod!,
      DelaySeconds: a.DelaySeconds!,
      ReceiveMessageWaitTimeSeconds: a.ReceiveMessageWaitTimeSeconds!,
    };
    for (const k of ['Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId']) if (a[k]) out[k] = a[k]!;
    if (a.KmsMasterKeyId) out.KmsDataKeyReusePeriodSeconds = a.KmsDataKeyReusePeriodSeconds ?? '300';
    out.SqsManagedSseEnabled = a.SqsManagedSseEnabled ?? 'true';
    if (q.fifo) for (const k of FIFO_ONLY_ATTRIBUTES) out[k] = a[k]!;
    return out;
  }

  async SetQueueAttributes(input: Sqs.SetQueueAttributesCommandInput, ctx: RequestContext): Promise<Out<Sqs.SetQueueAttributesCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    if (!input.Attributes) throw missingParameter('Attributes');
    const attrs = validateQueueAttributes(input.Attributes as Record<string, string>, {
      fifo: q.fifo,
      maxMessageSize: this.deps.options.sqsMaxMessageSize,
      creating: false,
    });
    if (attrs.RedrivePolicy) this.checkRedriveTarget(attrs.RedrivePolicy, q.fifo, q.arn);
    const scope = attrs.DeduplicationScope ?? q.attributes.DeduplicationScope;
    if (q.fifo && (attrs.FifoThroughputLimit ?? q.attributes.FifoThroughputLimit) === 'perMessageGroupId' && scope === 'queue') {
      throw new AwsError(
        'InvalidAttributeValue',
        'Invalid value for the parameter FifoThroughputLimit. Reason: You can specify the perMessageGroupId value only when the DeduplicationScope is set to messageGroup.',
        400,
      );
    }
    q.setAttributes(attrs);
    return {};
  }

  async DeleteQueue(input: Sqs.DeleteQueueCommandInput, ctx: RequestContext): Promise<Out<Sqs.DeleteQueueCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    this.queues.delete(q);
    q.close();
    this.moveTasks.forgetSource(q.arn);
    if (this.settings.delayRecentlyDeleted) {
      this.recentlyDeleted.delete(q.arn);
      this.recentlyDeleted.set(q.arn, this.deps.clock.now());
    }
    this.deps.bus.record({ type: 'sqs.delete-queue', queueArn: q.arn });
    return {};
  }

  async PurgeQueue(input: Sqs.PurgeQueueCommandInput, ctx: RequestContext): Promise<Out<Sqs.PurgeQueueCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    const now = this.deps.clock.now();
    if (q.lastPurgeAt !== undefined && now - q.lastPurgeAt < 60_000) {
      throw new AwsError('PurgeQueueInProgress', `Only one PurgeQueue operation on ${q.name} is allowed every 60 seconds.`, 403);
    }
    const n = q.purge();
    this.deps.bus.record({ type: 'sqs.purge', queueArn: q.arn, messages: n });
    return {};
  }

  // ---- messages --------------------------------------------------------------------------------

  /** Validates one message as SendMessage does and turns it into what a queue stores. */
  prepare(
    q: Queue,
    e: {
      MessageBody?: string;
      DelaySeconds?: number;
      MessageAttributes?: Record<string, Sqs.MessageAttributeValue>;
      MessageSystemAttributes?: Record<string, Sqs.MessageSystemAttributeValue>;
      MessageDeduplicationId?: string;
      MessageGroupId?: string;
    },
    senderId: string,
    traceHeader?: string,
  ): NewMessage {
    if (e.MessageBody === undefined || e.MessageBody === null || e.MessageBody === '') throw missingParameter('MessageBody');
    if (typeof e.MessageBody !== 'string') throw invalidParameterValue(e.MessageBody, 'MessageBody', 'Must be a string.');
    checkRange(e.DelaySeconds, 'DelaySeconds', 0, 900, 'DelaySeconds must be >= 0 and <= 900.');
    validateMessageBody(e.MessageBody);
    const attrs = e.MessageAttributes && Object.keys(e.MessageAttributes).length ? e.MessageAttributes : undefined;
    for (const [name, v] of Object.entries(attrs ?? {})) {
      if (!v || typeof v !== 'object') throw invalidParameter(`The message attribute '${name}' must contain non-empty message attribute value.`);
      if (typeof v.DataType !== 'string' && v.DataType !== undefined) throw invalidParameter(`The message attribute '${name}' has an invalid DataType.`);
      if (v.StringValue !== undefined && typeof v.StringValue !== 'string') throw invalidParameter(`The message attribute '${name}' has an invalid StringValue.`);
      if (v.BinaryValue !== undefined && !(v.BinaryValue instanceof Uint8Array)) throw invalidParameter(`The message attribute '${name}' has an invalid BinaryValue.`);
    }
    if (attrs) validateMessageAttributes(attrs);
    const sys = e.MessageSystemAttributes && Object.keys(e.MessageSystemAttributes).length ? e.MessageSystemAttributes : undefined;
    const systemAttributes: Record<string, string> = {};
    if (sys) {
      for (const [k, v] of Object.entries(sys)) {
        if (k !== 'AWSTraceHeader') {
          throw invalidParameterValue(k, 'MessageSystemAttributes', 'Only AWSTraceHeader is supported as a message system attribute.');
        }
        if (!v || v.DataType !== 'String' || !v.StringValue) {
          throw invalidParameter("Message system attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'.");
        }
        systemAttributes.AWSTraceHeader = v.StringValue;
      }
    } else if (traceHeader) systemAttributes.AWSTraceHeader = traceHeader;
    const size = messageSize(e.MessageBody, attrs);
    if (size > q.maximumMessageSize) {
      throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${q.maximumMessageSize} bytes.`);
    }
    return {
      body: e.MessageBody,
      md5OfBody: md5OfBody(e.MessageBody),
      messageAttributes: attrs,
      md5OfMessageAttributes: attrs ? md5OfMessageAttributes(attrs) : undefined,
      systemAttributes,
      md5OfMessageSystemAttributes: sys ? md5OfMessageSystemAttributes(sys) : undefined,
      senderId,
      delaySeconds: e.DelaySeconds,
      groupId: e.MessageGroupId,
      dedupId: e.MessageDeduplicationId,
    };
  }

  private senderOf(ctx: RequestContext): string {
    return ctx.accessKeyId && ctx.accessKeyId !== 'anonymous' ? ctx.accessKeyId : ctx.accountId;
  }

  private traceHeaderOf(ctx: RequestContext): string | undefined {
    const h = ctx.headers?.['x-amzn-trace-id'];
    return Array.isArray(h) ? h[0] : h;
  }

  /** Enqueues a prepared message and records the hop. */
  enqueue(q: Queue, msg: NewMessage, correlation?: Record<string, string>) {
    const result = q.send(msg);
    this.deps.bus.record({
      type: 'sqs.send',
      ...carriedCorrelation(correlation),
      queueArn: q.arn,
      messageId: result.messageId,
      ...(result.duplicate ? { duplicate: true } : {}),
      ...(result.sequenceNumber ? { sequenceNumber: result.sequenceNumber } : {}),
    });
    return result;
  }

  async SendMessage(input: Sqs.SendMessageCommandInput, ctx: RequestContext): Promise<Out<Sqs.SendMessageCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    const msg = this.prepare(q, input, this.senderOf(ctx), this.traceHeaderOf(ctx));
    const r = this.enqueue(q, msg, { requestId: ctx.requestId });
    return {
      MessageId: r.messageId,
      MD5OfMessageBody: msg.md5OfBody,
      ...(msg.md5OfMessageAttributes ? { MD5OfMessageAttributes: msg.md5OfMessageAttributes } : {}),
      ...(msg.md5OfMessageSystemAttributes ? { MD5OfMessageSystemAttributes: msg.md5OfMessageSystemAttributes } : {}),
      ...(r.sequenceNumber ? { SequenceNumber: r.sequenceNumber } : {}),
    };
  }

  async SendMessageBatch(input: Sqs.SendMessageBatchCommandInput, ctx: RequestContext): Promise<Out<Sqs.SendMessageBatchCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    const entries = validateBatchEntries(input.Entries, 'SendMessageBatchRequestEntry');
    const limit = this.deps.options.sqsMaxMessageSize;
    const total = entries.reduce((n, e) => n + messageSize(e.MessageBody ?? '', e.MessageAttributes), 0);
    if (total > limit) {
      throw new AwsError('BatchRequestTooLong', `Batch requests cannot be longer than ${limit} bytes. You have sent ${total} bytes.`, 400);
    }
    if (q.fifo) {
      if (entries.some((e) => !e.MessageGroupId)) throw missingParameter('MessageGroupId');
      if (!q.contentBasedDeduplication && entries.some((e) => !e.MessageDeduplicationId)) {
        throw invalidParameter('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
      }
    }
    const Successful: Sqs.SendMessageBatchResultEntry[] = [];
    const Failed: Sqs.BatchResultErrorEntry[] = [];
    for (const e of entries) {
      try {
        const msg = this.prepare(q, e, this.senderOf(ctx), this.traceHeaderOf(ctx));
        const r = this.enqueue(q, msg, { requestId: ctx.requestId, batchEntryId: e.Id! });
        Successful.push({
          Id: e.Id!,
          MessageId: r.messageId,
          MD5OfMessageBody: msg.md5OfBody,
          ...(msg.md5OfMessageAttributes ? { MD5OfMessageAttributes: msg.md5OfMessageAttributes } : {}),
          ...(msg.md5OfMessageSystemAttributes ? { MD5OfMessageSystemAttributes: msg.md5OfMessageSystemAttributes } : {}),
          ...(r.sequenceNumber ? { SequenceNumber: r.sequenceNumber } : {}),
        });
      } catch (err) {
        Failed.push(batchFailure(e.Id!, err));
      }
    }
    return { Successful, Failed };
  }

  async ReceiveMessage(input: Sqs.ReceiveMessageCommandInput, ctx: RequestContext): Promise<Out<Sqs.ReceiveMessageCommandOutput>> {
    let q = this.queues.byUrl(input.QueueUrl, ctx);
    checkRange(input.MaxNumberOfMessages, 'MaxNumberOfMessages', 1, 10);
    checkRange(input.WaitTimeSeconds, 'WaitTimeSeconds', 0, MAX_WAIT_S, 'Must be >= 0 and <= 20, if provided.');
    checkRange(input.VisibilityTimeout, 'VisibilityTimeout', 0, 43_200, 'Must be >= 0 and <= 43200, if provided.');
    const max = input.MaxNumberOfMessages ?? 1;
    const systemNames = [...((input.AttributeNames as string[] | undefined) ?? []), ...((input.MessageSystemAttributeNames as string[] | undefined) ?? [])].filter(
      (x) => typeof x === 'string',
    );
    const attributeNames = (input.MessageAttributeNames ?? []).filter((x): x is string => typeof x === 'string');
    const waitS = input.WaitTimeSeconds ?? q.waitTimeSeconds;
    // A standard queue at its in-flight quota refuses short polls that would put messages in flight (the queue's
    // own VisibilityTimeout may be 0); long polls (and FIFO queues) just get nothing.
    const visibility = input.VisibilityTimeout ?? q.visibilityTimeoutSeconds;
    if (!q.fifo && waitS === 0 && visibility > 0 && q.atInflightLimit()) throw overLimit();
    const deadline = this.deps.clock.now() + waitS * 1000;
    for (;;) {
      const got = this.receiveFrom(q, max, input.VisibilityTimeout, input.ReceiveRequestAttemptId);
      if (got.length > 0) {
        return { Messages: got.map(({ message, receiptHandle }) => toApiMessage(message, receiptHandle, systemNames, attributeNames)) };
      }
      const remaining = deadline - this.deps.clock.now();
      if (remaining <= 0) return {};
      const wait = q.waitForArrival(remaining);
      await wait.promise;
      const current = this.queues.get(q.arn);
      if (!current || current !== q) return {};
      q = current;
    }
  }

  /** Receives and records the hop (API and event-source-mapping receives alike). */
  receiveFrom(q: Queue, max: number, visibilityTimeout?: number, attemptId?: string) {
    const got = q.receive(max, visibilityTimeout, attemptId);
    for (const { message, receiptHandle } of got) {
      this.deps.bus.record({ type: 'sqs.receive', queueArn: q.arn, messageId: message.id, receiveCount: message.receiveCount });
      // Fault: the message is handed out and also stays visible, so another receive gets a second copy.
      if (this.deps.bus.faults.duplicateReceive(q.arn)) q.changeVisibility(receiptHandle, 0);
    }
    return got;
  }

  /** Deletes by receipt handle (API and mappings alike); the lose-delete fault acknowledges without deleting. */
  deleteAcknowledged(q: Queue, receiptHandle: string): void {
    if (this.deps.bus.faults.loseDelete(q.arn)) return;
    q.delete(receiptHandle);
  }

  async DeleteMessage(input: Sqs.DeleteMessageCommandInput, ctx: RequestContext): Promise<Out<Sqs.DeleteMessageCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    if (!input.ReceiptHandle) throw missingParameter('ReceiptHandle');
    this.deleteAcknowledged(q, input.ReceiptHandle);
    return {};
  }

  async DeleteMessageBatch(input: Sqs.DeleteMessageBatchCommandInput, ctx: RequestContext): Promise<Out<Sqs.DeleteMessageBatchCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    const entries = validateBatchEntries(input.Entries, 'DeleteMessageBatchRequestEntry');
    const Successful: Sqs.DeleteMessageBatchResultEntry[] = [];
    const Failed: Sqs.BatchResultErrorEntry[] = [];
    for (const e of entries) {
      try {
        if (!e.ReceiptHandle) throw missingParameter('ReceiptHandle');
        this.deleteAcknowledged(q, e.ReceiptHandle);
        Successful.push({ Id: e.Id! });
      } catch (err) {
        Failed.push(batchFailure(e.Id!, err));
      }
    }
    return { Successful, Failed };
  }

  async ChangeMessageVisibility(input: Sqs.ChangeMessageVisibilityCommandInput, ctx: RequestContext): Promise<Out<Sqs.ChangeMessageVisibilityCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    if (!input.ReceiptHandle) throw missingParameter('ReceiptHandle');
    q.changeVisibility(input.ReceiptHandle, input.VisibilityTimeout!);
    return {};
  }

  async ChangeMessageVisibilityBatch(
    input: Sqs.ChangeMessageVisibilityBatchCommandInput,
    ctx: RequestContext,
  ): Promise<Out<Sqs.ChangeMessageVisibilityBatchCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    const entries = validateBatchEntries(input.Entries, 'ChangeMessageVisibilityBatchRequestEntry');
    const Successful: Sqs.ChangeMessageVisibilityBatchResultEntry[] = [];
    const Failed: Sqs.BatchResultErrorEntry[] = [];
    for (const e of entries) {
      try {
        if (!e.ReceiptHandle) throw missingParameter('ReceiptHandle');
        q.changeVisibility(e.ReceiptHandle, e.VisibilityTimeout!);
        Successful.push({ Id: e.Id! });
      } catch (err) {
        Failed.push(batchFailure(e.Id!, err));
      }
    }
    return { Successful, Failed };
  }

  // ---- tags and permissions --------------------------------------------------------------------

  async TagQueue(input: Sqs.TagQueueCommandInput, ctx: RequestContext): Promise<Out<Sqs.TagQueueCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    if (!input.Tags || Object.keys(input.Tags).length === 0) throw missingParameter('Tags');
    const merged = { ...q.tags, ...input.Tags };
    if (Object.keys(merged).length > 50) throw invalidParameter(`Too many tags added for queue ${q.name}.`);
    q.tags = merged;
    return {};
  }

  async UntagQueue(input: Sqs.UntagQueueCommandInput, ctx: RequestContext): Promise<Out<Sqs.UntagQueueCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    if (!input.TagKeys || input.TagKeys.length === 0) throw missingParameter('TagKeys');
    for (const k of input.TagKeys) delete q.tags[k];
    return {};
  }

  async ListQueueTags(input: Sqs.ListQueueTagsCommandInput, ctx: RequestContext): Promise<Out<Sqs.ListQueueTagsCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    return Object.keys(q.tags).length ? { Tags: { ...q.tags } } : {};
  }

  async AddPermission(input: Sqs.AddPermissionCommandInput, ctx: RequestContext): Promise<Out<Sqs.AddPermissionCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    const label = input.Label;
    if (!label) throw missingParameter('Label');
    if (!/^[\w-]{1,80}$/.test(label)) {
      throw invalidParameterValue(label, 'Label', 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    if (!input.AWSAccountIds?.length) throw missingParameter('AWSAccountIds');
    if (!input.Actions?.length) throw missingParameter('Actions');
    for (const a of input.Actions) {
      if (!ACTIONS.has(a)) {
        throw invalidParameterValue(`SQS:${a}`, 'ActionName', 'Please refer to the appropriate WSDL for a list of valid actions. ');
      }
    }
    const policy = q.attributes.Policy ? JSON.parse(q.attributes.Policy) : { Version: '2012-10-17', Id: `${q.arn}/SQSDefaultPolicy`, Statement: [] };
    policy.Statement = Array.isArray(policy.Statement) ? policy.Statement : policy.Statement ? [policy.Statement] : [];
    if (policy.Statement.some((s: { Sid?: string }) => s.Sid === label)) throw invalidParameterValue(label, 'Label', 'Already exists.');
    const principals = input.AWSAccountIds.map((id) => `arn:aws:iam::${id}:root`);
    const actions = input.Actions.map((a) => `SQS:${a}`);
    policy.Statement.push({
      Sid: label,
      Effect: 'Allow',
      Principal: { AWS: principals.length === 1 ? principals[0] : principals },
      Action: actions.length === 1 ? actions[0] : actions,
      Resource: q.arn,
    });
    q.setAttributes({ Policy: JSON.stringify(policy) });
    return {};
  }

  async RemovePermission(input: Sqs.RemovePermissionCommandInput, ctx: RequestContext): Promise<Out<Sqs.RemovePermissionCommandOutput>> {
    const q = this.queues.byUrl(input.QueueUrl, ctx);
    if (!input.Label) throw missingParameter('Label');
    const policy = q.attributes.Policy ? JSON.parse(q.attributes.Policy) : undefined;
    const statements: { Sid?: string }[] = Array.isArray(policy?.Statement) ? policy.Statement : policy?.Statement ? [policy.Statement] : [];
    if (!statements.some((s) => s.Sid === input.Label)) throw invalidParameterValue(input.Label, 'Label', "can't find label.");
    policy.Statement = statements.filter((s) => s.Sid !== input.Label);
    q.setAttributes({ Policy: policy.Statement.length ? JSON.stringify(policy) : '' });
    return {};
  }

  // ---- dead-letter queues ----------------------------------------------------------------------

  async ListDeadLetterSourceQueues(
    input: Sqs.ListDeadLetterSourceQueuesCommandInput,
    ctx: RequestContext,
  ): Promise<Out<Sqs.ListDeadLetterSourceQueuesCommandOutput>> {
    const dlq = this.queues.byUrl(input.QueueUrl, ctx);
    checkRange(input.MaxResults, 'MaxResults', 1, 1000);
    const sources = this.queues.sourcesOf(dlq.arn).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Without MaxResults: up to 1,000 sources and no token, as SQS answers.
    const { items: page, next } = input.MaxResults === undefined ? { items: sources.slice(0, 1000), next: undefined } : offsetPage(sources, input.NextToken, input.MaxResults, 'sqs-page', invalidToken);
    return { queueUrls: page.map((q) => this.queues.urlOf(q, ctx)), ...(next ? { NextToken: next } : {}) };
  }

  /** Moves a message that reached maxReceiveCount; false keeps it in the source (DLQ missing or refusing). */
  private redrive(from: Queue, m: StoredMessage, policy: RedrivePolicy): boolean {
    const dlq = this.queues.get(policy.deadLetterTargetArn);
    if (!dlq || dlq === from || dlq.fifo !== from.fifo || !dlq.allowsRedriveFrom(from.arn)) return false;
    try {
      dlq.accept({
        messageId: m.id,
        body: m.body,
        md5OfBody: m.md5OfBody,
        messageAttributes: m.messageAttributes,
        md5OfMessageAttributes: m.md5OfMessageAttributes,
        systemAttributes: { ...m.systemAttributes, DeadLetterQueueSourceArn: from.arn },
        senderId: m.senderId,
        groupId: m.groupId,
        // FIFO → FIFO: the deduplication id becomes the message id, and the retention clock restarts.
        dedupId: from.fifo ? m.id : undefined,
        sentTimestamp: m.sentTimestamp,
        enqueuedAt: from.fifo ? undefined : m.enqueuedAt,
        receiveCount: m.receiveCount,
        firstReceiveAt: m.firstReceiveAt,
      });
    } catch {
      return false;
    }
    this.deps.bus.record({ type: 'sqs.redrive', queueArn: from.arn, dlqArn: dlq.arn, messageId: m.id, receiveCount: m.receiveCount });
    return true;
  }

  async StartMessageMoveTask(input: Sqs.StartMessageMoveTaskCommandInput, ctx: RequestContext): Promise<Out<Sqs.StartMessageMoveTaskCommandOutput>> {
    if (!input.SourceArn) throw missingParameter('SourceArn');
    if (typeof input.SourceArn !== 'string' || !this.queues.isValidQueueArn(input.SourceArn)) {
      throw invalidParameter('You must use this format to specify the SourceArn: arn:<partition>:<service>:<region>:<account-id>:<resource-id>');
    }
    const source = this.queues.get(input.SourceArn);
    if (!source) throw new AwsError('ResourceNotFoundException', "The resource that you specified for the SourceArn parameter doesn't exist.", 404);
    if (this.queues.sourcesOf(source.arn).length === 0) throw invalidParameter('Source queue must be configured as a Dead Letter Queue.');
    if (input.DestinationArn !== undefined && !this.queues.get(input.DestinationArn)) {
      throw new AwsError('ResourceNotFoundException', "The resource that you specified for the DestinationArn parameter doesn't exist.", 404);
    }
    checkRange(input.MaxNumberOfMessagesPerSecond, 'MaxNumberOfMessagesPerSecond', 1, 500);
    return { TaskHandle: this.moveTasks.start(source, input.DestinationArn, input.MaxNumberOfMessagesPerSecond) };
  }

  async ListMessageMoveTasks(input: Sqs.ListMessageMoveTasksCommandInput, ctx: RequestContext): Promise<Out<Sqs.ListMessageMoveTasksCommandOutput>> {
    if (!input.SourceArn) throw missingParameter('SourceArn');
    if (!this.queues.get(input.SourceArn)) {
      throw new AwsError('ResourceNotFoundException', "The resource that you specified for the SourceArn parameter doesn't exist.", 404);
    }
    checkRange(input.MaxResults, 'MaxResults', 1, 10);
    return { Results: this.moveTasks.list(input.SourceArn, input.MaxResults ?? 1) };
  }

  async CancelMessageMoveTask(input: Sqs.CancelMessageMoveTaskCommandInput, ctx: RequestContext): Promise<Out<Sqs.CancelMessageMoveTaskCommandOutput>> {
    if (!input.TaskHandle) throw missingParameter('TaskHandle');
    return { ApproximateNumberOfMessagesMoved: this.moveTasks.cancel(input.TaskHandle) };
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Tells long pollers and subscribers (event source mappings) that messages are visible. */
  announce(q: Queue): void {
    const listeners = this.arrivalListeners.get(q.arn);
    if (!listeners?.size) return;
    queueMicrotask(() => {
      for (const l of [...listeners]) {
        try {
          l();
        } catch {
          /* a listener's failure is its own business */
        }
      }
    });
  }

  reset(): void {
    for (const q of this.queues.all()) q.close();
    this.queues.clear();
    this.moveTasks.clear();
    this.arrivalListeners.clear();
    this.ids.clear();
    this.recentlyDeleted.clear();
  }

  close(): void {
    this.reset();
  }
}

/** ReceiveMessage on a standard queue at its in-flight quota (AWS answers 403, code OverLimit in both protocols). */
const overLimit = () =>
  new AwsError('OverLimit', 'Too many messages have been received without being deleted. Please delete your received messages or let them timeout before receiving more.', 403);

/** A per-entry failure in a batch result (SenderFault: the client's problem unless the server failed). */
function batchFailure(id: string, err: unknown): Sqs.BatchResultErrorEntry {
  if (err instanceof AwsError) return { Id: id, SenderFault: err.fault === 'Sender', Code: err.code, Message: err.message };
  return { Id: id, SenderFault: false, Code: 'InternalError', Message: String((err as Error)?.message ?? err) };
}
