import type { EntityChange, Persistable } from '../core/service';
import { keyIn, sameScope, splitKey, type Scope } from '../core/scope';

/**
 * One saved store for every Region's CloudWatch. The emulator's own Region keeps the keys persistence.ts gives
 * (so data saved before Regions were kept apart loads as that Region's); another Region's keys are prefixed
 * `@` and its scope key (`@<account>:<region>/`, core/scope.ts). No unprefixed key starts with `@`.
 */
const MARK = '@';

const prefixOf = (scope: Scope, home: Scope): string => (sameScope(scope, home) ? '' : MARK + keyIn(scope, ''));

/** The scope and the Region's own key of a saved key. */
function split(key: string, home: Scope): { scope: Scope; key: string } {
  const scoped = key.startsWith(MARK) ? splitKey(key.slice(MARK.length)) : undefined;
  return scoped ? { scope: scoped.scope, key: scoped.name } : { scope: home, key };
}

export interface ScopedJournal {
  scope: Scope;
  persistence?: Persistable;
}

export function scopedPersistence(home: Scope, regions: () => Iterable<ScopedJournal>, journalFor: (scope: Scope) => Persistable): Persistable {
  return {
    takeChanges() {
      const changes: EntityChange[] = [];
      for (const { scope, persistence } of regions()) {
        const prefix = prefixOf(scope, home);
        for (const c of persistence?.takeChanges() ?? []) {
          changes.push('prefix' in c ? { ...c, prefix: prefix + c.prefix } : { ...c, key: prefix + c.key });
        }
      }
      return changes;
    },
    *entities() {
      for (const { scope, persistence } of [...regions()]) {
        const prefix = prefixOf(scope, home);
        for (const [key, value] of persistence?.entities() ?? []) yield [prefix + key, value] as [string, unknown];
      }
    },
    async restore(entities) {
      const byScope = new Map<string, { scope: Scope; entities: Map<string, unknown> }>();
      // The emulator's own Region is restored even with nothing saved, as it always was.
      byScope.set('', { scope: home, entities: new Map() });
      for (const [saved, value] of entities) {
        const { scope, key } = split(saved, home);
        const prefix = prefixOf(scope, home);
        let group = byScope.get(prefix);
        if (!group) byScope.set(prefix, (group = { scope, entities: new Map() }));
        group.entities.set(key, value);
      }
      for (const { scope, entities: own } of byScope.values()) await journalFor(scope).restore(own);
    },
  };
}
