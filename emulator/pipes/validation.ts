import type { PipeEnrichmentParameters, PipeSourceParameters, PipeTargetParameters } from '@aws-sdk/client-pipes';
import { AwsError } from '../core/errors';
import { validateEventPattern } from '../core/patterns';
import { arnService } from './model';

/** Pipes' constraints (API reference) and its ValidationException, which names each bad member in fieldList. */

const NAME = /^[.\-_A-Za-z0-9]+$/;
const ARN = /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-]+):([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.+)$/;
const SMK = /^smk:\/\/(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]):[0-9]{1,5}$/;
const ROLE_ARN = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z0-9+=,.@\-_/]+$/;
const MAX_ARN = 1600;
const MAX_TEMPLATE = 8192;
const MAX_FILTERS = 5;
const MAX_TAGS = 50;

/** One ValidationException naming the member, as AWS's request validation words it. */
export function invalidField(field: string, value: unknown, constraint: string): AwsError {
  const shown = value === undefined || value === null ? 'null' : `'${typeof value === 'object' ? JSON.stringify(value) : String(value)}'`;
  const message = `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`;
  return fieldError(message, field, constraint);
}

/** A ValidationException about a setting (not a single value's shape), still naming the member. */
export function fieldError(message: string, field: string, fieldMessage = message): AwsError {
  // fieldList is a list in the error body; AwsError's fields are spread into that body as they are.
  const fields = { fieldList: [{ name: field, message: fieldMessage }] } as unknown as Record<string, string>;
  return new AwsError('ValidationException', message, 400, fields);
}

function length(field: string, value: string | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (value.length < min || value.length > max) {
    throw invalidField(field, value, `Member must have length ${value.length < min ? 'greater than or equal to ' + min : 'less than or equal to ' + max}`);
  }
}

function pattern(field: string, value: string | undefined, re: RegExp): void {
  if (value !== undefined && !re.test(value)) throw invalidField(field, value, `Member must satisfy regular expression pattern: ${re.source}`);
}

function range(field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidField(field, value, `Member must have value ${value < min ? 'greater than or equal to ' + min : 'less than or equal to ' + max}`);
  }
}

export function checkName(name: string | undefined): void {
  length('name', name, 1, 64);
  pattern('name', name, NAME);
}

export function checkNamePrefix(field: string, prefix: string | undefined): void {
  length(field, prefix, 1, 64);
  pattern(field, prefix, NAME);
}

export function checkSource(source: string | undefined): void {
  length('source', source, 1, MAX_ARN);
  if (source !== undefined && !ARN.test(source) && !SMK.test(source)) throw invalidField('source', source, `Member must satisfy regular expression pattern: smk://…|${ARN.source}`);
}

export function checkTarget(target: string | undefined): void {
  length('target', target, 1, MAX_ARN);
  pattern('target', target, ARN);
}

export function checkEnrichment(enrichment: string | undefined): void {
  length('enrichment', enrichment, 0, MAX_ARN);
  if (enrichment) pattern('enrichment', enrichment, ARN);
}

export function checkRole(roleArn: string | undefined): void {
  length('roleArn', roleArn, 1, MAX_ARN);
  pattern('roleArn', roleArn, ROLE_ARN);
}

export function checkDescription(description: string | undefined): void {
  length('description', description, 0, 512);
}

export function checkTags(tags: Record<string, string> | undefined, field = 'tags'): void {
  if (!tags) return;
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw invalidField(field, tags, `Member must have length less than or equal to ${MAX_TAGS}`);
  for (const [k, v] of entries) {
    length(`${field}.${k}.member.key`, k, 1, 128);
    length(`${field}.${k}.member.value`, v, 0, 256);
  }
}

/** SourceParameters: the SQS batch settings (Lambda's limits: Pipes polls SQS the same way) and the filters. */
export function checkSourceParameters(source: string, p: PipeSourceParameters | undefined, fifo: boolean): void {
  const filters = p?.FilterCriteria?.Filters ?? [];
  if (filters.length > MAX_FILTERS) throw invalidField('sourceParameters.filterCriteria.filters', filters, `Member must have length less than or equal to ${MAX_FILTERS}`);
  filters.forEach((f, i) => {
    const field = `sourceParameters.filterCriteria.filters.${i + 1}.member.pattern`;
    length(field, f.Pattern, 0, 4096);
    try {
      validateEventPattern(f.Pattern ?? '');
    } catch (e) {
      throw fieldError(`Invalid filter pattern definition. ${(e as Error).message}`, field);
    }
  });
  const sqs = p?.SqsQueueParameters;
  if (!sqs) return;
  if (arnService(source) !== 'sqs') throw fieldError('SqsQueueParameters can only be used with an Amazon SQS source.', 'sourceParameters.sqsQueueParameters');
  range('sourceParameters.sqsQueueParameters.batchSize', sqs.BatchSize, 1, 10_000);
  range('sourceParameters.sqsQueueParameters.maximumBatchingWindowInSeconds', sqs.MaximumBatchingWindowInSeconds, 0, 300);
  const batch = sqs.BatchSize ?? 10;
  const window = sqs.MaximumBatchingWindowInSeconds ?? 0;
  if (fifo && batch > 10) throw fieldError('Batch size for SQS FIFO queues must be between 1 and 10.', 'sourceParameters.sqsQueueParameters.batchSize');
  if (batch > 10 && window < 1) {
    throw fieldError('Maximum batching window in seconds must be greater than 0 if maximum batch size is greater than 10.', 'sourceParameters.sqsQueueParameters.maximumBatchingWindowInSeconds');
  }
}

export function checkEnrichmentParameters(p: PipeEnrichmentParameters | undefined): void {
  length('enrichmentParameters.inputTemplate', p?.InputTemplate, 0, MAX_TEMPLATE);
}

const INVOCATION_TYPES = new Set(['REQUEST_RESPONSE', 'FIRE_AND_FORGET']);

export function checkTargetParameters(target: string, p: PipeTargetParameters | undefined): void {
  length('targetParameters.inputTemplate', p?.InputTemplate, 0, MAX_TEMPLATE);
  const type = p?.LambdaFunctionParameters?.InvocationType;
  if (type !== undefined && !INVOCATION_TYPES.has(type)) {
    throw invalidField('targetParameters.lambdaFunctionParameters.invocationType', type, 'Member must satisfy enum value set: [REQUEST_RESPONSE, FIRE_AND_FORGET]');
  }
  const service = arnService(target);
  const expect: [keyof PipeTargetParameters, string][] = [
    ['LambdaFunctionParameters', 'lambda'],
    ['SqsQueueParameters', 'sqs'],
    ['EventBridgeEventBusParameters', 'events'],
    ['CloudWatchLogsParameters', 'logs'],
  ];
  for (const [member, svc] of expect) {
    if (p?.[member] !== undefined && service !== svc) {
      throw fieldError(`${member} can only be used with a ${svc} target.`, `targetParameters.${member[0]!.toLowerCase()}${member.slice(1)}`);
    }
  }
}
