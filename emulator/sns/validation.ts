import { AwsError } from '../core/errors';
import { parseJsonObject } from '../core/json-object';
import { parseArn } from '../core/ids';
import type { SnsAttributeValue } from '../core/delivery';

/**
 * Checks on SNS requests, with SNS's error codes (the Query codes the SDK maps back to its exceptions:
 * `InvalidParameter`, `ParameterValueInvalid`, `NotFound`, `AuthorizationError`) and AWS's wording where it is
 * known ("Invalid parameter: …").
 */

export const invalidParameter = (detail: string): AwsError => new AwsError('InvalidParameter', `Invalid parameter: ${detail}`, 400);
/** SNS's InvalidParameterValueException travels as the Query code `ParameterValueInvalid`. */
export const invalidParameterValue = (message: string): AwsError => new AwsError('ParameterValueInvalid', message, 400);
export const topicNotFound = (): AwsError => new AwsError('NotFound', 'Topic does not exist', 404);
export const subscriptionNotFound = (): AwsError => new AwsError('NotFound', 'Subscription does not exist', 404);
export const authorizationError = (message: string): AwsError => new AwsError('AuthorizationError', message, 403);

/** Message + attributes, in bytes (SNS's 256 KiB payload limit). */
export const MAX_PAYLOAD_BYTES = 262_144;
export const MAX_SUBJECT_LENGTH = 100;

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;

/** Standard names: letters, digits, `_`, `-`, 1-256; FIFO names add a `.fifo` suffix (within the 256). */
export function validateTopicName(name: string | undefined, fifo: boolean): void {
  if (!name) throw invalidParameter('Topic Name');
  if (fifo) {
    if (!name.endsWith('.fifo') || name.length > 256 || !TOPIC_NAME.test(name.slice(0, -5))) {
      throw invalidParameter(
        'Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
      );
    }
    return;
  }
  if (!TOPIC_NAME.test(name)) throw invalidParameter('Topic Name');
}

/** A topic ARN's parts, or InvalidParameter naming the parameter it came from. */
export function parseTopicArn(topicArn: string | undefined, parameter = 'TopicArn') {
  if (!topicArn) throw invalidParameter(`${parameter} Reason: no value for required parameter`);
  const parsed = parseArn(topicArn);
  if (!parsed) {
    throw invalidParameter(`${parameter} Reason: An ARN must have at least 6 elements, not ${topicArn.split(':').length}`);
  }
  if (parsed.service !== 'sns' || parsed.resource.includes(':') || parsed.resource === '') throw invalidParameter(parameter);
  return parsed;
}

const FEEDBACK_ATTRIBUTES = ['HTTP', 'Firehose', 'Lambda', 'SQS', 'Application'].flatMap((p) => [
  `${p}SuccessFeedbackRoleArn`,
  `${p}SuccessFeedbackSampleRate`,
  `${p}FailureFeedbackRoleArn`,
]);

/** Topic attributes a client may set (CreateTopic / SetTopicAttributes). */
export const TOPIC_ATTRIBUTES = new Set([
  'DeliveryPolicy',
  'DisplayName',
  'Policy',
  'SignatureVersion',
  'TracingConfig',
  'KmsMasterKeyId',
  'FifoTopic',
  'ContentBasedDeduplication',
  'ArchivePolicy',
  'FifoThroughputScope',
  ...FEEDBACK_ATTRIBUTES,
]);
const FIFO_ONLY_TOPIC_ATTRIBUTES = new Set(['ContentBasedDeduplication', 'ArchivePolicy', 'FifoThroughputScope']);

const isBoolText = (v: string) => v === 'true' || v === 'false';

/**
 * One topic attribute. `create` errors are reported under `Attributes Reason:` as CreateTopic does;
 * SetTopicAttributes names the attribute directly.
 */
export function validateTopicAttribute(name: string, value: string | undefined, fifo: boolean, phase: 'create' | 'set'): void {
  const fail = (detail: string) => invalidParameter(phase === 'create' ? `Attributes Reason: ${detail}` : detail);
  if (!TOPIC_ATTRIBUTES.has(name)) {
    throw phase === 'create' ? fail(`Unknown attribute ${name}`) : invalidParameter('AttributeName');
  }
  if (name === 'FifoTopic' && phase === 'set') throw invalidParameter('AttributeName');
  if (FIFO_ONLY_TOPIC_ATTRIBUTES.has(name) && !fifo) {
    throw fail(`${name}: ${name} can only be set for FIFO topics`);
  }
  const v = value ?? '';
  switch (name) {
    case 'DisplayName':
      if (v.length > 100) throw fail('DisplayName: must be at most 100 characters long');
      break;
    case 'Policy': {
      const doc = parseJsonObject(v);
      if (!doc || doc.Statement === undefined) throw fail('Policy Error: null');
      break;
    }
    case 'DeliveryPolicy':
    case 'ArchivePolicy':
      if (v !== '' && !parseJsonObject(v)) throw fail(`${name}: failed to parse JSON.`);
      break;
    case 'SignatureVersion':
      if (v !== '1' && v !== '2') throw fail('SignatureVersion');
      break;
    case 'TracingConfig':
      if (v !== 'PassThrough' && v !== 'Active') throw fail('TracingConfig');
      break;
    case 'FifoTopic':
    case 'ContentBasedDeduplication':
      if (!isBoolText(v.toLowerCase())) throw fail(`${name}: Invalid value [${v}]. Must be true or false.`);
      break;
    case 'FifoThroughputScope':
      if (v !== 'Topic' && v !== 'MessageGroup') throw fail('FifoThroughputScope');
      break;
  }
}

/** Subscription attributes a client may set (Subscribe / SetSubscriptionAttributes). */
export const SUBSCRIPTION_ATTRIBUTES = new Set([
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
]);
const RAW_CAPABLE_PROTOCOLS = new Set(['sqs', 'http', 'https', 'firehose']);

export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

/**
 * One subscription attribute, except the filter policy's own grammar (checked by the shared pattern
 * validator). Subscribe reports errors under `Attributes Reason:`.
 */
export function validateSubscriptionAttribute(
  name: string,
  value: string | undefined,
  sub: { protocol: string; topicFifo: boolean; endpoint: string },
  phase: 'subscribe' | 'set',
): void {
  const prefix = phase === 'subscribe' ? 'Attributes Reason: ' : '';
  const fail = (detail: string) => invalidParameter(`${prefix}${detail}`);
  if (!SUBSCRIPTION_ATTRIBUTES.has(name)) throw fail('AttributeName');
  const v = value ?? '';
  switch (name) {
    case 'RawMessageDelivery':
      if (!isBoolText(v.toLowerCase())) throw fail(`RawMessageDelivery: Invalid value [${v}]. Must be true or false.`);
      if (v.toLowerCase() === 'true' && !RAW_CAPABLE_PROTOCOLS.has(sub.protocol)) {
        throw fail(`Delivery protocol [${sub.protocol}] does not support raw message delivery.`);
      }
      break;
    case 'FilterPolicyScope':
      if (v !== 'MessageAttributes' && v !== 'MessageBody') {
        throw fail(`FilterPolicyScope: Invalid value [${v}]. Please use either MessageBody or MessageAttributes`);
      }
      break;
    case 'FilterPolicy':
      if (v !== '' && !parseJsonObject(v)) throw fail('FilterPolicy: failed to parse JSON.');
      break;
    case 'DeliveryPolicy':
    case 'ReplayPolicy':
      if (v !== '' && !parseJsonObject(v)) throw fail(`${name}: failed to parse JSON.`);
      break;
    case 'RedrivePolicy':
      if (v !== '') parseRedrivePolicy(v, sub, fail);
      break;
  }
}

/** `{"deadLetterTargetArn":"arn:aws:sqs:…"}`: the only key SNS accepts. Returns the DLQ ARN. */
export function parseRedrivePolicy(
  value: string,
  sub: { topicFifo: boolean; endpoint: string },
  fail: (detail: string) => AwsError = invalidParameter,
): string {
  const doc = parseJsonObject(value);
  if (!doc) throw fail('RedrivePolicy: failed to parse JSON.');
  for (const key of Object.keys(doc)) {
    if (key !== 'deadLetterTargetArn') throw fail(`RedrivePolicy: invalid JSON. Attribute ${key} is unknown.`);
  }
  const target = doc.deadLetterTargetArn;
  const parsed = typeof target === 'string' ? parseArn(target) : undefined;
  if (!parsed || typeof target !== 'string') throw fail('RedrivePolicy: deadLetterTargetArn is an invalid arn');
  if (parsed.service !== 'sqs') throw fail('RedrivePolicy: deadLetterTargetArn must be an Amazon SQS queue');
  if (sub.topicFifo && !parsed.resource.endsWith('.fifo')) {
    throw fail('RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.');
  }
  return target;
}

/** Subject: printable ASCII, starting with a letter, digit or punctuation, at most 100 characters. */
export function validateSubject(subject: string | undefined): void {
  if (subject === undefined) return;
  if (subject === '' || subject.length > MAX_SUBJECT_LENGTH || !/^[\x21-\x7e][\x20-\x7e]*$/.test(subject)) {
    throw invalidParameter('Subject');
  }
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/;
const ATTRIBUTE_TYPE = /^(String|Number|Binary)(\..+)?$/;

/** Message attributes: names, data types, values (AWS's InvalidParameterValue wording). */
export function validateMessageAttributes(attrs: Record<string, SnsAttributeValue> | undefined, batchPosition?: number): void {
  for (const [name, attr] of Object.entries(attrs ?? {})) {
    if (name.length === 0) throw invalidParameterValue('The message attribute name must not be empty.');
    if (name.length > 256) throw invalidParameterValue('Length of message attribute name must be less than 256 bytes.');
    if (name.startsWith('.')) throw invalidParameterValue("Invalid message attribute name starting with character '.' was found.");
    if (name.endsWith('.')) throw invalidParameterValue("Invalid message attribute name ending with character '.' was found.");
    if (name.includes('..')) throw invalidParameterValue("Message attribute name can not have successive '.' character.");
    if (!ATTRIBUTE_NAME.test(name)) {
      const bad = [...name].find((c) => !/[A-Za-z0-9_.-]/.test(c))!;
      throw invalidParameterValue(
        `Invalid non-alphanumeric character '#x${bad.codePointAt(0)!.toString(16).toUpperCase()}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`,
      );
    }
    const type = attr?.DataType;
    if (!type) {
      const at =
        batchPosition !== undefined
          ? `publishBatchRequestEntries.${batchPosition}.member.messageAttributes.${name}.member.dataType`
          : `messageAttributes.${name}.member.dataType`;
      throw new AwsError('ValidationError', `1 validation error detected: Value null at '${at}' failed to satisfy constraint: Member must not be null`, 400);
    }
    if (!ATTRIBUTE_TYPE.test(type)) {
      throw invalidParameterValue(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const binary = type.startsWith('Binary');
    const hasValue = attr.StringValue !== undefined || attr.BinaryValue !== undefined;
    if (!hasValue) {
      throw invalidParameterValue(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`);
    }
    const field = binary ? 'Binary' : 'String';
    const value = binary ? attr.BinaryValue : attr.StringValue;
    if (value === undefined) {
      throw invalidParameterValue(`The message attribute '${name}' with type '${type}' must use field '${field}'.`);
    }
    if ((typeof value === 'string' && value === '') || (value instanceof Uint8Array && value.length === 0)) {
      throw invalidParameterValue(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`);
    }
    if (type.startsWith('Number') && !isSnsNumber(String(value))) {
      throw invalidParameterValue(`Could not cast message attribute '${name}' value to number.`);
    }
    if (type === 'String.Array' && !isJsonArray(String(value))) {
      throw invalidParameterValue(`The message attribute '${name}' with type 'String.Array' must be a JSON array.`);
    }
  }
}

const isSnsNumber = (text: string) => /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text) && Number.isFinite(Number(text));

function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}

/** Bytes a message counts against the 256 KiB limit: body plus each attribute's name, type and value. */
export function payloadSize(message: string, attrs: Record<string, SnsAttributeValue> | undefined): number {
  let size = Buffer.byteLength(message, 'utf8');
  for (const [name, a] of Object.entries(attrs ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.DataType ?? '');
    size += a.BinaryValue !== undefined ? a.BinaryValue.length : Buffer.byteLength(a.StringValue ?? '');
  }
  return size;
}

/**
 * MessageStructure=json: a JSON object with a string `default` and optional per-protocol strings
 * (non-string values are ignored, as SNS does). A publish straight to a device endpoint may leave out
 * `default` when it has its platform's entry (`requireDefault` false).
 */
export function parseMessageStructure(message: string, requireDefault = true): Record<string, string> {
  let doc: unknown;
  try {
    doc = JSON.parse(message);
  } catch {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc)) if (typeof v === 'string') out[k] = v;
  if (out.default === undefined && requireDefault) throw invalidParameter('Message Structure - No default entry in JSON message body');
  return out;
}

/** MessageGroupId / MessageDeduplicationId: 1-128 printable ASCII characters. */
export function validateFifoId(value: string | undefined, parameter: string): void {
  if (value === undefined) return;
  if (!/^[\x21-\x7e]{1,128}$/.test(value)) {
    throw invalidParameter(`${parameter} Reason: ${parameter} can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  }
}

/** Batch: 1-10 entries, distinct ids of letters, digits, `-`, `_` (≤80). */
export function validateBatchEntries<T extends { Id?: string }>(entries: T[] | undefined): T[] {
  if (!entries || entries.length === 0) {
    throw new AwsError('EmptyBatchRequest', 'The batch request doesn\'t contain any entries.', 400);
  }
  if (entries.length > 10) {
    throw new AwsError('TooManyEntriesInBatchRequest', 'The batch request contains more entries than permissible.', 400);
  }
  const seen = new Set<string>();
  for (const e of entries) {
    const id = e.Id ?? '';
    if (id.length > 80) throw new AwsError('InvalidBatchEntryId', `The Id of a batch entry in the batch request is too long: ${id}`, 400);
    if (!/^[\w-]+$/.test(id)) {
      throw new AwsError('InvalidBatchEntryId', `The Id of a batch entry in the batch request contains an impermissible character: ${id}`, 400);
    }
    if (seen.has(id)) throw new AwsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.', 400);
    seen.add(id);
  }
  return entries;
}

/** Tags: keys 1-128, values ≤256, no duplicate keys, at most 50 per resource. */
export function validateTags(tags: { Key?: string; Value?: string }[] | undefined): void {
  const keys = new Set<string>();
  for (const t of tags ?? []) {
    if (!t.Key || t.Key.length > 128) throw invalidParameter('Tags Reason: tag key must be 1 to 128 characters long');
    if ((t.Value ?? '').length > 256) throw invalidParameter('Tags Reason: tag value must be at most 256 characters long');
    if (keys.has(t.Key)) throw invalidParameter('Duplicated keys are not allowed.');
    keys.add(t.Key);
  }
}
