import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { isSqsEvent, type SqsBatchResponse } from '../shared/event-types';
import { partialBatchEnabled, runSqsBatch } from '../shared/sqs-batch';
import { buildAlert, toPublishInput } from './alert';

/**
 * Error handler: reads the DLQ and publishes one alert per dead-lettered message.
 *
 * Env:
 *   ALERT_TOPIC_ARN   SNS topic for alerts (required)
 *   PARTIAL_BATCH     'false' when the SQS mapping has ReportBatchItemFailures off: throw instead
 *   AWS_ENDPOINT_URL, AWS_REGION   read by the SDK
 *
 * A message whose alert could not be published is reported in batchItemFailures, so it stays on the
 * DLQ and is tried again.
 */
export interface ErrorHandlerDeps {
  publish: (input: PublishCommandInput) => Promise<unknown>;
  env: Record<string, string | undefined>;
  log: (entry: Record<string, unknown>) => void;
}

export function createErrorHandler(deps: Partial<ErrorHandlerDeps> = {}) {
  let publish = deps.publish;
  const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
  const publishNow = (input: PublishCommandInput) => {
    if (!publish) {
      const client = new SNSClient({});
      publish = (i) => client.send(new PublishCommand(i));
    }
    return publish(input);
  };

  return async function errorHandler(event: unknown): Promise<SqsBatchResponse> {
    const env = deps.env ?? process.env;
    const topicArn = env.ALERT_TOPIC_ARN;
    if (!topicArn) throw new Error('ALERT_TOPIC_ARN is not set');
    if (!isSqsEvent(event)) throw new Error('error-handler expects an SQS event (records with eventSource aws:sqs)');
    return runSqsBatch(
      event.Records,
      async (record) => {
        const alert = buildAlert(record);
        await publishNow(toPublishInput(alert, topicArn));
        log({ level: 'info', msg: 'alert published', messageId: record.messageId, subject: alert.subject });
      },
      { partial: partialBatchEnabled(env), log },
    );
  };
}

let defaultHandler: ReturnType<typeof createErrorHandler> | undefined;

/** The Lambda entry point (`index.handler` in the bundle). */
export async function handler(event: unknown): Promise<SqsBatchResponse> {
  defaultHandler ??= createErrorHandler();
  return defaultHandler(event);
}
