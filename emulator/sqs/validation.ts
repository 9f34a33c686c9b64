import { AwsError } from '../core/errors';
import { parseArn } from '../core/ids';

/**
 * Checks on names, queue attributes and request parameters, with AWS's error codes and wording
 * (as reported by AWS's own responses where known; see docs/… and the SQS API reference).
 */

export const invalidParameter = (message: string): AwsError => new AwsError('InvalidParameterValue', message, 400);
export const missingParameter = (name: string): AwsError =>
  new AwsError('MissingParameter', `The request must contain the parameter ${name}.`, 400);
export const invalidParameterValue = (value: unknown, parameter: string, reason: string): AwsError =>
  invalidParameter(`Value ${value} for parameter ${parameter} is invalid. Reason: ${reason}`);

const NAME_RE = /^[a-zA-Z0-9_-]{1,80}$/;

/** Queue names: alphanumerics, hyphens, underscores; 1-80 chars incl. `.fifo` for FIFO queues. */
export function validateQueueName(name: string | undefined, fifo: boolean): void {
  if (name === undefined || name === '') throw missingParameter('QueueName');
  if (fifo) {
    if (!name.endsWith('.fifo') || !NAME_RE.test(`${name.slice(0, -5)}_fifo`)) {
      throw invalidParameter(
        'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length',
      );
    }
    return;
  }
  if (!NAME_RE.test(name)) {
    throw invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  }
}

/** Attributes a client may set (CreateQueue / SetQueueAttributes). */
export const SETTABLE_ATTRIBUTES = new Set([
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'Policy',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);
export const FIFO_ONLY_ATTRIBUTES = new Set(['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);
export const READ_ONLY_ATTRIBUTES = new Set([
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
]);
export const ALL_ATTRIBUTE_NAMES = new Set([...SETTABLE_ATTRIBUTES, ...READ_ONLY_ATTRIBUTES]);

export const unknownAttribute = (name: string): AwsError =>
  new AwsError('InvalidAttributeName', `Unknown Attribute ${name}.`, 400);
const invalidAttributeValue = (name: string, reason?: string): AwsError =>
  new AwsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.${reason ? ` Reason: ${reason}` : ''}`, 400);

const INTEGER_RANGES: Record<string, [number, number]> = {
  DelaySeconds: [0, 900],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};

function integerIn(name: string, value: string, [min, max]: [number, number]): void {
  if (!/^-?\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) throw invalidAttributeValue(name);
}

function boolean(name: string, value: string): void {
  if (!/^(true|false)$/i.test(value)) throw invalidAttributeValue(name);
}

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}
export interface RedriveAllowPolicy {
  redrivePermission: 'allowAll' | 'denyAll' | 'byQueue';
  sourceQueueArns?: string[];
}

/** Reads a RedrivePolicy; `""` means "remove". Throws AWS's InvalidParameterValue on anything malformed. */
export function parseRedrivePolicy(text: string): RedrivePolicy {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalidParameterValue(text, 'RedrivePolicy', 'Redrive policy is not a valid JSON map.');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalidParameterValue(text, 'RedrivePolicy', 'Redrive policy is not a valid JSON map.');
  }
  const known = new Set(['deadLetterTargetArn', 'maxReceiveCount']);
  for (const k of Object.keys(doc)) {
    if (!known.has(k)) throw invalidParameterValue(text, 'RedrivePolicy', `Only following attributes are supported:[deadLetterTargetArn, maxReceiveCount].`);
  }
  if (typeof doc.deadLetterTargetArn !== 'string' || !doc.deadLetterTargetArn) {
    throw invalidParameterValue(text, 'RedrivePolicy', 'Redrive policy does not contain mandatory attribute: deadLetterTargetArn.');
  }
  if (doc.maxReceiveCount === undefined || doc.maxReceiveCount === null) {
    throw invalidParameterValue(text, 'RedrivePolicy', 'Redrive policy does not contain mandatory attribute: maxReceiveCount.');
  }
  const n = Number(doc.maxReceiveCount);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw invalidParameterValue(
      text,
      'RedrivePolicy',
      `Invalid value for maxReceiveCount: ${doc.maxReceiveCount}, valid values are from 1 to 1000 both inclusive.`,
    );
  }
  const arn = parseArn(doc.deadLetterTargetArn);
  if (!arn || arn.service !== 'sqs') {
    throw invalidParameterValue(text, 'RedrivePolicy', `Invalid value for deadLetterTargetArn.`);
  }
  return { deadLetterTargetArn: doc.deadLetterTargetArn, maxReceiveCount: n };
}

export function parseRedriveAllowPolicy(text: string): RedriveAllowPolicy {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalidParameterValue(text, 'RedriveAllowPolicy', 'Amazon SQS can\'t parse the RedriveAllowPolicy JSON.');
  }
  const permission = doc?.redrivePermission;
  if (!['allowAll', 'denyAll', 'byQueue'].includes(permission)) {
    throw invalidParameterValue(text, 'RedriveAllowPolicy', 'Invalid value for redrivePermission. Valid values are allowAll, denyAll, byQueue.');
  }
  const sources = doc.sourceQueueArns;
  if (permission === 'byQueue') {
    if (!Array.isArray(sources) || sources.length === 0) {
      throw invalidParameterValue(text, 'RedriveAllowPolicy', 'sourceQueueArns must be specified when redrivePermission is byQueue.');
    }
    if (sources.length > 10) {
      throw invalidParameterValue(text, 'RedriveAllowPolicy', 'sourceQueueArns can contain at most 10 queue ARNs.');
    }
  } else if (sources !== undefined) {
    throw invalidParameterValue(text, 'RedriveAllowPolicy', 'sourceQueueArns can be specified only when redrivePermission is byQueue.');
  }
  return { redrivePermission: permission, ...(permission === 'byQueue' ? { sourceQueueArns: sources.map(String) } : {}) };
}

/**
 * Validates client-supplied queue attributes (names and ranges) and returns them normalised
 * (booleans lower-cased, JSON policies re-serialised) so CreateQueue can compare them with a queue's.
 */
export function validateQueueAttributes(
  attrs: Record<string, string>,
  opts: { fifo: boolean; maxMessageSize: number; creating: boolean },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(attrs)) {
    const value = String(raw ?? '');
    if (!SETTABLE_ATTRIBUTES.has(name)) throw unknownAttribute(name);
    if (!opts.fifo && FIFO_ONLY_ATTRIBUTES.has(name)) {
      if (name === 'FifoQueue' && value.toLowerCase() === 'false' && opts.creating) continue;
      if (name === 'FifoQueue' && !opts.creating) {
        throw invalidAttributeValue(name, 'Modifying queue type is not supported.');
      }
      if (name === 'DeduplicationScope' || name === 'FifoThroughputLimit') {
        throw new AwsError('InvalidAttributeName', `You can specify the ${name} only when FifoQueue is set to true.`, 400);
      }
      throw unknownAttribute(name);
    }
    const range = INTEGER_RANGES[name];
    if (range) {
      integerIn(name, value, range);
      out[name] = String(Number(value));
      continue;
    }
    switch (name) {
      case 'MaximumMessageSize':
        integerIn(name, value, [1024, opts.maxMessageSize]);
        out[name] = String(Number(value));
        break;
      case 'SqsManagedSseEnabled':
      case 'ContentBasedDeduplication':
        boolean(name, value);
        out[name] = value.toLowerCase();
        break;
      case 'FifoQueue':
        if (value.toLowerCase() !== 'true') throw invalidAttributeValue(name, opts.creating ? undefined : 'Modifying queue type is not supported.');
        if (!opts.creating) throw invalidAttributeValue(name, 'Modifying queue type is not supported.');
        out[name] = 'true';
        break;
      case 'DeduplicationScope':
        if (value !== 'messageGroup' && value !== 'queue') throw invalidAttributeValue(name);
        out[name] = value;
        break;
      case 'FifoThroughputLimit':
        if (value !== 'perQueue' && value !== 'perMessageGroupId') throw invalidAttributeValue(name);
        out[name] = value;
        break;
      case 'Policy':
        if (value !== '') {
          try {
            const doc = JSON.parse(value);
            if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not an object');
          } catch {
            throw invalidAttributeValue(name);
          }
        }
        out[name] = value;
        break;
      case 'RedrivePolicy':
        out[name] = value === '' ? '' : JSON.stringify(parseRedrivePolicy(value));
        break;
      case 'RedriveAllowPolicy':
        out[name] = value === '' ? '' : JSON.stringify(parseRedriveAllowPolicy(value));
        break;
      default:
        out[name] = value;
    }
  }
  const throughput = out.FifoThroughputLimit;
  if (throughput === 'perMessageGroupId' && (out.DeduplicationScope ?? 'queue') === 'queue' && opts.creating) {
    throw invalidAttributeValue(
      'FifoThroughputLimit',
      'You can specify the perMessageGroupId value only when the DeduplicationScope is set to messageGroup.',
    );
  }
  return out;
}

/** MessageGroupId / MessageDeduplicationId: 1-128 alphanumeric and punctuation characters. */
export function validateFifoId(value: string | undefined, parameter: string): void {
  if (value === undefined) return;
  if (!/^[\x21-\x7e]{1,128}$/.test(value)) {
    throw invalidParameterValue(value, parameter, `${parameter} can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  }
}

/** Batch entry ids: alphanumerics, hyphens, underscores; ≤80 characters. */
export function validateBatchEntries<T extends { Id?: string }>(entries: T[] | undefined, entryName: string, maxEntries = 10): T[] {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new AwsError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`, 400);
  }
  if (entries.length > maxEntries) {
    throw new AwsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${maxEntries}. You have sent ${entries.length}.`,
      400,
    );
  }
  const seen = new Set<string>();
  for (const e of entries) {
    if (!e || typeof e !== 'object') throw new AwsError('MissingParameter', `The request must contain the parameter ${entryName}.`, 400);
    const id = e.Id ?? '';
    if (!/^[\w-]{1,80}$/.test(id)) {
      throw new AwsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        400,
      );
    }
    if (seen.has(id)) throw new AwsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`, 400);
    seen.add(id);
  }
  return entries;
}

/** Integers given in a request (e.g. MaxNumberOfMessages) with AWS's "if provided" wording. */
export function checkRange(value: number | undefined, parameter: string, min: number, max: number, reason?: string): void {
  if (value === undefined || value === null) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidParameterValue(value, parameter, reason ?? `Must be between ${min} and ${max}, if provided.`);
  }
}
