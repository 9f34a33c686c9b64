/**
 * The event shapes the pipeline's functions receive, typed only as far as the handlers read them.
 * (Written here rather than pulling in @types/aws-lambda for five interfaces.)
 */

/** One S3 notification record, as S3 sends it. `s3.object.key` is still form-URL-encoded. */
export interface S3EventRecord {
  eventVersion?: string;
  eventSource: 'aws:s3';
  awsRegion?: string;
  eventTime?: string;
  /** e.g. `ObjectCreated:Put`, `ObjectRemoved:Delete`. */
  eventName: string;
  s3: {
    bucket: { name: string; arn?: string };
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer?: string };
  };
}

/** A message attribute in the Lambda SQS-record shape (lower-case member names). */
export interface SqsRecordAttribute {
  stringValue?: string;
  binaryValue?: string;
  dataType: string;
}

/** One record of the event Lambda's SQS event source mapping delivers. */
export interface SqsRecord {
  messageId: string;
  receiptHandle?: string;
  body: string;
  attributes?: { ApproximateReceiveCount?: string; [name: string]: string | undefined };
  messageAttributes?: Record<string, SqsRecordAttribute>;
  md5OfBody?: string;
  eventSource: 'aws:sqs';
  eventSourceARN?: string;
  awsRegion?: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

/** What a function returns to an SQS event source mapping with ReportBatchItemFailures on. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** The JSON SNS delivers to an SQS queue (raw message delivery off) and inside an SNS → Lambda record. */
export interface SnsEnvelope {
  Type: string;
  MessageId?: string;
  TopicArn?: string;
  Subject?: string;
  Message: string;
  Timestamp?: string;
}

/** One record of an SNS → Lambda event. */
export interface SnsRecord {
  EventSource: 'aws:sns';
  EventSubscriptionArn?: string;
  Sns: SnsEnvelope;
}

export function isSqsEvent(event: unknown): event is SqsEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => (r as { eventSource?: unknown } | null)?.eventSource === 'aws:sqs')
  );
}
