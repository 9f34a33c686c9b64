import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { createErrorHandler } from '../../handlers/error-handler';
import { buildAlert, subjectLine, toPublishInput } from '../../handlers/error-handler/alert';
import { s3Event, s3Record, snsEnvelope, snsLambdaEvent, sqsEvent, sqsRecord } from './fixtures';

const DLQ = 'arn:aws:sqs:us-east-1:000000000000:uploads-dlq';
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:alerts';

const lambdaDlqAttributes = {
  RequestID: { stringValue: 'req-123', dataType: 'String' },
  ErrorCode: { stringValue: '200', dataType: 'Number' },
  ErrorMessage: { stringValue: 'Invalid CSV header in data/a.csv: duplicate column "id"', dataType: 'String' },
};

describe('buildAlert', () => {
  it('reads an S3 event redriven from the source queue (no error attributes)', () => {
    const alert = buildAlert(sqsRecord(s3Event(s3Record('data/red+flower.csv', { versionId: 'v1' })), { messageId: 'd-1', queueArn: DLQ, receiveCount: 4 }));
    expect(alert.subject).toBe('Pipeline failure: data/red flower.csv');
    expect(alert.message).toEqual({
      bucket: 'ingest',
      key: 'data/red flower.csv',
      versionId: 'v1',
      error: null,
      errorCode: null,
      requestId: null,
      receiveCount: 4,
      sourceQueue: DLQ,
      messageId: 'd-1',
      objects: [{ bucket: 'ingest', key: 'data/red flower.csv', versionId: 'v1' }],
    });
    expect(alert.attributes).toEqual({ bucket: 'ingest', key: 'data/red flower.csv' });
  });

  it('reads an SNS envelope holding the S3 event', () => {
    const alert = buildAlert(sqsRecord(snsEnvelope(s3Event(s3Record('x.json'))), { queueArn: DLQ }));
    expect(alert.message).toMatchObject({ bucket: 'ingest', key: 'x.json', versionId: null });
  });

  it('reads a Lambda async-invoke DLQ message: original event as body, error in the attributes', () => {
    const record = sqsRecord(s3Event(s3Record('data/a.csv')), { queueArn: DLQ, messageAttributes: lambdaDlqAttributes });
    const alert = buildAlert(record);
    expect(alert.message).toMatchObject({
      key: 'data/a.csv',
      error: 'Invalid CSV header in data/a.csv: duplicate column "id"',
      errorCode: '200',
      requestId: 'req-123',
    });
    expect(alert.attributes).toEqual({ bucket: 'ingest', key: 'data/a.csv', errorCode: '200' });
  });

  it('reads a Lambda async DLQ message whose original event came through SNS', () => {
    const record = sqsRecord(snsLambdaEvent(s3Event(s3Record('via-sns.csv'))), { messageAttributes: lambdaDlqAttributes });
    expect(buildAlert(record).message.key).toBe('via-sns.csv');
  });

  it('still alerts on a body it cannot read, saying why', () => {
    const alert = buildAlert(sqsRecord('garbage', { messageId: 'g-1' }));
    expect(alert.subject).toBe('Pipeline failure: unreadable message g-1');
    expect(alert.message).toMatchObject({ bucket: null, key: null, messageId: 'g-1' });
    expect(alert.message.parseError).toMatch(/not JSON/);
    expect(alert.attributes).toEqual({});
  });

  it('keeps the subject within SNS limits: ≤100 printable ASCII, no newlines', () => {
    const longKey = `${'deep/'.repeat(30)}caf%C3%A9%0Aline.csv`;
    const { subject } = buildAlert(sqsRecord(s3Event(s3Record(longKey))));
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7E]+$/);
    expect(subject.endsWith('...')).toBe(true);
    expect(subjectLine('Pipeline failure: café\n.csv')).toBe('Pipeline failure: caf??.csv');
  });
});

describe('toPublishInput', () => {
  const alert = buildAlert(sqsRecord(s3Event(s3Record('a.csv')), { messageId: 'd-9' }));

  it('publishes the JSON message with String attributes', () => {
    const input = toPublishInput(alert, TOPIC);
    expect(input).toEqual({
      TopicArn: TOPIC,
      Subject: 'Pipeline failure: a.csv',
      Message: JSON.stringify(alert.message),
      MessageAttributes: {
        bucket: { DataType: 'String', StringValue: 'ingest' },
        key: { DataType: 'String', StringValue: 'a.csv' },
      },
    });
    expect(JSON.parse(input.Message!)).toMatchObject({ key: 'a.csv', messageId: 'd-9' });
  });

  it('adds a group and deduplication ID for a FIFO topic', () => {
    const input = toPublishInput(alert, `${TOPIC}.fifo`);
    expect(input).toMatchObject({ MessageGroupId: 'ingest', MessageDeduplicationId: 'd-9' });
  });
});

describe('error handler', () => {
  function setup(failFor: string[] = [], env: Record<string, string> = { ALERT_TOPIC_ARN: TOPIC }) {
    const published: PublishCommandInput[] = [];
    const handler = createErrorHandler({
      env,
      log: () => {},
      publish: async (input) => {
        const key = JSON.parse(input.Message!).key as string;
        if (failFor.includes(key)) throw new Error('Throttling');
        published.push(input);
      },
    });
    return { handler, published };
  }
  const event = sqsEvent(
    sqsRecord(s3Event(s3Record('a.csv')), { messageId: 'm1', queueArn: DLQ }),
    sqsRecord(s3Event(s3Record('b.csv')), { messageId: 'm2', queueArn: DLQ }),
    sqsRecord('garbage', { messageId: 'm3', queueArn: DLQ }),
  );

  it('publishes one alert per message', async () => {
    const { handler, published } = setup();
    await expect(handler(event)).resolves.toEqual({ batchItemFailures: [] });
    expect(published.map((p) => p.Subject)).toEqual([
      'Pipeline failure: a.csv',
      'Pipeline failure: b.csv',
      'Pipeline failure: unreadable message m3',
    ]);
    expect(published.every((p) => p.TopicArn === TOPIC)).toBe(true);
  });

  it('reports the messages whose publish failed', async () => {
    const { handler, published } = setup(['a.csv']);
    await expect(handler(event)).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(published).toHaveLength(2);
  });

  it('throws without ALERT_TOPIC_ARN, or for an event that is not from SQS', async () => {
    await expect(setup([], {}).handler(event)).rejects.toThrow('ALERT_TOPIC_ARN is not set');
    await expect(setup().handler(s3Event(s3Record('a.csv')))).rejects.toThrow(/expects an SQS event/);
  });
});
