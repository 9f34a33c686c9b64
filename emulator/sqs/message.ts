import type { MessageAttributeValue } from '@aws-sdk/client-sqs';

/** A message as a queue stores it, and what senders hand to a queue. */

export type MessageState = 'delayed' | 'visible' | 'inflight' | 'deleted';

export interface StoredMessage {
  id: string;
  body: string;
  md5OfBody: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  /** System attributes set by the sender or by SQS: AWSTraceHeader, DeadLetterQueueSourceArn. */
  systemAttributes: Record<string, string>;
  md5OfMessageSystemAttributes?: string;
  senderId: string;
  sentTimestamp: number;
  /** Retention counts from here (kept on a standard DLQ move, reset on a FIFO one). */
  enqueuedAt: number;
  groupId?: string;
  dedupId?: string;
  sequenceNumber?: string;
  /** ApproximateReceiveCount: every receive, across queues (it continues in a DLQ). */
  receiveCount: number;
  /** Receives in this queue, compared with this queue's maxReceiveCount. */
  receivesHere: number;
  firstReceiveAt?: number;
  lastReceiveAt?: number;
  state: MessageState;
  /** When a delayed or in-flight message becomes visible. */
  visibleAt: number;
  /** Which receive the current receipt handle belongs to. */
  receiptSeq: number;
  /** Bumped on every state change, so heap entries made before it are recognised as stale. */
  version: number;
  /** Insertion order in this queue. */
  seq: number;
  inReady: boolean;
}

/** What a sender hands to a queue (API send, delivery from another service, redrive, move task). */
export interface NewMessage {
  body: string;
  md5OfBody: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  systemAttributes?: Record<string, string>;
  md5OfMessageSystemAttributes?: string;
  senderId: string;
  delaySeconds?: number;
  groupId?: string;
  dedupId?: string;
  /** Kept when a message moves between queues. */
  messageId?: string;
  sentTimestamp?: number;
  enqueuedAt?: number;
  receiveCount?: number;
  firstReceiveAt?: number;
  /** Redrive and move tasks bypass deduplication. */
  skipDedup?: boolean;
}

export interface SendResult {
  messageId: string;
  sequenceNumber?: string;
  /** A FIFO duplicate within the deduplication window: accepted, not enqueued. */
  duplicate: boolean;
}

export interface Received {
  message: StoredMessage;
  receiptHandle: string;
}
