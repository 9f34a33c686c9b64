import type { EntityChange, Persistable } from './service';

/**
 * Persistence for state that is small enough to write whole: after any request whose operation does not
 * match `unchanging`, every entity `entries()` lists is written again, and those it no longer lists are
 * removed. Used by services with a handful of records (SNS topology, Lambda functions, IAM roles…).
 */
export function rewrittenWhole(
  unchanging: RegExp,
  entries: () => [string, unknown][],
  restore: (entities: Map<string, unknown>) => void | Promise<void>,
): Persistable {
  let dirty = false;
  let written = new Set<string>();
  return {
    touched(operation) {
      if (!unchanging.test(operation)) dirty = true;
    },
    takeChanges(): EntityChange[] {
      if (!dirty) return [];
      dirty = false;
      const now = entries();
      const keys = new Set(now.map(([key]) => key));
      const changes: EntityChange[] = now.map(([key, value]) => ({ key, value }));
      for (const key of written) if (!keys.has(key)) changes.push({ key, deleted: true });
      written = keys;
      return changes;
    },
    entities: entries,
    async restore(entities) {
      await restore(entities);
      written = new Set(entities.keys());
    },
  };
}

/** A service whose whole state is a few maps (IAM roles, EventBridge buses): one entity per map. */
export function persistedMaps(maps: Record<string, Map<any, any>>, unchanging: RegExp): Persistable {
  return rewrittenWhole(unchanging, () => Object.entries(maps), (entities) => restoreMaps(maps, entities));
}

/** Refills each map from the saved entity of the same key (one entity per map). */
export function restoreMaps(maps: Record<string, Map<any, any>>, entities: Map<string, unknown>): void {
  for (const [key, map] of Object.entries(maps)) {
    const saved = entities.get(key);
    if (!(saved instanceof Map)) continue;
    map.clear();
    for (const [k, v] of saved) map.set(k, v);
  }
}
