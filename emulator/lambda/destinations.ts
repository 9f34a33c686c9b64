import type { DeliveryMessage, Origin } from '../core/delivery';
import { parseArn, uuid } from '../core/ids';
import type { ServiceDeps } from '../core/service';
import { deadLetterAttributes } from './records';
import type { LambdaFunction } from './state';
import { isoSeconds } from '../core/calendar';

/** Where a failed or finished async event goes: the function's DLQ and its on-success / on-failure destinations. */

const originOf = (fn: LambdaFunction, requestId: string, traceHeader?: string): Origin => ({
  principal: 'lambda.amazonaws.com',
  sourceArn: fn.arn,
  sourceAccount: fn.accountId,
  correlation: { requestId, functionName: fn.name, ...(traceHeader ? { traceHeader } : {}) },
});

/**
 * DeadLetterConfig.TargetArn (SQS or SNS) gets the original event unchanged, with RequestID / ErrorCode /
 * ErrorMessage message attributes. A failed send drops the event (AWS counts it in DeadLetterErrors).
 */
export async function sendToDeadLetter(
  deps: ServiceDeps,
  fn: LambdaFunction,
  /** The DeadLetterConfig of the version that was invoked (a published version keeps its own). */
  target: string | undefined,
  ev: { requestId: string; payload: string; traceHeader?: string },
  errorCode: number,
  errorMessage: string,
): Promise<boolean> {
  if (!target) return false;
  const attributes = deadLetterAttributes(ev.requestId, errorCode, errorMessage);
  const service = parseArn(target)?.service;
  const message: DeliveryMessage =
    service === 'sns'
      ? { kind: 'sns', message: ev.payload, messageAttributes: attributes }
      : { kind: 'sqs', body: ev.payload, messageAttributes: attributes, ...(ev.traceHeader ? { systemAttributes: { AWSTraceHeader: ev.traceHeader } } : {}) };
  try {
    await deps.bus.sendNow(target, message, originOf(fn, ev.requestId, ev.traceHeader));
    deps.bus.record({ type: 'lambda.dlq', functionName: fn.name, requestId: ev.requestId, target });
    return true;
  } catch (e) {
    deps.bus.record({ type: 'lambda.dlq.failed', functionName: fn.name, functionArn: fn.arn, requestId: ev.requestId, target, error: `DeadLetterErrors: ${(e as Error).message}` });
    return false;
  }
}

/** Sends an invocation record to an on-success / on-failure destination (SQS, SNS, Lambda, EventBridge). */
export async function sendToDestination(
  deps: ServiceDeps,
  fn: LambdaFunction,
  destinationArn: string,
  record: Record<string, unknown>,
  ev: { requestId: string; traceHeader?: string; qualifier?: string },
  success: boolean,
): Promise<void> {
  const text = JSON.stringify(record);
  const arn = parseArn(destinationArn);
  let message: DeliveryMessage;
  switch (arn?.service) {
    case 'sqs':
      message = { kind: 'sqs', body: text, ...(ev.traceHeader ? { systemAttributes: { AWSTraceHeader: ev.traceHeader } } : {}) };
      break;
    case 'sns':
      message = { kind: 'sns', message: text };
      break;
    case 'lambda':
      message = { kind: 'lambda', payload: text };
      break;
    case 'events':
      message = {
        kind: 'event',
        event: {
          version: '0',
          id: uuid(),
          'detail-type': `Lambda Function Invocation Result - ${success ? 'Success' : 'Failure'}`,
          source: 'lambda',
          account: fn.accountId,
          time: isoSeconds(deps.clock.now()),
          region: fn.region,
          resources: [`${fn.arn}:${ev.qualifier ?? '$LATEST'}`, destinationArn],
          detail: record,
        },
      };
      break;
    default:
      deps.bus.record({ type: 'lambda.destination', functionName: fn.name, requestId: ev.requestId, destination: destinationArn, error: 'unsupported destination type' });
      return;
  }
  try {
    await deps.bus.sendNow(destinationArn, message, originOf(fn, ev.requestId, ev.traceHeader));
    deps.bus.record({ type: 'lambda.destination', functionName: fn.name, requestId: ev.requestId, destination: destinationArn, condition: (record.requestContext as { condition?: string })?.condition });
  } catch (e) {
    deps.bus.record({ type: 'lambda.destination', functionName: fn.name, requestId: ev.requestId, destination: destinationArn, error: (e as Error).message });
  }
}
