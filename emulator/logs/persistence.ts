import type { EntityChange, Persistable } from '../core/service';
import { compilePattern, type MetricFilter } from './metric-filters';
import type { SubscriptionFilter } from './subscription-filters';
import type { LogEvent, LogGroup, LogStream } from './state';

/**
 * Logs state as persisted entities, written in proportion to what changed:
 *   `g\0<group>`                      a group's settings, tags and filters (small, rewritten when they change)
 *   `s\0<group>\0<stream>`            a stream's name and creation time
 *   `e\0<group>\0<stream>\0<seq>`     a batch of events, keyed by its first event's arrival number: a
 *                                     PutLogEvents (or a function's output) adds one entity and rewrites none
 * Deleting a stream or group drops its families of keys with prefix deletions. A snapshot regroups a stream's
 * events into chunks; arrival numbers only grow, so a later batch's key never meets a chunk's.
 */
const SEP = '\u0000';
const groupKey = (group: string) => `g${SEP}${group}`;
const streamKey = (group: string, stream: string) => `s${SEP}${group}${SEP}${stream}`;
const eventsPrefix = (group: string, stream?: string) => `e${SEP}${group}${SEP}${stream === undefined ? '' : `${stream}${SEP}`}`;
/** Events per snapshot entity. */
const CHUNK = 1000;

/** An event on disk: [timestamp, ingestionTime, seq, message]. */
type SavedEvent = [number, number, number, string];
type SavedMetricFilter = Omit<MetricFilter, 'match'>;
type SavedSubscriptionFilter = Omit<SubscriptionFilter, 'match'>;
interface SavedGroup {
  name: string;
  creationTime: number;
  retentionInDays?: number;
  kmsKeyId?: string;
  tags: Record<string, string>;
  metricFilters: SavedMetricFilter[];
  subscriptionFilters: SavedSubscriptionFilter[];
}

export interface LogsJournal extends Persistable {
  /** A group was created or its settings, tags or filters changed. */
  groupChanged(group: LogGroup): void;
  groupDeleted(name: string): void;
  streamCreated(group: LogGroup, stream: LogStream): void;
  streamDeleted(group: LogGroup, name: string): void;
  eventsAdded(group: LogGroup, stream: LogStream, events: LogEvent[]): void;
}

const withoutMatch = <T extends { match: unknown }>({ match: _m, ...rest }: T): Omit<T, 'match'> => rest;

const savedGroup = (g: LogGroup): SavedGroup => ({
  name: g.name,
  creationTime: g.creationTime,
  retentionInDays: g.retentionInDays,
  kmsKeyId: g.kmsKeyId,
  tags: { ...g.tags },
  metricFilters: [...g.metricFilters.values()].map(withoutMatch),
  subscriptionFilters: [...g.subscriptionFilters.values()].map(withoutMatch),
});
const savedEvents = (events: LogEvent[]): SavedEvent[] => events.map((e) => [e.timestamp, e.ingestionTime, e.seq, e.message]);

/**
 * `groups` is the provider's map; `restored(nextSeq)` tells it the arrival number to continue from.
 */
export function logsPersistence(groups: Map<string, LogGroup>, restored: (nextSeq: number) => void): LogsJournal {
  /** Event batches and prefix deletions, in the order they happened. */
  let ordered: EntityChange[] = [];
  /** Group and stream records to write as they are when the changes are taken (or delete, if gone). */
  const dirty = new Map<string, () => unknown>();

  const groupNow = (name: string) => () => {
    const g = groups.get(name);
    return g && savedGroup(g);
  };
  const streamNow = (group: string, stream: string) => () => {
    const s = groups.get(group)?.streams.get(stream);
    return s && { name: s.name, creationTime: s.creationTime };
  };

  return {
    groupChanged(g) {
      dirty.set(groupKey(g.name), groupNow(g.name));
    },
    groupDeleted(name) {
      dirty.set(groupKey(name), groupNow(name));
      ordered.push({ prefix: `s${SEP}${name}${SEP}`, deleted: true }, { prefix: eventsPrefix(name), deleted: true });
    },
    streamCreated(g, s) {
      dirty.set(streamKey(g.name, s.name), streamNow(g.name, s.name));
    },
    streamDeleted(g, name) {
      dirty.set(streamKey(g.name, name), streamNow(g.name, name));
      ordered.push({ prefix: eventsPrefix(g.name, name), deleted: true });
    },
    eventsAdded(g, s, events) {
      if (events.length) ordered.push({ key: `${eventsPrefix(g.name, s.name)}${events[0]!.seq}`, value: savedEvents(events) });
    },

    takeChanges() {
      const changes = ordered;
      ordered = [];
      // After the ordered ones: a record deleted by a prefix above and created again is written back.
      for (const [key, now] of dirty) {
        const value = now();
        changes.push(value === undefined ? { key, deleted: true } : { key, value });
      }
      dirty.clear();
      return changes;
    },

    *entities() {
      for (const g of groups.values()) {
        yield [groupKey(g.name), savedGroup(g)];
        for (const s of g.streams.values()) {
          yield [streamKey(g.name, s.name), { name: s.name, creationTime: s.creationTime }];
          for (let i = 0; i < s.events.length; i += CHUNK) {
            const chunk = s.events.slice(i, i + CHUNK);
            yield [`${eventsPrefix(g.name, s.name)}${chunk[0]!.seq}`, savedEvents(chunk)];
          }
        }
      }
    },

    restore(entities) {
      let nextSeq = 0;
      const byKind = (kind: string) => [...entities].filter(([key]) => key.startsWith(`${kind}${SEP}`));
      for (const [, value] of byKind('g')) {
        const s = value as SavedGroup;
        groups.set(s.name, {
          name: s.name,
          creationTime: s.creationTime,
          retentionInDays: s.retentionInDays,
          kmsKeyId: s.kmsKeyId,
          tags: s.tags,
          streams: new Map(),
          metricFilters: new Map(s.metricFilters.map((f) => [f.filterName, { ...f, match: compilePattern(f.filterPattern) }])),
          subscriptionFilters: new Map(s.subscriptionFilters.map((f) => [f.filterName, { ...f, match: compilePattern(f.filterPattern) }])),
        });
      }
      for (const [key, value] of byKind('s')) {
        const [, group] = key.split(SEP);
        const s = value as { name: string; creationTime: number };
        groups.get(group!)?.streams.set(s.name, { name: s.name, creationTime: s.creationTime, events: [] });
      }
      for (const [key, value] of byKind('e')) {
        const [, group, stream] = key.split(SEP);
        const s = groups.get(group!)?.streams.get(stream!);
        if (!s) continue;
        for (const [timestamp, ingestionTime, seq, message] of value as SavedEvent[]) {
          s.events.push({ timestamp, ingestionTime, seq, message });
          nextSeq = Math.max(nextSeq, seq + 1);
        }
      }
      for (const g of groups.values()) {
        for (const s of g.streams.values()) {
          // Batches load in key order, not arrival order; an event in two entities counts once.
          s.events.sort((a, b) => a.seq - b.seq);
          s.events = s.events.filter((e, i) => i === 0 || e.seq !== s.events[i - 1]!.seq);
        }
      }
      restored(nextSeq);
    },
  };
}
