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
