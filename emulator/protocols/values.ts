import { NormalizedSchema } from '@smithy/core/schema';
import { AwsError } from '../core/errors';

/** Smithy's numeric schema ids of timestamp shapes with their own format. */
const TIMESTAMP_DATE_TIME = 5;
const TIMESTAMP_EPOCH_SECONDS = 7;

/*
 * Reading scalar values from strings (headers, query strings, Query-protocol forms) and writing them back.
 * Shared by every codec so a number, boolean, blob or timestamp means the same thing everywhere.
 */

/** The error for a parameter whose text is not of its type; each protocol's services name it differently. */
export type InvalidValue = (message: string, where: string, text: string) => AwsError;
/** The Query services' (SQS, CloudWatch) name for it. */
export const invalidParameterValue: InvalidValue = (message) => new AwsError('InvalidParameterValue', message);

/** A parameter's text as its member's type; `where` names the parameter in the error. */
export function readScalar(schema: NormalizedSchema, text: string, where: string, invalid: InvalidValue = invalidParameterValue): unknown {
  if (schema.isBooleanSchema()) {
    // Older botocore (boto3 1.26, AWS CLI v2.9) writes boolean headers as Python prints them: `True`.
    const lower = text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw invalid(`Value ${text} for parameter ${where} is invalid. Expected true or false.`, where, text);
  }
  if (schema.isNumericSchema() || schema.isBigIntegerSchema() || schema.isBigDecimalSchema()) {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw invalid(`Value ${text} for parameter ${where} is invalid. Expected a number.`, where, text);
    return n;
  }
  if (schema.isBlobSchema()) return Buffer.from(text, 'base64');
  if (schema.isTimestampSchema()) {
    const asNumber = Number(text);
    const date = text.trim() !== '' && Number.isFinite(asNumber) ? new Date(asNumber * 1000) : new Date(text);
    if (Number.isNaN(date.getTime())) throw invalid(`Value ${text} for parameter ${where} is not a valid timestamp.`, where, text);
    return date;
  }
  return text;
}

/** Renders a header value: timestamps as HTTP dates, blobs base64, the rest as strings. */
export function writeHeaderValue(schema: NormalizedSchema, value: unknown): string | undefined {
  if (value == null) return undefined;
  if (value instanceof Date) {
    // The format is a member trait, or the timestamp shape's own type (5 date-time, 7 epoch-seconds, as in
    // S3's ObjectLockRetainUntilDate); headers default to the HTTP date.
    const fmt = schema.getMergedTraits().timestampFormat;
    const type = schema.getSchema();
    if (fmt === 'date-time' || type === TIMESTAMP_DATE_TIME) return value.toISOString();
    if (fmt === 'epoch-seconds' || type === TIMESTAMP_EPOCH_SECONDS) return String(value.getTime() / 1000);
    return value.toUTCString();
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (schema.isDocumentSchema() || (typeof value === 'object' && !(value instanceof Uint8Array))) {
    return Buffer.from(JSON.stringify(value)).toString('base64');
  }
  return String(value);
}

/** Reads a header value into the member's type (lists are comma separated, JSON media types base64). */
export function readHeaderValue(schema: NormalizedSchema, text: string, where: string, invalid: InvalidValue = invalidParameterValue): unknown {
  if (schema.isListSchema()) {
    return text.split(',').map((s) => readScalar(schema.getValueSchema(), s.trim(), where, invalid));
  }
  if (schema.isTimestampSchema()) {
    const d = new Date(text);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return readScalar(schema, text, where, invalid);
}
