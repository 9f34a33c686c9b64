import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { md5OfMessageAttributes } from './md5';
import type { StoredMessage } from './queue';

/**
 * Turning stored messages into what each reader sees: the ReceiveMessage `Message` (attributes filtered as
 * requested, MD5 of exactly the attributes returned, which is what SDKs verify), the Lambda SQS event
 * record, and the harness's peek view.
 */

export const SYSTEM_ATTRIBUTE_NAMES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

/** Every system attribute the message has, as strings (timestamps in epoch milliseconds). */
export function systemAttributes(m: StoredMessage): Record<string, string> {
  const out: Record<string, string> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentTimestamp),
    ApproximateReceiveCount: String(m.receiveCount),
  };
  if (m.firstReceiveAt !== undefined) out.ApproximateFirstReceiveTimestamp = String(m.firstReceiveAt);
  if (m.sequenceNumber !== undefined) out.SequenceNumber = m.sequenceNumber;
  if (m.dedupId !== undefined) out.MessageDeduplicationId = m.dedupId;
  if (m.groupId !== undefined) out.MessageGroupId = m.groupId;
  for (const name of ['AWSTraceHeader', 'DeadLetterQueueSourceArn']) {
    if (m.systemAttributes[name] !== undefined) out[name] = m.systemAttributes[name]!;
  }
  return out;
}

/** Names from AttributeNames / MessageSystemAttributeNames: `All` means every one. */
export function selectSystemAttributes(m: StoredMessage, names: string[]): Record<string, string> | undefined {
  if (names.length === 0) return undefined;
  const all = systemAttributes(m);
  if (names.includes('All')) return all;
  const out: Record<string, string> = {};
  for (const n of names) if (all[n] !== undefined) out[n] = all[n]!;
  return Object.keys(out).length ? out : undefined;
}

/** MessageAttributeNames: `All` or `.*` for every attribute, `prefix.*` for a family, else exact names. */
export function selectMessageAttributes(
  attrs: Record<string, MessageAttributeValue> | undefined,
  names: string[],
): Record<string, MessageAttributeValue> | undefined {
  if (!attrs || names.length === 0) return undefined;
  const wanted = (key: string) =>
    names.some((n) => n === 'All' || n === '.*' || n === key || (n.endsWith('.*') && key.startsWith(n.slice(0, -1))));
  const out: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(attrs)) if (wanted(k)) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

export function toApiMessage(m: StoredMessage, receiptHandle: string, systemNames: string[], attributeNames: string[]): Message {
  const messageAttributes = selectMessageAttributes(m.messageAttributes, attributeNames);
  const attributes = selectSystemAttributes(m, systemNames);
  return {
    MessageId: m.id,
    ReceiptHandle: receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(attributes ? { Attributes: attributes } : {}),
    ...(messageAttributes ? { MD5OfMessageAttributes: md5OfMessageAttributes(messageAttributes), MessageAttributes: messageAttributes } : {}),
  };
}

/** A message attribute as Lambda puts it in an SQS event (camelCase, binary as base64). */
export interface LambdaMessageAttribute {
  stringValue?: string;
  binaryValue?: string;
  stringListValues: string[];
  binaryListValues: string[];
  dataType: string;
}

/** One record of a Lambda SQS event, exactly as Lambda delivers it. */
export interface SqsEventRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, LambdaMessageAttribute>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

const b64 = (v: Uint8Array | undefined): string | undefined => (v === undefined ? undefined : Buffer.from(v).toString('base64'));

export function toLambdaAttributes(attrs: Record<string, MessageAttributeValue> | undefined): Record<string, LambdaMessageAttribute> {
  const out: Record<string, LambdaMessageAttribute> = {};
  for (const [k, v] of Object.entries(attrs ?? {})) {
    out[k] = {
      ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { binaryValue: b64(v.BinaryValue) } : {}),
      stringListValues: v.StringListValues ?? [],
      binaryListValues: (v.BinaryListValues ?? []).map((b) => b64(b)!),
      dataType: v.DataType ?? 'String',
    };
  }
  return out;
}

export function toEventRecord(m: StoredMessage, receiptHandle: string, queueArn: string, region: string): SqsEventRecord {
  const attributes = systemAttributes(m);
  // Lambda's records carry these four always, FIFO ids when present; the rest only when set.
  return {
    messageId: m.id,
    receiptHandle,
    body: m.body,
    attributes,
    messageAttributes: toLambdaAttributes(m.messageAttributes),
    md5OfBody: m.md5OfBody,
    ...(m.md5OfMessageAttributes ? { md5OfMessageAttributes: m.md5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** The harness's view of a stored message (JSON-safe: binary values base64). */
export interface PeekedMessage {
  messageId: string;
  body: string;
  state: 'visible' | 'inflight' | 'delayed';
  /** Emulated epoch ms when a delayed or in-flight message becomes visible. */
  visibleAt?: number;
  attributes: Record<string, string>;
  messageAttributes: Record<string, LambdaMessageAttribute>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
}

export function toPeeked(m: StoredMessage): PeekedMessage {
  return {
    messageId: m.id,
    body: m.body,
    state: m.state as PeekedMessage['state'],
    ...(m.state === 'visible' ? {} : { visibleAt: m.visibleAt }),
    attributes: systemAttributes(m),
    messageAttributes: toLambdaAttributes(m.messageAttributes),
    md5OfBody: m.md5OfBody,
    ...(m.md5OfMessageAttributes ? { md5OfMessageAttributes: m.md5OfMessageAttributes } : {}),
  };
}
