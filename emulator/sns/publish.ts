import { createHash } from 'node:crypto';
import type {
  PublishBatchCommandInput,
  PublishBatchCommandOutput,
  PublishCommandInput,
  PublishCommandOutput,
} from '@aws-sdk/client-sns';
import type { RequestContext } from '../core/context';
import { E164, smsDelivery } from './sms';
import { isEndpointArn, publishToEndpoint } from './platform';
import { carriedCorrelation, type SnsAttributeValue } from '../core/delivery';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import type { SnsDelivery } from './delivery';
import type { PublishedMessage, Topic } from './state';
import type { SnsStore } from './store';
import {
  invalidParameter,
  MAX_PAYLOAD_BYTES,
  parseMessageStructure,
  payloadSize,
  validateBatchEntries,
  validateFifoId,
  validateMessageAttributes,
  validateSubject,
} from './validation';

/** Publish and PublishBatch, and the publish path S3 notifications and Lambda DLQs use through the bus. */

export type Out<T> = Omit<T, '$metadata'>;

export interface PublishRequest {
  message?: string;
  subject?: string;
  messageStructure?: string;
  attributes?: Record<string, SnsAttributeValue>;
  messageGroupId?: string;
  messageDeduplicationId?: string;
}

/** SNS keeps FIFO deduplication ids for 5 minutes. */
const DEDUP_WINDOW_MS = 5 * 60_000;
/** FIFO sequence numbers are 20-digit decimal strings that grow per topic. */
const FIRST_SEQUENCE = 10_000_000_000_000_000_000n;

export interface Publisher {
  publish(topic: Topic, req: PublishRequest, endpoint: string, batchPosition?: number, correlation?: Record<string, string>): { messageId: string; sequenceNumber?: string };
}

/** `fifoPublished` (`--data-dir` only) hears each FIFO publish that opened a deduplication window and took a sequence number. */
export function createPublisher(
  delivery: SnsDelivery,
  now: () => number,
  record: (hop: Record<string, unknown> & { type: string }) => void,
  fifoPublished?: (topic: Topic, dedupId: string) => void,
): Publisher {
  /** Checks one message against the topic; returns the per-protocol bodies for MessageStructure=json. */
  function validate(topic: Topic, req: PublishRequest, batchPosition?: number): Record<string, string> | undefined {
    if (req.message === undefined || req.message === '') throw invalidParameter('Empty message');
    validateSubject(req.subject);
    validateMessageAttributes(req.attributes, batchPosition);
    if (payloadSize(req.message, req.attributes) > MAX_PAYLOAD_BYTES) throw invalidParameter('Message too long');
    let perProtocol: Record<string, string> | undefined;
    if (req.messageStructure !== undefined) {
      if (req.messageStructure !== 'json') throw invalidParameter('MessageStructure');
      perProtocol = parseMessageStructure(req.message);
    }
    if (topic.fifo) {
      if (!req.messageGroupId) throw invalidParameter('The MessageGroupId parameter is required for FIFO topics');
      validateFifoId(req.messageGroupId, 'MessageGroupId');
      validateFifoId(req.messageDeduplicationId, 'MessageDeduplicationId');
      if (!req.messageDeduplicationId && topic.attributes.ContentBasedDeduplication !== 'true') {
        throw invalidParameter(
          'The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      }
    } else if (req.messageDeduplicationId !== undefined) {
      throw invalidParameter(
        'MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type',
      );
    }
    return perProtocol;
  }

  /** FIFO: the earlier result when the deduplication id was seen within 5 minutes. */
  function deduplicate(topic: Topic, dedupId: string): { messageId: string; sequenceNumber: string } | undefined {
    const t = now();
    for (const [id, seen] of topic.dedup) if (seen.expires <= t) topic.dedup.delete(id);
    return topic.dedup.get(dedupId);
  }

  return {
    publish(topic, req, endpoint, batchPosition, correlation) {
      const perProtocol = validate(topic, req, batchPosition);
      const message = req.message!;
      let dedupId: string | undefined;
      let sequenceNumber: string | undefined;
      if (topic.fifo) {
        dedupId = req.messageDeduplicationId ?? createHash('sha256').update(message, 'utf8').digest('hex');
        const earlier = deduplicate(topic, dedupId);
        if (earlier) {
          record({ type: 'sns.publish.deduplicated', topicArn: topic.arn, messageId: earlier.messageId, messageDeduplicationId: dedupId });
          return earlier;
        }
        topic.sequence = topic.sequence === 0n ? FIRST_SEQUENCE : topic.sequence + 1n;
        sequenceNumber = topic.sequence.toString().padStart(20, '0');
      }
      const m: PublishedMessage = {
        messageId: uuid(),
        topicArn: topic.arn,
        message,
        perProtocol,
        subject: req.subject,
        attributes: req.attributes ?? {},
        timestamp: new Date(now()).toISOString(),
        messageGroupId: topic.fifo ? req.messageGroupId : undefined,
        messageDeduplicationId: dedupId,
        sequenceNumber,
        endpoint,
        signatureVersion: topic.attributes.SignatureVersion ?? '1',
        traceHeader: correlation?.traceHeader,
      };
      if (dedupId && sequenceNumber) {
        topic.dedup.set(dedupId, { messageId: m.messageId, sequenceNumber, expires: now() + DEDUP_WINDOW_MS });
        fifoPublished?.(topic, dedupId);
      }
      record({ type: 'sns.publish', ...carriedCorrelation(correlation), topicArn: topic.arn, messageId: m.messageId, subscriptions: topic.subscriptions.length });
      delivery.fanOut(topic, m);
      return { messageId: m.messageId, sequenceNumber };
    },
  };
}

const requestOf = (input: {
  Message?: string;
  Subject?: string;
  MessageStructure?: string;
  MessageAttributes?: Record<string, any>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}): PublishRequest => ({
  message: input.Message,
  subject: input.Subject,
  messageStructure: input.MessageStructure,
  attributes: input.MessageAttributes as Record<string, SnsAttributeValue> | undefined,
  messageGroupId: input.MessageGroupId,
  messageDeduplicationId: input.MessageDeduplicationId,
});

export function publishOperations(store: SnsStore, publisher: Publisher, delivery: SnsDelivery, now: () => number) {
  return {
    async Publish(input: PublishCommandInput, ctx: RequestContext): Promise<Out<PublishCommandOutput>> {
      if (input.PhoneNumber !== undefined && !input.TopicArn && !input.TargetArn) {
        return publishSms(input, delivery, now, store.smsSettings(ctx.accountId, ctx.region));
      }
      if (!input.TopicArn && isEndpointArn(input.TargetArn)) return publishToEndpoint(input, ctx, store, delivery, now);
      const arn = input.TopicArn ?? input.TargetArn;
      if (!arn) throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
      if (input.TopicArn && input.TargetArn && input.TopicArn !== input.TargetArn) {
        throw invalidParameter('TopicArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be specified');
      }
      const topic = store.topic(arn, ctx, input.TopicArn ? 'TopicArn' : 'TargetArn');
      const { messageId, sequenceNumber } = publisher.publish(topic, requestOf(input), ctx.endpoint, undefined, traceOf(ctx));
      return sequenceNumber ? { MessageId: messageId, SequenceNumber: sequenceNumber } : { MessageId: messageId };
    },

    async PublishBatch(input: PublishBatchCommandInput, ctx: RequestContext): Promise<Out<PublishBatchCommandOutput>> {
      const topic = store.topic(input.TopicArn, ctx);
      const entries = validateBatchEntries(input.PublishBatchRequestEntries);
      const total = entries.reduce((n, e) => n + payloadSize(e.Message ?? '', e.MessageAttributes as never), 0);
      if (total > MAX_PAYLOAD_BYTES) {
        throw new AwsError('BatchRequestTooLong', 'The length of all the messages put together is more than the limit.', 400);
      }
      const Successful: NonNullable<PublishBatchCommandOutput['Successful']> = [];
      const Failed: NonNullable<PublishBatchCommandOutput['Failed']> = [];
      entries.forEach((entry, i) => {
        try {
          const { messageId, sequenceNumber } = publisher.publish(topic, requestOf(entry), ctx.endpoint, i + 1, traceOf(ctx));
          Successful.push(sequenceNumber ? { Id: entry.Id, MessageId: messageId, SequenceNumber: sequenceNumber } : { Id: entry.Id, MessageId: messageId });
        } catch (err) {
          if (!(err instanceof AwsError)) throw err;
          Failed.push({ Id: entry.Id, Code: err.code, Message: err.message, SenderFault: err.fault === 'Sender' });
        }
      });
      return { Successful, Failed };
    },
  };
}

/** Publish to a phone number: captured in the outbox as an `sms` entry (no SMS is sent). */
function publishSms(input: PublishCommandInput, delivery: SnsDelivery, now: () => number, account: Record<string, string>): Out<PublishCommandOutput> {
  const phone = input.PhoneNumber!;
  if (!E164.test(phone)) throw invalidParameter(`PhoneNumber Reason: ${phone} is not valid to publish to`);
  if (!input.Message) throw invalidParameter('Empty message');
  if (Buffer.byteLength(input.Message) > 1600) throw invalidParameter('Message too long');
  const messageId = uuid();
  delivery.outbox.push({
    protocol: 'sms',
    endpoint: phone,
    subscriptionArn: '',
    topicArn: '',
    type: 'Notification',
    messageId,
    subject: input.Subject,
    body: input.Message,
    ...smsDelivery(account, input.MessageAttributes as Record<string, SnsAttributeValue> | undefined),
    time: now(),
  });
  return { MessageId: messageId };
}

/** The caller's X-Ray trace header (the SDK inside a function sends it), as correlation for the deliveries. */
function traceOf(ctx: RequestContext): Record<string, string> | undefined {
  const h = ctx.headers?.['x-amzn-trace-id'];
  return typeof h === 'string' ? { traceHeader: h } : undefined;
}
