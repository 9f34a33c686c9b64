import { Event } from '@aws-sdk/client-s3';

/**
 * S3 notification event types. The list is the S3 client's own `Event` enum (the API model's set of
 * event names), so it tracks the SDK. `s3:TestEvent` is not in it: S3 sends that itself and it may
 * not appear in a configuration. A `Group:*` name stands for every `Group:…` member.
 */
export const CONFIGURABLE_EVENTS: readonly string[] = Object.values(Event);

const CONCRETE_EVENTS = CONFIGURABLE_EVENTS.filter((e) => !e.endsWith(':*'));

export const isConfigurableEvent = (name: string): boolean => CONFIGURABLE_EVENTS.includes(name);

/** Adds the `s3:` prefix that configurations use and records omit. */
export const withS3Prefix = (name: string): string => (name.startsWith('s3:') ? name : `s3:${name}`);

/** Whether configuration event `configured` (possibly a `:*` wildcard) covers the concrete `eventName`. */
export function eventCovers(configured: string, eventName: string): boolean {
  const name = withS3Prefix(eventName);
  return configured === name || (configured.endsWith(':*') && name.startsWith(configured.slice(0, -1)));
}

/** The concrete event types a configuration event stands for. */
export function expandEvent(configured: string): string[] {
  return CONCRETE_EVENTS.filter((e) => eventCovers(configured, e));
}

/** Two configuration events overlap when they share a concrete type (a wildcard shares with its members). */
export function eventsOverlap(a: string, b: string): boolean {
  const bs = new Set(expandEvent(b));
  return expandEvent(a).some((e) => bs.has(e));
}

/**
 * The record `eventVersion` S3 uses for an event (fact sheet §1, from S3 "Event message structure"):
 * 2.2 for replication events; 2.3 for Lifecycle, Intelligent-Tiering, object ACL, object tagging and
 * ObjectRestore:Delete events; 2.1 for the rest.
 */
export function defaultEventVersion(eventName: string): string {
  const name = eventName.replace(/^s3:/, '');
  if (name.startsWith('Replication:')) return '2.2';
  if (
    name.startsWith('LifecycleExpiration:') ||
    name === 'LifecycleTransition' ||
    name === 'IntelligentTiering' ||
    name.startsWith('ObjectAcl:') ||
    name.startsWith('ObjectTagging:') ||
    name === 'ObjectRestore:Delete'
  ) {
    return '2.3';
  }
  return '2.1';
}
