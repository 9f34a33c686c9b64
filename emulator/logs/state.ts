import { keyIn, type Scope } from '../core/scope';
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
export const groupIdFor = (scope: Scope, home: Scope, name: string): string =>
  scope.region === home.region && scope.accountId === home.accountId ? name : keyIn(scope, name);
export const groupId = (g: LogGroup): string => (g.scope ? keyIn(g.scope, g.name) : g.name);
