/** Key/value tag lists as IAM, EventBridge and CloudWatch keep them. */
export interface Tag {
  Key: string;
  Value: string;
}

/** A tag list after adding tags: a later value for a key replaces the earlier one, keys keep the order they were first set. */
export function mergedTags(current: Tag[] | undefined, added: { Key?: string; Value?: string }[] | undefined): Tag[] {
  const byKey = new Map((current ?? []).map((t) => [t.Key, t.Value]));
  for (const t of added ?? []) byKey.set(String(t.Key), t.Value ?? '');
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

/** A tag list without the given keys. */
export const withoutTags = (current: Tag[] | undefined, keys: string[] | undefined): Tag[] => {
  const drop = new Set(keys ?? []);
  return (current ?? []).filter((t) => !drop.has(t.Key));
};
