import { createHash } from 'node:crypto';
import type { MessageAttributeValue, MessageSystemAttributeValue } from '@aws-sdk/client-sqs';
import { AwsError } from '../core/errors';

export type { MessageAttributeValue, MessageSystemAttributeValue };

/**
 * SQS message digests and the send-side checks on bodies and message attributes.
 *
 * Digest algorithm (SQS Developer Guide "Calculating the MD5 message digest for message attributes";
 * the reference implementation is the AWS SDK for Java v2's MessageMD5ChecksumInterceptor, which
 * clients use to verify SendMessage/ReceiveMessage answers — the JS v3 middleware only checks bodies):
 * attributes sorted by name (UTF-16 code-unit order, as Java sorts strings); for each, the name and the
 * data type as 4-byte big-endian length + UTF-8 bytes; then one transport byte chosen by which value
 * field is set — 1 StringValue, 2 BinaryValue, 3 StringListValues, 4 BinaryListValues — and the value(s),
 * each again length-prefixed. The data type never picks the transport byte, so `String.custom`,
 * `Number.float` and `Binary.gzip` hash like their base type. MD5OfMessageSystemAttributes uses the
 * same algorithm over the system attributes (AWSTraceHeader).
 */
/** Attributes use the SQS client's own types; BinaryValue holds raw bytes (base64 already decoded). */
type AttributeLike = MessageAttributeValue | MessageSystemAttributeValue;

const TRANSPORT_STRING = 1;
const TRANSPORT_BINARY = 2;
const TRANSPORT_STRING_LIST = 3;
const TRANSPORT_BINARY_LIST = 4;

function lengthPrefixed(bytes: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([len, bytes]);
}
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Hex MD5 of the attributes. Callers leave MD5OfMessageAttributes out when there are none. */
export function md5OfMessageAttributes(attrs: Record<string, AttributeLike>): string {
  const hash = createHash('md5');
  for (const name of Object.keys(attrs).sort()) {
    const attr = attrs[name]!;
    hash.update(lengthPrefixed(utf8(name)));
    hash.update(lengthPrefixed(utf8(attr.DataType ?? '')));
    if (attr.StringValue !== undefined) {
      hash.update(Buffer.of(TRANSPORT_STRING));
      hash.update(lengthPrefixed(utf8(attr.StringValue)));
    } else if (attr.BinaryValue !== undefined) {
      hash.update(Buffer.of(TRANSPORT_BINARY));
      hash.update(lengthPrefixed(attr.BinaryValue));
    } else if (attr.StringListValues?.length) {
      hash.update(Buffer.of(TRANSPORT_STRING_LIST));
      for (const s of attr.StringListValues) hash.update(lengthPrefixed(utf8(s)));
    } else if (attr.BinaryListValues?.length) {
      hash.update(Buffer.of(TRANSPORT_BINARY_LIST));
      for (const b of attr.BinaryListValues) hash.update(lengthPrefixed(b));
    }
  }
  return hash.digest('hex');
}

/** Hex MD5 of the UTF-8 body (MD5OfMessageBody / MD5OfBody). */
export const md5OfBody = (body: string): string => createHash('md5').update(body, 'utf8').digest('hex');

/**
 * MD5OfMessageSystemAttributes. Values may be given in the API shape or, as the delivery bus carries
 * them, as plain strings (taken as DataType String).
 */
export function md5OfMessageSystemAttributes(attrs: Record<string, AttributeLike | string>): string {
  const normalized: Record<string, AttributeLike> = {};
  for (const [name, v] of Object.entries(attrs)) {
    normalized[name] = typeof v === 'string' ? { DataType: 'String', StringValue: v } : v;
  }
  return md5OfMessageAttributes(normalized);
}

/* ───────────────────────────── validation ───────────────────────────── */

/**
 * Characters SQS accepts in a body and in string attribute values (SendMessage API reference, XML 1.0's
 * Char production): #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF. A lone
 * surrogate is outside the set.
 */
const ALLOWED_CHARS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

const INVALID_CHARS_TEXT =
  'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF';

export const hasOnlyAllowedCharacters = (text: string): boolean => ALLOWED_CHARS.test(text);

/** SendMessage's body character check → InvalidMessageContents (message text as LocalStack's AWS-validated one). */
export function validateMessageBody(body: string): void {
  if (!hasOnlyAllowedCharacters(body)) throw new AwsError('InvalidMessageContents', INVALID_CHARS_TEXT, 400);
}

export const MAX_MESSAGE_ATTRIBUTES = 10;
export const MAX_ATTRIBUTE_NAME_LENGTH = 256;
export const MAX_ATTRIBUTE_TYPE_LENGTH = 256;

/**
 * Name characters: the guide lists A-Z a-z 0-9 _ - . ; AWS also accepts accented Latin letters
 * (LocalStack's AWS-validated test sends "attr.1øßä" successfully), so U+00C0–U+017F are allowed too.
 */
const NAME_CHARS = /^[A-Za-z0-9_.\-\u00C0-\u017F]+$/;

const invalid = (message: string): AwsError => new AwsError('InvalidParameterValue', message, 400);

/**
 * SendMessage's attribute checks (SQS Developer Guide "Message metadata": at most 10 attributes;
 * names up to 256 characters, case-sensitive, not starting with "AWS." or "Amazon." in any case,
 * not starting or ending with "." and without ".."; types String/Number/Binary with an optional
 * ".custom" suffix, up to 256 characters; a value is required). Error texts are AWS's where a source
 * quotes them (LocalStack's AWS-validated tests and SDK integration tests); the ".." text is not
 * verified.
 */
export function validateMessageAttributes(attrs: Record<string, MessageAttributeValue> | undefined): void {
  const names = Object.keys(attrs ?? {});
  if (names.length > MAX_MESSAGE_ATTRIBUTES) {
    throw invalid(`Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`);
  }
  for (const name of names) {
    validateAttributeName(name);
    validateAttributeValue(name, attrs![name]!);
  }
}

function validateAttributeName(name: string): void {
  if (name.length === 0 || name.length > MAX_ATTRIBUTE_NAME_LENGTH) {
    throw invalid('Message (user) attribute names must be shorter than 256 Bytes');
  }
  if (!NAME_CHARS.test(name)) {
    throw invalid(
      'Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores. ',
    );
  }
  const lower = name.toLowerCase();
  if (lower.startsWith('aws.') || lower.startsWith('amazon.') || name.startsWith('.') || name.endsWith('.')) {
    throw invalid(
      "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.'.",
    );
  }
  if (name.includes('..')) {
    throw invalid(`Message (user) attribute name '${name}' is invalid: it cannot contain two successive periods.`);
  }
}

function validateAttributeValue(name: string, attr: MessageAttributeValue): void {
  const type = attr.DataType;
  if (!type) throw invalid(`The message attribute '${name}' must contain non-empty message attribute type.`);
  const base = type.split('.')[0];
  if (base !== 'String' && base !== 'Number' && base !== 'Binary') {
    throw invalid(
      `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
    );
  }
  if (type.length > MAX_ATTRIBUTE_TYPE_LENGTH) throw invalid('Message (user) attribute types must be shorter than 256 Bytes');

  const empty = `Message (user) attribute '${name}' must contain a non-empty value of type '${base}'.`;
  if (base === 'Binary') {
    if (!attr.BinaryValue || attr.BinaryValue.length === 0) throw invalid(empty);
    return;
  }
  if (attr.StringValue === undefined || attr.StringValue === '') throw invalid(empty);
  if (!hasOnlyAllowedCharacters(attr.StringValue)) throw invalid(INVALID_CHARS_TEXT);
  if (base === 'Number' && !isSqsNumber(attr.StringValue)) {
    throw invalid(`Can't cast the value of message (user) attribute '${name}' to a number.`);
  }
}

/** Number attributes: a decimal number (sign, fraction and exponent allowed). */
const isSqsNumber = (s: string): boolean => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s);
