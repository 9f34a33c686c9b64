import { AwsError } from '../../core/errors';

/** Invoke's ClientContext: base64 of a JSON object, at most 3,583 characters of base64 (AWS's documented limit). */
const CLIENT_CONTEXT_LIMIT = 3583;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

function invalid(message = 'Client context must be a valid Base64-encoded JSON object.'): AwsError {
  return new AwsError('InvalidRequestContentException', message, 400, { Type: 'User' });
}

/** The JSON object a ClientContext carries, or undefined when the text is not base64 of one. */
function decode(value: string): Record<string, unknown> | undefined {
  if (!BASE64.test(value)) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'base64')));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Checks an Invoke request's ClientContext before anything runs, as Lambda does (400 otherwise). */
export function checkClientContext(value: string | undefined): void {
  if (value === undefined || value === '') return;
  if (value.length > CLIENT_CONTEXT_LIMIT) throw invalid(`Client context must be at most ${CLIENT_CONTEXT_LIMIT} bytes of Base64-encoded JSON.`);
  if (!decode(value)) throw invalid();
}

/**
 * The ClientContext as the runtime receives it, in the Lambda-Runtime-Client-Context header: the JSON itself,
 * re-serialized with DEL and everything past ASCII escaped (\uXXXX), since a header carries no raw non-Latin-1 text
 * (and Latin-1 bytes would not read back as UTF-8). Plain JSON is accepted from in-process callers; anything
 * else (which Invoke has already refused) is dropped.
 */
export function clientContextHeader(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let parsed: unknown;
  if (value.trimStart().startsWith('{')) {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  } else parsed = decode(value);
  if (!parsed || typeof parsed !== 'object') return undefined;
  return JSON.stringify(parsed).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
