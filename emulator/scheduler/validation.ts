import { AwsError, constraintViolation } from '../core/errors';
import { isTimeZone } from '../core/schedule/zoned-time';
import { parseExpression, type Expression } from './expression';

/** What the Scheduler model constrains and the protocol layer does not check: required members, lengths, patterns, ranges. */

export const NAME_PATTERN = /^[0-9a-zA-Z-_.]+$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const DLQ_ARN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/;
export const GROUP_ARN = /^arn:aws(?:-[a-z]+)?:scheduler:[a-z0-9-]+:\d{12}:schedule-group\/([0-9a-zA-Z-_.]+)$/;

const fail = (field: string, value: unknown, constraint: string) => constraintViolation('ValidationException', field, value, constraint);

export function required(value: unknown, field: string): void {
  if (value === undefined || value === null) throw fail(field, undefined, 'Member must not be null');
}

export function lengthIn(value: string | undefined, field: string, min: number, max: number): void {
  if (value === undefined) return;
  if (value.length < min) throw fail(field, value, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw fail(field, value, `Member must have length less than or equal to ${max}`);
}

export function checkName(value: string | undefined, field: string): void {
  required(value, field);
  lengthIn(value, field, 1, 64);
  if (!NAME_PATTERN.test(value!)) throw fail(field, value, `Member must satisfy regular expression pattern: ${NAME_PATTERN.source}`);
}

function inRange(value: number | undefined, field: string, min: number, max: number): void {
  if (value === undefined) return;
  if (value < min) throw fail(field, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw fail(field, value, `Member must have value less than or equal to ${max}`);
}

/** A schedule as CreateSchedule and UpdateSchedule take it; returns the parsed expression. */
export function checkScheduleInput(input: any, now: number): Expression {
  checkName(input.Name, 'name');
  if (input.GroupName !== undefined) checkName(input.GroupName, 'groupName');
  required(input.ScheduleExpression, 'scheduleExpression');
  lengthIn(input.ScheduleExpression, 'scheduleExpression', 1, 256);
  lengthIn(input.Description, 'description', 0, 512);
  lengthIn(input.ScheduleExpressionTimezone, 'scheduleExpressionTimezone', 1, 50);
  lengthIn(input.KmsKeyArn, 'kmsKeyArn', 1, 2048);
  if (input.State !== undefined && !['ENABLED', 'DISABLED'].includes(input.State)) throw fail('state', input.State, 'Member must satisfy enum value set: [ENABLED, DISABLED]');
  if (input.ActionAfterCompletion !== undefined && !['NONE', 'DELETE'].includes(input.ActionAfterCompletion)) {
    throw fail('actionAfterCompletion', input.ActionAfterCompletion, 'Member must satisfy enum value set: [NONE, DELETE]');
  }

  const window = input.FlexibleTimeWindow;
  required(window, 'flexibleTimeWindow');
  required(window.Mode, 'flexibleTimeWindow.mode');
  if (!['OFF', 'FLEXIBLE'].includes(window.Mode)) throw fail('flexibleTimeWindow.mode', window.Mode, 'Member must satisfy enum value set: [OFF, FLEXIBLE]');
  inRange(window.MaximumWindowInMinutes, 'flexibleTimeWindow.maximumWindowInMinutes', 1, 1440);
  if (window.Mode === 'FLEXIBLE' && window.MaximumWindowInMinutes === undefined) {
    throw new AwsError('ValidationException', 'MaximumWindowInMinutes must be provided when FlexibleTimeWindow Mode is FLEXIBLE.', 400);
  }
  if (window.Mode === 'OFF' && window.MaximumWindowInMinutes !== undefined) {
    throw new AwsError('ValidationException', 'MaximumWindowInMinutes must not be provided when FlexibleTimeWindow Mode is OFF.', 400);
  }

  checkTarget(input.Target);

  const zone = input.ScheduleExpressionTimezone;
  if (zone !== undefined && !isTimeZone(zone)) throw new AwsError('ValidationException', `Invalid time zone: ${zone}.`, 400);
  const expression = parseExpression(input.ScheduleExpression);
  const start = input.StartDate ? new Date(input.StartDate).getTime() : undefined;
  const end = input.EndDate ? new Date(input.EndDate).getTime() : undefined;
  if (start !== undefined && start < now - 5 * 60_000) {
    throw new AwsError('ValidationException', 'The StartDate you specify cannot be earlier than 5 minutes prior to the current time.', 400);
  }
  if (end !== undefined && end <= now) throw new AwsError('ValidationException', 'The EndDate you specify cannot be earlier than the current time.', 400);
  if (start !== undefined && end !== undefined && end <= start) throw new AwsError('ValidationException', 'The EndDate must be after the StartDate.', 400);
  return expression;
}

function checkTarget(target: any): void {
  required(target, 'target');
  required(target.Arn, 'target.arn');
  lengthIn(target.Arn, 'target.arn', 1, 1600);
  required(target.RoleArn, 'target.roleArn');
  lengthIn(target.RoleArn, 'target.roleArn', 1, 1600);
  if (!ROLE_ARN.test(target.RoleArn)) throw fail('target.roleArn', target.RoleArn, `Member must satisfy regular expression pattern: ${ROLE_ARN.source}`);
  lengthIn(target.Input, 'target.input', 1, 8192);
  const dlq = target.DeadLetterConfig?.Arn;
  if (dlq !== undefined && !DLQ_ARN.test(dlq)) throw fail('target.deadLetterConfig.arn', dlq, `Member must satisfy regular expression pattern: ${DLQ_ARN.source}`);
  inRange(target.RetryPolicy?.MaximumRetryAttempts, 'target.retryPolicy.maximumRetryAttempts', 0, 185);
  inRange(target.RetryPolicy?.MaximumEventAgeInSeconds, 'target.retryPolicy.maximumEventAgeInSeconds', 60, 86_400);
  lengthIn(target.SqsParameters?.MessageGroupId, 'target.sqsParameters.messageGroupId', 1, 128);
  if (/^arn:aws[a-z-]*:events:[^:]*:\d{12}:event-bus\//.test(target.Arn)) {
    const p = target.EventBridgeParameters;
    if (!p?.DetailType || !p?.Source) {
      throw new AwsError('ValidationException', 'EventBridgeParameters with DetailType and Source are required for an EventBridge PutEvents target.', 400);
    }
  }
}
