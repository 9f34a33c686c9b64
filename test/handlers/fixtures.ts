import type { S3EventRecord, SqsRecord } from '../../handlers/shared/event-types';

/** Event shapes as AWS delivers them, for the handler tests. */

export function s3Record(
  key: string,
  opts: { bucket?: string; eventName?: string; versionId?: string; size?: number } = {},
): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2024-01-01T00:00:00.000Z',
    eventName: opts.eventName ?? 'ObjectCreated:Put',
    s3: {
      bucket: { name: opts.bucket ?? 'ingest', arn: `arn:aws:s3:::${opts.bucket ?? 'ingest'}` },
      object: {
        key,
        size: opts.size ?? 10,
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        ...(opts.versionId ? { versionId: opts.versionId } : {}),
        sequencer: '0055AED6DCD90281E5',
      },
    },
  };
}

export const s3Event = (...records: S3EventRecord[]) => ({ Records: records });

export const testEvent = {
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2024-01-01T00:00:00.000Z',
  Bucket: 'ingest',
  RequestId: 'R1',
  HostId: 'H1',
};

export function snsEnvelope(message: unknown) {
  return {
    Type: 'Notification',
    MessageId: 'sns-msg-1',
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:uploads',
    Subject: 'Amazon S3 Notification',
    Message: JSON.stringify(message),
    Timestamp: '2024-01-01T00:00:00.000Z',
    SignatureVersion: '1',
  };
}

export function snsLambdaEvent(message: unknown) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:us-east-1:000000000000:uploads:sub-1',
        Sns: snsEnvelope(message),
      },
    ],
  };
}

export function sqsRecord(
  body: unknown,
  opts: {
    messageId?: string;
    queueArn?: string;
    receiveCount?: number;
    messageAttributes?: SqsRecord['messageAttributes'];
  } = {},
): SqsRecord {
  return {
    messageId: opts.messageId ?? 'm-1',
    receiptHandle: 'rh',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(opts.receiveCount ?? 1),
      SentTimestamp: '1704067200000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1704067200000',
    },
    messageAttributes: opts.messageAttributes ?? {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: opts.queueArn ?? 'arn:aws:sqs:us-east-1:000000000000:uploads',
    awsRegion: 'us-east-1',
  };
}

export const sqsEvent = (...records: SqsRecord[]) => ({ Records: records });
