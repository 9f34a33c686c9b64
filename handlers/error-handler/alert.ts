import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { SqsRecord } from '../shared/event-types';
import { extractS3Records, objectRefOf } from '../shared/s3-records';

/**
 * The alert for one dead-lettered message, built without AWS so it is tested on plain records.
 * A DLQ message is one of: an S3 event (SQS redrive of S3 → SQS), an SNS envelope holding one
 * (SNS → SQS redrive, or SNS's own subscription DLQ), an EventBridge S3 event (SQS redrive, or the rule
 * target's DLQ, whose attributes carry ERROR_CODE / ERROR_MESSAGE), or a Lambda async-invoke failure, whose
 * body is the original event and whose message attributes carry ErrorCode / ErrorMessage / RequestID.
 */
export interface AlertMessage {
  bucket: string | null;
  key: string | null;
  versionId: string | null;
  /** ErrorMessage from Lambda's async DLQ; null after an SQS redrive, which records no error. */
  error: string | null;
  errorCode: string | null;
  requestId: string | null;
  /** The DLQ record's ApproximateReceiveCount. */
  receiveCount: number | null;
  /** eventSourceARN: the DLQ the message was read from. */
  sourceQueue: string | null;
  messageId: string;
  /** Every object in the message (usually one; bucket/key/versionId above are the first). */
  objects: { bucket: string; key: string; versionId: string | null }[];
  /** Why the body could not be read as an S3 event, when it could not. */
  parseError?: string;
}

export interface Alert {
  subject: string;
  message: AlertMessage;
  /** SNS String message attributes, for subscription filter policies. */
  attributes: Record<string, string>;
}

export const SUBJECT_MAX = 100;

export function buildAlert(record: SqsRecord): Alert {
  let objects: AlertMessage['objects'] = [];
  let parseError: string | undefined;
  try {
    objects = extractS3Records(record.body).map((r) => {
      const ref = objectRefOf(r);
      return { bucket: ref.bucket, key: ref.key, versionId: ref.versionId };
    });
  } catch (e) {
    parseError = (e as Error).message;
  }
  const first = objects[0];
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount);
  const message: AlertMessage = {
    bucket: first?.bucket ?? null,
    key: first?.key ?? null,
    versionId: first?.versionId ?? null,
    // Lambda's async DLQ names them ErrorMessage / ErrorCode; EventBridge's target DLQ ERROR_MESSAGE / ERROR_CODE.
    error: attribute(record, 'ErrorMessage') ?? attribute(record, 'ERROR_MESSAGE'),
    errorCode: attribute(record, 'ErrorCode') ?? attribute(record, 'ERROR_CODE'),
    requestId: attribute(record, 'RequestID'),
    receiveCount: Number.isFinite(receiveCount) && receiveCount > 0 ? receiveCount : null,
    sourceQueue: record.eventSourceARN ?? null,
    messageId: record.messageId,
    objects,
    ...(parseError !== undefined ? { parseError } : {}),
  };
  const attributes: Record<string, string> = {};
  // SNS rejects empty attribute values, so absent ones are left out.
  if (message.bucket) attributes.bucket = message.bucket;
  if (message.key) attributes.key = message.key;
  if (message.errorCode) attributes.errorCode = message.errorCode;
  const what = message.key ?? `unreadable message ${record.messageId}`;
  return { subject: subjectLine(`Pipeline failure: ${what}`), message, attributes };
}

export function toPublishInput(alert: Alert, topicArn: string): PublishCommandInput {
  const input: PublishCommandInput = {
    TopicArn: topicArn,
    Subject: alert.subject,
    Message: JSON.stringify(alert.message),
    MessageAttributes: Object.fromEntries(
      Object.entries(alert.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
    ),
  };
  if (topicArn.endsWith('.fifo')) {
    // FIFO topics require a group; the DLQ message ID makes redelivered DLQ messages publish once.
    input.MessageGroupId = alert.message.bucket ?? 'pipeline-alerts';
    input.MessageDeduplicationId = alert.message.messageId;
  }
  return input;
}

/**
 * SNS subjects are at most 100 printable ASCII characters with no line breaks; object keys can be any
 * Unicode, so other characters become `?` and a long subject is cut with `...`.
 */
export function subjectLine(text: string): string {
  const printable = text.replace(/[^\x20-\x7E]/g, '?');
  return printable.length <= SUBJECT_MAX ? printable : `${printable.slice(0, SUBJECT_MAX - 3)}...`;
}

function attribute(record: SqsRecord, name: string): string | null {
  const attrs = record.messageAttributes ?? {};
  // Lambda's SQS records use `stringValue`; accept the API's `StringValue` too, and any name casing.
  const entry = (attrs[name] ?? Object.entries(attrs).find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1]) as
    | { stringValue?: string; StringValue?: string }
    | undefined;
  const value = entry?.stringValue ?? entry?.StringValue;
  return typeof value === 'string' && value !== '' ? value : null;
}
