import type { DeliveryBus, DeliveryMessage, Origin } from '../core/delivery';
import { AwsError } from '../core/errors';
import { jsonOrText } from '../lambda/records';
import { arnService, type PipeRecord } from './model';
import { dynamicValue, renderPipeTemplate, type PipeVariables } from './templates';
import { parseArn } from '../core/ids';

/** What Lambda answers over the bus for a synchronous invocation (`lambda.invoke`). */
export interface LambdaInvokeAnswer {
  payload: string;
  functionError?: string;
}

/** How a target call ended: everything delivered, nothing, some events (by position), or the function's own list. */
export type TargetOutcome =
  | { kind: 'ok'; response?: string }
  | { kind: 'all'; error: string }
  | { kind: 'events'; indexes: number[]; error: string }
  | { kind: 'response'; response: string };

/** Targets whose batch API takes the whole batch at once in one request (Lambda: the events as one JSON array). */
export const isLambdaArn = (arn: string | undefined): boolean => arnService(arn) === 'lambda';

/** Invokes a function synchronously with a JSON payload; a function error or a failed call is an Error. */
export async function invokeSync(bus: DeliveryBus, functionArn: string, payload: string): Promise<string> {
  const answer = await bus.ask<{ functionArn: string; payload: string }, LambdaInvokeAnswer>('lambda.invoke', { functionArn, payload });
  if (answer.functionError) throw new AwsError(answer.functionError, `The function returned an error: ${answer.payload.slice(0, 256)}`, 400);
  return answer.payload;
}

/** The text an event becomes for a target: its InputTemplate rendered, or the event itself (text as it is, else JSON). */
export function targetText(template: string | undefined, event: unknown, vars: PipeVariables): string {
  if (template !== undefined) return renderPipeTemplate(template, event, vars);
  return typeof event === 'string' ? event : JSON.stringify(event);
}

/**
 * Calls the pipe's target with a batch of events. Lambda gets the batch as one JSON array (synchronously unless
 * InvocationType is FIRE_AND_FORGET); SQS, SNS, an event bus and a log group get one message per event.
 */
export async function callTarget(bus: DeliveryBus, pipe: PipeRecord, events: unknown[], vars: PipeVariables, origin: Origin, now: number): Promise<TargetOutcome> {
  const params = pipe.targetParameters ?? {};
  const template = params.InputTemplate;
  const service = arnService(pipe.target);
  if (service === 'lambda') {
    const payload = JSON.stringify(events.map((e) => (template !== undefined ? jsonOrText(renderPipeTemplate(template, e, vars)) : e)));
    try {
      if (params.LambdaFunctionParameters?.InvocationType === 'FIRE_AND_FORGET') {
        await bus.sendNow(pipe.target, { kind: 'lambda', payload }, origin);
        return { kind: 'ok' };
      }
      return { kind: 'response', response: await invokeSync(bus, pipe.target, payload) };
    } catch (e) {
      return { kind: 'all', error: errorText(e) };
    }
  }
  const failed: number[] = [];
  let error = '';
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    try {
      await bus.sendNow(pipe.target, messageFor(pipe, service, event, targetText(template, event, vars), now), origin);
    } catch (e) {
      failed.push(i);
      error ||= errorText(e);
    }
  }
  return failed.length ? { kind: 'events', indexes: failed, error } : { kind: 'ok' };
}

function messageFor(pipe: PipeRecord, service: string | undefined, event: unknown, text: string, now: number): DeliveryMessage {
  const params = pipe.targetParameters ?? {};
  switch (service) {
    case 'sqs':
      return {
        kind: 'sqs',
        body: text,
        messageGroupId: dynamicValue(params.SqsQueueParameters?.MessageGroupId, event),
        messageDeduplicationId: dynamicValue(params.SqsQueueParameters?.MessageDeduplicationId, event),
      };
    case 'sns':
      return { kind: 'sns', message: text };
    case 'events': {
      const eb = params.EventBridgeEventBusParameters ?? {};
      const { region, accountId: account } = parseArn(pipe.arn)!;
      const time = dynamicValue(eb.Time, event);
      return {
        kind: 'event',
        event: {
          version: '0',
          'detail-type': dynamicValue(eb.DetailType, event) ?? `Event from aws:${arnService(pipe.source)}`,
          source: dynamicValue(eb.Source, event) ?? `Pipe ${pipe.name}`,
          account,
          time: time && !Number.isNaN(Date.parse(time)) ? new Date(time).toISOString() : new Date(now).toISOString(),
          region,
          resources: eb.Resources ?? [],
          detail: jsonOrText(text),
        },
      };
    }
    case 'logs': {
      const cw = params.CloudWatchLogsParameters ?? {};
      const stamp = dynamicValue(cw.Timestamp, event);
      const timestamp = stamp === undefined ? now : /^\d+$/.test(stamp) ? Number(stamp) : Date.parse(stamp);
      return {
        kind: 'logs',
        logStreamName: dynamicValue(cw.LogStreamName, event) ?? pipe.name,
        events: [{ timestamp: Number.isFinite(timestamp) ? timestamp : now, message: text }],
      };
    }
    default:
      throw new AwsError('ValidationException', `The emulator does not deliver to ${service} targets (${pipe.target}).`, 400);
  }
}

const errorText = (e: unknown): string => (e instanceof AwsError ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e));
