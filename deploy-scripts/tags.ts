/**
 * The tags deploy puts on everything it creates, and the check teardown makes before deleting anything:
 * a resource is the harness's only when it carries `s3-event-harness:stack`. A name that merely starts with
 * the prefix is not enough (someone else's bucket may share it).
 */
export const STACK_TAG = 's3-event-harness:stack';
export const MANAGED_TAG = 's3-event-harness:managed';

export type Tags = Record<string, string>;

/** What every resource of the stack `prefix` carries. */
export const stackTags = (prefix: string): Tags => ({ [STACK_TAG]: prefix, [MANAGED_TAG]: 'true' });

/** The wanted tags the resource lacks or has with another value; empty when it is tagged already. */
export function missingTags(existing: Tags | undefined, wanted: Tags): Tags {
  return Object.fromEntries(Object.entries(wanted).filter(([k, v]) => existing?.[k] !== v));
}

export const hasAll = (existing: Tags | undefined, wanted: Tags): boolean => Object.keys(missingTags(existing, wanted)).length === 0;

/** S3, SNS and IAM spell tags as a list. */
export const toTagList = (tags: Tags): { Key: string; Value: string }[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
export const fromTagList = (list: { Key?: string; Value?: string }[] | undefined): Tags =>
  Object.fromEntries((list ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));

/**
 * Whether teardown of `prefix` may delete a resource with these tags: its stack is `prefix` itself or a
 * stack under it (`<prefix>-…`, e.g. a scenario's `<prefix>-<slug>-<hex>`), so tearing down a parent prefix
 * cleans up after crashed runs. Otherwise the reason it is left alone.
 */
export function ownership(tags: Tags | undefined, prefix: string): { owned: true } | { owned: false; reason: string } {
  const stack = tags?.[STACK_TAG];
  if (stack === undefined) return { owned: false, reason: 'not tagged by s3-event-harness' };
  if (stack === prefix || stack.startsWith(`${prefix}-`)) return { owned: true };
  return { owned: false, reason: `tagged for s3-event-harness stack "${stack}", which is not under "${prefix}"` };
}
