import { setAbortableTimer, type Clock } from '../core/clock';
import type { DeliveryBus, DeliveryMessage, Origin } from '../core/delivery';
import { AwsError } from '../core/errors';
import { parseArn } from '../core/ids';
import { readPath, renderTemplate } from './json-path';

/** A rule target as PutTargets stores it. */
export interface Target {
  Id: string;
  Arn: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
  SqsParameters?: { MessageGroupId?: string };
  /** For API destination targets: path wildcards, headers and query parameters (values may be `$.` paths). */
  HttpParameters?: { PathParameterValues?: string[]; HeaderParameters?: Record<string, string>; QueryStringParameters?: Record<string, string> };
}

/**
 * A failed delivery that says whether retrying can help (an HTTP 4xx other than 429 cannot) and how long the
 * receiver asked us to wait (Retry-After).
 */
export class TargetFailure extends AwsError {
  constructor(
    code: string,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    /** The endpoint's HTTP status, when it answered. */
    readonly endpointStatus?: number,
  ) {
    super(code, message, 400);
  }
}

/** What the target receives: the event itself, a constant, a part of it, or a transformed text. */
export function targetInput(target: Target, event: Record<string, unknown>, ruleName: string): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath) return JSON.stringify(readPath(event, target.InputPath) ?? null);
  if (target.InputTransformer) {
    const values: Record<string, unknown> = {
      'aws.events.event': event,
      'aws.events.event.json': event,
      'aws.events.rule-name': ruleName,
      'aws.events.event.ingestion-time': event.time,
    };
    for (const [name, path] of Object.entries(target.InputTransformer.InputPathsMap ?? {})) values[name] = readPath(event, path);
    return renderTemplate(target.InputTransformer.InputTemplate, values);
  }
  return JSON.stringify(event);
}

function messageFor(targetArn: string, input: string, target: Target, event: Record<string, unknown>): DeliveryMessage {
  const service = parseArn(targetArn)?.service;
  switch (service) {
    case 'logs':
      return logsMessage(input, target, event);
    case 'sqs':
      return { kind: 'sqs', body: input, messageGroupId: target.SqsParameters?.MessageGroupId };
    case 'sns':
      return { kind: 'sns', message: input };
    case 'lambda':
      return { kind: 'lambda', payload: input };
    case 'events':
      // Another bus (in this or another Region) receives the event itself, with its id, account and Region.
      return { kind: 'event', event };
    default:
      throw new AwsError('InvalidArgument', `Unsupported target ${targetArn}`, 400);
  }
}

/**
 * A log group target gets one log event in a stream named after the event's id: the target's input as the message,
 * stamped with the event's time. An input transformer must make `{"timestamp": …, "message": …}` itself (epoch
 * milliseconds or an ISO time), as AWS requires of transformers for log group targets.
 */
function logsMessage(input: string, target: Target, event: Record<string, unknown>): DeliveryMessage {
  let timestamp = Date.parse(String(event.time));
  let message = input;
  if (target.InputTransformer) {
    let doc: { timestamp?: unknown; message?: unknown } | undefined;
    try {
      doc = JSON.parse(input);
    } catch {
      doc = undefined;
    }
    const stamp = typeof doc?.timestamp === 'number' ? doc.timestamp : Date.parse(String(doc?.timestamp));
    if (!doc || typeof doc !== 'object' || doc.message === undefined || !Number.isFinite(stamp)) {
      throw new AwsError('InvalidParameterException', 'The input transformer of a log group target must produce {"timestamp": <time>, "message": <text>}.', 400);
    }
    timestamp = stamp;
    message = typeof doc.message === 'string' ? doc.message : JSON.stringify(doc.message);
  }
  if (!Number.isFinite(timestamp)) timestamp = Date.now();
  return { kind: 'logs', logStreamName: String(event.id), events: [{ timestamp, message }] };
}

/** Errors that will not go away by retrying: the target is gone or refuses us. Retrying them is pointless. */
const PERMANENT = /NotFound|NonExistent|DoesNotExist|AccessDenied|Authorization|InvalidParameter|InvalidArgument/;

const DEFAULT_RETRIES = 185;
const DEFAULT_MAX_AGE_SECONDS = 86_400;

/**
 * Delivers one event to one target, retrying with exponential backoff (capped) on the emulator clock until
 * the target's RetryPolicy is exhausted, then to its dead-letter queue with AWS's attributes.
 * Trace hops (AWS/Events metrics are derived from them): events.target.delivered / .failed (each attempt),
 * events.target.exhausted (no more attempts), events.dlq / events.dlq.failed.
 */
export function deliverToTarget(
  bus: DeliveryBus,
  clock: Clock,
  params: {
    ruleArn: string;
    ruleName: string;
    target: Target;
    event: Record<string, unknown>;
    origin: Origin;
    /** Sends one attempt itself (API destinations) instead of through the delivery bus. */
    send?: (input: string) => Promise<void>;
    /** Aborted when the emulator stops or resets: no further attempt, retry timer or DLQ send for this event. */
    signal?: AbortSignal;
  },
): void {
  const { target, event, ruleArn } = params;
  const firstAttempt = clock.now();
  const maxRetries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRIES;
  const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
  let send: () => Promise<void>;
  try {
    const input = targetInput(target, event, params.ruleName);
    const custom = params.send;
    if (custom) send = () => custom(input);
    else {
      const message = messageFor(target.Arn, input, target, event);
      send = () => bus.sendNow(target.Arn, message, params.origin);
    }
  } catch (err) {
    // The target is never called (its input or message could not be built): a DeadLetterInvocation, in AWS's terms.
    deadLetter(err, 0, 'MaximumRetryAttempts', false);
    return;
  }

  const { signal } = params;
  const attempt = (n: number) => {
    if (signal?.aborted) return;
    send()
      .then(() => bus.record({ type: 'events.target.delivered', ruleArn, targetArn: target.Arn, eventId: String(event.id), attempt: n }))
      .catch((err: unknown) => {
        if (signal?.aborted) return;
        const code = err instanceof AwsError ? err.code : 'InternalException';
        bus.record({ type: 'events.target.failed', ruleArn, targetArn: target.Arn, eventId: String(event.id), attempt: n, error: code });
        const failure = err instanceof TargetFailure ? err : undefined;
        if (failure ? !failure.retryable : PERMANENT.test(code)) return deadLetter(err, n, 'MaximumRetryAttempts');
        if (n >= maxRetries) return deadLetter(err, n, 'MaximumRetryAttempts');
        // Of the backoff and the receiver's Retry-After, the longer wait (AWS: "the more conservative value").
        const delay = Math.max(Math.min(1000 * 2 ** n, 300_000), failure?.retryAfterMs ?? 0);
        if (clock.now() + delay - firstAttempt > maxAgeMs) return deadLetter(err, n, 'MaximumEventAgeInSeconds');
        setAbortableTimer(clock, delay, () => attempt(n + 1), signal);
      });
  };
  attempt(0);

  /** The event's delivery to this target has ended in failure: traced (metrics count it), then sent to the DLQ if any. */
  function deadLetter(err: unknown, retries: number, condition: string, invoked = true) {
    bus.record({ type: 'events.target.exhausted', ruleArn, targetArn: target.Arn, eventId: String(event.id), invoked });
    const dlq = target.DeadLetterConfig?.Arn;
    if (!dlq) return;
    const code = err instanceof AwsError ? err.code : 'InternalException';
    const attr = (v: string) => ({ DataType: 'String', StringValue: v });
    bus
      .sendNow(
        dlq,
        {
          kind: 'sqs',
          body: JSON.stringify(event),
          messageAttributes: {
            ERROR_CODE: attr(code),
            ERROR_MESSAGE: attr(String((err as Error)?.message ?? err).slice(0, 1024)),
            EXHAUSTED_RETRY_CONDITION: attr(condition),
            RETRY_ATTEMPTS: attr(String(retries)),
            RULE_ARN: attr(ruleArn),
            TARGET_ARN: attr(target.Arn),
          },
        },
        { ...params.origin, principal: 'events.amazonaws.com' },
      )
      .then(() => bus.record({ type: 'events.dlq', ruleArn, targetArn: target.Arn, eventId: String(event.id) }))
      .catch(() => bus.record({ type: 'events.dlq.failed', ruleArn, targetArn: target.Arn, eventId: String(event.id) }));
  }
}
