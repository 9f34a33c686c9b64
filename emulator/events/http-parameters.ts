import { constraintViolation } from '../core/errors';
import type { ConnectionHttpParameters } from './connections';
import type { Target } from './targets';

/**
 * The API reference's constraints on header, query and path parameters (ConnectionHeaderParameter,
 * HttpParameters). Checked when they are stored, as AWS does, so a header no HTTP client can send is refused at
 * CreateConnection / PutTargets instead of failing every delivery later.
 */
const HEADER_KEY = /^[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/;
const HEADER_VALUE = /^[ \t]*[\x20-\x7E]+([ \t]+[\x20-\x7E]+)*[ \t]*$/;
const QUERY_KEY = /^[^\x00-\x1F\x7F]+$/;
const QUERY_VALUE = /^[^\x00-\x09\x0B\x0C\x0E-\x1F\x7F]+$/;
const PATH_VALUE = /^(?!\s*$).+$/;
const MAX_LENGTH = 512;

function check(field: string, value: unknown, pattern: RegExp, patternText: string): void {
  if (value === undefined) return;
  const text = String(value);
  if (text.length > MAX_LENGTH) throw constraintViolation('ValidationException', field, text, `Member must have length less than or equal to ${MAX_LENGTH}`);
  if (!pattern.test(text)) throw constraintViolation('ValidationException', field, text, `Member must satisfy regular expression pattern: ${patternText}`);
}

/** A connection's InvocationHttpParameters or OAuthHttpParameters; `field` is its path in the request. */
export function validateConnectionHttpParameters(params: ConnectionHttpParameters | undefined, field: string): void {
  (params?.HeaderParameters ?? []).forEach((p, i) => {
    const at = `${field}.headerParameters.${i + 1}.member`;
    check(`${at}.key`, p.Key, HEADER_KEY, HEADER_KEY.source);
    // A secret value is not echoed back in the error.
    if (p.Value !== undefined && !HEADER_VALUE.test(p.Value)) {
      throw constraintViolation('ValidationException', `${at}.value`, p.IsValueSecret ? '***' : p.Value, `Member must satisfy regular expression pattern: ${HEADER_VALUE.source}`);
    }
  });
  (params?.QueryStringParameters ?? []).forEach((p, i) => check(`${field}.queryStringParameters.${i + 1}.member.key`, p.Key, QUERY_KEY, QUERY_KEY.source));
}

/** A PutTargets entry's HttpParameters (the `$.` paths it may hold match these patterns too). */
export function validateTargetHttpParameters(http: Target['HttpParameters'], index: number): void {
  if (!http) return;
  const at = `targets.${index + 1}.member.httpParameters`;
  for (const [k, v] of Object.entries(http.HeaderParameters ?? {})) {
    check(`${at}.headerParameters`, k, HEADER_KEY, HEADER_KEY.source);
    check(`${at}.headerParameters`, v, HEADER_VALUE, HEADER_VALUE.source);
  }
  for (const [k, v] of Object.entries(http.QueryStringParameters ?? {})) {
    check(`${at}.queryStringParameters`, k, QUERY_KEY, QUERY_KEY.source);
    check(`${at}.queryStringParameters`, v, QUERY_VALUE, QUERY_VALUE.source);
  }
  (http.PathParameterValues ?? []).forEach((v, i) => check(`${at}.pathParameterValues.${i + 1}.member`, v, PATH_VALUE, PATH_VALUE.source));
}
