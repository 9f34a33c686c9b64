import type { EntityChange, Persistable } from './service';

/**
 * Persistence for a service whose whole state is a few small maps (IAM roles, EventBridge buses, alarms):
 * each map is one entity, rewritten after any request whose operation does not match `unchanging`.
 */
export function persistedMaps(maps: Record<string, Map<any, any>>, unchanging: RegExp): Persistable {
  let dirty = false;
  return {
    touched(operation) {
      if (!unchanging.test(operation)) dirty = true;
    },
    takeChanges(): EntityChange[] {
      if (!dirty) return [];
      dirty = false;
      return Object.entries(maps).map(([key, value]) => ({ key, value }));
    },
    entities: () => Object.entries(maps),
    restore(entities) {
      for (const [key, map] of Object.entries(maps)) {
        const saved = entities.get(key);
        if (!(saved instanceof Map)) continue;
        map.clear();
        for (const [k, v] of saved) map.set(k, v);
      }
    },
  };
}
