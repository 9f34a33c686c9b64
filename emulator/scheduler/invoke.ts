import { setAbortableTimer, type Clock } from '../core/clock';
import type { DeliveryBus, DeliveryMessage, Origin } from '../core/delivery';
import { AwsError } from '../core/errors';
import { parseArn, randomHex } from '../core/ids';
import { isoSeconds } from '../core/calendar';

/** A schedule's target as CreateSchedule / UpdateSchedule take it. */
export interface Target {
  Arn: string;
  RoleArn: string;
  Input?: string;
  DeadLetterConfig?: { Arn?: string };
  RetryPolicy?: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number };
  SqsParameters?: { MessageGroupId?: string };
  EventBridgeParameters?: { DetailType: string; Source: string };
  [other: string]: unknown;
}

export const DEFAULT_RETRIES = 185;
export const DEFAULT_MAX_AGE_SECONDS = 86_400;

/** Failures no retry can mend: the target is missing or refuses us, so the invocation dead-letters at once. */
const PERMANENT = /NotFound|NonExistent|DoesNotExist|AccessDenied|Authorization|InvalidParameter|InvalidArgument|Unsupported/;


/** The Input with Scheduler's context attributes filled in. */
export function withContext(input: string, values: { scheduleArn: string; scheduledTime: number; executionId: string; attempt: number }): string {
  return input
    .split('<aws.scheduler.schedule-arn>').join(values.scheduleArn)
    .split('<aws.scheduler.scheduled-time>').join(isoSeconds(values.scheduledTime))
    .split('<aws.scheduler.execution-id>').join(values.executionId)
    .split('<aws.scheduler.attempt-number>').join(String(values.attempt));
}

/** The delivery a templated target gets: SQS SendMessage, SNS Publish, Lambda Invoke (Event), EventBridge PutEvents. */
function messageFor(target: Target, input: string, scheduleArn: string, scheduledTime: number): DeliveryMessage {
  const arn = parseArn(target.Arn);
  switch (arn?.service) {
    case 'sqs':
      return { kind: 'sqs', body: input, messageGroupId: target.SqsParameters?.MessageGroupId };
    case 'sns':
      return { kind: 'sns', message: input };
    case 'lambda':
      return { kind: 'lambda', payload: input };
    case 'events': {
      let detail: unknown;
      try {
        detail = JSON.parse(input);
      } catch {
        throw new AwsError('InvalidParameterException', 'Detail is malformed: the schedule Input must be a JSON object for an EventBridge target.', 400);
      }
      return {
        kind: 'event',
        event: {
          version: '0',
          'detail-type': target.EventBridgeParameters?.DetailType,
          source: target.EventBridgeParameters?.Source,
          account: arn.accountId,
          time: isoSeconds(scheduledTime),
          region: arn.region,
          resources: [scheduleArn],
          detail,
        },
      };
    }
    default:
      throw new AwsError('UnsupportedTargetException', `The emulator does not invoke ${target.Arn}: it supports SQS, SNS, Lambda and EventBridge event bus targets.`, 400);
  }
}

export interface Invocation {
  scheduleArn: string;
  target: Target;
  scheduledTime: number;
}

/**
 * Invokes a schedule's target once (a scheduled time), retrying with exponential backoff on the emulator clock within
 * the RetryPolicy, then sending the dead-letter event to the DLQ. Trace hops: scheduler.invoke (an attempt starts),
 * scheduler.delivered / scheduler.failed (its outcome), scheduler.dlq / scheduler.dlq.failed.
 */
export function invokeTarget(bus: DeliveryBus, clock: Clock, inv: Invocation, accountId: string, signal: AbortSignal): void {
  const { target, scheduleArn, scheduledTime } = inv;
  const executionId = randomHex(8);
  const maxRetries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRIES;
  const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
  const origin: Origin = { principal: 'scheduler.amazonaws.com', sourceArn: scheduleArn, sourceAccount: accountId, correlation: { executionId } };
  const hop = { scheduleArn, targetArn: target.Arn, executionId, scheduledTime: isoSeconds(scheduledTime) };
  const inputFor = (attempt: number) => withContext(target.Input ?? '{}', { scheduleArn, scheduledTime, executionId, attempt });

  const attempt = (n: number) => {
    if (signal.aborted) return;
    const input = inputFor(n);
    // Recorded as the attempt starts, so its time is when the schedule fired (or the retry came due).
    bus.record({ type: 'scheduler.invoke', ...hop, attempt: n });
    bus
      .track(Promise.resolve().then(() => bus.sendNow(target.Arn, messageFor(target, input, scheduleArn, scheduledTime), origin)))
      .then(() => bus.record({ type: 'scheduler.delivered', ...hop, attempt: n }))
      .catch((err: unknown) => {
        if (signal.aborted) return;
        const code = err instanceof AwsError ? err.code : 'InternalServerException';
        bus.record({ type: 'scheduler.failed', ...hop, attempt: n, error: code });
        const retries = n - 1;
        if (PERMANENT.test(code) || retries >= maxRetries) return deadLetter(err, retries, 'MaximumRetryAttempts', input);
        const delay = Math.min(1000 * 2 ** retries, 300_000);
        if (clock.now() + delay - scheduledTime > maxAgeMs) return deadLetter(err, retries, 'MaximumEventAgeInSeconds', input);
        setAbortableTimer(clock, delay, () => attempt(n + 1), signal);
      });
  };
  attempt(1);

  /** The dead-letter event: the target's input as the body, what went wrong in the message attributes. */
  function deadLetter(err: unknown, retries: number, condition: string, input: string) {
    const dlq = target.DeadLetterConfig?.Arn;
    if (!dlq) return;
    const attr = (v: string) => ({ DataType: 'String', StringValue: v });
    const code = err instanceof AwsError ? err.code : 'InternalServerException';
    const message: DeliveryMessage = {
      kind: 'sqs',
      body: input,
      messageAttributes: {
        ERROR_CODE: attr(code),
        ERROR_MESSAGE: attr(String((err as Error)?.message ?? err).slice(0, 1024) || code),
        EXECUTION_ID: attr(executionId),
        EXHAUSTED_RETRY_CONDITION: attr(condition),
        RETRY_ATTEMPTS: attr(String(retries)),
        SCHEDULE_ARN: attr(scheduleArn),
        TARGET_ARN: attr(target.Arn),
      },
    };
    bus
      .track(bus.sendNow(dlq, message, origin))
      .then(() => bus.record({ type: 'scheduler.dlq', ...hop, dlq, error: code }))
      .catch((dlqErr: unknown) => bus.record({ type: 'scheduler.dlq.failed', ...hop, dlq, error: String((dlqErr as Error)?.message ?? dlqErr) }));
  }
}
