import { keyIn, sameScope, type Scope } from '../core/scope';
import type { MetricFilter } from './metric-filters';
import type { GroupPolicy } from './resource-policies';
import type { SubscriptionFilter } from './subscription-filters';

/** The Logs provider's state: groups hold their streams (which hold their events) and their filters. */
export interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
  /** Global order of arrival, the tie-breaker for equal timestamps. */
  seq: number;
}
export interface LogStream {
  name: string;
  creationTime: number;
  events: LogEvent[];
}
export interface LogGroup {
  name: string;
  /** The account and Region of a group made outside the emulator's own (absent: the emulator's). */
  scope?: Scope;
  creationTime: number;
  retentionInDays?: number;
  /** The KMS key ARN given at creation or by AssociateKmsKey (nothing is encrypted: it is only shown). */
  kmsKeyId?: string;
  streams: Map<string, LogStream>;
  tags: Record<string, string>;
  metricFilters: Map<string, MetricFilter>;
  subscriptionFilters: Map<string, SubscriptionFilter>;
  /** PutResourcePolicy with this group's ARN. */
  resourcePolicy?: GroupPolicy;
}

/**
 * How groups are keyed (the provider's map, retention, Live Tail, saved records): the name for a group of the
 * emulator's own account and Region, so data saved before groups were kept per Region still reads, and
 * `<account>:<region>/<name>` for another's (a log group name has no colon).
 */
export const groupIdFor = (scope: Scope, home: Scope, name: string): string => (sameScope(scope, home) ? name : keyIn(scope, name));
export const groupId = (g: LogGroup): string => (g.scope ? keyIn(g.scope, g.name) : g.name);

/**
 * The account-level records (destinations, account and resource policies, query definitions) are kept per account
 * and Region as groups are: keyed by their id in the emulator's own, `<account>:<region>/<id>` in another, and
 * carrying a `scope` only when made outside the emulator's own (so data saved before reads as its own).
 */
export interface Scoping {
  home: Scope;
  key(scope: Scope, id: string): string;
  /** The fields that mark a record made in `scope`. */
  field(scope: Scope): { scope?: Scope };
  owns(scope: Scope, record: { scope?: Scope }): boolean;
}

export const scopingFor = (home: Scope): Scoping => ({
  home,
  key: (scope, id) => groupIdFor(scope, home, id),
  field: (scope) => (sameScope(scope, home) ? {} : { scope: { region: scope.region, accountId: scope.accountId } }),
  owns: (scope, record) => sameScope(record.scope ?? home, scope),
});

/** A record as the API shows it: without the scope it is kept under. */
export const withoutScope = <T extends { scope?: Scope }>({ scope: _s, ...rest }: T): Omit<T, 'scope'> => rest;
