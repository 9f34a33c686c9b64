import { constraintViolation } from '../core/errors';
import { jsonNestingDepth } from '../core/json-depth';
import { validateEventPattern } from '../core/patterns';

/*
 * Bounds on the JSON EventBridge reads, so that matching (which recurses once per level) cannot exhaust the stack:
 * a routed event is matched off the request, where a RangeError would end the process.
 */

/** The API model's limit on EventPattern (the default quota is 2048 characters, adjustable up to this). */
export const MAX_EVENT_PATTERN_LENGTH = 4096;
/** "PutEvents will only process nested JSON up to 1000 levels deep" (the PutEvents API reference; older copies said 1100). */
export const MAX_EVENT_NESTING = 1000;

/** Checks an EventPattern's length, then its content. */
export function checkEventPattern(pattern: string): void {
  if (pattern.length > MAX_EVENT_PATTERN_LENGTH) {
    throw constraintViolation('ValidationException', 'eventPattern', pattern, `Member must have length less than or equal to ${MAX_EVENT_PATTERN_LENGTH}`);
  }
  validateEventPattern(pattern);
}

/** Whether JSON text nests deeper than EventBridge processes. */
export const nestsTooDeep = (json: string): boolean => jsonNestingDepth(json, MAX_EVENT_NESTING) > MAX_EVENT_NESTING;
/** The same for a whole event (TestEventPattern's Event): its own object is one level more than its detail. */
export const eventNestsTooDeep = (event: string): boolean => jsonNestingDepth(event, MAX_EVENT_NESTING + 1) > MAX_EVENT_NESTING + 1;
