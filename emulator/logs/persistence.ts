import { PendingRecords } from '../core/pending-records';
import type { EntityChange, Persistable } from '../core/service';
import { compilePattern, type MetricFilter } from './metric-filters';
import type { QueryDefinition } from './query-definitions';
import type { AccountPolicy, GroupPolicy } from './resource-policies';
import type { SubscriptionFilter } from './subscription-filters';
import { groupId, type LogEvent, type LogGroup, type LogStream } from './state';
import type { Scope } from '../core/scope';
import { appendAll } from '../core/arrays';

/**
 * Logs state as persisted entities, written in proportion to what changed:
 *   `g\0<group>`                      a group's settings, tags and filters (small, rewritten when they change)
 *   `s\0<group>\0<stream>`            a stream's name and creation time
 *   `e\0<group>\0<stream>\0<seq>`     a batch of events, keyed by its first event's arrival number: a
 *                                     PutLogEvents (or a function's output) adds one entity and rewrites none
 *   `e\0<group>\0<stream>\0x<seq>`    arrival numbers of events that expired (retention.ts), as [first, last]
 *                                     ranges, keyed by the first: a sweep writes what it removed, not the stream
 *   `p\0<policy key>`                 an account-scoped resource policy (a group's own is part of its record), by
 *                                     its key in the provider's map (state.ts, Scoping)
 *   `q\0<query definition id>`        a saved Logs Insights query
 *   `<family>\0<id>`                  one record of a family kept whole in a map (`records`): `x` export tasks,
 *                                     `ap` account policies (PutAccountPolicy), `d` destinations
 * Deleting a stream or group drops its families of keys (expiry records included) with prefix deletions. A
 * snapshot regroups a stream's events into chunks; arrival numbers only grow, so a later batch's key never meets a
 * chunk's.
 */
const SEP = '\u0000';
const groupKey = (group: string) => `g${SEP}${group}`;
const policyKey = (name: string) => `p${SEP}${name}`;
const queryKey = (id: string) => `q${SEP}${id}`;
const streamKey = (group: string, stream: string) => `s${SEP}${group}${SEP}${stream}`;
const eventsPrefix = (group: string, stream?: string) => `e${SEP}${group}${SEP}${stream === undefined ? '' : `${stream}${SEP}`}`;
/** The next arrival number, in a snapshot: the events that had the highest may have expired or been deleted. */
const NEXT_SEQ_KEY = 'next-seq';
/** Events per snapshot entity. */
const CHUNK = 1000;

/** An event on disk: [timestamp, ingestionTime, seq, message]. */
type SavedEvent = [number, number, number, string];
/** Expired arrival numbers, as inclusive [first, last] ranges. */
type SavedExpiry = [number, number][];
const EXPIRED_MARK = 'x';
type SavedMetricFilter = Omit<MetricFilter, 'match'>;
type SavedSubscriptionFilter = Omit<SubscriptionFilter, 'match'>;
interface SavedGroup {
  name: string;
  /** Absent for a group of the emulator's own account and Region (and in data saved before groups had one). */
  scope?: Scope;
  creationTime: number;
  retentionInDays?: number;
  kmsKeyId?: string;
  tags: Record<string, string>;
  metricFilters: SavedMetricFilter[];
  subscriptionFilters: SavedSubscriptionFilter[];
  resourcePolicy?: GroupPolicy;
}

export interface LogsJournal extends Persistable {
  /** A group was created or its settings, tags or filters changed. */
  groupChanged(group: LogGroup): void;
  /** `id`: the group's groupId. */
  groupDeleted(id: string): void;
  streamCreated(group: LogGroup, stream: LogStream): void;
  streamDeleted(group: LogGroup, name: string): void;
  eventsAdded(group: LogGroup, stream: LogStream, events: LogEvent[]): void;
  /** Events left the stream because they expired (retention.ts). */
  eventsExpired(group: LogGroup, stream: LogStream, events: LogEvent[]): void;
  /** An account-scoped resource policy was put or deleted. */
  accountPolicyChanged(name: string): void;
  /** A query definition was put or deleted. */
  queryDefinitionChanged(id: string): void;
  /** A record of one of the `records` families was put or deleted. */
  recordChanged(family: string, id: string): void;
}

/** Records kept whole, by family (a key prefix of its own) then id. */
export type RecordFamilies = Record<string, Map<string, unknown>>;

const withoutMatch = <T extends { match: unknown }>({ match: _m, ...rest }: T): Omit<T, 'match'> => rest;

const savedGroup = (g: LogGroup): SavedGroup => ({
  name: g.name,
  ...(g.scope ? { scope: g.scope } : {}),
  creationTime: g.creationTime,
  retentionInDays: g.retentionInDays,
  kmsKeyId: g.kmsKeyId,
  tags: { ...g.tags },
  metricFilters: [...g.metricFilters.values()].map(withoutMatch),
  subscriptionFilters: [...g.subscriptionFilters.values()].map(withoutMatch),
  ...(g.resourcePolicy ? { resourcePolicy: { ...g.resourcePolicy } } : {}),
});
const savedEvents = (events: LogEvent[]): SavedEvent[] => events.map((e) => [e.timestamp, e.ingestionTime, e.seq, e.message]);
/** Arrival numbers as ranges: events expire mostly in arrival order, so a sweep is usually one or a few ranges. */
function expiryRanges(events: LogEvent[]): SavedExpiry {
  const seqs = events.map((e) => e.seq).sort((a, b) => a - b);
  const ranges: SavedExpiry = [];
  for (const n of seqs) {
    const last = ranges.at(-1);
    if (last && n === last[1] + 1) last[1] = n;
    else ranges.push([n, n]);
  }
  return ranges;
}

/** `events` (in arrival order) less those whose arrival number falls in one of `ranges`: one pass over both. */
function withoutRanges(events: LogEvent[], ranges: SavedExpiry): LogEvent[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let r = 0;
  return events.filter((e) => {
    while (r < sorted.length && sorted[r]![1] < e.seq) r++;
    return !(r < sorted.length && sorted[r]![0] <= e.seq);
  });
}

/**
 * `groups` is the provider's map; `restored(nextSeq)` tells it the arrival number to continue from, which
 * `nextSeq()` gives for a snapshot.
 */
export function logsPersistence(
  groups: Map<string, LogGroup>,
  policies: Map<string, AccountPolicy>,
  queryDefinitions: Map<string, QueryDefinition>,
  restored: (nextSeq: number) => void,
  nextSeq: () => number,
  records: RecordFamilies = {},
  resume?: () => void,
): LogsJournal {
  /** Event batches and prefix deletions, in the order they happened. */
  let ordered: EntityChange[] = [];
  /** Group and stream records, written as they are when the changes are taken. */
  const dirty = new PendingRecords();

  // Records name a group by its groupId (state.ts), which is its name in the emulator's own account and Region.
  const groupNow = (id: string) => () => {
    const g = groups.get(id);
    return g && savedGroup(g);
  };
  const streamNow = (group: string, stream: string) => () => {
    const s = groups.get(group)?.streams.get(stream);
    return s && { name: s.name, creationTime: s.creationTime };
  };

  return {
    groupChanged(g) {
      dirty.note(groupKey(groupId(g)), groupNow(groupId(g)));
    },
    groupDeleted(id) {
      dirty.note(groupKey(id), groupNow(id));
      ordered.push({ prefix: `s${SEP}${id}${SEP}`, deleted: true }, { prefix: eventsPrefix(id), deleted: true });
    },
    streamCreated(g, s) {
      dirty.note(streamKey(groupId(g), s.name), streamNow(groupId(g), s.name));
    },
    streamDeleted(g, name) {
      dirty.note(streamKey(groupId(g), name), streamNow(groupId(g), name));
      ordered.push({ prefix: eventsPrefix(groupId(g), name), deleted: true });
    },
    eventsAdded(g, s, events) {
      if (events.length) ordered.push({ key: `${eventsPrefix(groupId(g), s.name)}${events[0]!.seq}`, value: savedEvents(events) });
    },
    eventsExpired(g, s, events) {
      if (!events.length) return;
      const ranges = expiryRanges(events);
      // Each event expires once, so the first expired arrival number names this record alone.
      ordered.push({ key: `${eventsPrefix(groupId(g), s.name)}${EXPIRED_MARK}${ranges[0]![0]}`, value: ranges });
    },

    accountPolicyChanged(key) {
      dirty.note(policyKey(key), () => policies.get(key));
    },
    queryDefinitionChanged(id) {
      dirty.note(queryKey(id), () => queryDefinitions.get(id));
    },
    recordChanged(family, id) {
      dirty.note(`${family}${SEP}${id}`, () => records[family]?.get(id));
    },

    takeChanges() {
      const changes = ordered;
      ordered = [];
      // After the ordered ones: a record deleted by a prefix above and created again is written back.
      return dirty.drainInto(changes);
    },

    *entities() {
      yield [NEXT_SEQ_KEY, nextSeq()];
      for (const [key, p] of policies) yield [policyKey(key), p];
      for (const q of queryDefinitions.values()) yield [queryKey(q.queryDefinitionId), q];
      for (const [family, items] of Object.entries(records)) for (const [id, r] of items) yield [`${family}${SEP}${id}`, r];
      for (const [id, g] of groups) {
        yield [groupKey(id), savedGroup(g)];
        for (const s of g.streams.values()) {
          yield [streamKey(id, s.name), { name: s.name, creationTime: s.creationTime }];
          for (let i = 0; i < s.events.length; i += CHUNK) {
            const chunk = s.events.slice(i, i + CHUNK);
            yield [`${eventsPrefix(id, s.name)}${chunk[0]!.seq}`, savedEvents(chunk)];
          }
        }
      }
    },

    restore(entities) {
      let next = Number(entities.get(NEXT_SEQ_KEY) ?? 0);
      const byKind = (kind: string) => [...entities].filter(([key]) => key.startsWith(`${kind}${SEP}`));
      for (const [, value] of byKind('g')) {
        const s = value as SavedGroup;
        const restored: LogGroup = {
          name: s.name,
          ...(s.scope ? { scope: s.scope } : {}),
          creationTime: s.creationTime,
          retentionInDays: s.retentionInDays,
          kmsKeyId: s.kmsKeyId,
          tags: s.tags,
          streams: new Map(),
          metricFilters: new Map(s.metricFilters.map((f) => [f.filterName, { ...f, match: compilePattern(f.filterPattern) }])),
          subscriptionFilters: new Map(s.subscriptionFilters.map((f) => [f.filterName, { ...f, match: compilePattern(f.filterPattern) }])),
          resourcePolicy: s.resourcePolicy,
        };
        groups.set(groupId(restored), restored);
      }
      for (const [key, value] of byKind('p')) policies.set(key.slice(2), value as AccountPolicy);
      for (const [, value] of byKind('q')) {
        const q = value as QueryDefinition;
        queryDefinitions.set(q.queryDefinitionId, q);
      }
      for (const [family, items] of Object.entries(records)) {
        for (const [key, value] of byKind(family)) items.set(key.slice(family.length + 1), value);
      }
      for (const [key, value] of byKind('s')) {
        const [, group] = key.split(SEP);
        const s = value as { name: string; creationTime: number };
        groups.get(group!)?.streams.set(s.name, { name: s.name, creationTime: s.creationTime, events: [] });
      }
      /** Expired arrival numbers per stream (a snapshot holds none: it is written from what is left). */
      const expired = new Map<LogStream, SavedExpiry>();
      for (const [key, value] of byKind('e')) {
        const [, group, stream, id] = key.split(SEP);
        const s = groups.get(group!)?.streams.get(stream!);
        if (!s) continue;
        if (id!.startsWith(EXPIRED_MARK)) {
          const ranges = value as SavedExpiry;
          let all = expired.get(s);
          if (!all) expired.set(s, (all = []));
          appendAll(all, ranges);
          for (const [, last] of ranges) next = Math.max(next, last + 1);
          continue;
        }
        for (const [timestamp, ingestionTime, seq, message] of value as SavedEvent[]) {
          s.events.push({ timestamp, ingestionTime, seq, message });
          next = Math.max(next, seq + 1);
        }
      }
      for (const g of groups.values()) {
        for (const s of g.streams.values()) {
          // Batches load in key order, not arrival order; an event in two entities counts once.
          s.events.sort((a, b) => a.seq - b.seq);
          s.events = s.events.filter((e, i) => i === 0 || e.seq !== s.events[i - 1]!.seq);
          const gone = expired.get(s);
          if (gone) s.events = withoutRanges(s.events, gone);
        }
      }
      restored(next);
    },
    ...(resume ? { resume } : {}),
  };
}
