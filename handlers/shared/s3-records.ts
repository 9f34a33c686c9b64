import type { S3EventRecord } from './event-types';

/**
 * Finds the S3 notification records in whatever reached a function, unwrapping every way the
 * pipeline can deliver them:
 *   - S3 → Lambda:          `{Records:[{eventSource:'aws:s3', …}]}`
 *   - S3 → SQS → Lambda:    `{Records:[{eventSource:'aws:sqs', body:'<S3 event JSON>'}]}`
 *   - S3 → SNS → SQS:       the SQS body is an SNS envelope `{Type:'Notification', Message:'<S3 event JSON>'}`,
 *                           or the S3 event itself with raw message delivery on
 *   - S3 → SNS → Lambda:    `{Records:[{EventSource:'aws:sns', Sns:{Message:'<S3 event JSON>'}}]}`
 *   - S3 → EventBridge → SQS: the SQS body is the EventBridge event `{source:'aws.s3', 'detail-type':'Object Created', detail}`,
 *                           read as the record S3 would have sent (`eventBridgeRecord`)
 *   - Lambda async DLQ:     the SQS body is the original event (any of the above)
 * It also takes a single record, an SQS body string or an SNS envelope on its own.
 *
 * `s3:TestEvent` messages (sent when a notification configuration is saved) and SNS subscription
 * confirmations carry no records and yield none. Anything else that is not an S3 event throws, so a
 * malformed message fails loudly instead of being dropped.
 *
 * Records are returned as S3 sent them: `s3.object.key` is still form-URL-encoded — use
 * `objectRefOf` (or `decodeS3Key`) for the real key.
 */
export function extractS3Records(input: unknown): S3EventRecord[] {
  const found: S3EventRecord[] = [];
  collect(input, found, 'event', 0);
  return found;
}

/** The object a record is about, with the key decoded. */
export interface S3ObjectRef {
  eventName: string;
  bucket: string;
  key: string;
  versionId: string | null;
  size: number | null;
  eTag: string | null;
  sequencer: string | null;
}

export function objectRefOf(record: S3EventRecord): S3ObjectRef {
  const object = record.s3.object;
  return {
    eventName: record.eventName,
    bucket: record.s3.bucket.name,
    key: decodeS3Key(object.key),
    versionId: object.versionId || null,
    size: typeof object.size === 'number' ? object.size : null,
    eTag: object.eTag || null,
    sequencer: object.sequencer || null,
  };
}

/** S3 event keys are form-URL-encoded: `+` is a space, `%2B` is a plus. */
export function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw new Error(`S3 event key is not valid URL encoding: ${JSON.stringify(key)}`);
  }
}

/** The message S3 sends when a notification configuration is saved: `{Service, Event:'s3:TestEvent', …}`. */
export function isS3TestEvent(value: unknown): boolean {
  return isObject(value) && value.Event === 's3:TestEvent' && !('Records' in value);
}

// SNS → SQS (cross-account) may deliver these; they are about the subscription, not about objects.
const SNS_CONTROL_TYPES = new Set(['SubscriptionConfirmation', 'UnsubscribeConfirmation']);
// Every level of wrapping adds at most two; anything deeper is a message that wraps itself.
const MAX_DEPTH = 12;

function collect(value: unknown, found: S3EventRecord[], where: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new Error(`${where}: events nested more than ${MAX_DEPTH} levels deep`);
  if (typeof value === 'string') {
    collect(parseJson(value, where), found, where, depth + 1);
    return;
  }
  if (!isObject(value)) throw new Error(`${where}: expected an event object, got ${describe(value)}`);
  if (isS3TestEvent(value)) return;
  if (Array.isArray(value.Records)) {
    value.Records.forEach((record, i) => collectRecord(record, found, `${where}.Records[${i}]`, depth + 1));
    return;
  }
  if (typeof value.Type === 'string' && typeof value.Message === 'string') {
    if (SNS_CONTROL_TYPES.has(value.Type)) return;
    collect(value.Message, found, `${where} (SNS message ${String(value.MessageId ?? '')})`.trim(), depth + 1);
    return;
  }
  if ('eventSource' in value || 'EventSource' in value) {
    collectRecord(value, found, where, depth);
    return;
  }
  if (value.source === 'aws.s3' && typeof value['detail-type'] === 'string') {
    found.push(eventBridgeRecord(value, where));
    return;
  }
  throw new Error(`${where}: not an S3 event (no Records, not an SNS envelope, not an EventBridge S3 event, not an s3:TestEvent)`);
}

function collectRecord(record: unknown, found: S3EventRecord[], where: string, depth: number): void {
  if (!isObject(record)) throw new Error(`${where}: expected a record object, got ${describe(record)}`);
  if (record.eventSource === 'aws:s3') {
    found.push(checkS3Record(record, where));
  } else if (record.eventSource === 'aws:sqs') {
    collect(record.body, found, `SQS message ${String(record.messageId)}`, depth + 1);
  } else if (record.EventSource === 'aws:sns') {
    const sns = isObject(record.Sns) ? record.Sns : {};
    collect(sns.Message, found, `SNS message ${String(sns.MessageId ?? '')}`.trim(), depth + 1);
  } else {
    const source = record.eventSource ?? record.EventSource;
    throw new Error(`${where}: unsupported record source ${JSON.stringify(source ?? null)}`);
  }
}

function checkS3Record(record: Record<string, unknown>, where: string): S3EventRecord {
  const s3 = isObject(record.s3) ? record.s3 : undefined;
  const bucket = s3 && isObject(s3.bucket) ? s3.bucket.name : undefined;
  const key = s3 && isObject(s3.object) ? s3.object.key : undefined;
  if (typeof record.eventName !== 'string' || typeof bucket !== 'string' || typeof key !== 'string') {
    throw new Error(`${where}: S3 record without eventName, s3.bucket.name or s3.object.key`);
  }
  return record as unknown as S3EventRecord;
}

/** Object Created's `reason` → the notification's eventName suffix. */
const CREATED_BY: Record<string, string> = { PutObject: 'Put', 'POST Object': 'Post', CopyObject: 'Copy', CompleteMultipartUpload: 'CompleteMultipartUpload' };

/**
 * An S3 event as EventBridge carries it, as the notification record S3 sends for the same change: eventName from
 * detail-type (with `reason` / `deletion-type`), the object's key (URL-encoded in both), size, ETag, version and
 * sequencer. Detail-types other than Object Created / Object Deleted keep their name (`EventBridge:<type>`).
 */
export function eventBridgeRecord(event: Record<string, unknown>, where = 'event'): S3EventRecord {
  const detail = isObject(event.detail) ? event.detail : {};
  const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
  const object = isObject(detail.object) ? detail.object : {};
  if (typeof bucket !== 'string' || typeof object.key !== 'string') throw new Error(`${where}: EventBridge S3 event without detail.bucket.name or detail.object.key`);
  const type = String(event['detail-type']);
  let eventName = `EventBridge:${type}`;
  if (type === 'Object Created') eventName = `ObjectCreated:${CREATED_BY[String(detail.reason)] ?? 'Put'}`;
  else if (type === 'Object Deleted') eventName = detail['deletion-type'] === 'Delete Marker Created' ? 'ObjectRemoved:DeleteMarkerCreated' : 'ObjectRemoved:Delete';
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    eventSource: 'aws:s3',
    eventName,
    ...(text(event.time) ? { eventTime: text(event.time) } : {}),
    ...(text(event.region) ? { awsRegion: text(event.region) } : {}),
    s3: {
      bucket: { name: bucket },
      object: {
        key: object.key,
        ...(typeof object.size === 'number' ? { size: object.size } : {}),
        ...(text(object.etag) ? { eTag: text(object.etag) } : {}),
        ...(text(object['version-id']) ? { versionId: text(object['version-id']) } : {}),
        ...(text(object.sequencer) ? { sequencer: text(object.sequencer) } : {}),
      },
    },
  };
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const preview = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new Error(`${where}: body is not JSON (${(e as Error).message}): ${JSON.stringify(preview)}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
