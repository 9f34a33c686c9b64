import type { SqsAttributeValue } from '../core/delivery';
import { jsonNestingDepth } from '../core/json-depth';

/** The record shapes Lambda produces and consumes: SQS event records, destination records, DLQ attributes. */

/** A Lambda SQS event record (fact sheet §4); the SQS provider builds them (`sqs.receive`). */
export interface SqsEventRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, { stringValue?: string; binaryValue?: string; stringListValues: string[]; binaryListValues: string[]; dataType: string }>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

/**
 * How deep a payload or message body may nest to be read as JSON. JSON.stringify and pattern matching recurse
 * per level: a destination record embedding a deeper payload threw off the request (ending the process), and a
 * filter reading a deeper body failed every batch it was in. 1000 is Jackson's default limit.
 */
const MAX_EMBEDDED_NESTING = 1000;

const nestsTooDeep = (text: string): boolean => jsonNestingDepth(text, MAX_EMBEDDED_NESTING) > MAX_EMBEDDED_NESTING;

/** The value event filtering matches against: the record, with a JSON body parsed (a plain-text body stays a string). */
export function filterSubject(record: SqsEventRecord): Record<string, unknown> {
  let body: unknown = record.body;
  // Matching recurses per level: a deeper body stays text (no filter on its fields matches it).
  if (nestsTooDeep(record.body)) return { ...record, body };
  try {
    const parsed = JSON.parse(record.body);
    if (parsed !== null && typeof parsed === 'object') body = parsed;
  } catch {
    // not JSON: filters on `body` compare the plain string
  }
  return { ...record, body };
}

/** A payload as JSON when it is JSON, else the text itself (destination records embed both ways). */
export function jsonOrText(text: string): unknown {
  if (text === '') return null;
  if (nestsTooDeep(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export type DestinationCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

/** The record an async invocation destination receives (AWS's "invocation record"). */
export function invocationRecord(p: {
  nowMs: number;
  requestId: string;
  /** The unqualified function ARN; the record names it with the qualifier invoked (`$LATEST` when none). */
  functionArn: string;
  qualifier?: string;
  executedVersion?: string;
  condition: DestinationCondition;
  approximateInvokeCount: number;
  requestPayload: string;
  statusCode: number;
  functionError?: string;
  responsePayload?: string;
}): Record<string, unknown> {
  return {
    version: '1.0',
    timestamp: new Date(p.nowMs).toISOString(),
    requestContext: {
      requestId: p.requestId,
      functionArn: `${p.functionArn}:${p.qualifier ?? '$LATEST'}`,
      condition: p.condition,
      approximateInvokeCount: p.approximateInvokeCount,
    },
    requestPayload: jsonOrText(p.requestPayload),
    responseContext: {
      statusCode: p.statusCode,
      executedVersion: p.executedVersion ?? '$LATEST',
      ...(p.functionError ? { functionError: p.functionError } : {}),
    },
    ...(p.responsePayload !== undefined ? { responsePayload: jsonOrText(p.responsePayload) } : {}),
  };
}

/** Truncates to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

/** The message attributes Lambda puts on a dead-letter message: RequestID, ErrorCode (the HTTP status), ErrorMessage (first 1 KB). */
export function deadLetterAttributes(requestId: string, errorCode: number, errorMessage: string): Record<string, SqsAttributeValue> {
  return {
    RequestID: { DataType: 'String', StringValue: requestId },
    ErrorCode: { DataType: 'Number', StringValue: String(errorCode) },
    ErrorMessage: { DataType: 'String', StringValue: truncateUtf8(errorMessage || 'Unknown error', 1024) },
  };
}
