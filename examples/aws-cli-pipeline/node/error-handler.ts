import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

/**
 * Error handler (TypeScript variant of python/error_handler.py): reads the processor's dead-letter queue and
 * publishes one alert per failed event to SNS. A message whose alert could not be published is reported in
 * batchItemFailures (the mapping has ReportBatchItemFailures on), so only that message is tried again.
 *
 * Env: ALERT_TOPIC_ARN, FAILED_FUNCTION (named in the alert). The SDK reads AWS_REGION (and AWS_ENDPOINT_URL).
 */

interface SqsRecord {
  messageId: string;
  body: string;
  messageAttributes?: Record<string, { stringValue?: string; dataType: string }>;
}

const sns = new SNSClient({});

/** The s3://bucket/key of each S3 record in the failed event (the DLQ message body is that event). */
function objectsIn(body: string): string[] {
  let event: { Records?: unknown[] };
  try {
    event = JSON.parse(body);
  } catch {
    return [];
  }
  return (event.Records ?? []).flatMap((r) => {
    const s3 = (r as { s3?: { bucket: { name: string }; object: { key: string } } }).s3;
    return s3 ? [`s3://${s3.bucket.name}/${decodeURIComponent(s3.object.key.replace(/\+/g, ' '))}`] : [];
  });
}

export function alertFor(record: SqsRecord, failedFunction: string): { subject: string; message: string; objects: string[] } {
  const attributes = record.messageAttributes ?? {};
  const error = attributes.ErrorMessage?.stringValue ?? 'unknown error';
  const requestId = attributes.RequestID?.stringValue;
  const objects = objectsIn(record.body);
  const lines = [
    `${failedFunction} failed on ${objects.join(', ') || 'an event'} after all retries.`,
    `Error: ${error}`,
    requestId ? `Request: ${requestId}` : undefined,
    `Dead-letter message: ${record.messageId}`,
  ];
  return {
    subject: `Pipeline failure in ${failedFunction}`.slice(0, 100),
    message: lines.filter(Boolean).join('\n'),
    objects,
  };
}

export async function handler(event: { Records?: SqsRecord[] }): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const topicArn = process.env.ALERT_TOPIC_ARN;
  if (!topicArn) throw new Error('ALERT_TOPIC_ARN is not set');
  const failedFunction = process.env.FAILED_FUNCTION ?? 'the processor';
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records ?? []) {
    try {
      const { subject, message, objects } = alertFor(record, failedFunction);
      await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
      console.log(JSON.stringify({ level: 'info', msg: 'alert published', messageId: record.messageId, objects }));
    } catch (e) {
      // One bad message must not fail the others.
      console.log(JSON.stringify({ level: 'error', msg: 'alert failed', messageId: record.messageId, error: String(e) }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
