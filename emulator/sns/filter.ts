import { matchesPattern, toFilterableAttributes, validateFilterPolicy } from '../core/patterns';
import { messageFor, type PublishedMessage, type Subscription } from './state';
import type { FilterPolicyScope } from './validation';

/**
 * Subscription filter policies, applied with the shared pattern matcher (emulator/core/patterns).
 * Attribute scope compares String, String.Array and Number attributes (Binary ones are ignored); body scope
 * needs the message the subscriber would get to be a JSON object, else the message is filtered out.
 */

export const scopeOf = (sub: Subscription): FilterPolicyScope =>
  sub.attributes.FilterPolicyScope === 'MessageBody' ? 'MessageBody' : 'MessageAttributes';

/** Validates a policy for a scope; an empty string removes the policy, so it is always valid. */
export function checkFilterPolicy(policy: string, scope: FilterPolicyScope, subscribeCall: boolean): void {
  if (policy === '') return;
  validateFilterPolicy(policy, scope, { subscribeCall });
}

const parsed = new WeakMap<Subscription, { text: string; policy: object }>();

function policyOf(sub: Subscription): object | undefined {
  const text = sub.attributes.FilterPolicy;
  if (!text) return undefined;
  const cached = parsed.get(sub);
  if (cached?.text === text) return cached.policy;
  const policy = JSON.parse(text) as object;
  parsed.set(sub, { text, policy });
  return policy;
}

function parseBody(text: string): object | undefined {
  try {
    const body: unknown = JSON.parse(text);
    return body && typeof body === 'object' && !Array.isArray(body) ? body : undefined;
  } catch {
    return undefined;
  }
}

/** True when the subscription should receive the message. */
export function passesFilter(sub: Subscription, m: PublishedMessage): boolean {
  const policy = policyOf(sub);
  if (!policy || Object.keys(policy).length === 0) return true;
  if (scopeOf(sub) === 'MessageBody') {
    const body = parseBody(messageFor(m, sub.protocol));
    return body !== undefined && matchesPattern(policy, body, { mode: 'sns-body' });
  }
  return matchesPattern(policy, toFilterableAttributes(m.attributes), { mode: 'sns-attributes' });
}
